"""The questionnaire's state, worked out once per turn in one place: what is answered, what is asked next, what is
skipped and why, how many questions there are likely to be, and the assessment so far.

The dialog, ``voice-guide assess`` and the tests all use :func:`state`; nothing else decides which question comes
next or whether the answers are complete.

Questions are considered in file order (prompts/questions.toml). A question is **asked** when

1. no emergency red flag is raised yet (an emergency ends the questions at once),
2. it applies: its conditions on earlier answers hold and it fits the body (``organs``), and
3. some answer to it can still change the advice or the causes shown (the *length rule*).

The length rule (3) is sound because every answer can only raise the urgency or a cause's score (weights are
positive, red flags only add): a question is skipped only when no answer to it, together with any answers to the
questions that could still follow, could (a) raise the urgency above what it already is, or (b) change which
causes the result shows. A red-flag question whose sign can need help today or now is never skipped by this rule
(its own advice and reason belong in the result) unless the content marks it ``skip_when_as_urgent`` (its advice adds
nothing to "get medical help today"); a sign that asks for an appointment ("soon") is skipped once the advice is
already at least that urgent. The skip decision is made when the question's turn comes, from the
answers given so far, and never changes afterwards (later answers can only raise the urgency).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from voice_guide.content import Condition, Content, Question
from voice_guide.errors import AnswersError
from voice_guide.triage import MIN_CAUSE_SCORE, TOP_CAUSES, Assessment, RedFlagFinding, assess, cause_score
from voice_guide.urgency import Urgency

K = TypeVar("K")
V = TypeVar("V")

NOT_APPLICABLE = "does not apply after the earlier answers"
NOT_FOR_BODY = "does not fit the body answer"
CANNOT_CHANGE = "no answer to it could change the advice or the causes shown"
AFTER_EMERGENCY = "not asked: an emergency sign ended the questions"


@dataclass(frozen=True)
class QuestionnaireState:
    """Where the questionnaire stands for a set of answers."""

    next_question: Question | None
    """The question to ask now; None when the questions are over (done, or stopped by an emergency)."""
    number: int
    """1-based number of ``next_question`` among those asked (the count asked, once done)."""
    total: int
    """Honest estimate of the questions in all: those asked, plus those that would still be asked if every
    remaining answer were the usual one (mostly "no") - exact for such a person, for "Question 7 of about 10"."""
    stopped: bool
    """An emergency red flag ended the questions early."""
    red_flags: tuple[RedFlagFinding, ...]
    skipped: Mapping[str, str]
    """Question id -> why it is not asked (only questions passed over so far)."""
    assessment: Assessment
    """The assessment of the answers taken so far (``complete`` is False when stopped)."""
    asked: tuple[Question, ...] = ()
    """The questions answered, in the order asked."""
    answers: Mapping[str, str] = field(default_factory=dict)
    """The answers taken, in the order asked (answers to questions that would not be asked are left out)."""

    @property
    def done(self) -> bool:
        """No question is left to ask."""
        return self.next_question is None


def state(content: Content, answers: Mapping[str, str]) -> QuestionnaireState:
    """The questionnaire's state for these answers (question id -> option id); unknown ids are ignored here (see
    :func:`check_answers`). Results are cached, so calling it several times in one turn computes it once."""
    return _STATES.get(content, tuple(sorted(answers.items())), lambda: _compute(content, answers))


class _Memo(Generic[K, V]):
    """A bounded cache of values computed for one content (oldest dropped first); a value computed for another
    Content object that happened to have the same id() is never returned."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[tuple[int, K], tuple[Content, V]] = {}

    def get(self, content: Content, key: K, compute: Callable[[], V]) -> V:
        full = (id(content), key)
        cached = self._values.get(full)
        if cached is not None and cached[0] is content:
            return cached[1]
        value = compute()
        if len(self._values) >= self.size:
            self._values.pop(next(iter(self._values)))
        self._values[full] = (content, value)
        return value

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


_STATES: _Memo[tuple[tuple[str, str], ...], QuestionnaireState] = _Memo(256)


def forget() -> None:
    """Empty the caches: they are keyed by answers, so the next person must not find the last one's there (the
    dialog calls this when it is reset)."""
    _STATES.clear()
    _SKIP_REASONS.clear()
    _ASSESSMENTS.clear()


def check_answers(content: Content, answers: Mapping[str, str]) -> None:
    """Raise AnswersError unless ``answers`` is a complete set, exactly as the questionnaire would collect it."""
    known = {q.id: q for q in content.questions}
    for question_id, option_id in answers.items():
        if question_id not in known:
            raise AnswersError(f"unknown question {question_id!r} (see 'voice-guide questions')")
        options = [o.id for o in known[question_id].options]
        if option_id not in options:
            raise AnswersError(f"question {question_id!r} has no option {option_id!r} (options: {', '.join(options)})")
    current = state(content, answers)
    if current.next_question is not None:
        question = current.next_question
        raise AnswersError(f"missing an answer to {question.id!r}: {question.text}")
    extra = [q.id for q in content.questions if q.id in answers and q.id not in current.answers]
    if extra:
        why = "; ".join(f"{q}: {current.skipped.get(q, AFTER_EMERGENCY)}" for q in extra)
        raise AnswersError(
            f"answers given to questions that would not be asked after the earlier answers: {', '.join(extra)} ({why})"
        )


