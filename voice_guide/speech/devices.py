"""Audio devices through sounddevice (PortAudio): importing it quietly, checking a device, re-scanning devices.

Every failure to import PortAudio or open a device becomes an :class:`~voice_guide.errors.AudioError` with one
clear line (:func:`describe_error`: "Error querying device -1" is PortAudio's way of saying there is no default
device, and is said so).

PortAudio probes every host API when it starts (on ``import sounddevice``, and on every re-scan). On a Debian or
Raspberry Pi OS machine that means ALSA, whose plugins print ``ALSA lib ...`` lines to the terminal (and again for
every buffer underrun), and JACK, which prints its own complaints when no JACK server runs and, through JACK2's
metadata database, leaves ``/dev/shm/jack_db-<uid>/`` behind. None of that is for the person at the kiosk:

- ``JACK_NO_START_SERVER=1`` and ``JACK_NO_AUDIO_RESERVATION=1`` are set (unless already set) before PortAudio
  starts, so probing never starts a JACK server or asks D-Bus to reserve the sound card; a running JACK server is
  still used.
- ALSA's and JACK's error functions are pointed at this module's logger (level DEBUG) with ctypes, once before
  PortAudio starts and again after every re-scan.
- What PortAudio's own C code prints on the standard error (``Expression '...' failed in 'src/hostapi/alsa/...'``
  when a sound server goes away under a stream) cannot be redirected by any API: while PortAudio starts, and while a
  stream is open (:data:`native_stderr_filtered`), file descriptor 2 goes through a pipe whose reader logs those lines
  and passes every other line on to the real standard error at once.
- ``/dev/shm/jack_db-<uid>/`` is removed after PortAudio starts when this process created it and no JACK server is
  running (what jackd itself does on exit): with no server it holds nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from voice_guide.errors import AudioError, DeviceMissingError

log = logging.getLogger(__name__)

Device = int | str | None
"""A sounddevice device: index, (part of a) name, or None for the system default."""

JACK_QUIET_ENV = {"JACK_NO_START_SERVER": "1", "JACK_NO_AUDIO_RESERVATION": "1"}
"""Set (unless already set) before PortAudio starts: never start a JACK server or reserve the card through D-Bus."""

SHM = Path("/dev/shm")  # noqa: S108 - JACK2's fixed folder, only looked at and tidied, never written
"""Where JACK2 keeps its server sockets and its metadata database on Linux (fixed at build time)."""

_NOISE = re.compile(
    r"^(ALSA lib |Expression '.*' failed|Cannot connect to server|jack server is not running|JackShm|"
    r"Jack(Client|Socket|Posix)|Cannot lock down|connect\(2\) call to)"
)
"""Lines PortAudio's host APIs print while probing: logged, never shown."""

_ALSA_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
"""ALSA's snd_lib_error_handler_t (file, line, function, err, fmt, ...): the variadic tail is not read."""
_JACK_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
"""JACK's error and info callbacks (const char *message)."""
_init_lock = threading.Lock()
_T = TypeVar("_T")


def _alsa_error(file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None) -> None:
    where = (function or b"?").decode(errors="replace")
    log.debug("ALSA (%s): %s", where, (fmt or b"").decode(errors="replace"))


def _jack_message(message: bytes | None) -> None:
    log.debug("JACK: %s", (message or b"").decode(errors="replace"))


_ALSA_CALLBACK = _ALSA_HANDLER(_alsa_error)
_JACK_CALLBACK = _JACK_HANDLER(_jack_message)
"""The C callbacks (module globals: they must live as long as the libraries may call them)."""


