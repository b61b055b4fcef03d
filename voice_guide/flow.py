"""Which question comes next: skip logic, the emergency stop, progress, and checks on a full set of answers."""

from __future__ import annotations

from collections.abc import Mapping

from voice_guide.content import Content, Question
from voice_guide.errors import AnswersError
from voice_guide.triage import find_red_flags
from voice_guide.urgency import Urgency


def emergency_reached(content: Content, answers: Mapping[str, str]) -> bool:
    """Whether an emergency red flag is already raised, which ends the questions."""
    return any(f.level is Urgency.EMERGENCY for f in find_red_flags(content, answers))


def next_question(content: Content, answers: Mapping[str, str]) -> Question | None:
    """The first question, in file order, that applies and has no answer; None when the questions are done."""
    if emergency_reached(content, answers):
        return None
    for question in content.questions:
        if question.id not in answers and question.applies(answers):
            return question
    return None


def progress(content: Content, answers: Mapping[str, str], current: Question) -> tuple[int, int]:
    """(number of the current question, estimated total) for "Question 3 of about 9"."""
    # Questions answered, or that may still be asked: neither an answer given nor a question skipped rules them out.
    possible: set[str] = set()
    for question in content.questions:
        if question.id in answers or all(
            c.holds(answers) if c.question in answers else c.question in possible for c in question.ask_if
        ):
            possible.add(question.id)
    answered = sum(1 for q in content.questions if q.id in answers)
    remaining = len(possible) - answered
    number = answered + 1
    return number, max(number, answered + remaining)


def check_answers(content: Content, answers: Mapping[str, str]) -> None:
    """Raise AnswersError unless ``answers`` is a complete, consistent set, as the questionnaire would collect."""
    known = {q.id: q for q in content.questions}
    for question_id, option_id in answers.items():
        if question_id not in known:
            raise AnswersError(f"unknown question {question_id!r} (see 'voice-guide questions')")
        options = [o.id for o in known[question_id].options]
        if option_id not in options:
            raise AnswersError(f"question {question_id!r} has no option {option_id!r} (options: {', '.join(options)})")
    asked: dict[str, str] = {}
    for question in content.questions:
        if emergency_reached(content, asked):
            break
        if not question.applies(asked):
            continue
        if question.id not in answers:
            raise AnswersError(f"missing an answer to {question.id!r}: {question.text}")
        asked[question.id] = answers[question.id]
    extra = sorted(set(answers) - set(asked))
    if extra:
        raise AnswersError(
            f"answers given to questions that would not be asked after the earlier answers: {', '.join(extra)}"
        )
