"""How a recognizer's dictionary spells the guide's phrases, shared by the grammar engines (pocketsphinx, vosk).

The guide normalizes phrases by dropping apostrophes ("i dont", "im not"); dictionaries spell "don't", "i'm". Each
word is mapped to the model's spelling, and phrases with a word the model lacks are left out of the grammar and
reported, never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

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