@functools.cache
def _library(soname: str) -> Any:
    """A shared library by its soname, or None (the same handle PortAudio's own copy resolves to)."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        return None


def quiet_sound_libraries() -> None:
    """Point ALSA's and JACK's message functions at the log (idempotent; missing libraries are skipped)."""
    if not sys.platform.startswith("linux"):
        return
    asound = _library("libasound.so.2")
    if asound is not None:
        asound.snd_lib_error_set_handler(_ALSA_CALLBACK)
    jack = _library("libjack.so.0")
    if jack is not None:
        jack.jack_set_error_function(_JACK_CALLBACK)
        jack.jack_set_info_function(_JACK_CALLBACK)


class _NativeStderrFilter:
    """While active, what C code writes to file descriptor 2 passes through a pipe: noise is logged, the rest passed on.

    Reference-counted, so that nested or overlapping users (PortAudio starting inside a playback) share one pipe.
    Python's own writes to ``sys.stderr`` go through it too and are passed on at once, line by line.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: int | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> None:
        with self._lock:
            self._users += 1
            if self._users > 1:
                return
            try:
                saved = os.dup(2)
                read_end, write_end = os.pipe()
            except OSError:  # no standard error at all: nothing to protect
                return
            sys.stderr.flush()
            os.dup2(write_end, 2)
            os.close(write_end)
            self._saved = saved
            self._reader = threading.Thread(  # with its own copy of the real stderr, which it closes itself
                target=self._forward, args=(read_end, os.dup(saved)), name="stderr-filter", daemon=True
            )
            self._reader.start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._saved is None:
                return
            saved, self._saved = self._saved, None
            with contextlib.suppress(ValueError, OSError):
                sys.stderr.flush()
            os.dup2(saved, 2)  # closes the pipe's write end held as fd 2: the reader sees the end of its input
            os.close(saved)
            reader, self._reader = self._reader, None
        if reader is not None:  # let it pass on what is left, so that later writes come after it (bounded: a child
            reader.join(0.5)  # process that inherited the pipe keeps it open, and the reader then finishes later)

    @staticmethod
    def _forward(read_end: int, saved: int) -> None:
        pending = b""
        try:
            while chunk := os.read(read_end, 65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    _pass_on(line, saved)
            if pending:
                _pass_on(pending, saved)
        finally:
            os.close(read_end)
            os.close(saved)


def _pass_on(raw: bytes, fd: int) -> None:
    line = raw.decode(errors="replace")
    if _NOISE.match(line):
        log.debug("sound library: %s", line)
    elif line.strip():
        with contextlib.suppress(OSError):
            os.write(fd, raw + b"\n")


native_stderr_filtered = _NativeStderrFilter()
"""``with native_stderr_filtered:`` around PortAudio starting and around every open stream."""


def _jack_db() -> Path:
    return SHM / f"jack_db-{os.getuid()}"


def _jack_server_running() -> bool:
    uid = os.getuid()
    with contextlib.suppress(OSError):
        return any(path.name != f"jack_db-{uid}" for path in SHM.glob(f"jack*{uid}*"))
    return False


def quietly(start: Callable[[], _T]) -> _T:
    """Run ``start`` (PortAudio starting or re-scanning) quietly, and tidy up what JACK's probe leaves behind."""
    if not sys.platform.startswith("linux"):
        return start()
    for key, value in JACK_QUIET_ENV.items():
        os.environ.setdefault(key, value)
    had_db = _jack_db().exists()
    quiet_sound_libraries()
    with _init_lock, native_stderr_filtered:
        started = start()
    quiet_sound_libraries()  # PortAudio installs its own JACK error function while it starts
    if not had_db and _jack_db().is_dir() and not _jack_server_running():
        shutil.rmtree(_jack_db(), ignore_errors=True)
        log.debug("removed %s left by JACK's probe", _jack_db())
    return started


def import_sounddevice() -> ModuleType:
    """Import sounddevice quietly, turning a missing PortAudio or package into an AudioError saying what to install."""
    if "sounddevice" in sys.modules:  # already started (perhaps by someone else): quiet it from now on
        quiet_sound_libraries()
        module: ModuleType = sys.modules["sounddevice"]
        return module
    try:
        module = quietly(lambda: importlib.import_module("sounddevice"))
    except OSError:
        raise AudioError(
            "the PortAudio library is missing: install libportaudio2 (e.g. sudo apt install libportaudio2)"
        ) from None
    except ImportError:
        raise AudioError("sounddevice is not installed: pip install 'voice-guide[voice]'") from None
    return module


def rescan(sd: ModuleType) -> None:
    """Make PortAudio list the devices again (it does so only when it starts). Invalidates open streams."""
    sd._terminate()
    quietly(sd._initialize)


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
        rescan(sd)
        return open_stream()


def describe_error(error: BaseException) -> str:
    """PortAudio's error as a plain phrase ("Error querying device -1" is PortAudio's way of saying "no default")."""
    text = str(error)
    if "querying device -1" in text:
        return "there is no default device"
    if text.startswith("No ") and "device" in text:  # sounddevice's ValueError for a name or number not found
        return text[0].lower() + text[1:]
    return text


def check_device(sd: ModuleType, device: Device, kind: str) -> None:
    """Raise AudioError unless ``device`` (None = default) exists and can do ``kind`` ("input" or "output")."""
    what = "microphone" if kind == "input" else "audio output"
    try:
        with_device_refresh(sd, lambda: sd.query_devices(device, kind=kind))
    except (ValueError, sd.PortAudioError) as error:
        name = "" if device is None else f" {device!r}"
        missing = "microphone" if kind == "input" else "speaker"
        raise DeviceMissingError(missing, f"no usable {what}{name}: {describe_error(error)}") from None
