"""Unit and property tests of the triage engine (voice_guide.triage) and the questionnaire flow (voice_guide.flow).

The engine's rules are tested on small made-up causes and red flags (so they do not move when the content is
edited); the flow and the safety properties run on the real content in prompts/.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice_guide import cli
from voice_guide.content import Cause, Condition, Content, Evidence, Question, RedFlag, RedFlagRule, load_content
from voice_guide.errors import AnswersError
from voice_guide.flow import check_answers, emergency_reached, next_question
from voice_guide.report import assessment_json, result_paragraphs
from voice_guide.triage import MIN_CAUSE_SCORE, TOP_CAUSES, Assessment, assess, find_red_flags
from voice_guide.urgency import Urgency

REPO = Path(__file__).resolve().parent.parent
PROMPTS = REPO / "prompts"
CONTENT: Content = load_content(PROMPTS)
SOURCE = next(iter(CONTENT.sources.values()))
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

Chooser = Callable[[Question], str]


# ---- helpers ------------------------------------------------------------------------------------------------------


def walk(content: Content, choose: Chooser, fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """Answer the questionnaire as the guide asks it: ``fixed`` answers where given, else ``choose(question)``."""
    fixed = fixed or {}
    answers: dict[str, str] = {}
    while (question := next_question(content, answers)) is not None:
        answers[question.id] = fixed[question.id] if question.id in fixed else choose(question)
    return answers


def say_no(question: Question) -> str:
    """'No' where it is an option, else the first option."""
    ids = [o.id for o in question.options]
    return "no" if "no" in ids else ids[0]


def complete(given: Mapping[str, str], content: Content = CONTENT) -> dict[str, str]:
    """A full answer set: ``given`` where asked, 'no' (or the first option) elsewhere."""
    answers = walk(content, say_no, given)
    unused = set(given) - set(answers)
    if unused:
        raise AssertionError(f"answers given to questions that are not asked: {unused}")
    return answers


def conditions_hold(conditions: Iterable[Condition], answers: Mapping[str, str]) -> bool:
    """All conditions hold, evaluated here rather than through Condition.holds."""
    return all(answers.get(c.question) in c.any_of for c in conditions)


def emergency_rule_holds(content: Content, answers: Mapping[str, str]) -> bool:
    return any(
        rule.level is Urgency.EMERGENCY and conditions_hold(rule.when, answers)
        for flag in content.red_flags
        for rule in flag.rules
    )


def cause(
    cause_id: str,
    evidence: list[tuple[str, str, int]],
    *,
    level: Urgency = Urgency.SOON,
    requires: tuple[Condition, ...] = (),
) -> Cause:
    """A made-up cause whose evidence is (question, option, weight) on the real questions."""
    return Cause(
        id=cause_id,
        name=cause_id.replace("_", " ").title(),
        explanation="Made up for a test.",
        self_care=("Rest.",),
        get_help="See a doctor.",
        level=level,
        requires=requires,
        evidence=tuple(Evidence(q, frozenset({o}), w) for q, o, w in evidence),
        sources=(SOURCE,),
    )


def red_flag(flag_id: str, rules: list[tuple[Urgency, list[tuple[str, str]]]]) -> RedFlag:
    return RedFlag(
        id=flag_id,
        name=flag_id,
        explanation="Made up for a test.",
        advice="Get help.",
        rules=tuple(RedFlagRule(level, tuple(Condition(q, frozenset({o})) for q, o in when)) for level, when in rules),
        sources=(SOURCE,),
    )


def with_causes(*causes: Cause) -> Content:
    return dataclasses.replace(CONTENT, causes=causes, red_flags=())


def ids(assessment: Assessment) -> list[str]:
    return [f.cause.id for f in assessment.causes]


# ---- ranking: highest score first, then more urgent, then file order ----------------------------------------------

BASE = complete({"body": "womb", "peeing": "yes", "deep": "yes", "vigorous": "yes", "movement": "yes"})


def test_higher_score_ranks_first() -> None:
    content = with_causes(
        cause("low", [("peeing", "yes", 2)], level=Urgency.URGENT),
        cause("high", [("peeing", "yes", 2), ("deep", "yes", 3)], level=Urgency.SELF_CARE),
    )
    assessment = assess(content, BASE)
    assert ids(assessment) == ["high", "low"]
    assert [f.score for f in assessment.causes] == [5, 2]


def test_equal_scores_more_urgent_first() -> None:
    content = with_causes(
        cause("self_care_one", [("deep", "yes", 3)], level=Urgency.SELF_CARE),
        cause("soon_one", [("deep", "yes", 3)], level=Urgency.SOON),
        cause("urgent_one", [("deep", "yes", 3)], level=Urgency.URGENT),
    )
    assert ids(assess(content, BASE)) == ["urgent_one", "soon_one", "self_care_one"]


def test_equal_score_and_level_keep_file_order() -> None:
    first = cause("first", [("deep", "yes", 3)])
    second = cause("second", [("vigorous", "yes", 3)])
    assert ids(assess(with_causes(first, second), BASE)) == ["first", "second"]
    assert ids(assess(with_causes(second, first), BASE)) == ["second", "first"]


def test_only_causes_reaching_the_minimum_score_are_listed() -> None:
    content = with_causes(
        cause("at_minimum", [("deep", "yes", MIN_CAUSE_SCORE)]),
        cause("below", [("deep", "yes", MIN_CAUSE_SCORE - 1)]),
        cause("pulled_below", [("deep", "yes", MIN_CAUSE_SCORE + 2), ("vigorous", "yes", -3)]),
        cause("unmatched", [("deep", "no", 9)]),
    )
    assessment = assess(content, BASE)
    assert ids(assessment) == ["at_minimum"]


def test_negative_weights_lower_the_score_but_are_not_given_as_reasons() -> None:
    content = with_causes(cause("mixed", [("peeing", "yes", 4), ("deep", "yes", -1), ("movement", "yes", 1)]))
    (finding,) = assess(content, BASE).causes
    assert finding.score == 4
    assert [r.question.id for r in finding.reasons] == ["peeing", "movement"]


def test_requires_keeps_a_cause_out_entirely() -> None:
    womb_only = cause("womb_only", [("deep", "yes", 9)], requires=(Condition("body", frozenset({"womb"})),))
    content = with_causes(womb_only)
    assert ids(assess(content, BASE)) == ["womb_only"]
    prostate = complete({"body": "prostate", "deep": "yes"})
    assert ids(assess(content, prostate)) == []


def test_top_causes_are_the_first_three() -> None:
    content = with_causes(*(cause(f"c{i}", [("deep", "yes", 10 - i)]) for i in range(5)))
    assessment = assess(content, BASE)
    assert TOP_CAUSES == 3
    assert [f.cause.id for f in assessment.top_causes] == ["c0", "c1", "c2"]
    assert len(assessment.causes) == 5


def test_real_ranking_example() -> None:
    """Burning when peeing with pain under the ribs: bladder and kidney infection tie, the more urgent first."""
    answers = complete({"body": "womb", "peeing": "yes", "side_pain": "yes"})
    assessment = assess(CONTENT, answers)
    assert [(f.cause.id, f.score) for f in assessment.causes[:2]] == [("kidney_infection", 4), ("uti", 4)]
    # Once the pain under the ribs comes with a high temperature, the kidney leads on score alone.
    feverish = complete({"rf_fever": "yes", "body": "womb", "peeing": "yes", "side_pain": "yes"})
    assert [f.cause.id for f in assess(CONTENT, feverish).causes[:2]] == ["kidney_infection", "uti"]


# ---- urgency ------------------------------------------------------------------------------------------------------


def test_urgency_is_self_care_when_nothing_is_found() -> None:
    assessment = assess(CONTENT, complete({"body": "prostate"}))
    assert assessment.urgency is Urgency.SELF_CARE
    assert assessment.causes == ()
    assert assessment.red_flags == ()


def test_urgency_is_the_highest_of_red_flags_and_listed_causes() -> None:
    content = dataclasses.replace(
        CONTENT,
        causes=(cause("urgent_cause", [("deep", "yes", 2)], level=Urgency.URGENT),),
        red_flags=(red_flag("soon_flag", [(Urgency.SOON, [("rf_weight_night", "yes")])]),),
    )
    with_flag = complete({"rf_weight_night": "yes", "body": "prostate"}, content)
    assert assess(content, with_flag).urgency is Urgency.SOON
    both = complete({"rf_weight_night": "yes", "body": "womb", "deep": "yes"}, content)
    assert assess(content, both).urgency is Urgency.URGENT
    # An unlisted cause (score below the minimum) does not count.
    weak = dataclasses.replace(content, causes=(cause("weak", [("deep", "yes", 1)], level=Urgency.URGENT),))
    assert assess(weak, both).urgency is Urgency.SOON


def test_red_flags_most_urgent_first_then_file_order() -> None:
    content = dataclasses.replace(
        CONTENT,
        causes=(),
        red_flags=(
            red_flag("a_soon", [(Urgency.SOON, [("rf_blood_urine", "yes")])]),
            red_flag("b_urgent", [(Urgency.URGENT, [("rf_fever", "yes")])]),
            red_flag("c_soon", [(Urgency.SOON, [("rf_vomiting", "yes")])]),
            red_flag("d_urgent", [(Urgency.URGENT, [("rf_weight_night", "yes")])]),
        ),
    )
    answers = {"rf_fever": "yes", "rf_vomiting": "yes", "rf_blood_urine": "yes", "rf_weight_night": "yes"}
    assert [f.red_flag.id for f in find_red_flags(content, answers)] == ["b_urgent", "d_urgent", "a_soon", "c_soon"]


def test_red_flag_level_is_its_highest_rule_and_reasons_come_from_that_level() -> None:
    flag = red_flag(
        "two_levels",
        [(Urgency.URGENT, [("rf_fever", "yes")]), (Urgency.EMERGENCY, [("rf_fever", "yes"), ("rf_vomiting", "yes")])],
    )
    content = dataclasses.replace(CONTENT, causes=(), red_flags=(flag,))
    (low,) = find_red_flags(content, {"rf_fever": "yes", "rf_vomiting": "no"})
    assert low.level is Urgency.URGENT
    assert [r.question.id for r in low.reasons] == ["rf_fever"]
    (high,) = find_red_flags(content, {"rf_vomiting": "yes", "rf_fever": "yes"})
    assert high.level is Urgency.EMERGENCY
    assert [(r.question.id, r.option.id) for r in high.reasons] == [("rf_fever", "yes"), ("rf_vomiting", "yes")]


# ---- reasons: "because you said ..." ------------------------------------------------------------------------------


def test_reasons_are_the_answers_behind_each_finding_in_question_order() -> None:
    answers = complete({"rf_fever": "yes", "rf_vomiting": "yes", "body": "womb", "peeing": "yes", "side_pain": "yes"})
    assessment = assess(CONTENT, answers)
    kidney = next(f for f in assessment.causes if f.cause.id == "kidney_infection")
    assert [(r.question.id, r.option.id) for r in kidney.reasons] == [
        ("rf_fever", "yes"),
        ("rf_vomiting", "yes"),
        ("peeing", "yes"),
        ("side_pain", "yes"),
    ]
    order = [q.id for q in CONTENT.questions]
    all_reasons = [f.reasons for f in assessment.red_flags] + [f.reasons for f in assessment.causes]
    for reasons in all_reasons:
        positions = [order.index(r.question.id) for r in reasons]
        assert positions == sorted(positions)
        assert all(answers[r.question.id] == r.option.id for r in reasons)


def test_because_you_said_is_printed_and_in_json() -> None:
    answers = complete({"rf_fever": "yes", "body": "prostate", "peeing": "yes", "prostate_pain": "yes"})
    assessment = assess(CONTENT, answers)
    fever = CONTENT.question("rf_fever")
    peeing = CONTENT.question("peeing")
    pain = CONTENT.question("prostate_pain")
    said = [CONTENT.phrase("reason_said", answer="yes", topic=q.topic) for q in (fever, peeing, pain)]
    expected = CONTENT.phrase("result_because", reasons=f"{said[0]}, {said[1]}, {CONTENT.phrase('and')} {said[2]}")
    paragraphs = result_paragraphs(CONTENT, assessment, spoken=True)
    name = next(c.name for c in CONTENT.causes if c.id == "prostatitis")
    prostatitis = next(p for p in paragraphs if p.startswith(f"{name}. "))
    assert prostatitis.endswith(expected)
    data = assessment_json(CONTENT, assessment)
    entry = next(c for c in data["causes"] if c["id"] == "prostatitis")
    assert entry["because"] == ", ".join(said[:2]) + f", {CONTENT.phrase('and')} {said[2]}"
    assert entry["reasons"] == [
        {"question": "rf_fever", "answer": "yes"},
        {"question": "peeing", "answer": "yes"},
        {"question": "prostate_pain", "answer": "yes"},
    ]
    flag_name = next(f.name for f in CONTENT.red_flags if f.id == "fever_with_back_pain")
    flag = next(p for p in paragraphs if p.startswith(f"{flag_name}. "))
    assert flag.endswith(CONTENT.phrase("result_because", reasons=said[0]))


# ---- determinism --------------------------------------------------------------------------------------------------


def test_assess_is_deterministic_and_ignores_answer_order() -> None:
    answers = complete({"rf_blood_urine": "not_sure", "body": "not_sure", "rf_pregnant": "not_sure", "deep": "yes"})
    first = assess(CONTENT, answers)
    assert assess(CONTENT, answers) == first
    items = list(answers.items())
    for shift in range(len(items)):
        rotated = items[shift:] + items[:shift]
        assert assess(CONTENT, dict(rotated)) == first
        assert assess(CONTENT, dict(reversed(rotated))) == first


def test_cli_assess_is_deterministic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = complete({"rf_fever": "yes", "body": "womb", "peeing": "yes", "side_pain": "yes"})
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    outputs = []
    for _ in range(2):
        assert cli.main(["--prompts", str(PROMPTS), "assess", str(path)]) == cli.EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["urgency"] == "urgent"


# ---- the flow: skip logic and the emergency stop ------------------------------------------------------------------

PREGNANCY = {"rf_pregnant", "rf_pregnancy_signs"}
WOMB_ONLY = {"periods", "bloating"}


@pytest.mark.parametrize(
    ("body", "asked", "skipped"),
    [
        ("womb", {"rf_pregnant", "rf_heavy_bleeding", "tightness", *WOMB_ONLY}, {"prostate_pain"}),
        ("prostate", {"prostate_pain"}, {*PREGNANCY, "rf_heavy_bleeding", "menopause", "tightness", *WOMB_ONLY}),
        ("neither", {"rf_heavy_bleeding", "tightness"}, {*PREGNANCY, *WOMB_ONLY, "prostate_pain"}),
        ("not_sure", {"rf_pregnant", "rf_heavy_bleeding", "tightness", *WOMB_ONLY, "prostate_pain"}, set()),
    ],
)
def test_questions_asked_depend_on_the_body(body: str, asked: set[str], skipped: set[str]) -> None:
    answers = complete({"body": body})
    assert asked <= set(answers)
    assert not skipped & set(answers)
    # Follow-up questions only after the answers that call for them.
    assert "rf_pregnancy_signs" not in answers
    assert "menopause" not in answers


def test_follow_up_questions_are_asked_after_yes_or_not_sure() -> None:
    for answer in ("yes", "not_sure"):
        answers = complete({"body": "womb", "rf_pregnant": answer, "rf_pregnancy_signs": "no", "dryness": answer})
        assert {"rf_pregnancy_signs", "menopause"} <= set(answers)


def _emergency_walk(content: Content, rule: RedFlagRule) -> dict[str, str] | None:
    """Answers, as the guide would collect them, that make ``rule`` hold: a small depth-first search."""
    wanted = {c.question: c.any_of for c in rule.when}

    def search(answers: dict[str, str]) -> dict[str, str] | None:
        if conditions_hold(rule.when, answers):
            return answers
        question = next_question(content, answers)
        if question is None:
            return None
        options = [o.id for o in question.options]
        # Outside the rule, "no" first, so that no other red flag stops the questions.
        choices = sorted(wanted[question.id]) if question.id in wanted else sorted(options, key=lambda o: o != "no")
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
    assert emergency_reached(CONTENT, answers)
    assert next_question(CONTENT, answers) is None
    check_answers(CONTENT, answers)  # a complete set: nothing more is asked
    assessment = assess(CONTENT, answers)
    assert assessment.urgency is Urgency.EMERGENCY
    assert flag_id in {f.red_flag.id for f in assessment.red_flags if f.level is Urgency.EMERGENCY}
    # An answer to a question that would have come next, had the questions gone on, is now an error.
    later = next((q for q in CONTENT.questions if q.id not in answers and q.applies(answers)), None)
    if later is not None:
        with pytest.raises(AnswersError, match=f"would not be asked after the earlier answers: {later.id}"):
            check_answers(CONTENT, {**answers, later.id: later.options[0].id})


def test_red_flag_questions_come_first() -> None:
    """Every red-flag question that is always asked comes before every ordinary question."""
    kinds = [q.red_flag for q in CONTENT.questions if not q.ask_if]
    assert kinds == sorted(kinds, reverse=True)


@pytest.mark.parametrize("question", [q for q in CONTENT.questions if q.red_flag], ids=lambda q: q.id)
def test_not_sure_to_a_red_flag_question_is_at_least_urgent(question: Question) -> None:
    """The policy in red_flags.toml: 'not sure' is never treated as 'no' and raises the flag to at least urgent."""
    fixed = {question.id: "not_sure"}
    for condition in question.ask_if:  # reach the question; "not_sure" reaches everything it can
        fixed[condition.question] = "not_sure" if "not_sure" in condition.any_of else sorted(condition.any_of)[0]
    answers = complete(fixed)
    assessment = assess(CONTENT, answers)
    assert assessment.urgency >= Urgency.URGENT
    flagged = [f for f in assessment.red_flags if any(r.question.id == question.id for r in f.reasons)]
    assert any(f.level >= Urgency.URGENT for f in flagged), f"no red flag at least urgent because of {question.id}"


# ---- causes that need a womb never appear for a prostate ----------------------------------------------------------

WOMB_CAUSES = [c.id for c in CONTENT.causes if c.requires and not conditions_hold(c.requires, {"body": "prostate"})]


def test_womb_causes_are_known() -> None:
    assert {"ectopic_pregnancy", "ovarian_cyst", "endometriosis", "vaginismus", "deep_penetration"} <= set(WOMB_CAUSES)


def answer_strategy(question: Question) -> st.SearchStrategy[str]:
    """Any option; 'no' twice as often where there is one, so that walks often reach the later questions."""
    option_ids = [o.id for o in question.options]
    choice: st.SearchStrategy[str] = st.sampled_from(option_ids)
    return st.one_of(st.just("no"), choice) if "no" in option_ids else choice


def drawing(data: st.DataObject, label: str = "") -> Chooser:
    return lambda question: data.draw(answer_strategy(question), label=f"{label}{question.id}")


@PROPERTY_SETTINGS
@given(st.data())
def test_no_womb_cause_for_a_prostate(data: st.DataObject) -> None:
    answers = walk(CONTENT, drawing(data), {"body": "prostate"})
    assessment = assess(CONTENT, answers)
    assert not {f.cause.id for f in assessment.causes} & set(WOMB_CAUSES)
    assert not PREGNANCY & set(answers)


# ---- safety properties --------------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(st.data())
def test_no_emergency_is_ever_missed(data: st.DataObject) -> None:
    answers = walk(CONTENT, drawing(data))
    check_answers(CONTENT, answers)
    holds = emergency_rule_holds(CONTENT, answers)
    assessment = assess(CONTENT, answers)
    if holds:
        assert assessment.urgency is Urgency.EMERGENCY
        assert assessment.emergency
        assert next_question(CONTENT, answers) is None
        # The questions stopped at the first answer that made an emergency rule hold.
        last = next(reversed(answers))
        assert not emergency_rule_holds(CONTENT, {k: v for k, v in answers.items() if k != last})
    else:
        assert assessment.urgency is not Urgency.EMERGENCY
        assert len(answers) == len({q.id for q in CONTENT.questions if q.applies(answers)})


@PROPERTY_SETTINGS
@given(st.data())
def test_not_sure_instead_of_no_to_a_red_flag_never_lowers_the_urgency(data: st.DataObject) -> None:
    answers = walk(CONTENT, drawing(data))
    before = assess(CONTENT, answers).urgency
    said_no = [q for q in CONTENT.questions if q.red_flag and answers.get(q.id) == "no"]
    for question in said_no:
        # Same answers where the question is still asked; fresh random answers to questions that now apply.
        changed = walk(CONTENT, drawing(data, f"{question.id}->not_sure:"), {**answers, question.id: "not_sure"})
        assert changed[question.id] == "not_sure"
        after = assess(CONTENT, changed).urgency
        assert after >= before, f"{question.id}: no -> not sure lowered {before.key} to {after.key}"


# ---- check_answers and `voice-guide assess` errors ----------------------------------------------------------------

COMPLETE = complete({"body": "womb"})
EMERGENCY_STOP = {"rf_numbness": "yes"}

BAD_ANSWERS: list[tuple[str, dict[str, str], str]] = [
    ("unknown_question", {**COMPLETE, "favourite_colour": "blue"}, "unknown question 'favourite_colour'"),
    ("unknown_option", {**COMPLETE, "rf_fever": "sometimes"}, "question 'rf_fever' has no option 'sometimes'"),
    ("missing_answer", {k: v for k, v in COMPLETE.items() if k != "deep"}, "missing an answer to 'deep'"),
    ("empty", {}, "missing an answer to 'rf_numbness'"),
    (
        "not_asked_for_prostate",
        {**complete({"body": "prostate"}), "rf_pregnant": "no"},
        "would not be asked after the earlier answers: rf_pregnant",
    ),
    (
        "not_asked_after_no",
        {**COMPLETE, "rf_pregnancy_signs": "no"},
        "would not be asked after the earlier answers: rf_pregnancy_signs",
    ),
    (
        "after_an_emergency",
        {**EMERGENCY_STOP, "rf_control": "no"},
        "would not be asked after the earlier answers: rf_control",
    ),
]


def test_check_answers_accepts_complete_sets() -> None:
    check_answers(CONTENT, COMPLETE)
    check_answers(CONTENT, EMERGENCY_STOP)


@pytest.mark.parametrize(
    ("answers", "message"), [(a, m) for _, a, m in BAD_ANSWERS], ids=[n for n, _, _ in BAD_ANSWERS]
)
def test_check_answers_errors(answers: dict[str, str], message: str) -> None:
    with pytest.raises(AnswersError, match=re.escape(message)):
        check_answers(CONTENT, answers)


BAD_INPUTS: list[tuple[str, str, str]] = [
    *((name, json.dumps(answers), message) for name, answers, message in BAD_ANSWERS),
    ("malformed_json", '{"rf_numbness": "no",', "answers are not valid JSON"),
    ("not_json", "rf_numbness = no", "answers are not valid JSON"),
    ("empty_input", "", "answers are not valid JSON"),
    ("json_list", '["rf_numbness", "no"]', "answers must be a JSON object of question id -> option id"),
    ("json_string", '"no"', "answers must be a JSON object"),
    ("json_null", "null", "answers must be a JSON object"),
    ("number_answer", '{"rf_numbness": 2}', "the answer to 'rf_numbness' must be an option id (a string), not 2"),
    ("null_answer", '{"rf_numbness": null}', "the answer to 'rf_numbness' must be an option id (a string), not null"),
    ("list_answer", '{"rf_numbness": ["no"]}', 'must be an option id (a string), not ["no"]'),
    ("bool_answer", '{"rf_numbness": false}', "must be an option id (a string), not false"),
]


@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in BAD_INPUTS], ids=[n for n, _, _ in BAD_INPUTS])
def test_cli_assess_rejects_bad_input(
    text: str, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert cli.main(["--prompts", str(PROMPTS), "assess"]) == cli.EXIT_USAGE == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("voice-guide assess: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1, "one clear line, no traceback"


def test_cli_assess_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert cli.main(["--prompts", str(PROMPTS), "assess", str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"voice-guide assess: cannot read {missing}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"rf_numbness": "no"', "answers are not valid JSON"),
        ('{"rf_numbness": "maybe"}', "question 'rf_numbness' has no option 'maybe'"),
    ],
)
def test_cli_assess_exit_code_in_a_subprocess(text: str, message: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "voice_guide", "--prompts", str(PROMPTS), "assess"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.startswith("voice-guide assess: ")
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_questions_about_the_person_are_never_quoted_as_reasons() -> None:
    content = load_content()
    answers = {q.id: "no" for q in content.questions if q.red_flag and not q.ask_if}
    answers |= {"rf_fever": "yes", "body": "womb", "rf_pregnant": "no", "rf_heavy_bleeding": "no", "discharge": "yes"}
    flags = {f.red_flag.id: f for f in assess(content, answers).red_flags}
    quoted = [r.question.id for r in flags["severe_pelvic_infection"].reasons]
    assert quoted == ["rf_fever", "discharge"]
