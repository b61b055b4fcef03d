"""The shared triage logic: a pure, deterministic function from answers to an :class:`Assessment`.

No I/O, no clock, no randomness. Red flags set a floor on the urgency; causes are ranked by transparent evidence
weights, and every point they score carries the answer that gave it, so the result can say "because you said ...".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from voice_guide.content import Cause, Condition, Content, Option, Question, RedFlag
from voice_guide.urgency import Urgency

MIN_CAUSE_SCORE = 2
"""A cause is listed (and counts towards the urgency) when its evidence adds up to at least this."""
TOP_CAUSES = 3
"""How many causes the spoken and printed result explains."""


@dataclass(frozen=True)
class Reason:
    """One answer that contributed to a finding."""

    question: Question
    option: Option


@dataclass(frozen=True)
class RedFlagFinding:
    """A red flag raised by the answers."""

    red_flag: RedFlag
    level: Urgency
    """The highest level among the red flag's rules that hold."""
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class CauseFinding:
    """A cause that the answers point to."""

    cause: Cause
    score: int
    """Sum of the weights of the evidence that matched."""
    reasons: tuple[Reason, ...]
    """The answers behind the positive weights, in questionnaire order."""


@dataclass(frozen=True)
class Assessment:
    """What the answers suggest. Guidance, never a diagnosis."""

    urgency: Urgency
    red_flags: tuple[RedFlagFinding, ...]
    """Most urgent first, then in red_flags.toml order."""
    causes: tuple[CauseFinding, ...]
    """Every cause scoring at least MIN_CAUSE_SCORE, most likely first."""
    complete: bool
    """False when the questions stopped early (an emergency red flag)."""

    @property
    def top_causes(self) -> tuple[CauseFinding, ...]:
        """The causes the result explains."""
        return self.causes[:TOP_CAUSES]

    @property
    def emergency(self) -> bool:
        """Whether the result is to get help now."""
        return self.urgency is Urgency.EMERGENCY


def _reasons(content: Content, conditions: tuple[Condition, ...], answers: Mapping[str, str]) -> tuple[Reason, ...]:
    order = {q.id: i for i, q in enumerate(content.questions)}
    reasons = {}
    for condition in conditions:
        if condition.holds(answers):
            question = content.question(condition.question)
            if not question.in_reasons:
                continue
            reasons[question.id] = Reason(question, question.option(answers[question.id]))
    return tuple(sorted(reasons.values(), key=lambda r: order[r.question.id]))


def find_red_flags(content: Content, answers: Mapping[str, str]) -> tuple[RedFlagFinding, ...]:
    """Every red flag whose rules hold, most urgent first."""
    findings = []
    for red_flag in content.red_flags:
        held = [rule for rule in red_flag.rules if all(c.holds(answers) for c in rule.when)]
        if held:
            level = max(rule.level for rule in held)
            conditions = tuple(c for rule in held if rule.level == level for c in rule.when)
            findings.append(RedFlagFinding(red_flag, level, _reasons(content, conditions, answers)))
    return tuple(sorted(findings, key=lambda f: -f.level))


def rank_causes(content: Content, answers: Mapping[str, str]) -> tuple[CauseFinding, ...]:
    """Causes scoring at least MIN_CAUSE_SCORE: highest score first, then more urgent, then file order."""
    findings = []
    for index, cause in enumerate(content.causes):
        if not all(c.holds(answers) for c in cause.requires):
            continue
        matched = [e for e in cause.evidence if answers.get(e.question) in e.any_of]
        score = sum(e.weight for e in matched)
        if score >= MIN_CAUSE_SCORE:
            positive = tuple(Condition(e.question, e.any_of) for e in matched if e.weight > 0)
            findings.append(
                (-score, -cause.level, index, CauseFinding(cause, score, _reasons(content, positive, answers)))
            )
    return tuple(finding for *_, finding in sorted(findings, key=lambda f: f[:3]))


def assess(content: Content, answers: Mapping[str, str], *, complete: bool = True) -> Assessment:
    """The assessment for these answers (question id -> option id).

    Urgency is the highest of: every red flag raised, and every listed cause's level; self-care when nothing is.
    """
    red_flags = find_red_flags(content, answers)
    causes = rank_causes(content, answers)
    levels = [f.level for f in red_flags] + [f.cause.level for f in causes]
    return Assessment(
        urgency=max(levels, default=Urgency.SELF_CARE),
        red_flags=red_flags,
        causes=causes,
        complete=complete,
    )
