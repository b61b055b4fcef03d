"""The audio format every stage exchanges: 16 kHz mono int16 samples in a numpy array.

The microphone captures it, the endpointer cuts it, the recognizers decode it, WAV files are converted to it, and the
tones are made in it. Speech output may use its own rate (the synthesizer's), which the player is told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy comes with the voice extras; the keyboard mode never needs it
    import numpy as np
    import numpy.typing as npt

SAMPLE_RATE = 16_000
"""Hz. Every recognizer and the microphone use it."""

MAX_UTTERANCE = 10.0
"""Seconds: the longest stretch of audio taken as one answer, live or from a recording. The longest phrase that can
be said at a question takes under 2 s; a person thinking aloud ("hmm, let me think, I'm not sure") under 6 s. Longer
speech is cut there, so that no input can make a decode run for minutes."""

NO_INPUT_SECONDS = 8.0
"""Seconds an answer may take to start, live or in a recording, before the turn counts as silent."""

SILENCE_RMS = 30.0
"""int16 RMS below which audio counts as silent (about -61 dBFS): nothing to recognize."""

if TYPE_CHECKING:
    Samples = npt.NDArray[np.int16]
    """Mono int16 audio."""


def rms(audio: Samples) -> float:
    """Root mean square of the samples (0 for no samples)."""
    import numpy as np

    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) if audio.size else 0.0
