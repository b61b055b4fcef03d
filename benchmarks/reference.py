"""A reference grammar recognizer for comparison: pocketsphinx with a plain per-question JSGF, no rejection.

``--engine plain-jsgf``. It constrains recognition to the question's phrases exactly like the guide's pocketsphinx
recognizer, but has no out-of-grammar path: whatever is said comes out as the closest phrase (or nothing when the
decoder ends off a phrase). Comparing it with ``--engine pocketsphinx`` shows what the guide's rejection adds.
Phrases are normalized without apostrophes ("i dont know"); each word is looked up in the dictionary with the
apostrophe put back where needed ("don't"); phrases with a word the dictionary lacks are left out of the grammar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from voice_guide.engines.base import Transcript


class PlainJsgfRecognizer:
    """pocketsphinx, one JSGF grammar per distinct phrase list, no out-of-grammar path."""

    name = "plain-jsgf"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(lm=None, loglevel="FATAL")
        self._searches: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}

    def _word(self, word: str) -> str | None:
        if self._decoder.lookup_word(word):
            return word
        for cut in range(1, len(word)):
            spelled = f"{word[:cut]}'{word[cut:]}"
            if self._decoder.lookup_word(spelled):
                return spelled
        return None

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        return {word for phrase in phrases for word in phrase.split() if self._word(word) is None}

    def _search(self, phrases: Sequence[str]) -> tuple[str, dict[str, str]]:
        key = tuple(phrases)
        if key not in self._searches:
            back: dict[str, str] = {}
            for phrase in phrases:
                words = [self._word(w) for w in phrase.split()]
                if all(words):
                    back[" ".join(w for w in words if w)] = phrase
            name = f"q{len(self._searches)}"
            grammar = "#JSGF V1.0;\ngrammar q;\npublic <answer> = " + " | ".join(back) + ";\n"
            self._decoder.add_jsgf_string(name, grammar)
            self._searches[key] = (name, back)
        return self._searches[key]

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        name, back = self._search(phrases)
        decoder = self._decoder
        decoder.activate_search(name)
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return Transcript(back.get(hyp.hypstr, "") if hyp is not None else "")
