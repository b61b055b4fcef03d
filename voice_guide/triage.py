"""The shared triage logic: a pure, deterministic function from answers to an :class:`Assessment`.

No I/O, no clock, no randomness. Red flags set a floor on the urgency; causes are scored by transparent evidence
weights (hand-set points, not probabilities: the result calls them "things that can cause pain like yours", never
"most likely"), and every point they score carries the answer that gave it, so the result can say "because you
said ...". Weights are positive, so a further answer can only raise a score or a red flag, never lower one: the
questionnaire (voice_guide.questionnaire) relies on that to stop asking once no answer can change the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from voice_guide.content import Cause, Condition, Content, Option, Question, RedFlag
from voice_guide.urgency import Urgency

MIN_CAUSE_SCORE = 2
"""A cause is listed (and counts towards the urgency) when its evidence adds up to at least this."""
TOP_CAUSES = 3
"""How many causes the result explains at most, besides those that carry their own urgency (never cut)."""


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
    """The answers behind the weights, in questionnaire order."""


@dataclass(frozen=True)
class Assessment:
    """What the answers suggest. Guidance, never a diagnosis."""

    urgency: Urgency
    red_flags: tuple[RedFlagFinding, ...]
    """Most urgent first, then in red_flags.toml order."""
    causes: tuple[CauseFinding, ...]
    """Every cause scoring at least MIN_CAUSE_SCORE: highest score first, then more urgent, then file order."""
    complete: bool
    """False when the questions stopped early (an emergency red flag)."""
    answers: Mapping[str, str] = field(default_factory=dict)
    """The answers it was made from (question id -> option id)."""

    @property
    def asked(self) -> int:
        """How many questions were answered ("This is based on your 9 answers")."""
        return len(self.answers)

    @property
    def shown_causes(self) -> tuple[CauseFinding, ...]:
        """The causes the result explains: the first TOP_CAUSES, and every other one that asks for more than
        self-care (a cause with its own urgency is never hidden by the cut)."""
        return tuple(
            f for index, f in enumerate(self.causes) if index < TOP_CAUSES or f.cause.level > Urgency.SELF_CARE
        )

    @property
    def top_causes(self) -> tuple[CauseFinding, ...]:
        """Alias of :attr:`shown_causes` (kept for older callers)."""
        return self.shown_causes

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


def cause_score(cause: Cause, answers: Mapping[str, str]) -> int:
    """The points the answers give a cause (0 when its body requirements do not hold)."""
    if not all(c.holds(answers) for c in cause.requires):
        return 0
    return sum(e.weight for e in cause.evidence if answers.get(e.question) in e.any_of)


def rank_causes(content: Content, answers: Mapping[str, str]) -> tuple[CauseFinding, ...]:
    """Causes scoring at least MIN_CAUSE_SCORE: highest score first, then more urgent, then file order."""
    findings = []
    for index, cause in enumerate(content.causes):
        score = cause_score(cause, answers)
        if score >= MIN_CAUSE_SCORE:
            matched = tuple(
                Condition(e.question, e.any_of) for e in cause.evidence if answers.get(e.question) in e.any_of
            )
            findings.append(
                (-score, -cause.level, index, CauseFinding(cause, score, _reasons(content, matched, answers)))
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
        answers=dict(answers),
    )
