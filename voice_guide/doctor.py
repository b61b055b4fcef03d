"""Health checks for a kiosk (``voice-guide doctor``): one small function per item, each returning a :class:`Check`.

Every check catches its own failures and reports them as a FAIL (or WARN) result with a one-line reason: audio and
speech libraries are imported lazily inside the check, so a missing PortAudio, sound card or model never becomes a
traceback. The command prints one line per check and exits non-zero when any check FAILs; a WARN (e.g. no vosk
model, when pocketsphinx's bundled model works) does not fail the kiosk.

Checks: content, audio input, audio output, speech output, recognizer (pocketsphinx), vosk model, storage (the guide
writes nothing, so a read-only disk is fine) and network (not needed).
"""

from __future__ import annotations

import ctypes.util
import importlib
import importlib.util
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

from voice_guide.content import load_content
from voice_guide.errors import ContentError


class Status(Enum):
    """How a check came out."""

    PASS = "PASS"  # noqa: S105 - a check status, not a password
    WARN = "WARN"
    """Works, but not as well as it could (does not fail the kiosk)."""
    FAIL = "FAIL"
    """The kiosk cannot work as intended: ``voice-guide doctor`` exits non-zero."""


@dataclass(frozen=True)
class Check:
    """The result of one check."""

    name: str
    """What was checked, e.g. "audio input"."""
    status: Status
    detail: str
    """One line: what was found, or what is wrong and how to fix it."""

    def line(self) -> str:
        """``PASS  audio input: 1 device (default: USB mic)``."""
        return f"{self.status.value}  {self.name}: {self.detail}"


# ---- the checks --------------------------------------------------------------------------------------------------


def check_content(prompts: Path | None = None) -> Check:
    """The content in prompts/ loads and validates."""
    try:
        content = load_content(prompts)
    except ContentError as error:
        return Check("content", Status.FAIL, str(error))
    return Check(
        "content",
        Status.PASS,
        f"{len(content.questions)} questions, {len(content.red_flags)} red flags, {len(content.causes)} causes",
    )


def _import(module: str, install: str) -> ModuleType | str:
    """The module, or a one-line reason it cannot be imported."""
    try:
        return importlib.import_module(module)
    except OSError as error:  # sounddevice without libportaudio2
        return f"{module} cannot load a system library ({error}); install {install}"
    except ImportError:
        return f"{module} is not installed; install {install}"


def _devices(kind: str) -> tuple[list[str], str | None] | str:
    """Names of the audio devices with ``kind`` ("input"/"output") channels and the default's name, or a reason."""
    sd = _import("sounddevice", "libportaudio2 (apt) and voice-guide[voice] (pip)")
    if isinstance(sd, str):
        return sd
    try:
        devices: Any = sd.query_devices()
        names = [str(d["name"]) for d in devices if int(d[f"max_{kind}_channels"]) > 0]
        default: str | None = None
        try:
            default = str(sd.query_devices(kind=kind)["name"])
        except Exception:  # PortAudio raises its own error type when there is no default device
            default = None
    except Exception as error:  # any PortAudio failure is reported as a FAIL line
        return f"PortAudio cannot list devices: {error}"
    return names, default


def _device_check(kind: str) -> Check:
    name = f"audio {kind}"
    found = _devices(kind)
    if isinstance(found, str):
        return Check(name, Status.FAIL, found)
    names, default = found
    what, lister = ("a microphone", "arecord -l") if kind == "input" else ("a speaker or headphones", "aplay -l")
    if not names:
        return Check(name, Status.FAIL, f"no {kind} device: connect {what} (check with '{lister}')")
    if default is None:
        return Check(name, Status.FAIL, f"{len(names)} device(s) but no default {kind} device: {', '.join(names)}")
    return Check(name, Status.PASS, f"{len(names)} device(s); default: {default}")


def check_audio_input() -> Check:
    """A microphone is there, with a default input device."""
    return _device_check("input")


def check_audio_output() -> Check:
    """A speaker is there, with a default output device."""
    return _device_check("output")


