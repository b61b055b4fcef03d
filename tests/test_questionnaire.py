"""The questionnaire's state (voice_guide.questionnaire) and the safety properties of the whole guide, on the real
content: walks through the questionnaire with random answers (Hypothesis) and exhaustive walks over the red-flag
answers check that

- no combination of answers gives an urgency below what any red flag present requires,
- "not sure" instead of "no" never lowers the urgency,
- every emergency rule ends the questions, and nothing is asked after it,
- a question skipped by the length rule could not have changed the urgency or the causes shown,
- no result contradicts itself (banner, red-flag advice, signs to watch for, cause texts, emergency brevity),
- "Question N of about T" is honest.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice_guide.content import TIMING_WORDS, Content, Question, RedFlagRule, load_content
from voice_guide.questionnaire import CANNOT_CHANGE, QuestionnaireState, check_answers, state
from voice_guide.report import detail_paragraphs, self_care, short_paragraphs, watch_items
from voice_guide.triage import Assessment, assess
from voice_guide.urgency import Urgency

CONTENT: Content = load_content()
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

Chooser = Callable[[Question], str]


def walk(content: Content, choose: Chooser, fixed: Mapping[str, str] | None = None) -> QuestionnaireState:
    """Answer the questionnaire as the guide asks it: ``fixed`` answers where given, else ``choose(question)``."""
    fixed = fixed or {}
    answers: dict[str, str] = {}
    while (question := state(content, answers).next_question) is not None:
        answers[question.id] = fixed[question.id] if question.id in fixed else choose(question)
    return state(content, answers)


def usual(question: Question) -> str:
    return question.usual_option


def answer_strategy(question: Question) -> st.SearchStrategy[str]:
    """Any option; the usual answer twice as often, so that walks often reach the later questions."""
    choice: st.SearchStrategy[str] = st.sampled_from([o.id for o in question.options])
    return st.one_of(st.just(question.usual_option), choice)


def drawing(data: st.DataObject, label: str = "") -> Chooser:
    return lambda question: data.draw(answer_strategy(question), label=f"{label}{question.id}")


def emergency_rule_holds(content: Content, answers: Mapping[str, str]) -> bool:
    return any(
        rule.level is Urgency.EMERGENCY and all(answers.get(c.question) in c.any_of for c in rule.when)
        for flag in content.red_flags
        for rule in flag.rules
    )


# ---- the state ----------------------------------------------------------------------------------------------------


def test_state_of_no_answers_asks_the_first_question() -> None:
    current = state(CONTENT, {})
    assert current.next_question == CONTENT.questions[0]
    assert (current.number, current.stopped, current.done) == (1, False, False)
    assert current.total == len(walk(CONTENT, usual).asked)
    assert current.assessment.urgency is Urgency.SELF_CARE


def test_state_is_computed_once_per_set_of_answers() -> None:
    answers = {"rf_nerves": "no", "rf_sepsis": "no"}
    assert state(CONTENT, answers) is state(CONTENT, dict(answers))


def test_skipped_questions_say_why() -> None:
    done = walk(CONTENT, usual, {"body": "penis"})
    assert done.skipped["rf_pregnant"].startswith("does not fit the body answer")
    assert done.skipped["rf_pregnancy_signs"] == "does not apply after the earlier answers"
    assert "penetration" in done.skipped
    urgent = walk(CONTENT, usual, {"body": "penis", "rf_fever": "yes"})
    assert urgent.skipped["rf_spine_risk"] == CANNOT_CHANGE  # the advice is already "get medical help today"
    assert "rf_strangled" in urgent.answers  # its own advice (an emergency department check) is always given


@pytest.mark.parametrize("body", [o.id for o in CONTENT.question("body").options])
def test_questions_asked_fit_the_body(body: str) -> None:
    """Issue 9: pregnancy questions for anyone who may have a womb (a trans man can be pregnant), penis questions
    for anyone who may have one, and "both" or "not sure" skip nothing that could apply."""
    organs = CONTENT.question("body").option(body).organs
    asked = {q.id for q in walk(CONTENT, usual, {"body": body}).asked}
    assert ("rf_pregnant" in asked) is ("womb" in organs)
    assert ("rf_genital" in asked) is bool(organs & {"penis", "testicles"})
    assert ("penetration" in asked) is ("vagina" in organs)
    assert ("prostate_pain" in asked) is ("prostate" in organs)


def test_follow_up_red_flags_are_asked_after_yes_and_not_sure() -> None:
    for answer in ("yes", "not_sure"):
        asked = {q.id for q in walk(CONTENT, usual, {"body": "womb", "rf_pregnant": answer}).asked}
        assert "rf_pregnancy_signs" in asked


def _emergency_walk(content: Content, rule: RedFlagRule) -> dict[str, str] | None:
    """Answers, as the guide would collect them, that make ``rule`` hold: a small depth-first search."""
    wanted = {c.question: c.any_of for c in rule.when}

    def search(answers: dict[str, str]) -> dict[str, str] | None:
        if all(answers.get(c.question) in c.any_of for c in rule.when):
            return answers
        question = state(content, answers).next_question
        if question is None:
            return None
        # Outside the rule, the usual answer ("no"), so that no other red flag stops the questions; every body.
        if question.id in wanted:
            choices = sorted(wanted[question.id])
        elif question.id == content.body_question:
            choices = [o.id for o in question.options]
        else:
            choices = [question.usual_option]
        for choice in choices:
            found = search({**answers, question.id: choice})
            if found is not None:
                return found
        return None

    return search({})


EMERGENCY_RULES = [
    (flag.id, index, rule)
    for flag in CONTENT.red_flags
    for index, rule in enumerate(flag.rules)
    if rule.level is Urgency.EMERGENCY
]


@pytest.mark.parametrize(("flag_id", "index", "rule"), EMERGENCY_RULES, ids=[f"{f}-{i}" for f, i, _ in EMERGENCY_RULES])
def test_each_emergency_rule_ends_the_questions(flag_id: str, index: int, rule: RedFlagRule) -> None:
    answers = _emergency_walk(CONTENT, rule)
    assert answers is not None, f"{flag_id} rule {index} can never hold"
    current = state(CONTENT, answers)
    assert current.stopped and current.next_question is None
    check_answers(CONTENT, answers)
    assert current.assessment.urgency is Urgency.EMERGENCY
    assert current.assessment.complete is False
    assert flag_id in {f.red_flag.id for f in current.red_flags if f.level is Urgency.EMERGENCY}


def test_a_red_flag_question_whose_own_advice_matters_is_never_skipped_by_the_length_rule() -> None:
    """Whatever made the advice urgent already, a red-flag question that can need help today or now is asked unless the
    content marks it skip_when_as_urgent (its advice adds nothing to "get medical help today"). Pressure on the neck
    during sex must always be asked: its advice is an emergency department check even when feeling fine."""
    must_ask = {
        q.id
        for q in CONTENT.questions
        if q.red_flag
        and not q.skip_when_as_urgent
        and any(
            r.level > Urgency.SOON and any(c.question == q.id for c in r.when)
            for f in CONTENT.red_flags
            for r in f.rules
        )
    }
    assert "rf_strangled" in must_ask
    for first in [q for q in CONTENT.questions if q.red_flag]:
        for answer in ("yes", "not_sure"):
            for body in ("womb", "penis", "not_sure"):
                done = walk(CONTENT, usual, {first.id: answer, "body": body})
                wrongly = [q for q, why in done.skipped.items() if q in must_ask and why == CANNOT_CHANGE]
                assert wrongly == [], (first.id, answer, body)


def test_red_flag_questions_come_before_the_others() -> None:
    """Every red-flag question that can raise more than an appointment comes before every question about the pain."""
    kinds = [q.red_flag for q in CONTENT.questions if q.in_reasons and q.id != "rf_lasting"]
    assert kinds == sorted(kinds, reverse=True)


# ---- progress: "Question 7 of about 10" ----------------------------------------------------------------------------


def test_progress_is_exact_for_someone_giving_the_usual_answers() -> None:
    answers: dict[str, str] = {}
    totals = []
    while (current := state(CONTENT, answers)).next_question is not None:
        totals.append((current.number, current.total))
        question = current.next_question
        answers[question.id] = question.usual_option
    count = len(answers)
    assert [n for n, _ in totals] == list(range(1, count + 1))
    assert {t for _, t in totals} == {count}


@PROPERTY_SETTINGS
@given(st.data())
def test_progress_counts_up_and_ends_at_the_number_asked(data: st.DataObject) -> None:
    answers: dict[str, str] = {}
    numbers = []
    while (current := state(CONTENT, answers)).next_question is not None:
        assert current.total >= current.number == len(answers) + 1
        numbers.append(current.number)
        question = current.next_question
        answers[question.id] = data.draw(answer_strategy(question), label=question.id)
    assert numbers == list(range(1, len(answers) + 1))
    assert state(CONTENT, answers).number == len(answers)


# ---- safety properties ---------------------------------------------------------------------------------------------


def _check_result(assessment: Assessment) -> None:
    """No result contradicts itself (issue 9)."""
    levels = [f.level for f in assessment.red_flags] + [f.cause.level for f in assessment.causes]
    assert assessment.urgency == max(levels, default=Urgency.SELF_CARE)
    short = short_paragraphs(CONTENT, assessment, spoken=False)
    details = detail_paragraphs(CONTENT, assessment, spoken=False)
    text = "\n".join(short + details)
    urgency = CONTENT.urgency[assessment.urgency]
    assert CONTENT.phrase("result_urgency", title=urgency.title) + " " + urgency.action in short
    paragraphs = short + details
    for finding in assessment.red_flags:
        # A flag's advice is given only when the flag is at the result's level; lower flags are named without it.
        flag = finding.red_flag
        head = f"{flag.name}. {flag.explanation}"
        shown = [p for p in paragraphs if p.startswith(head)]
        if assessment.emergency and finding.level is not Urgency.EMERGENCY:
            assert shown == []
            continue
        (paragraph,) = shown
        rest = paragraph[len(head) :].strip()
        if finding.level is assessment.urgency:
            assert rest.startswith(flag.advice[finding.level])
        else:
            assert not any(rest.startswith(advice) for advice in flag.advice.values())
    for item in watch_items(assessment):
        assert item.level > assessment.urgency
        assert not item.question or assessment.answers.get(item.question) != "yes"
    for other in Urgency:
        if other is not assessment.urgency:
            assert CONTENT.urgency[other].title not in text
    if assessment.emergency:
        assert details == []
        assert not any(c.cause.name in text for c in assessment.causes)
        assert CONTENT.phrase("result_self_care") not in text
    for shown_cause in assessment.shown_causes:
        assert not TIMING_WORDS.search(" ".join(s.text for s in self_care(shown_cause.cause, assessment.answers)))


@PROPERTY_SETTINGS
@given(st.data())
def test_no_emergency_is_ever_missed_and_no_result_contradicts_itself(data: st.DataObject) -> None:
    done = walk(CONTENT, drawing(data))
    answers = dict(done.answers)
    check_answers(CONTENT, answers)
    assessment = done.assessment
    _check_result(assessment)
    if emergency_rule_holds(CONTENT, answers):
        assert assessment.emergency and done.stopped
        last = next(reversed(answers))
        assert not emergency_rule_holds(CONTENT, {k: v for k, v in answers.items() if k != last})
    else:
        assert not assessment.emergency and not done.stopped


@PROPERTY_SETTINGS
@given(st.data())
def test_not_sure_instead_of_no_never_lowers_the_urgency(data: st.DataObject) -> None:
    done = walk(CONTENT, drawing(data))
    before = done.assessment.urgency
    for question in done.asked:
        if done.answers[question.id] != "no" or "not_sure" not in {o.id for o in question.options}:
            continue
        changed = walk(CONTENT, drawing(data, f"{question.id}->not_sure:"), {**done.answers, question.id: "not_sure"})
        after = changed.assessment.urgency
        assert after >= before, f"{question.id}: no -> not sure lowered {before.key} to {after.key}"


@PROPERTY_SETTINGS
@given(st.data())
def test_a_question_skipped_by_the_length_rule_could_not_change_the_result(data: st.DataObject) -> None:
    done = walk(CONTENT, drawing(data))
    if done.stopped:
        return
    shown = {f.cause.id for f in done.assessment.shown_causes}
    for question_id, why in done.skipped.items():
        if why != CANNOT_CHANGE:
            continue
        for option in CONTENT.question(question_id).options:
            other = assess(CONTENT, {**done.answers, question_id: option.id})
            assert other.urgency == done.assessment.urgency, (question_id, option.id)
            assert {f.cause.id for f in other.shown_causes} == shown, (question_id, option.id)


RED_FLAG_BLOCK = [q for q in CONTENT.questions if q.red_flag and not q.ask_if][:6]


@pytest.mark.parametrize("body", ["womb", "penis", "both", "neither", "not_sure"])
def test_exhaustively_every_answer_pair_to_the_first_red_flags_is_safe(body: str) -> None:
    """Every pair of answers to the first red-flag questions, for every body: urgency >= every flag's level, and
    'not sure' >= 'no' for each of the pair."""
    ids = [q.id for q in RED_FLAG_BLOCK]
    for (a, b), (x, y) in itertools.product(
        itertools.combinations(ids, 2), itertools.product(("no", "not_sure", "yes"), repeat=2)
    ):
        done = walk(CONTENT, usual, {"body": body, a: x, b: y})
        assessment = done.assessment
        assert assessment.urgency >= max((f.level for f in assessment.red_flags), default=Urgency.SELF_CARE)
        _check_result(assessment)
        for question, answer in ((a, x), (b, y)):
            if answer == "no":
                unsure = walk(CONTENT, usual, {"body": body, a: x, b: y, question: "not_sure"})
                assert unsure.assessment.urgency >= assessment.urgency


def test_nothing_of_one_person_stays_in_the_caches_for_the_next() -> None:
    """The questionnaire caches its work by answers; resetting the dialog for the next person empties them."""
    from voice_guide import questionnaire
    from voice_guide.dialog import Dialog, Mode

    dialog = Dialog(CONTENT, Mode.KEYBOARD)
    dialog.start()
    dialog.hear("no")
    dialog.hear("yes")
    assert len(questionnaire._STATES)  # the first person's answers are keys while they use the guide...
    dialog.reset()
    assert len(questionnaire._STATES) == len(questionnaire._SKIP_REASONS) == len(questionnaire._ASSESSMENTS) == 0
