"""Choosing and loading a speech recognizer.

``load_recognizer(engine, model)`` with engine:

- ``"vosk"``: the vosk model at ``model``, or found by :func:`voice_guide.models.find_vosk_model`; none -> error;
- ``"pocketsphinx"``: PyPI pocketsphinx's bundled English model (no download);
- ``"auto"``: vosk when a model is found (explicit path, ``VOICE_GUIDE_VOSK_MODEL``, ``models/``) and vosk loads,
  else pocketsphinx.

Engines are imported only when chosen. Every failure raises :class:`~voice_guide.errors.RecognizerError` with one
actionable line (what to install, which path was tried). ``describe(recognizer)`` says which engine and model run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from voice_guide.asr import Recognizer
from voice_guide.errors import RecognizerError

logger = logging.getLogger(__name__)

ENGINES = ("auto", "vosk", "pocketsphinx")
"""Values accepted for ``engine``."""

_CONTRACTIONS = {
    "im": "i'm",
    "id": "i'd",
    "ive": "i've",
    "youre": "you're",
    "youve": "you've",
    "youd": "you'd",
    "theyre": "they're",
    "theyve": "they've",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "heres": "here's",
    "shes": "she's",
    "hes": "he's",
    "lets": "let's",
    "its": "it's",
}
"""Words that normalization (which drops apostrophes) produces from common contractions, with their spelling."""


def dictionary_spelling(word: str, known: Callable[[str], bool]) -> str | None:
    """How a recognizer's dictionary spells a normalized word (apostrophes dropped), or None when it lacks it.

    Contractions come first ("dont" -> "don't", "im" -> "i'm": "im" alone would be pronounced like "him" without
    the h), then the word itself, then any spelling with one apostrophe put back.
    """
    candidates: list[str] = []
    if word in _CONTRACTIONS:
        candidates.append(_CONTRACTIONS[word])
    if word.endswith("nt") and len(word) > 3:
        candidates.append(word[:-2] + "n't")
    candidates.append(word)
    candidates.extend(word[:i] + "'" + word[i:] for i in range(1, len(word)))
    for candidate in candidates:
        if known(candidate):
            return candidate
    return None


def spell_phrases(phrases: Sequence[str], spell: Callable[[str], str | None], engine: str) -> dict[str, str]:
    """{dictionary spelling of a phrase: the caller's phrase} for every phrase whose words the model knows.

    Phrases with a word the model lacks are left out of the grammar and reported (a logged warning), never
    dropped silently.
    """
    spelled: dict[str, str] = {}
    left_out: list[str] = []
    for phrase in phrases:
        words = [spell(word) for word in phrase.split()]
        if not words or None in words:
            left_out.append(phrase)
            continue
        spelled.setdefault(" ".join(w for w in words if w is not None), phrase)
    if left_out:
        logger.warning(
            "%s: left out %d phrase(s) with words missing from its model: %s (missing: %s)",
            engine,
            len(left_out),
            ", ".join(repr(p) for p in left_out),
            ", ".join(sorted(missing_words(left_out, spell))),
        )
    return spelled


def missing_words(phrases: Sequence[str], spell: Callable[[str], str | None]) -> set[str]:
    """Words of ``phrases`` that ``spell`` cannot find in the model."""
    return {word for phrase in phrases for word in phrase.split() if spell(word) is None}


def load_recognizer(engine: str = "auto", model: Path | None = None) -> Recognizer:
    """Load the recognizer ``engine`` ("vosk" | "pocketsphinx" | "auto"); ``model`` is a vosk model folder."""
    from voice_guide.models import find_vosk_model

    if engine not in ENGINES:
        raise RecognizerError(f"unknown speech engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "pocketsphinx":
        if model is not None:
            logger.warning("pocketsphinx uses its bundled model; ignoring the model path %s", model)
        return _load_sphinx()
    if engine == "vosk":
        found = find_vosk_model(model)
        if found is None:
            raise RecognizerError(
                "no vosk model found: pass --model PATH, set VOICE_GUIDE_VOSK_MODEL, or run "
                "`voice-guide models fetch vosk-model-small-en-us-0.15`"
            )
        return _load_vosk(found)
    found = find_vosk_model(model)
    if found is not None:
        try:
            return _load_vosk(found)
        except RecognizerError as error:
            if model is not None:
                raise
            logger.warning("vosk could not be used (%s); falling back to pocketsphinx", error)
    else:
        logger.info("no vosk model found; using pocketsphinx")
    return _load_sphinx()


def describe(recognizer: Recognizer) -> str:
    """One line naming the engine (and model) a recognizer runs, for the CLI."""
    text = getattr(recognizer, "describe", None)
    if callable(text):
        return str(text())
    return recognizer.name


def _load_sphinx() -> Recognizer:
    from voice_guide.sphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer()


def _load_vosk(path: Path) -> Recognizer:
    from voice_guide.vosk_engine import VoskRecognizer

    return VoskRecognizer(path)
