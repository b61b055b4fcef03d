"""Health checks for a kiosk (``voice-guide doctor``): one small function per item, each returning a :class:`Check`.

Every check catches its own failures and reports them as a FAIL (or WARN) result with a one-line reason: audio and
speech libraries are imported lazily inside the check, so a missing PortAudio, sound card or model never becomes a
traceback. The command prints one line per check and exits non-zero when any check FAILs; a WARN (e.g. no vosk
model, when pocketsphinx's bundled model works) does not fail the kiosk.

Checks: content, audio input, audio output, speech output (never PASS without an audio output), recognizer
(pocketsphinx), vosk model, then what the guide itself does when it starts by voice, with the same options: the sound
server (a PulseAudio or PipeWire server that is configured must answer), the microphone (opened as the guide opens it),
the speaker (a moment of silence played through it), the model (the recognizer the guide would load, ``--engine`` and
``--model`` included); storage (the guide writes nothing, not even temporary files, so a read-only or full disk, or no
temporary directory at all, is fine: the detail says whether this machine has one, for information) and network (not
needed). When any of the guide's own steps fails, the guide would fall back to the keyboard or to silence: the doctor
FAILs, so that a kiosk that would not listen or speak is never reported healthy.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from voice_guide.content import load_content
from voice_guide.errors import ContentError, VoiceGuideError

if TYPE_CHECKING:
    from voice_guide.speech.stack import VoiceSettings


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
    from voice_guide.speech.devices import quietly

    sd = quietly(lambda: _import("sounddevice", "libportaudio2 (apt) and voice-guide[voice] (pip)"))
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


def check_speech_output(audio_output: Check | None = None) -> Check:
    """What speaking needs: libespeak-ng synthesizing a word in memory, and an audio output to play it through.

    No temporary directory or disk is needed (speech is synthesized and played in memory), and the espeak-ng program
    is not used, only its library and data. Never PASS while ``audio_output`` FAILs: the synthesizer would work,
    but the guide could only show its words.
    """
    from voice_guide.errors import SpeechError

    try:
        from voice_guide.pcm import SILENCE_RMS, rms
        from voice_guide.speech.speaker import EspeakSpeaker, piper_available

        speaker = EspeakSpeaker(player=None)
        samples, rate = speaker.synthesize("Hello.")
    except ImportError as error:  # numpy, from the voice extras
        return Check("speech output", Status.FAIL, f"{error.name} is not installed; install voice-guide[voice] (pip)")
    except SpeechError as error:
        return Check("speech output", Status.FAIL, str(error))
    if len(samples) < rate // 5 or rms(samples) <= SILENCE_RMS:
        return Check("speech output", Status.FAIL, "espeak-ng starts but produces no audible speech")
    clearer = "Piper installed" if piper_available() is None else "Piper not installed (optional)"
    if audio_output is not None and audio_output.status is Status.FAIL:
        return Check(
            "speech output",
            Status.FAIL,
            "espeak-ng works, but there is no audio output to speak through (see audio output): "
            "the guide would only show its words",
        )
    return Check("speech output", Status.PASS, f"espeak-ng speaks in memory (no temporary files needed); {clearer}")


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
    """Not needed: the guide writes nothing (speech too is synthesized in memory), so a read-only or full disk, or no
    temporary directory at all, does not stop it (tests/test_faults.py runs spoken sessions with none). The detail
    also says whether this machine has a writable temporary directory, for information only: nothing is written to
    find out (the candidates are only checked for write permission)."""
    candidates = [tempfile.tempdir, os.environ.get("TMPDIR"), "/tmp", "/var/tmp", "/usr/tmp"]  # noqa: S108 - as tempfile
    writable = next((d for d in candidates if d and Path(d).is_dir() and os.access(d, os.W_OK | os.X_OK)), None)
    here = f"temporary directory here: {writable}" if writable else "no writable temporary directory here"
    return Check(
        "storage",
        Status.PASS,
        f"not needed: the guide writes nothing to disk, not even temporary files (read-only is fine; {here})",
    )


def check_network() -> Check:
    """Nothing to check: the guide opens no network connection."""
    return Check("network", Status.PASS, "not needed: the guide works offline and opens no connection")


def _pulse_socket() -> tuple[str, bool] | None:
    """The PulseAudio (or PipeWire's pulse) server this process would use: (address, whether it is set explicitly by
    $PULSE_SERVER); None when no server is configured or running (audio goes straight to ALSA devices)."""
    server = os.environ.get("PULSE_SERVER")
    if server:
        return server, True
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    for path in (Path(runtime) / "pulse" / "native", Path("/run/pulse/native"), Path("/var/run/pulse/native")):
        if path.exists():
            return str(path), False
    return None


def check_sound_server() -> Check:
    """A PulseAudio or PipeWire server that this process would use answers (a connection to its socket is accepted).

    No server configured and none running is a PASS: the guide then uses the ALSA devices directly (the microphone
    and speaker checks say whether those work). A server that is configured, or whose socket is there, but that does
    not answer (it died or was stopped) is a FAIL: the default devices go through it, and the guide would not hear.
    """
    found = _pulse_socket()
    if found is None:
        return Check("sound server", Status.PASS, "none configured or running: the ALSA devices are used directly")
    address, explicit = found
    path = address.removeprefix("unix:")
    if not path.startswith("/"):
        return Check("sound server", Status.PASS, f"PULSE_SERVER={address} (not a local socket: not checked)")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(2.0)
            connection.connect(path)
    except OSError as error:
        where = f"PULSE_SERVER={address}" if explicit else path
        return Check(
            "sound server",
            Status.FAIL,
            f"the sound server at {where} does not answer ({error.strerror or error}): start it again "
            "(systemctl --user restart pipewire-pulse, or pulseaudio --start)",
        )
    return Check("sound server", Status.PASS, f"answering at {path}")


def check_microphone(settings: VoiceSettings | None = None) -> Check:
    """The microphone opens as the guide opens it at start (voice_guide.speech.stack.open_voice_parts)."""
    try:
        from voice_guide.speech.microphone import Microphone
    except ImportError as error:  # numpy, from the voice extras
        return Check("microphone", Status.FAIL, f"{error.name} is not installed; install voice-guide[voice] (pip)")
    device = settings.input_device if settings is not None else None
    try:
        with Microphone(device):  # (PortAudio is started quietly, as by the guide)
            pass
    except VoiceGuideError as error:
        return Check("microphone", Status.FAIL, f"{error} (the guide would fall back to the keyboard)")
    except Exception as error:  # any other PortAudio failure is reported as a FAIL line, never a traceback
        return Check("microphone", Status.FAIL, f"the microphone cannot be opened: {error}")
    return Check("microphone", Status.PASS, f"{'the default microphone' if device is None else device} opens")


def check_speaker(settings: VoiceSettings | None = None) -> Check:
    """A tenth of a second of silence plays through the output device the guide would speak through."""
    try:
        import numpy as np

        from voice_guide.speech.playback import Player
    except ImportError as error:  # numpy, from the voice extras
        return Check("speaker", Status.FAIL, f"{error.name} is not installed; install voice-guide[voice] (pip)")
    device = settings.output_device if settings is not None else None
    try:
        played = Player(device).play(np.zeros(1600, dtype=np.int16))
    except VoiceGuideError as error:
        return Check("speaker", Status.FAIL, f"{error} (the guide would only show its words)")
    except Exception as error:  # any other PortAudio failure is reported as a FAIL line, never a traceback
        return Check("speaker", Status.FAIL, f"the audio output cannot be played through: {error}")
    if not played:
        return Check("speaker", Status.FAIL, "the audio output did not play (the guide would only show its words)")
    return Check("speaker", Status.PASS, f"{'the default output' if device is None else device} plays")


def check_model(settings: VoiceSettings | None = None) -> Check:
    """The recognizer the guide would load, with its ``--engine`` and ``--model`` (weights found, hashes checked)."""
    from voice_guide.engines.loader import auto_choice, describe, load_recognizer

    engine = settings.engine if settings is not None else "auto"
    model = settings.model if settings is not None else None
    try:
        recognizer = load_recognizer(engine, model)
    except ImportError as error:
        return Check("model", Status.FAIL, f"{error.name} is not installed; install voice-guide[voice] (pip)")
    except VoiceGuideError as error:
        return Check("model", Status.FAIL, f"{error} (the guide would fall back to the keyboard)")
    chose = " (chosen by --engine auto)" if engine == "auto" and auto_choice() else ""
    return Check("model", Status.PASS, f"{describe(recognizer)}{chose}")


def run_checks(
    prompts: Path | None = None, *, keyboard_only: bool = False, voice: VoiceSettings | None = None
) -> list[Check]:
    """Every check, in order. With ``keyboard_only`` the audio, speech and recognizer checks cannot FAIL. ``voice``:
    the guide's voice options (engine, model, devices), so that the doctor checks what the guide would use."""
    audio_output = check_audio_output()
    voice_results = [
        check_audio_input(),
        audio_output,
        check_speech_output(audio_output),
        check_recognizer(),
        check_vosk_model(),
        check_sound_server(),
        check_microphone(voice),
        check_speaker(voice),
        check_model(voice),
    ]
    if keyboard_only:
        voice_results = [
            Check(r.name, Status.WARN, f"{r.detail} (not needed: keyboard only)") if r.status is Status.FAIL else r
            for r in voice_results
        ]
    return [check_content(prompts), *voice_results, check_storage(), check_network()]