# ---- the walk ------------------------------------------------------------------------------------------------------


def _assess(content: Content, given: Mapping[str, str]) -> Assessment:
    """``assess`` of a prefix of answers, cached like the skip decisions (each turn re-walks the same prefixes)."""
    return _ASSESSMENTS.get(content, tuple(given.items()), lambda: assess(content, given))


def _emergency(flags: tuple[RedFlagFinding, ...]) -> bool:
    return any(f.level is Urgency.EMERGENCY for f in flags)


def _compute(content: Content, answers: Mapping[str, str]) -> QuestionnaireState:
    given: dict[str, str] = {}
    asked: list[Question] = []
    skipped: dict[str, str] = {}
    next_question: Question | None = None
    current = _assess(content, given)
    stopped = False
    for index, question in enumerate(content.questions):
        if _emergency(current.red_flags):
            stopped = True
            break
        reason = _skip_reason(content, index, given, current)
        if reason:
            skipped[question.id] = reason
            continue
        if question.id not in answers:
            next_question = question
            break
        given[question.id] = answers[question.id]
        asked.append(question)
        current = _assess(content, given)
    else:
        stopped = _emergency(current.red_flags)
    if stopped:
        current = assess(content, given, complete=False)
    number = len(asked) + (1 if next_question is not None else 0)
    total = len(asked) + (_remaining_usual(content, given, current) if next_question is not None else 0)
    return QuestionnaireState(
        next_question=next_question,
        number=number,
        total=max(total, number),
        stopped=stopped,
        red_flags=current.red_flags,
        skipped=skipped,
        assessment=current,
        asked=tuple(asked),
        answers=dict(given),
    )


def _remaining_usual(content: Content, given: Mapping[str, str], current: Assessment) -> int:
    """How many more questions a person giving the usual answer to each would be asked."""
    simulated = dict(given)
    count = 0
    for index, question in enumerate(content.questions):
        if question.id in simulated:
            continue
        if _emergency(current.red_flags):
            break
        if _skip_reason(content, index, simulated, current):
            continue
        simulated[question.id] = question.usual_option
        count += 1
        current = _assess(content, simulated)
    return count


def _skip_reason(content: Content, index: int, given: Mapping[str, str], current: Assessment) -> str:
    """Why the question at ``index`` is not asked ("" when it is), cached: each turn re-walks the same prefix."""
    return _SKIP_REASONS.get(
        content, (index, tuple(given.items())), lambda: _skip_reason_uncached(content, index, given, current)
    )


_WALK_CACHE_SIZE = 4_096
"""Entries per cache of the walk: one consultation fills fewer than 100 (measured over scripted people), and the
caches are emptied between people (:func:`forget`), so this only bounds memory."""
_SKIP_REASONS: _Memo[tuple[int, tuple[tuple[str, str], ...]], str] = _Memo(_WALK_CACHE_SIZE)
_ASSESSMENTS: _Memo[tuple[tuple[str, str], ...], Assessment] = _Memo(_WALK_CACHE_SIZE)


def _skip_reason_uncached(content: Content, index: int, given: Mapping[str, str], current: Assessment) -> str:
    question = content.questions[index]
    if not question.applies(given):
        body = content.body_question
        if question.organs and body and body in given and not (content.organs(given) & question.organs):
            return f"{NOT_FOR_BODY}: asked only of people who may have: {', '.join(sorted(question.organs))}"
        return NOT_APPLICABLE
    if not _always_asked(content, question) and not _Lookahead(content, index, given, current).needed(index):
        return CANNOT_CHANGE
    return ""


def _always_asked(content: Content, question: Question) -> bool:
    """A red-flag question whose sign can need help today or now is never skipped by the length rule, even when the
    urgency is already that high: its own advice (for example a check at an emergency department after pressure on
    the neck) and its reason belong in the result. Only signs that ask for an appointment, and those marked
    ``skip_when_as_urgent`` (their advice adds nothing to "get medical help today"), may be skipped."""
    return (
        question.red_flag
        and not question.skip_when_as_urgent
        and any(
            rule.level > Urgency.SOON and any(c.question == question.id for c in rule.when)
            for flag in content.red_flags
            for rule in flag.rules
        )
    )


# ---- the length rule -----------------------------------------------------------------------------------------------


