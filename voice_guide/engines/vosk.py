"""vosk recognizer: a vosk model folder on disk, one runtime grammar per utterance.

- The model is loaded from a path only (``vosk.Model(str(path))``); ``Model(lang=...)`` would download, and is never
  used. vosk's own logging is switched off (``SetLogLevel(-1)``).
- Per utterance: ``KaldiRecognizer(model, 16000, json.dumps(phrases + ["[unk]"]))`` fed in 20 ms blocks through
  ``AcceptWaveform`` (as a live stream would be), then ``FinalResult`` parsed. "[unk]" is added only when the model
  has that word (the Korean test model has none: there, nothing is out of grammar).
- **Out of grammar.** Any "[unk]" in the result -> empty transcript, with what was heard in ``rejected``. A partly
  understood result ("[unk] back") is rejected too: "my back hurts" must not become the command "back".
- **Glued phrases.** A vosk grammar accepts any *sequence* of its phrases, so "yes no" can come back. The result is
  split into grammar phrases (longest first). One phrase, or the same phrase repeated ("yes yes") -> that phrase.
  Different phrases -> the glued text is returned as is, with the parts as the next ``hypotheses`` and confidence
  halved: it is never one clean phrase, and the matcher's margin rule re-asks when the parts name different options
  ("yes no") and at most confirms when they agree ("yes yeah").
- ``confidence`` is the mean of vosk's per-word confidences (``SetWords``).
- Words missing from the model (``vosk_model_find_word(w) == -1``) are reported by :meth:`missing_words`; phrases
  containing them are left out of the grammar with a logged warning. Words are looked up in their dictionary
  spelling ("dont" -> "don't", see :func:`voice_guide.engines.spelling.dictionary_spelling`) and mapped back.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.engines.spelling import dictionary_spelling, missing_words, spell_phrases
from voice_guide.errors import RecognizerError
from voice_guide.levels import levels
from voice_guide.pcm import SAMPLE_RATE

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

logger = logging.getLogger(__name__)

UNK = "[unk]"
"""vosk's out-of-grammar word."""

BLOCK = SAMPLE_RATE // 50
"""Samples fed per AcceptWaveform call (20 ms)."""


class VoskRecognizer:
    """asr.Recognizer backed by a vosk model folder."""

    name = "vosk"

    def __init__(self, model_path: Path) -> None:
        try:
            import vosk
        except ImportError as error:
            raise RecognizerError(
                f"vosk is not installed ({error}); install the voice extras: pip install 'voice-guide[voice]'"
            ) from None
        except OSError as error:  # libvosk.so present but unloadable
            raise RecognizerError(f"vosk's native library cannot be loaded: {error}") from None
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise RecognizerError(f"vosk model folder {self.model_path} does not exist")
        vosk.SetLogLevel(-1)
        try:
            self._model: Any = vosk.Model(str(self.model_path))
        except Exception as error:  # vosk raises a bare Exception("Failed to create a model")
            raise RecognizerError(f"vosk could not load a model from {self.model_path}: {error}") from None
        self._vosk: Any = vosk
        self._spelling: dict[str, str | None] = {}
        self._grammars: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}
        self.has_unk = self._model.vosk_model_find_word(UNK) != -1
        """Whether the model has the "[unk]" word (without it, nothing is out of grammar)."""
        if not self.has_unk:
            logger.warning("vosk model %s has no %s word: off-topic speech cannot be rejected", self.model_path, UNK)

    def describe(self) -> str:
        """One line naming the engine and model, for the CLI."""
        return f"vosk ({self.model_path})"

    def _spell(self, word: str) -> str | None:
        if word not in self._spelling:
            self._spelling[word] = dictionary_spelling(word, lambda w: self._model.vosk_model_find_word(w) != -1)
        return self._spelling[word]

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        """Words of ``phrases`` that the model's vocabulary lacks."""
        return missing_words(phrases, self._spell)

    def _grammar(self, phrases: tuple[str, ...]) -> tuple[str, dict[str, str]]:
        """The JSON grammar for this phrase set (cached) and {model spelling: caller's phrase}."""
        if phrases in self._grammars:
            return self._grammars[phrases]
        spelled = spell_phrases(phrases, self._spell, "vosk")
        entries = [*spelled, UNK] if self.has_unk else list(spelled)
        self._grammars[phrases] = (json.dumps(entries, ensure_ascii=False), spelled)
        return self._grammars[phrases]

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        """Recognize one utterance (16 kHz mono int16), constrained to ``phrases``; "" when out of grammar."""
        grammar, spelled = self._grammar(tuple(phrases))
        if not spelled or audio.size == 0:
            return Transcript("")
        recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, grammar)
        recognizer.SetWords(True)
        data = audio.astype("<i2", copy=False).tobytes()
        step = 2 * BLOCK
        for start in range(0, len(data), step):
            recognizer.AcceptWaveform(data[start : start + step])
        return dataclasses.replace(parse_result(recognizer.FinalResult(), spelled), snr_db=levels(audio).snr_db)


def parse_result(raw: str, spelled: dict[str, str]) -> Transcript:
    """Turn vosk's FinalResult JSON into a Transcript (see the module docstring for the rules).

    ``spelled`` maps each grammar entry (model spelling) to the caller's phrase.
    """
    try:
        result = json.loads(raw)
    except json.JSONDecodeError:
        raise RecognizerError(f"vosk returned a malformed result: {raw[:80]!r}") from None
    text = " ".join(str(result.get("text", "")).split())
    words: list[dict[str, Any]] = [w for w in result.get("result", []) if isinstance(w, dict)]
    confidence = sum(float(w.get("conf", 0.0)) for w in words) / len(words) if words else None
    if not text:
        return Transcript("")
    tokens = text.split()
    if UNK in tokens:
        return Transcript("", confidence=confidence, rejected=text)
    if text in spelled:
        return Transcript(spelled[text], confidence=confidence, hypotheses=(Hypothesis(spelled[text], confidence),))
    parts = _split(tokens, spelled)
    if parts is None:  # not a sequence of grammar phrases (should not happen): never pass it on as an answer
        return Transcript("", confidence=confidence, rejected=text)
    phrases = [spelled[p] for p in parts]
    if len(set(phrases)) == 1:
        return Transcript(phrases[0], confidence=confidence, hypotheses=(Hypothesis(phrases[0], confidence),))
    glued = " ".join(phrases)
    logger.info("vosk heard several phrases glued together: %s", " + ".join(repr(p) for p in phrases))
    halved = confidence / 2 if confidence is not None else None
    return Transcript(
        glued,
        confidence=halved,
        hypotheses=(Hypothesis(glued, halved), *(Hypothesis(p) for p in dict.fromkeys(phrases))),
    )


def _split(tokens: list[str], spelled: dict[str, str]) -> list[str] | None:
    """Split ``tokens`` into grammar entries, preferring longer entries first; None when impossible."""
    longest = max(len(p.split()) for p in spelled)
    memo: dict[int, list[str] | None] = {len(tokens): []}

    def from_index(i: int) -> list[str] | None:
        if i in memo:
            return memo[i]
        memo[i] = None
        for size in range(min(longest, len(tokens) - i), 0, -1):
            head = " ".join(tokens[i : i + size])
            if head in spelled and (rest := from_index(i + size)) is not None:
                memo[i] = [head, *rest]
                break
        return memo[i]

    return from_index(0)
