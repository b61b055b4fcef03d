"""Speech output: the small ``Speaker`` interface, pyttsx3 speech played through sounddevice, and fallbacks.

``Pyttsx3Speaker`` synthesizes each prompt with pyttsx3's espeak-ng driver (``save_to_file`` + ``runAndWait``) into a
private temporary directory, reads the WAV back and deletes it at once, then plays the samples with
:class:`~voice_guide.speech.playback.Player`, so playback can be stopped and playback errors are seen. pyttsx3's own
``say()`` is never used: on Linux it plays through ``aplay`` (cannot be interrupted, fails silently) and lags or drops
utterances. Only synthesized prompts are ever written to disk, never anything the user said.

``open_speaker`` returns a working speaker: pyttsx3 with audio output when both work, otherwise a ``PrintSpeaker``
and the one-line reason, which the caller says once.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from voice_guide.errors import AudioError, SpeechError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from voice_guide.speech.devices import Device
    from voice_guide.speech.playback import Player

log = logging.getLogger(__name__)

MIN_RATE = 80
"""Slowest speech rate, words per minute."""
MAX_RATE = 450
"""Fastest speech rate, words per minute (fast speech is what many blind users prefer)."""
SYNTHESIS_TIMEOUT = 30.0
"""Seconds one prompt may take to synthesize (espeak-ng needs milliseconds; a hang is a fault)."""
RATE_STEP = 25
"""Words per minute added or removed by faster() and slower()."""


@dataclass(frozen=True)
class SpeechSettings:
    """How the guide speaks."""

    rate: int = 175
    """Words per minute, clamped to MIN_RATE..MAX_RATE."""
    volume: float = 1.0
    """0..1."""
    voice: str | None = None
    """A pyttsx3/espeak-ng voice id or name (e.g. "gmw/en-us", "English (America)"); None = the default voice."""


def clamp_rate(rate: int) -> int:
    return max(MIN_RATE, min(MAX_RATE, rate))


class Speaker(Protocol):
    """Something that speaks (or shows) the guide's words."""

    rate: int
    """Current speech rate in words per minute; kept for the rest of the session."""

    def say(self, text: str) -> None:
        """Speak ``text`` and return when it has been spoken or :meth:`stop` was called."""

    def stop(self) -> None:
        """Interrupt what is being said (callable from another thread)."""

    def faster(self) -> int:
        """Speak faster from now on (bounded); returns the new rate."""

    def slower(self) -> int:
        """Speak slower from now on (bounded); returns the new rate."""


class _RateControl:
    """faster()/slower() shared by every speaker."""

    rate: int

    def faster(self) -> int:
        self.rate = clamp_rate(self.rate + RATE_STEP)
        return self.rate

    def slower(self) -> int:
        self.rate = clamp_rate(self.rate - RATE_STEP)
        return self.rate