class _Lookahead:
    """What the questions from ``start`` on could still change, given the answers so far."""

    def __init__(self, content: Content, start: int, given: Mapping[str, str], current: Assessment) -> None:
        self.content = content
        self.given = given
        self.current = current
        self.start = start
        self.possible: dict[str, int] = {}
        """Questions (from ``start`` on) that could still be asked -> their index."""
        for index in range(start, len(content.questions)):
            question = content.questions[index]
            if question.id not in given and self._could_apply(question):
                self.possible[question.id] = index
        self._needed: dict[int, bool] = {}
        self._shown_open: bool | None = None
        self._status: dict[str, str] = {}

    def _could(self, condition: Condition) -> bool:
        if condition.question in self.given:
            return condition.holds(self.given)
        return condition.question in self.possible

    def _could_apply(self, question: Question) -> bool:
        return (
            all(self._could(c) for c in question.ask_if)
            and (not question.ask_if_any or any(self._could(c) for c in question.ask_if_any))
            and not any(c.question in self.given and c.holds(self.given) for c in question.unless)
        )

    def needed(self, index: int) -> bool:
        """Whether the question at ``index`` can change the urgency or the causes shown, itself or by leading to a
        question that can."""
        if index in self._needed:
            return self._needed[index]
        self._needed[index] = False  # no cycles: conditions only name earlier questions
        question = self.content.questions[index]
        result = self._changes_urgency(question.id) or self._changes_causes(question.id)
        if not result:
            for later in self.content.questions[index + 1 :]:
                gated = later.id in self.possible and question.id in {c.question for c in later.conditions}
                if gated and self.needed(self.possible[later.id]):
                    result = True
                    break
        self._needed[index] = result
        return result

    # -- urgency --

    def _changes_urgency(self, question_id: str) -> bool:
        level = self.current.urgency
        for flag in self.content.red_flags:
            for rule in flag.rules:
                names_it = rule.level > level and any(c.question == question_id for c in rule.when)
                if names_it and all(c.holds(self.given) or self._could_open(c) for c in rule.when):
                    return True
        listed = {f.cause.id for f in self.current.causes}
        for cause in self.content.causes:
            could_list = cause.level > level and cause.id not in listed and self._has_evidence(cause.id, question_id)
            if could_list and self._max_score(cause.id) >= MIN_CAUSE_SCORE:
                return True
        return False

    def _could_open(self, condition: Condition) -> bool:
        """An unanswered condition that a later answer could satisfy."""
        return condition.question not in self.given and condition.question in self.possible

    # -- causes shown --

    def _has_evidence(self, cause_id: str, question_id: str) -> bool:
        cause = next(c for c in self.content.causes if c.id == cause_id)
        return any(e.question == question_id for e in cause.evidence)

    def _max_score(self, cause_id: str) -> int:
        cause = next(c for c in self.content.causes if c.id == cause_id)
        if not all(c.holds(self.given) or self._could_open(c) for c in cause.requires):
            return 0
        best: dict[str, int] = {}
        for evidence in cause.evidence:
            if evidence.question in self.possible:
                best[evidence.question] = max(best.get(evidence.question, 0), evidence.weight)
        return self._score(cause_id) + sum(best.values())

    def _score(self, cause_id: str) -> int:
        cause = next(c for c in self.content.causes if c.id == cause_id)
        return cause_score(cause, self.given)

    def _outranks(self, a: int, b: int, scores: tuple[int, int]) -> bool:
        """Whether cause ``a`` with score scores[0] ranks before cause ``b`` with score scores[1]."""
        causes = self.content.causes
        return (scores[0], causes[a].level, -a) > (scores[1], causes[b].level, -b)

    def _statuses(self) -> dict[str, str]:
        """Each cause: "shown" or "hidden" whatever the remaining answers, or "open"."""
        if self._status:
            return self._status
        causes = self.content.causes
        low = [self._score(c.id) for c in causes]
        high = [self._max_score(c.id) for c in causes]
        for i, cause in enumerate(causes):
            if high[i] < MIN_CAUSE_SCORE:
                status = "hidden"
            else:
                sure = low[i] >= MIN_CAUSE_SCORE
                may_beat = sum(
                    1 for j in range(len(causes))
                    if j != i and high[j] >= MIN_CAUSE_SCORE and self._outranks(j, i, (high[j], low[i]))
                )  # fmt: skip
                must_beat = sum(
                    1 for j in range(len(causes))
                    if j != i and low[j] >= MIN_CAUSE_SCORE and self._outranks(j, i, (low[j], high[i]))
                )  # fmt: skip
                if cause.level > Urgency.SELF_CARE:
                    status = "shown" if sure else "open"
                elif sure and may_beat < TOP_CAUSES:
                    status = "shown"
                elif must_beat >= TOP_CAUSES:
                    status = "hidden"
                else:
                    status = "open"
            self._status[cause.id] = status
        return self._status

    def _changes_causes(self, question_id: str) -> bool:
        statuses = self._statuses()
        if "open" not in statuses.values():
            return False
        for cause in self.content.causes:
            if not self._has_evidence(cause.id, question_id) or statuses[cause.id] == "hidden":
                continue
            if statuses[cause.id] == "open":
                return True
            # A shown cause whose score can still rise can push an open self-care cause out of the top ones.
            if any(
                s == "open" and c.level is Urgency.SELF_CARE
                for c, s in ((c, statuses[c.id]) for c in self.content.causes)
            ):
                return True
        return False