def check_speech_output() -> Check:
    """pyttsx3 with its espeak-ng driver can start (the espeak-ng program and library are installed)."""
    missing = []
    if shutil.which("espeak-ng") is None:
        missing.append("the espeak-ng program")
    if ctypes.util.find_library("espeak-ng") is None:
        missing.append("the espeak-ng library")
    if missing:
        return Check("speech output", Status.FAIL, f"missing {' and '.join(missing)}; install espeak-ng (apt)")
    pyttsx3 = _import("pyttsx3", "voice-guide[voice] (pip)")
    if isinstance(pyttsx3, str):
        return Check("speech output", Status.FAIL, pyttsx3)
    try:
        engine = pyttsx3.init()
        voices = engine.getProperty("voices")
    except Exception as error:  # any driver failure is reported as a FAIL line
        return Check("speech output", Status.FAIL, f"pyttsx3 cannot start its espeak-ng driver: {error}")
    return Check("speech output", Status.PASS, f"pyttsx3 with espeak-ng ({len(voices)} voices)")


def check_recognizer(words: Sequence[str] = ("yes", "no", "start", "repeat")) -> Check:
    """pocketsphinx loads its bundled English model (no download needed) and knows some words the guide uses."""
    pocketsphinx = _import("pocketsphinx", "voice-guide[voice] (pip)")
    if isinstance(pocketsphinx, str):
        return Check("recognizer", Status.FAIL, pocketsphinx)
    try:
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        decoder = pocketsphinx.Decoder(lm=None)
        unknown = [w for w in words if decoder.lookup_word(w) is None]
    except Exception as error:  # any model failure is reported as a FAIL line
        return Check("recognizer", Status.FAIL, f"pocketsphinx cannot load its model: {error}")
    if unknown:
        return Check("recognizer", Status.FAIL, f"pocketsphinx's dictionary lacks: {', '.join(unknown)}")
    return Check("recognizer", Status.PASS, f"pocketsphinx with its bundled model ({model})")


def check_vosk_model(models_dir: Path | None = None) -> Check:
    """A vosk model is installed (optional: without one the guide uses pocketsphinx; WARN, never FAIL).

    Found the way the guide finds it (voice_guide.models): $VOICE_GUIDE_VOSK_MODEL, then models/. A variable that
    points at something that is not a vosk model is a FAIL, since the guide would refuse it.
    """
    from voice_guide.errors import RecognizerError
    from voice_guide.models import MODELS_DIR, find_vosk_model

    if importlib.util.find_spec("vosk") is None:
        return Check("vosk model", Status.WARN, "vosk is not installed; pocketsphinx will be used")
    try:
        found = find_vosk_model(None, models_dir or MODELS_DIR)
    except RecognizerError as error:
        return Check("vosk model", Status.FAIL, str(error))
    if found is None:
        return Check(
            "vosk model",
            Status.WARN,
            "no vosk model found; pocketsphinx will be used ('voice-guide models fetch' installs one)",
        )
    return Check("vosk model", Status.PASS, f"found {found}")


def check_storage() -> Check:
    """Nothing to check: the guide writes nothing, so a read-only or full disk does not stop it."""
    return Check("storage", Status.PASS, "not needed: the guide writes nothing to disk (read-only is fine)")


def check_network() -> Check:
    """Nothing to check: the guide opens no network connection."""
    return Check("network", Status.PASS, "not needed: the guide works offline and opens no connection")


def run_checks(prompts: Path | None = None, *, keyboard_only: bool = False) -> list[Check]:
    """Every check, in order. With ``keyboard_only`` the audio, speech and recognizer checks cannot FAIL."""
    checks: list[Callable[[], Check]] = [lambda: check_content(prompts)]
    voice_checks = [check_audio_input, check_audio_output, check_speech_output, check_recognizer, check_vosk_model]
    results = [check() for check in checks]
    for check in voice_checks:
        result = check()
        if keyboard_only and result.status is Status.FAIL:
            result = Check(result.name, Status.WARN, f"{result.detail} (not needed: keyboard only)")
        results.append(result)
    return [*results, check_storage(), check_network()]
