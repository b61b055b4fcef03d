"""Speech recognition: the one small interface every recognizer implements, and choosing one.

A recognizer turns one complete utterance (16 kHz mono int16 samples, already cut by the endpointer) into a
:class:`Transcript`, constrained to the phrases that can be said at the current question plus an out-of-grammar
path: speech that is none of the phrases comes back as an empty transcript, so it is re-asked, never forced onto an
option. Engines: ``vosk`` (a model directory) and ``pocketsphinx`` (PyPI's wheel ships an English model; the
embedded default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SAMPLE_RATE = 16_000
"""Hz. Every recognizer and the microphone use it."""


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard in one utterance."""

    text: str
    """The phrase(s) recognized, lower case; "" when nothing in the grammar was heard (off-topic or noise)."""
    confidence: float | None = None
    """Engine-specific confidence in 0..1 where the engine gives one, else None."""
    alternatives: tuple[str, ...] = ()
    """Other hypotheses (n-best), best first, not including ``text``."""
    rejected: str = ""
    """What the out-of-grammar path heard, when it won (diagnostics only; never used as an answer)."""
    unexplained: float | None = None
    """Share (0..1) of the utterance's loud frames that the recognizer aligned to silence or noise rather than to
    the words of ``text``, where the engine can tell (None otherwise). High when the person said more than the phrase,
    as in "my back hurts" heard as the command "back"."""
    snr_db: float | None = None
    """Rough signal-to-noise ratio of the utterance in dB (voice_guide.levels.Levels.snr_db), where known. Low in a
    noisy room, where a grammar decoder finds phrases in other people's speech."""


class Recognizer(Protocol):
    """One speech recognition engine."""

    name: str
    """"vosk" or "pocketsphinx"."""

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        """Recognize one utterance, constrained to ``phrases`` (normalized: lower case words separated by spaces)."""

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        """Words of ``phrases`` that the model cannot recognize (reported, never silently dropped)."""
