"""Matching words to meanings: fuzzy-match what was heard or typed to an option or a command.

Every phrase that can be said at a question (option texts, synonyms, ordinals such as "the second one", and the
command words) is scored against the input with rapidfuzz. The best target must beat the best *other* target by a
margin: a close fit, a rough fit (worth reading back: "I heard left side. Is that right?"), or no match. Nothing is
ever forced onto an option. Whether to trust the hearing is decided in :mod:`voice_guide.understand`.

Score of one phrase (0-100): the larger of
  - ``fuzz.ratio`` of the whole input against the phrase (catches typos and mishearings: "yse" -> "yes"), and
  - when the phrase's words occur together inside a longer input ("yes I think so" contains "yes"):
    ``CONTAINED_BASE + (100 - CONTAINED_BASE) * len(phrase) / len(input)``, so a short word lost in a long
    sentence is only ever a rough fit.
When the best target only wins by being inside the input and another target is inside it too ("yes no"), the
person said two things: no match.

Bounds: an input longer than :data:`MAX_ANSWER_CHARS` is no match at once (it is not an answer, and the keyboard says
so before it gets here); below that, matching takes time linear in the input (each phrase is looked for only where
its first word occurs, and whether a phrase found lies inside a longer one is checked only against the phrases
starting a few words before it), so no input can make it run for long.
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

MAX_ANSWER_CHARS = 200
"""The longest input (characters, before normalizing) matched at all; longer is no match. The longest phrase that
can be said is 21 characters ("no i dont have either"), so this is about ten times that, or two or three spoken
sentences: typing more is not an answer to a multiple-choice question. Chosen as a bound, not tuned."""


class Fit(Enum):
    """How well the words fit the option they matched (whether to trust the hearing is decided in
    voice_guide.understand)."""

    CLOSE = "close"
    """The words are the option's phrase, or very nearly: nothing about the words needs checking."""
    ROUGH = "rough"
    """Plausible but rough (a typo, a mishearing, or the phrase inside a longer sentence): worth reading back."""


@dataclass(frozen=True)
class MatchPolicy:
    """Thresholds for turning scores into a fit (tuned by the benchmark, see BENCHMARKS.md)."""

    accept_score: float = 88.0
    """Minimum best score (0-100) for a close fit."""
    accept_margin: float = 12.0
    """Minimum lead (points) of the best target over the best other target for a close fit."""
    confirm_score: float = 65.0
    """Minimum best score for a rough fit rather than no match."""
    confirm_margin: float = 4.0
    """Minimum lead for a rough fit; a closer race is no match."""


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
    fit: Fit
    """How well the words fit the option."""


@dataclass(frozen=True)
class CommandMatch:
    """The input is a command (repeat, back, ...). Only a close fit counts as a command."""

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
    too_long: bool = False
    """The input was longer than MAX_ANSWER_CHARS, so it was not matched at all."""


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
        if len(heard) > MAX_ANSWER_CHARS:
            return NoMatch(0.0, "", too_long=True)
        if allow_digits and (digits := _DIGITS.match(heard)):
            number = int(digits.group(1))
            if 1 <= number <= len(options):
                option = options[number - 1]
                return OptionMatch(option, 100.0, 100.0, digits.group(1), Fit.CLOSE)
            return NoMatch(0.0, "")
        text = normalize_phrase(heard)
        if not text:
            return NoMatch(0.0, "")
        tokens = tuple(text.split())
        where: dict[str, list[int]] = {}  # token -> its positions in the input
        for position, token in enumerate(tokens):
            where.setdefault(token, []).append(position)
        best: dict[Option | Command, tuple[float, _Candidate]] = {}
        found: list[tuple[int, int, Option | Command]] = []  # phrases inside the input: (start, end token, target)
        for candidate in self.candidates(options):
            score, starts = _score(text, tokens, where, candidate)
            found.extend((start, start + len(candidate.tokens), candidate.target) for start in starts)
            if candidate.target not in best or score > best[candidate.target][0]:
                best[candidate.target] = (score, candidate)
        contained = _not_inside_longer(found)
        ranked = sorted(best.values(), key=lambda item: -item[0])
        top_score, top = ranked[0]
        margin = top_score - ranked[1][0] if len(ranked) > 1 else 100.0
        if len(contained) > 1 and fuzz.ratio(text, top.phrase) < top_score:
            # The best target only won by being inside the input, and another target is inside it too
            # ("yes no", "no, go back"): the person said two things, so ask again.
            return NoMatch(top_score, top.phrase)
        policy = self.policy
        if top_score >= policy.accept_score and margin >= policy.accept_margin:
            fit = Fit.CLOSE
        elif top_score >= policy.confirm_score and margin >= policy.confirm_margin:
            fit = Fit.ROUGH
        else:
            return NoMatch(top_score, top.phrase)
        if isinstance(top.target, Command):
            if fit is not Fit.CLOSE:
                return NoMatch(top_score, top.phrase)
            return CommandMatch(top.target.id, top_score, margin, top.phrase)
        return OptionMatch(top.target, top_score, margin, top.phrase, fit)


def _not_inside_longer(found: list[tuple[int, int, Option | Command]]) -> set[Option | Command]:
    """The targets of the phrases found that do not lie inside a longer phrase found: "well I don't know" holds the
    "no" phrase "I don't", but only as part of "I don't know", which does not count on its own.

    A phrase (start, end) lies inside a longer one only if that one starts at most ``longest`` tokens before its end
    (``longest``: the most tokens of any phrase found), so only those starts are looked at: linear in the input.
    """
    if not found:
        return set()
    longest = max(end - start for start, end, _ in found)
    furthest: dict[int, int] = {}  # start token -> the furthest end of a phrase found starting there
    for start, end, _ in found:
        furthest[start] = max(end, furthest.get(start, end))
    return {
        target
        for start, end, target in found
        if not any(
            furthest.get(s, -1) >= end and (s, furthest[s]) != (start, end)
            for s in range(max(0, end - longest), start + 1)
        )
    }


def _score(
    text: str, tokens: tuple[str, ...], where: dict[str, list[int]], candidate: _Candidate
) -> tuple[float, list[int]]:
    """(score, the token positions where the phrase occurs as whole words inside a longer input); ``where`` maps
    each token of the input to its positions."""
    score = fuzz.ratio(text, candidate.phrase)
    size = len(candidate.tokens)
    first = where.get(candidate.tokens[0], []) if candidate.tokens else []
    starts = [i for i in first if tokens[i : i + size] == candidate.tokens]
    if size == len(tokens):
        starts = []  # the whole input, not inside it
    if starts:
        contained = CONTAINED_BASE + (100.0 - CONTAINED_BASE) * len(candidate.phrase) / len(text)
        score = max(score, contained)
    return float(score), starts
