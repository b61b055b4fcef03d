"""The pipelines compared on the same audio: the guide's own, and the baselines people would otherwise build.

- ``guide``: the guide's recognizer (``voice_guide.engines.loader.load_recognizer``), constrained per question to
  ``Matcher.phrases(options)``, then :func:`voice_guide.understand.decide` (accept / confirm / re-ask).
- ``freeform-exact`` (baseline a, the usual tutorial pipeline): free-form recognition with the engine's language
  model, then an exact string match against the phrases; anything else is re-asked.
- ``freeform-fuzzy`` (baseline b): the same transcript, then rapidfuzz's best match over the phrases, always
  accepted (no rejection); only an empty transcript is re-asked.
- ``freeform-matcher`` (for insight): the same transcript through the guide's Matcher.
- ``text-oracle`` (the matcher's ceiling): the exact words said, through the guide's Matcher; no audio at all.

Each decodes one utterance and returns a :class:`Decided`; the time it reports is compute only (recognize + match),
which for these batch recognizers is the delay from the end of speech to the decision.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz, process

from benchmarks.corpus import CONFIRM_QUESTION
from voice_guide.content import Command, Content, Option, normalize_phrase
from voice_guide.engines.base import Recognizer, Transcript
from voice_guide.matcher import Matcher, MatchPolicy
from voice_guide.pcm import SAMPLE_RATE
from voice_guide.understand import Action, Decision, Turn, Understanding

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

GUIDE = "guide"
FREEFORM_EXACT = "freeform-exact"
FREEFORM_FUZZY = "freeform-fuzzy"
FREEFORM_MATCHER = "freeform-matcher"
TEXT_ORACLE = "text-oracle"
BASELINES = (FREEFORM_EXACT, FREEFORM_FUZZY, FREEFORM_MATCHER)
"""Pipelines that share one free-form decode per utterance."""


@dataclass(frozen=True)
class Decided:
    """What one pipeline did with one utterance."""

    decision: str
    """"accept", "confirm" or "reask"."""
    target: str | None
    """Option id or "command:<id>" chosen (None when re-asked)."""
    heard: str
    """The transcript ("" when nothing was recognized)."""
    seconds: float
    """Compute time: recognition plus matching."""
    confidence: float | None = None
    """The recognizer's confidence, where it gives one."""


def targets(content: Content, options: Sequence[Option]) -> dict[str, str]:
    """Normalized phrase -> target id (option id or "command:<id>"), as the matcher sees them."""
    matcher = Matcher(content)
    result: dict[str, str] = {}
    for candidate in matcher.candidates(options):
        target = candidate.target
        result.setdefault(candidate.phrase, f"command:{target.id}" if isinstance(target, Command) else target.id)
    return result


ACTION_WORDS = {Action.TAKE: "accept", Action.READ_BACK: "confirm", Action.ASK_AGAIN: "reask"}
"""The benchmark's words for the understanding step's actions."""


def decided_from(decision: Decision, seconds: float, transcript: Transcript) -> Decided:
    """A :class:`voice_guide.understand.Decision` as a :class:`Decided`."""
    target = None
    if decision.action is not Action.ASK_AGAIN:
        if decision.command is not None:
            target = f"command:{decision.command}"
        elif decision.option is not None:
            target = decision.option.id
    return Decided(ACTION_WORDS[decision.action], target, transcript.text, seconds, transcript.confidence)


def turn_at(understanding: Understanding, question: str) -> Turn:
    """The turn at which an utterance of the corpus is said: the question, or a read-back (CONFIRM_QUESTION)."""
    if question == CONFIRM_QUESTION:
        return understanding.confirming()
    return understanding.asking(understanding.content.question(question))


class FreeForm(Protocol):
    """Free-form recognition (no grammar): what a tutorial pipeline would use."""

    name: str

    def transcribe(self, audio: npt.NDArray[np.int16]) -> str: ...


