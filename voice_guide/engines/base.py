"""The one small interface every speech engine implements, and what it reports.

A recognizer turns one complete utterance (16 kHz mono int16 samples, already cut by the endpointer) into a
:class:`Transcript`, constrained to the phrases that can be said at the current question. It reports evidence (its
ranked hypotheses with their probabilities, how much of the speech they explain, how noisy the room is, whether the
audio holds speech at all); it does not decide whether to take, read back or ask again: that is decided in one place,
:mod:`voice_guide.understand`. An engine returns an empty ``text`` only when it has no hypothesis at all (no speech,
or a partial path that is not one of the phrases).

Engines: ``pocketsphinx`` (PyPI's wheel ships an English model: the embedded default), ``vosk`` (a model folder)
and ``whisper`` (Whisper tiny.en through CTranslate2). :mod:`voice_guide.engines.loader` chooses and loads one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from voice_guide.pcm import Samples


@dataclass(frozen=True)
class Hypothesis:
    """One phrase the engine thinks may have been said."""

    phrase: str
    """Exactly one of the phrases given to :meth:`Recognizer.recognize`."""
    probability: float | None = None
    """The engine's posterior (0..1) that this phrase was said, where it gives one; None otherwise."""


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard in one utterance."""

    text: str
    """The best phrase, lower case; "" when there is no hypothesis (off-topic, noise, silence)."""
    confidence: float | None = None
    """Engine-specific confidence (0..1) in ``text`` where the engine gives one, else None."""
    hypotheses: tuple[Hypothesis, ...] = ()
    """Ranked hypotheses, best first, ``text`` first when it is not empty (n-best, or every candidate scored)."""
    rejected: str = ""
    """What was heard when ``text`` is empty (diagnostics only; never used as an answer)."""
    unexplained: float | None = None
    """Share (0..1) of the utterance's loud frames that the recognizer aligned to silence or noise rather than to
    the words of ``text``, where the engine can tell (None otherwise). High when the person said more than the phrase,
    as in "my back hurts" heard as the command "back"."""
    snr_db: float | None = None
    """Rough signal-to-noise ratio of the utterance in dB (voice_guide.levels.Levels.snr_db), where known. Low in a
    noisy room, where a grammar decoder finds phrases in other people's speech."""
    other: float | None = None
    """Posterior mass (0..1) of "none of these phrases": speech outside what can be said here, where the engine
    estimates it (None otherwise)."""
    speech: float | None = None
    """Probability (0..1) that the audio holds speech at all, from a speech gate, where one ran (None otherwise)."""
    free_text: str = ""
    """Diagnostics only: an unconstrained transcription, where the engine made one. Never acted on."""

    @property
    def alternatives(self) -> tuple[str, ...]:
        """The phrases of the hypotheses after the best one."""
        return tuple(h.phrase for h in self.hypotheses[1:])


class Recognizer(Protocol):
    """One speech recognition engine."""

    name: str
    """"pocketsphinx", "vosk" or "whisper"."""

    def recognize(self, audio: Samples, phrases: Sequence[str]) -> Transcript:
        """Recognize one utterance, constrained to ``phrases`` (normalized: lower case words separated by spaces)."""

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        """Words of ``phrases`` that the model cannot recognize (reported, never silently dropped)."""
