"""Unit tests of the triage engine (voice_guide.triage), the report (voice_guide.report) and `voice-guide assess`.

The engine's rules are tested on small made-up causes and red flags on the real questions (so they do not move when
the content's weights are edited). The questionnaire and the safety properties are in test_questionnaire.py.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from voice_guide import cli
from voice_guide.content import (
    Cause,
    Condition,
    Content,
    Evidence,
    RedFlag,
    RedFlagRule,
    SelfCare,
    load_content,
)
from voice_guide.errors import AnswersError
from voice_guide.questionnaire import check_answers, state
from voice_guide.report import assessment_json, detail_paragraphs, result_paragraphs, short_paragraphs
from voice_guide.triage import MIN_CAUSE_SCORE, TOP_CAUSES, CauseFinding, RedFlagFinding, assess, find_red_flags
from voice_guide.urgency import Urgency

REPO = Path(__file__).resolve().parent.parent
PROMPTS = REPO / "prompts"
CONTENT: Content = load_content(PROMPTS)
SOURCE = next(iter(CONTENT.sources.values()))

# Answers (not a whole questionnaire: the engine is a pure function of whatever answers it is given).
BASE = {"body": "womb", "urinary": "pee", "penetration": "deep", "back": "move", "rf_strangled": "no"}


def complete(given: Mapping[str, str], content: Content = CONTENT) -> dict[str, str]:
    """A full answer set as the questionnaire collects it: ``given`` where asked, the usual answer elsewhere."""
    answers: dict[str, str] = {}
    while (question := state(content, answers).next_question) is not None:
        answers[question.id] = given.get(question.id, question.usual_option)
    unused = set(given) - set(answers)
    if unused:
        raise AssertionError(f"answers given to questions that are not asked: {unused}")
    return answers


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
        self_care=(SelfCare("Rest."),),
        who_can_help="A doctor.",
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
        advice={level: f"Get help ({level.key})." for level, _ in rules},
        rules=tuple(RedFlagRule(level, tuple(Condition(q, frozenset({o})) for q, o in when)) for level, when in rules),
        sources=(SOURCE,),
    )


def with_causes(*causes: Cause) -> Content:
    return dataclasses.replace(CONTENT, causes=causes, red_flags=())


def ids(answers: Mapping[str, str], content: Content) -> list[str]:
    return [f.cause.id for f in assess(content, answers).causes]


# ---- ranking: highest score first, then more urgent, then file order ----------------------------------------------


def test_higher_score_ranks_first() -> None:
    content = with_causes(
        cause("low", [("urinary", "pee", 2)], level=Urgency.URGENT),
        cause("high", [("urinary", "pee", 2), ("penetration", "deep", 3)], level=Urgency.SELF_CARE),
    )
    assessment = assess(content, BASE)
    assert [f.cause.id for f in assessment.causes] == ["high", "low"]
    assert [f.score for f in assessment.causes] == [5, 2]


def test_equal_scores_more_urgent_first() -> None:
    content = with_causes(
        cause("self_care_one", [("back", "move", 3)], level=Urgency.SELF_CARE),
        cause("soon_one", [("back", "move", 3)], level=Urgency.SOON),
        cause("urgent_one", [("back", "move", 3)], level=Urgency.URGENT),
    )
    assert ids(BASE, content) == ["urgent_one", "soon_one", "self_care_one"]


def test_equal_score_and_level_keep_file_order() -> None:
    first = cause("first", [("back", "move", 3)])
    second = cause("second", [("penetration", "deep", 3)])
    assert ids(BASE, with_causes(first, second)) == ["first", "second"]
    assert ids(BASE, with_causes(second, first)) == ["second", "first"]


def test_only_causes_reaching_the_minimum_score_are_listed() -> None:
    content = with_causes(
        cause("at_minimum", [("back", "move", MIN_CAUSE_SCORE)]),
        cause("below", [("back", "move", MIN_CAUSE_SCORE - 1)]),
        cause("unmatched", [("back", "leg", 9)]),
    )
    assert ids(BASE, content) == ["at_minimum"]


def test_requires_keeps_a_cause_out_entirely() -> None:
    womb_only = cause("womb_only", [("back", "move", 9)], requires=(Condition("body", frozenset({"womb"})),))
    content = with_causes(womb_only)
    assert ids(BASE, content) == ["womb_only"]
    assert ids({**BASE, "body": "penis"}, content) == []


def test_shown_causes_are_the_first_three_and_never_cut_one_with_its_own_urgency() -> None:
    """Issue 9: an urgent cause was hidden by the top-3 cut below self-care ones."""
    content = with_causes(
        *(cause(f"home_{i}", [("back", "move", 10 - i)], level=Urgency.SELF_CARE) for i in range(4)),
        cause("urgent_low_score", [("urinary", "pee", 2)], level=Urgency.URGENT),
    )
    assessment = assess(content, BASE)
    assert TOP_CAUSES == 3
    assert [f.cause.id for f in assessment.causes][:3] == ["home_0", "home_1", "home_2"]
    assert [f.cause.id for f in assessment.shown_causes] == ["home_0", "home_1", "home_2", "urgent_low_score"]
    printed = "\n".join(detail_paragraphs(content, assessment, spoken=False))
    assert "Urgent Low Score." in printed
    assert "Home 3." not in printed


# ---- urgency ------------------------------------------------------------------------------------------------------


def test_urgency_is_self_care_when_nothing_is_found() -> None:
    assessment = assess(CONTENT, complete({"body": "penis"}))
    assert assessment.urgency is Urgency.SELF_CARE
    assert assessment.causes == ()
    assert assessment.red_flags == ()


def test_urgency_is_the_highest_of_red_flags_and_listed_causes() -> None:
    content = dataclasses.replace(
        CONTENT,
        causes=(cause("urgent_cause", [("penetration", "deep", 2)], level=Urgency.URGENT),),
        red_flags=(red_flag("soon_flag", [(Urgency.SOON, [("rf_strangled", "yes")])]),),
    )
    assert assess(content, {"rf_strangled": "yes", "body": "penis"}).urgency is Urgency.SOON
    assert assess(content, {"rf_strangled": "yes", "body": "womb", "penetration": "deep"}).urgency is Urgency.URGENT
    weak = dataclasses.replace(content, causes=(cause("weak", [("penetration", "deep", 1)], level=Urgency.URGENT),))
    assert assess(weak, {"rf_strangled": "yes", "body": "womb", "penetration": "deep"}).urgency is Urgency.SOON


def test_red_flags_most_urgent_first_then_file_order() -> None:
    content = dataclasses.replace(
        CONTENT,
        causes=(),
        red_flags=(
            red_flag("a_soon", [(Urgency.SOON, [("rf_blood_urine", "yes")])]),
            red_flag("b_urgent", [(Urgency.URGENT, [("rf_fever", "yes")])]),
            red_flag("c_soon", [(Urgency.SOON, [("rf_strangled", "yes")])]),
            red_flag("d_urgent", [(Urgency.URGENT, [("rf_night_injury", "yes")])]),
        ),
    )
    answers = {"rf_fever": "yes", "rf_strangled": "yes", "rf_blood_urine": "yes", "rf_night_injury": "yes"}
    assert [f.red_flag.id for f in find_red_flags(content, answers)] == ["b_urgent", "d_urgent", "a_soon", "c_soon"]


def test_red_flag_level_is_its_highest_rule_and_reasons_come_from_that_level() -> None:
    flag = red_flag(
        "two_levels",
        [(Urgency.URGENT, [("rf_fever", "yes")]), (Urgency.EMERGENCY, [("rf_fever", "yes"), ("urinary", "discharge")])],
    )
    content = dataclasses.replace(CONTENT, causes=(), red_flags=(flag,))
    (low,) = find_red_flags(content, {"rf_fever": "yes", "urinary": "no"})
    assert low.level is Urgency.URGENT
    assert [r.question.id for r in low.reasons] == ["rf_fever"]
    (high,) = find_red_flags(content, {"urinary": "discharge", "rf_fever": "yes"})
    assert high.level is Urgency.EMERGENCY
    assert [(r.question.id, r.option.id) for r in high.reasons] == [("rf_fever", "yes"), ("urinary", "discharge")]


# ---- reasons: "because you said ..." ------------------------------------------------------------------------------


def test_reasons_are_the_answers_behind_each_finding_in_question_order() -> None:
    answers = complete({"body": "womb", "rf_fever": "yes", "urinary": "pee", "side_pain": "yes"})
    assessment = assess(CONTENT, answers)
    kidney = next(f for f in assessment.causes if f.cause.id == "kidney_infection")
    assert [(r.question.id, r.option.id) for r in kidney.reasons] == [
        ("rf_fever", "yes"),
        ("urinary", "pee"),
        ("side_pain", "yes"),
    ]
    order = [q.id for q in CONTENT.questions]
    findings: list[RedFlagFinding | CauseFinding] = [*assessment.red_flags, *assessment.causes]
    for finding in findings:
        positions = [order.index(r.question.id) for r in finding.reasons]
        assert positions == sorted(positions)
        assert all(answers[r.question.id] == r.option.id for r in finding.reasons)


def test_because_you_said_uses_statements_for_multi_option_answers() -> None:
    """Issue 9: "you said happened before to whether this has happened before" - reasons now read as statements."""
    answers = complete({"body": "penis", "urinary": "pee", "prostate_pain": "yes"})
    assessment = assess(CONTENT, answers)
    urinary, pain = CONTENT.question("urinary"), CONTENT.question("prostate_pain")
    said = [urinary.option("pee").said, CONTENT.phrase("reason_said", answer="yes", topic=pain.topic)]
    expected = CONTENT.phrase("result_because", reasons=f"{said[0]}, {CONTENT.phrase('and')} {said[1]}")
    paragraphs = result_paragraphs(CONTENT, assessment, spoken=True)
    name = next(c.name for c in CONTENT.causes if c.id == "prostatitis")
    prostatitis = next(p for p in paragraphs if p.startswith(f"{name}. "))
    assert prostatitis.endswith(expected)
    entry = next(c for c in assessment_json(CONTENT, assessment)["causes"] if c["id"] == "prostatitis")
    assert entry["reasons"] == [
        {"question": "urinary", "answer": "pee"},
        {"question": "prostate_pain", "answer": "yes"},
    ]


def test_the_body_question_is_never_quoted_as_a_reason() -> None:
    answers = complete({"body": "womb", "rf_fever": "not_sure", "urinary": "discharge"})
    findings: list[RedFlagFinding | CauseFinding] = [
        *assess(CONTENT, answers).red_flags,
        *assess(CONTENT, answers).causes,
    ]
    for finding in findings:
        assert "body" not in [r.question.id for r in finding.reasons]


# ---- the report's two parts ---------------------------------------------------------------------------------------


def test_the_result_leads_with_what_to_do_then_the_details() -> None:
    answers = complete({"body": "womb", "urinary": "pee"})
    assessment = state(CONTENT, answers).assessment
    short = short_paragraphs(CONTENT, assessment, spoken=True)
    details = detail_paragraphs(CONTENT, assessment, spoken=True)
    assert short[0] == CONTENT.phrase("result_intro", count=len(answers))
    assert short[1].startswith(CONTENT.phrase("result_urgency", title=CONTENT.urgency[Urgency.SOON].title))
    assert CONTENT.phrase("result_causes") not in short
    assert details[0] == CONTENT.phrase("result_causes")
    assert details[-1] == CONTENT.phrase("result_not_diagnosis")
    assert result_paragraphs(CONTENT, assessment, spoken=True) == short + details


def test_the_result_and_json_say_how_many_questions_were_asked() -> None:
    answers = complete({"body": "penis", "back": "move"})
    assessment = state(CONTENT, answers).assessment
    assert assessment.asked == len(answers)
    assert assessment_json(CONTENT, assessment)["questions_asked"] == len(answers)
    assert f" {len(answers)} answers " in short_paragraphs(CONTENT, assessment, spoken=False)[0]


# ---- determinism --------------------------------------------------------------------------------------------------


def test_assess_is_deterministic_and_ignores_answer_order() -> None:
    answers = complete({"body": "not_sure", "rf_pregnant": "not_sure", "penetration": "deep"})
    first = assess(CONTENT, answers)
    assert assess(CONTENT, answers) == first
    items = list(answers.items())
    for shift in range(len(items)):
        rotated = items[shift:] + items[:shift]
        assert assess(CONTENT, dict(rotated)).urgency == first.urgency
        assert assess(CONTENT, dict(reversed(rotated))).causes == first.causes


def test_cli_assess_is_deterministic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answers = complete({"body": "womb", "rf_fever": "yes", "urinary": "pee", "side_pain": "yes"})
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    outputs = []
    for _ in range(2):
        assert cli.main(["--prompts", str(PROMPTS), "assess", str(path)]) == cli.EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["urgency"] == "urgent"


# ---- check_answers and `voice-guide assess` errors ----------------------------------------------------------------

COMPLETE = complete({"body": "womb"})
EMERGENCY_STOP = {"rf_nerves": "yes"}

BAD_ANSWERS: list[tuple[str, dict[str, str], str]] = [
    ("unknown_question", {**COMPLETE, "favourite_colour": "blue"}, "unknown question 'favourite_colour'"),
    ("unknown_option", {**COMPLETE, "rf_fever": "sometimes"}, "question 'rf_fever' has no option 'sometimes'"),
    ("missing_answer", {k: v for k, v in COMPLETE.items() if k != "back"}, "missing an answer to 'back'"),
    ("empty", {}, "missing an answer to 'rf_nerves'"),
    (
        "not_asked_for_a_penis",
        {**complete({"body": "penis"}), "rf_pregnant": "no"},
        "would not be asked after the earlier answers: rf_pregnant",
    ),
    (
        "not_asked_after_no",
        {**COMPLETE, "rf_pregnancy_signs": "no"},
        "would not be asked after the earlier answers: rf_pregnancy_signs",
    ),
    (
        "after_an_emergency",
        {**EMERGENCY_STOP, "rf_sepsis": "no"},
        "would not be asked after the earlier answers: rf_sepsis",
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
    ("malformed_json", '{"rf_nerves": "no",', "answers are not valid JSON"),
    ("not_json", "rf_nerves = no", "answers are not valid JSON"),
    ("empty_input", "", "answers are not valid JSON"),
    ("json_list", '["rf_nerves", "no"]', "answers must be a JSON object of question id -> option id"),
    ("json_string", '"no"', "answers must be a JSON object"),
    ("json_null", "null", "answers must be a JSON object"),
    ("number_answer", '{"rf_nerves": 2}', "the answer to 'rf_nerves' must be an option id (a string), not 2"),
    ("null_answer", '{"rf_nerves": null}', "the answer to 'rf_nerves' must be an option id (a string), not null"),
    ("list_answer", '{"rf_nerves": ["no"]}', 'must be an option id (a string), not ["no"]'),
    ("bool_answer", '{"rf_nerves": false}', "must be an option id (a string), not false"),
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
        ('{"rf_nerves": "no"', "answers are not valid JSON"),
        ('{"rf_nerves": "maybe"}', "question 'rf_nerves' has no option 'maybe'"),
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
