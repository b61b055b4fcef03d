"""The start word: whether a person at a waiting kiosk asked the guide to begin, decided as answers are decided.

While the kiosk waits (on the terminal or on the screen), every utterance near it is recognized at one *turn* of
the understanding step (:mod:`voice_guide.understand`): the start words (phrase ``kiosk_start_words`` in prompts/)
are that turn's one option, and the commands are on offer as at every turn, so speech nearby has somewhere else to
go than a start word. The recognizer's transcript then gets the same decision an answer gets: the speech gate, a
calibrated engine's "something else" posterior, an uncalibrated engine's confidence and rivals, speech the words do
not explain, a very noisy room, and the matcher's fuzzy fit ("hello, how are you" holds "hello" only as part of a
longer sentence). The guide starts only on a start word that decision would *take*: a doubtful one is not a start.

Why doubt does not start the guide: a missed start costs the person one more "start" (or a touch, or Enter: the
waiting page says so); a false start has the guide speak its welcome and first question into the waiting room
until the idle watch clears it, about a minute later. The ordinals ("the first one") are left out of this turn's
grammar: they pick an option by its place in a list, and there is no list on the waiting page.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from voice_guide.content import Content, Option, normalize_phrase
from voice_guide.errors import ContentError
from voice_guide.matcher import OptionMatch
from voice_guide.understand import Action, Decision, Expecting, Turn, Understanding

if TYPE_CHECKING:
    from voice_guide.engines.base import Recognizer, Transcript
    from voice_guide.speech.microphone import Listener

log = logging.getLogger(__name__)


def start_words(content: Content) -> tuple[str, ...]:
    """The spoken words that start the guide (phrase ``kiosk_start_words``, separated by commas), normalized."""
    words = (normalize_phrase(w) for w in content.phrase("kiosk_start_words").split(","))
    return tuple(dict.fromkeys(w for w in words if w))


class StartWord:
    """Decides whether an utterance heard while waiting is a start word. Holds no state about anyone."""

    def __init__(self, content: Content, understanding: Understanding | None = None) -> None:
        self.understanding = understanding or Understanding(content)
        self.words = start_words(content)
        """The start words, normalized."""
        if not self.words:
            raise ContentError("phrases.toml", "kiosk_start_words", "names no start word")
        self.option = Option("start", self.words[0], self.words[1:])
        """The one option of the waiting turn: saying any start word."""
        self.turn = Turn(Expecting.ANSWER, (self.option,))
        ordinals = {normalize_phrase(w) for position in content.ordinals for w in position}
        self.phrases = tuple(p for p in self.understanding.phrases(self.turn) if p in self.words or p not in ordinals)
        """What a recognizer is constrained to while waiting: the start words and the commands."""

    def decide(self, transcript: Transcript) -> Decision:
        """The understanding step's decision on what was heard while waiting."""
        return self.understanding.spoken(transcript, self.turn)

    def is_start(self, decision: Decision) -> bool:
        """Whether ``decision`` starts the guide: a start word, taken without doubt."""
        match = decision.match
        return (
            decision.action is Action.TAKE
            and decision.option == self.option
            and isinstance(match, OptionMatch)
            and match.phrase in self.words
        )

    def heard(self, transcript: Transcript) -> bool:
        """Whether ``transcript`` (recognized with :attr:`phrases`) is a start word."""
        decision = self.decide(transcript)
        started = self.is_start(decision)
        # Logged: the decision and its reasons only, never the words (they could be anyone's in the room).
        log.debug(
            "while waiting: %s (%s)%s",
            decision.action.value,
            ",".join(w.value for w in decision.why),
            ": start" if started else "",
        )
        return started

    def listen(self, listener: Listener, recognizer: Recognizer) -> bool:
        """Listen for one utterance: True when it is a start word; False for anything else, or silence.
        EOFError when the listener's input has ended; VoiceGuideError when the microphone fails."""
        samples = listener.listen()
        if samples is None:
            return False
        return self.heard(recognizer.recognize(samples, self.phrases))