class SphinxFreeForm:
    """pocketsphinx 5 with its bundled US English acoustic and language models, no grammar."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(loglevel="FATAL")

    def transcribe(self, audio: npt.NDArray[np.int16]) -> str:
        decoder = self._decoder
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr.lower() if hyp is not None else ""


class VoskFreeForm:
    """vosk with a model directory, no grammar."""

    name = "vosk"

    def __init__(self, model: Path) -> None:
        import vosk

        vosk.SetLogLevel(-1)
        self._model = vosk.Model(str(model))

    def transcribe(self, audio: npt.NDArray[np.int16]) -> str:
        import vosk

        recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        recognizer.AcceptWaveform(audio.tobytes())
        return str(json.loads(recognizer.FinalResult()).get("text", "")).lower()


class Pipelines:
    """Every pipeline for one engine, sharing decoders and the matcher."""

    def __init__(
        self,
        content: Content,
        guide: Recognizer,
        freeform: FreeForm | None,
        policy: MatchPolicy | None = None,
    ) -> None:
        self.content = content
        self.guide = guide
        self.freeform = freeform
        self.understanding = Understanding(content, Matcher(content, policy))
        self._targets: dict[tuple[Option, ...], dict[str, str]] = {}

    def _targets_for(self, options: Sequence[Option]) -> dict[str, str]:
        key = tuple(options)
        if key not in self._targets:
            self._targets[key] = targets(self.content, key)
        return self._targets[key]

    def run_guide(
        self,
        audio: npt.NDArray[np.int16],
        turn: Turn,
        denoiser: Callable[[npt.NDArray[np.int16]], npt.NDArray[np.int16]] | None = None,
    ) -> tuple[Decided, Transcript]:
        """The guide's recognizer and understanding step (after ``denoiser``, timed with them, when given)."""
        start = time.perf_counter()
        if denoiser is not None:
            audio = denoiser(audio)
        transcript = self.guide.recognize(audio, self.understanding.phrases(turn))
        decision = self.understanding.spoken(transcript, turn)
        return decided_from(decision, time.perf_counter() - start, transcript), transcript

    def run_baselines(self, audio: npt.NDArray[np.int16], turn: Turn) -> dict[str, Decided]:
        """Baselines a and b (and free-form + the guide's matcher) from one free-form decode."""
        if self.freeform is None:
            return {}
        options = turn.options
        start = time.perf_counter()
        heard = self.freeform.transcribe(audio)
        decoded = time.perf_counter() - start
        text = normalize_phrase(heard)
        phrase_targets = self._targets_for(options)
        out: dict[str, Decided] = {}

        start = time.perf_counter()
        exact = phrase_targets.get(text)
        out[FREEFORM_EXACT] = Decided(
            "accept" if exact else "reask", exact, text, decoded + time.perf_counter() - start
        )

        start = time.perf_counter()
        best = process.extractOne(text, list(phrase_targets), scorer=fuzz.WRatio) if text else None
        fuzzy = phrase_targets[best[0]] if best is not None else None
        out[FREEFORM_FUZZY] = Decided(
            "accept" if fuzzy else "reask", fuzzy, text, decoded + time.perf_counter() - start
        )

        start = time.perf_counter()
        transcript = Transcript(text)
        decision = self.understanding.spoken(transcript, turn)
        out[FREEFORM_MATCHER] = decided_from(decision, decoded + time.perf_counter() - start, transcript)
        return out

    def run_oracle(self, text: str, turn: Turn) -> Decided:
        """The exact words said, through the matcher (what perfect recognition would give)."""
        start = time.perf_counter()
        transcript = Transcript(normalize_phrase(text))
        decision = self.understanding.spoken(transcript, turn)
        return decided_from(decision, time.perf_counter() - start, transcript)


def load_guide_recognizer(engine: str, model: Path | None) -> Recognizer:
    """The guide's own recognizer for ``engine``, exactly as the guide loads it ("plain-jsgf": the reference)."""
    if engine == "plain-jsgf":
        from benchmarks.reference import PlainJsgfRecognizer

        return PlainJsgfRecognizer()
    from voice_guide.engines.loader import load_recognizer

    return load_recognizer(engine, model if engine == "vosk" else None)


def load_freeform(engine: str, model: Path | None) -> FreeForm | None:
    """The free-form recognizer of the same engine, for the baselines (None for Whisper: its free decode is part of
    the engine and reported in ``free_text``)."""
    if engine == "whisper":
        return None
    if engine in ("pocketsphinx", "plain-jsgf"):
        return SphinxFreeForm()
    if engine == "vosk":
        if model is None:
            raise ValueError("vosk needs --model DIR")
        return VoskFreeForm(model)
    raise ValueError(f"unknown engine {engine!r}")
