"""Endpointing: where speech starts and ends in a stream of 30 ms frames, and cutting a recording into utterances.

pocketsphinx's ``Endpointer`` (a WebRTC-style voice activity detector) decides speech and silence; :class:`Tracker`
joins speech regions separated by short pauses into one utterance. :func:`segment` runs the very same endpointing
over a whole recording, so a WAV file and the live microphone are cut the same way.

The end of an answer is decided by trailing silence (``EndpointSettings.end_silence``), never by a fixed length: a
person who pauses briefly mid-answer is not cut off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voice_guide.errors import AudioError
from voice_guide.pcm import MAX_UTTERANCE, SAMPLE_RATE

if TYPE_CHECKING:
    from pocketsphinx import Endpointer

    from voice_guide.pcm import Samples

BLOCK_SAMPLES = 480
"""Samples per captured block and per endpointer frame: 30 ms at 16 kHz."""
BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE
"""Seconds per block (0.03)."""


@dataclass(frozen=True)
class EndpointSettings:
    """How speech is told apart from silence. The defaults suit answers to spoken questions."""

    window: float = 0.3
    """Seconds of audio the voice activity detector looks at to decide a transition."""
    ratio: float = 0.9
    """Fraction of ``window`` that must be speech (or silence) to start (or end) a speech region."""
    vad_mode: int = 0
    """Aggressiveness of the detector, 0 (loose: keeps quiet speech) to 3 (strict: rejects more noise)."""
    end_silence: float = 0.7
    """Seconds, counted from where the detector ends a speech region (0-0.2 s after the last sound), within which
    resumed speech continues the same utterance: with the defaults, a pause of up to about 0.7 s between words
    never splits an answer. The utterance is returned ``window`` later: about 1-1.2 s after the last sound."""
    pre_roll: float = 0.1
    """Seconds kept before the detected start of speech, so soft onsets are not clipped."""


class Tracker:
    """Feeds 30 ms frames to pocketsphinx's Endpointer and joins speech regions separated by short pauses."""

    def __init__(self, settings: EndpointSettings) -> None:
        try:
            from pocketsphinx import Endpointer
        except ImportError:
            raise AudioError("pocketsphinx is not installed: pip install 'voice-guide[voice]'") from None
        self.settings = settings
        self._endpointer: Endpointer = Endpointer(
            window=settings.window,
            ratio=settings.ratio,
            vad_mode=settings.vad_mode,
            sample_rate=SAMPLE_RATE,
            frame_length=BLOCK_SECONDS,
        )
        if self._endpointer.frame_bytes != BLOCK_SAMPLES * 2:  # pragma: no cover - fixed by pocketsphinx for 16 kHz
            raise AudioError(f"pocketsphinx wants {self._endpointer.frame_bytes}-byte frames, not {BLOCK_SAMPLES * 2}")
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

    def push(self, frame: bytes) -> tuple[float, float] | None:
        """Process one frame of exactly BLOCK_SAMPLES samples; return (start, end) when an utterance is complete."""
        endpointer = self._endpointer
        was_speech = endpointer.in_speech
        endpointer.process(frame)
        self.frames += 1
        if not was_speech and endpointer.in_speech:
            start = float(endpointer.speech_start)
            if self.start is None:
                self.start = start
            elif self._end is not None and start - self._end > self.settings.end_silence:
                found = (self.start, self._end)  # a new utterance began (only possible at the decision's edge)
                self.start, self._end = start, None
                return found
            self._end = None
        elif was_speech and not endpointer.in_speech:
            self._end = float(endpointer.speech_end)
        # Speech resuming at end + end_silence is only detected a window later: wait that long before deciding.
        if self._end is not None and self.now - self._end >= self.settings.end_silence + self.settings.window:
            found = (self.start if self.start is not None else self._end, self._end)
            self.start = self._end = None
            return found
        return None

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
    found: list[tuple[float, float]] = []
    for frame in frames_of(samples):
        done = tracker.push(frame)
        if done is not None:
            found.append(done)
    last = tracker.finish()
    if last is not None:
        found.append(last)
    return found


def segment(samples: Samples, settings: EndpointSettings | None = None) -> list[Samples]:
    """The speech segments of a whole 16 kHz mono recording, silence trimmed, in order (as the microphone cuts)."""
    settings = settings or EndpointSettings()
    return [cut(samples, start, end, settings.pre_roll) for start, end in speech_regions(samples, settings)]


@dataclass(frozen=True)
class AnswerAudio:
    """The part of a recording that is taken as one answer."""

    samples: Samples
    truncated: bool
    """True when speech went on past ``MAX_UTTERANCE`` and was cut there."""


def answer_audio(
    samples: Samples, max_seconds: float = MAX_UTTERANCE, margin: float = 0.3, settings: EndpointSettings | None = None
) -> AnswerAudio | None:
    """The part of a recording that holds the answer, the way the microphone would take it: from just before the
    first speech to just after the last speech that starts within ``max_seconds`` of it, at most ``max_seconds``
    long (``margin`` seconds of audio kept either side, so that soft word edges are not lost). None when the
    recording holds no speech at all (silence, or steady noise the endpointer does not take for speech).

    This bounds what any recognizer is given, however long the recording (a ten-minute file, or noise).
    """
    regions = speech_regions(samples, settings)
    if not regions:
        return None
    start = regions[0][0]
    end = max(e for s, e in regions if s - start < max_seconds)
    first = max(0.0, start - margin)
    last = min(len(samples) / SAMPLE_RATE, end + margin, first + max_seconds)
    truncated = end + margin > first + max_seconds
    return AnswerAudio(samples[round(first * SAMPLE_RATE) : round(last * SAMPLE_RATE)].copy(), truncated)
