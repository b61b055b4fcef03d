"""Audio devices through sounddevice (PortAudio): importing it helpfully, checking a device, re-scanning devices.

Every failure to import PortAudio or open a device becomes an :class:`~voice_guide.errors.AudioError` with one
clear line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from voice_guide.errors import AudioError, DeviceMissingError

log = logging.getLogger(__name__)

Device = int | str | None
"""A sounddevice device: index, (part of a) name, or None for the system default."""


def import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio or package into an AudioError that says what to install."""
    try:
        import sounddevice
    except OSError:
        raise AudioError(
            "the PortAudio library is missing: install libportaudio2 (e.g. sudo apt install libportaudio2)"
        ) from None
    except ImportError:
        raise AudioError("sounddevice is not installed: pip install 'voice-guide[voice]'") from None
    module: ModuleType = sounddevice
    return module


_Stream = TypeVar("_Stream")


def with_device_refresh(sd: ModuleType, open_stream: Callable[[], _Stream]) -> _Stream:
    """Open (or look up) a device; if PortAudio refuses, scan the devices again and try once more.

    PortAudio lists devices only when it starts, so a device plugged in (or a sound server restarted) since then
    is unknown to it, and a stale default can fail with "Illegal combination of I/O devices". Only called when no
    stream of ours is open, since re-scanning invalidates open streams.
    """
    try:
        return open_stream()
    except (ValueError, sd.PortAudioError) as error:  # ValueError: no such device (name or number) in the list
        log.info("opening an audio device failed (%s); scanning the devices again", error)
        sd._terminate()
        sd._initialize()
        return open_stream()


def check_device(sd: ModuleType, device: Device, kind: str) -> None:
    """Raise AudioError unless ``device`` (None = default) exists and can do ``kind`` ("input" or "output")."""
    what = "microphone" if kind == "input" else "audio output"
    try:
        with_device_refresh(sd, lambda: sd.query_devices(device, kind=kind))
    except (ValueError, sd.PortAudioError) as error:
        name = "default" if device is None else repr(device)
        missing = "microphone" if kind == "input" else "speaker"
        raise DeviceMissingError(missing, f"no usable {what} ({name} device: {error})") from None