class PrintSpeaker(_RateControl):
    """Shows the words instead of speaking them (no audio output or no synthesizer)."""

    def __init__(self, stream: TextIO | None = None, settings: SpeechSettings | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        """Where the words are written."""
        self.rate = clamp_rate((settings or SpeechSettings()).rate)

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def stop(self) -> None:
        """Nothing to interrupt: printing is immediate."""


class SilentSpeaker(_RateControl):
    """Speaks nothing: used when speech output is unavailable, since the front ends already show the text."""

    def __init__(self, settings: SpeechSettings | None = None) -> None:
        self.rate = clamp_rate((settings or SpeechSettings()).rate)

    def say(self, text: str) -> None:
        """Say nothing."""

    def stop(self) -> None:
        """Nothing to interrupt."""


_ENGINE_LOCK = threading.Lock()
"""pyttsx3 engines share one espeak-ng instance per process: one synthesis at a time."""


class _CancelledError(Exception):
    """pyttsx3 reported the utterance as not completed."""


def _wait_for_espeak_idle(limit: float = 2.0) -> None:
    """Wait (bounded) until espeak-ng's own thread has finished the utterance just notified as finished.

    The notification comes from inside espeak-ng's callback, while espeak-ng still counts as playing; the next
    runAndWait() would then call the driver's stop(), which cancels, and leaves a flag that cancels a later prompt.
    """
    try:
        espeak = importlib.import_module("pyttsx3.drivers._espeak")  # the espeak driver's ctypes binding (Linux)
    except Exception:  # another driver (macOS, Windows) or no espeak-ng: nothing to wait for
        return
    deadline = time.monotonic() + limit
    idle = 0
    while idle < 3 and time.monotonic() < deadline:  # espeak-ng's flag flickers: trust three idle readings in a row
        idle = 0 if espeak.IsPlaying() else idle + 1
        time.sleep(0.002)


class Pyttsx3Speaker(_RateControl):
    """pyttsx3 (espeak-ng on Linux) synthesis to a private temporary WAV, played through a :class:`Player`."""

    def __init__(self, player: Player, settings: SpeechSettings | None = None) -> None:
        settings = settings or SpeechSettings()
        if not 0.0 <= settings.volume <= 1.0:
            raise SpeechError(f"speech volume must be within 0..1, not {settings.volume}")
        self.player = player
        """Plays the synthesized audio."""
        self.rate = clamp_rate(settings.rate)
        self.volume = settings.volume
        """0..1."""
        self._stopping = threading.Event()
        self.last_synthesis_seconds: float | None = None
        """How long the last synthesis took (diagnostics)."""
        self._engine = self._init_engine()
        if settings.voice is not None:
            self._set_voice(settings.voice)

    @staticmethod
    def _init_engine() -> Any:
        try:
            import pyttsx3
        except ImportError:
            raise SpeechError("pyttsx3 is not installed: pip install 'voice-guide[voice]'") from None
        try:
            return pyttsx3.init("espeak" if sys.platform.startswith("linux") else None)
        except Exception as error:  # pyttsx3 raises RuntimeError, OSError, ImportError... from its drivers
            raise SpeechError(
                f"the speech synthesizer could not start ({error}); install espeak-ng (e.g. sudo apt install espeak-ng)"
            ) from None

    def _set_voice(self, voice: str) -> None:
        wanted = voice.casefold()
        for candidate in self._engine.getProperty("voices"):
            if wanted in (str(candidate.id).casefold(), str(candidate.name).casefold()):
                self._engine.setProperty("voice", candidate.id)
                _wait_for_espeak_idle()
                return
        raise SpeechError(f"no speech voice called {voice!r}")

    def synthesize(self, text: str) -> tuple[npt.NDArray[np.int16], int]:
        """``text`` as mono int16 samples and their sample rate; the temporary WAV is already deleted."""
        try:
            return self._synthesize(text)
        except _CancelledError:
            # pyttsx3's driver cancels a synthesis when espeak-ng still looked busy with the previous one: once more
            log.debug("pyttsx3 cancelled the synthesis of %r; retrying once", text)
        try:
            return self._synthesize(text)
        except _CancelledError:
            raise SpeechError("speech synthesis was cancelled twice by pyttsx3") from None

    def _synthesize(self, text: str) -> tuple[npt.NDArray[np.int16], int]:
        import numpy as np

        started = time.monotonic()
        with _ENGINE_LOCK, tempfile.TemporaryDirectory(prefix="voice-guide-tts-") as folder:
            # mkdtemp makes the folder 0700: nobody else can read the prompt audio while it exists.
            path = Path(folder) / "prompt.wav"
            path.touch(mode=0o600)
            engine = self._engine
            engine.setProperty("rate", self.rate)
            engine.setProperty("volume", self.volume)
            # espeak-ng queues parameter changes on its own thread, and while it is busy the driver's end-of-loop
            # stop() cancels the synthesis: let them settle first
            _wait_for_espeak_idle()
            chatter = io.StringIO()
            finished = threading.Event()
            outcome: list[bool] = []

            def on_finished(name: object = None, completed: bool = True) -> None:
                outcome.append(bool(completed))
                finished.set()

            # runAndWait() returns as soon as espeak-ng *starts* synthesizing (its end-loop command is queued behind
            # save_to_file and runs first); the WAV is written later, from espeak-ng's thread, just before the
            # "finished-utterance" notification. So wait for that notification before reading the file.
            token = engine.connect("finished-utterance", on_finished)
            try:
                # the espeak driver print()s "Audio saved to ..." (from espeak-ng's thread, before notifying):
                # swapping sys.stdout until the notification catches it; nothing reaches the file descriptor
                with contextlib.redirect_stdout(chatter):
                    engine.save_to_file(text, str(path))
                    engine.runAndWait()
                    done = finished.wait(SYNTHESIS_TIMEOUT)
            except Exception as error:  # a driver failure of any kind means no speech
                raise SpeechError(f"speech synthesis failed: {error}") from None
            finally:
                engine.disconnect(token)
            if not done:
                raise SpeechError(f"speech synthesis did not finish within {SYNTHESIS_TIMEOUT:.0f} s")
            _wait_for_espeak_idle()
            if not all(outcome):
                raise _CancelledError
            if chatter.getvalue():
                log.debug("pyttsx3: %s", chatter.getvalue().strip())
            try:
                with wave.open(str(path), "rb") as wav:
                    rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
                    raw = wav.readframes(wav.getnframes())
            except (OSError, EOFError, wave.Error) as error:
                raise SpeechError(f"speech synthesis produced no usable audio: {error}") from None
        if width != 2 or channels != 1:
            raise SpeechError(f"speech synthesis produced {channels}-channel {8 * width}-bit audio, not mono 16-bit")
        self.last_synthesis_seconds = time.monotonic() - started
        log.debug("synthesized %d chars in %.3f s", len(text), self.last_synthesis_seconds)
        return np.frombuffer(raw, dtype="<i2").astype(np.int16), rate

    def say(self, text: str) -> None:
        self._stopping.clear()
        samples, rate = self.synthesize(text)
        if self._stopping.is_set() or len(samples) == 0:
            return
        self.player.play(samples, rate)

    def stop(self) -> None:
        self._stopping.set()
        self.player.stop()


def open_speaker(
    settings: SpeechSettings | None = None, device: Device = None, stream: TextIO | None = None
) -> tuple[Speaker, str | None]:
    """A working speaker and, when it had to fall back to printing, the one-line reason (say it once)."""
    settings = settings or SpeechSettings()
    try:
        from voice_guide.speech.playback import Player

        return Pyttsx3Speaker(Player(device), settings), None
    except ImportError as error:  # numpy, from the voice extras
        reason = f"{error.name or 'a voice package'} is not installed (pip install 'voice-guide[voice]')"
        log.info("speech output unavailable: %s", reason)
        return PrintSpeaker(stream, settings), f"Speaking is not available ({reason}); showing the words instead."
    except (SpeechError, AudioError) as error:
        log.info("speech output unavailable: %s", error)
        return PrintSpeaker(stream, settings), f"Speaking is not available ({error}); showing the words instead."
