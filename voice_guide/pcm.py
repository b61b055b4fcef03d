"""The audio format every stage exchanges: 16 kHz mono int16 samples in a numpy array.

The microphone captures it, the endpointer cuts it, the recognizers decode it, WAV files are converted to it, and the
tones are made in it. Speech output may use its own rate (the synthesizer's), which the player is told.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
"""Hz. Every recognizer and the microphone use it."""

SILENCE_RMS = 30.0
"""int16 RMS below which audio counts as silent (about -61 dBFS): nothing to recognize."""

Samples = npt.NDArray[np.int16]
"""Mono int16 audio."""


def rms(audio: Samples) -> float:
    """Root mean square of the samples (0 for no samples)."""
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) if audio.size else 0.0
