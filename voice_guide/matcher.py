"""Understanding an answer: fuzzy-match what was heard or typed to an option or a command.

Every phrase that can be said at a question (option texts, synonyms, ordinals such as "the second one", and the
command words) is scored against the input with rapidfuzz. The best target must beat the best *other* target by a
margin: confident -> accept; unsure -> confirm ("I heard left side. Is that right?"); nothing usable -> re-ask.
Nothing is ever forced onto an option.

Score of one phrase (0-100): the larger of
  - ``fuzz.ratio`` of the whole input against the phrase (catches typos and mishearings: "yse" -> "yes"), and
  - when the phrase's words occur together inside a longer input ("yes I think so" contains "yes"):
    ``CONTAINED_BASE + (100 - CONTAINED_BASE) * len(phrase) / len(input)``, so a short word lost in a long
    sentence is only enough to confirm, never to accept.
When the best target only wins by being inside the input and another target is inside it too ("yes no"), the
person said two things: re-ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

from voice_guide.content import Command, Content, Option, normalize_phrase

CONTAINED_BASE = 70.0
"""Score of a phrase found inside an input infinitely longer than it (see module docstring)."""


class Decision(Enum):
    """What the dialog does with a match."""

    ACCEPT = "accept"
    """Confident: take the answer and read it back briefly."""
    CONFIRM = "confirm"
    """Plausible but unsure: ask "I heard X. Is that right?"."""
    REASK = "reask"
    """Nothing usable: say so and ask again, listing the options."""


@dataclass(frozen=True)
class MatchPolicy:
    """Thresholds for turning scores into decisions (tuned by the benchmark, see BENCHMARKS.md)."""

    accept_score: float = 88.0
    """Minimum best score (0-100) to accept without confirming."""
    accept_margin: float = 12.0
    """Minimum lead (points) of the best target over the best other target to accept."""
    confirm_score: float = 65.0
    """Minimum best score to ask for confirmation rather than re-ask."""
    confirm_margin: float = 4.0
    """Minimum lead to ask for confirmation; a closer race is re-asked."""


@dataclass(frozen=True)
class OptionMatch:
    """The input names one of the question's options."""

    option: Option
    score: float
    """0-100, best phrase score for this option."""
    margin: float
    """Points ahead of the best other target (100 when there is none)."""
    phrase: str
    """The phrase that matched best."""
    decision: Decision
    """ACCEPT or CONFIRM."""


@dataclass(frozen=True)
class CommandMatch:
    """The input is a command (repeat, back, ...). Commands are only ever accepted, never confirmed."""

    command: str
    """One of content.COMMAND_IDS."""
    score: float
    margin: float
    phrase: str


@dataclass(frozen=True)
class NoMatch:
    """Nothing usable was heard: re-ask."""

    best_score: float
    """Score of the best target, for diagnostics (0 for empty input)."""
    best_phrase: str
    """The closest phrase, for diagnostics ("" when none)."""


Match = OptionMatch | CommandMatch | NoMatch


@dataclass(frozen=True)
class _Candidate:
    phrase: str
    tokens: tuple[str, ...]
    target: Option | Command


_DIGITS = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


class Matcher:
    """Matches inputs against the options of a question plus every command."""

    def __init__(self, content: Content, policy: MatchPolicy | None = None) -> None:
        self.content = content
        self.policy = policy or MatchPolicy()
        self._commands = tuple(
            _Candidate(p, tuple(p.split()), command)
            for command in content.commands
            for p in map(normalize_phrase, command.words)
        )
        self._cache: dict[tuple[Option, ...], tuple[_Candidate, ...]] = {}

    def candidates(self, options: Sequence[Option]) -> tuple[_Candidate, ...]:
        """Every phrase that can be said when these options are on offer, commands included."""
        key = tuple(options)
        if key not in self._cache:
            self._cache[key] = self._build_candidates(key)
        return self._cache[key]

    def _build_candidates(self, options: tuple[Option, ...]) -> tuple[_Candidate, ...]:
        result = [
            _Candidate(p, tuple(p.split()), option) for option in options for p in map(normalize_phrase, option.phrases)
        ]
        for index, option in enumerate(options):
            if index < len(self.content.ordinals):
                result.extend(
                    _Candidate(p, tuple(p.split()), option) for p in map(normalize_phrase, self.content.ordinals[index])
                )
        return (*result, *self._commands)

    def phrases(self, options: Sequence[Option]) -> tuple[str, ...]:
        """The distinct normalized phrases that can be said (for building recognizer grammars)."""
        return tuple(dict.fromkeys(c.phrase for c in self.candidates(options)))

    def match(self, heard: str, options: Sequence[Option], *, allow_digits: bool = True) -> Match:
        """Decide what ``heard`` means when ``options`` are on offer."""
        if allow_digits and (digits := _DIGITS.match(heard)):
            number = int(digits.group(1))
            if 1 <= number <= len(options):
                option = options[number - 1]
                return OptionMatch(option, 100.0, 100.0, digits.group(1), Decision.ACCEPT)
            return NoMatch(0.0, "")
        text = normalize_phrase(heard)
        if not text:
            return NoMatch(0.0, "")
        tokens = tuple(text.split())
        best: dict[Option | Command, tuple[float, _Candidate]] = {}
        found: list[tuple[int, int, Option | Command]] = []  # phrases inside the input: (start, end token, target)
        for candidate in self.candidates(options):
            score, starts = _score(text, tokens, candidate)
            found.extend((start, start + len(candidate.tokens), candidate.target) for start in starts)
            if candidate.target not in best or score > best[candidate.target][0]:
                best[candidate.target] = (score, candidate)
        # A phrase inside a longer phrase that was said does not count on its own: "well I don't know" holds the
        # "no" phrase "I don't", but only as part of "I don't know".
        contained = {
            target
            for start, end, target in found
            if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
        }
        ranked = sorted(best.values(), key=lambda item: -item[0])
        top_score, top = ranked[0]
        margin = top_score - ranked[1][0] if len(ranked) > 1 else 100.0
        if len(contained) > 1 and fuzz.ratio(text, top.phrase) < top_score:
            # The best target only won by being inside the input, and another target is inside it too
            # ("yes no", "no, go back"): the person said two things, so ask again.
            return NoMatch(top_score, top.phrase)
        policy = self.policy
        if top_score >= policy.accept_score and margin >= policy.accept_margin:
            decision = Decision.ACCEPT
        elif top_score >= policy.confirm_score and margin >= policy.confirm_margin:
            decision = Decision.CONFIRM
        else:
            return NoMatch(top_score, top.phrase)
        if isinstance(top.target, Command):
            if decision is not Decision.ACCEPT:
                return NoMatch(top_score, top.phrase)
            return CommandMatch(top.target.id, top_score, margin, top.phrase)
        return OptionMatch(top.target, top_score, margin, top.phrase, decision)


def _score(text: str, tokens: tuple[str, ...], candidate: _Candidate) -> tuple[float, list[int]]:
    """(score, the token positions where the phrase occurs as whole words inside a longer input)."""
    score = fuzz.ratio(text, candidate.phrase)
    size = len(candidate.tokens)
    starts = [i for i in range(len(tokens) - size + 1) if tokens[i : i + size] == candidate.tokens]
    if size == len(tokens):
        starts = []  # the whole input, not inside it
    if starts:
        contained = CONTAINED_BASE + (100.0 - CONTAINED_BASE) * len(candidate.phrase) / len(text)
        score = max(score, contained)
    return float(score), starts
