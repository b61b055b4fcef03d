"""Property tests of ``voice-guide assess`` (voice_guide/answers.py and the CLI's assess path): any bytes and any
JSON give the assessment or exit code 2 with one short, escaped line, never a traceback; a complete set of answers
collected along the questionnaire is always assessed as the triage assesses it. The coverage-guided fuzz target for
the same parser is fuzz/answers_target.py."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from fuzzing import fuzz
from hypothesis import given, settings
from hypothesis import strategies as st

from voice_guide import cli
from voice_guide.answers import MAX_BYTES, parse_answers
from voice_guide.content import Content, load_content
from voice_guide.errors import AnswersError
from voice_guide.questionnaire import state
from voice_guide.report import assessment_json

FUZZ = fuzz(200)
CLI_FUZZ = fuzz(40)
"""The CLI loads the content on every run (about 0.1 s): fewer examples keep each property to a few seconds."""
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
CONTENT: Content = load_content(PROMPTS)
IDS = [q.id for q in CONTENT.questions]
OPTION_IDS = sorted({o.id for q in CONTENT.questions for o in q.options})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=20,
)
answer_like = st.dictionaries(
    st.sampled_from(IDS) | st.text(max_size=30), st.sampled_from(OPTION_IDS) | json_values, max_size=30
)


@contextmanager
def stdin_bytes(data: bytes) -> Iterator[None]:
    """sys.stdin as a byte stream holding ``data`` (as a pipe gives it)."""
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        yield
    finally:
        sys.stdin = saved


def run_assess(data: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with stdin_bytes(data), redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--prompts", str(PROMPTS), "assess"])
    return code, out.getvalue(), err.getvalue()


def check_refusal(code: int, out: str, err: str) -> None:
    assert code == cli.EXIT_USAGE
    assert out == ""
    assert err.startswith("voice-guide assess: ") and err.count("\n") == 1, err
    assert len(err) < 400 and err[:-1].isprintable(), err  # no control character, no escape sequence


@FUZZ
@given(st.binary(max_size=500))
def test_any_bytes_are_parsed_or_refused_in_one_line(data: bytes) -> None:
    try:
        answers = parse_answers(data)
    except AnswersError as error:
        assert str(error).isprintable() and len(str(error)) < 300
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in answers.items())


@FUZZ
@given(json_values)
def test_any_json_is_parsed_or_refused_in_one_line(value: object) -> None:
    data = json.dumps(value).encode()
    try:
        answers = parse_answers(data)
    except AnswersError as error:
        assert str(error).isprintable() and len(str(error)) < 300
    else:
        assert answers == value  # nothing is changed on the way in


@CLI_FUZZ
@given(answer_like)
def test_assess_gives_the_assessment_or_exit_2(answers: dict[str, object]) -> None:
    code, out, err = run_assess(json.dumps(answers).encode())
    if code == cli.EXIT_OK:
        assert err == ""
        assert json.loads(out)["urgency"]
    else:
        check_refusal(code, out, err)


@CLI_FUZZ
@given(st.data())
def test_every_complete_set_of_answers_is_assessed_as_the_triage_does(data: st.DataObject) -> None:
    answers: dict[str, str] = {}
    while (question := state(CONTENT, answers).next_question) is not None:
        answers[question.id] = data.draw(st.sampled_from([o.id for o in question.options]), label=question.id)
    code, out, err = run_assess(json.dumps(answers, indent=data.draw(st.sampled_from([None, 2]))).encode())
    assert (code, err) == (cli.EXIT_OK, "")
    expected = state(CONTENT, answers).assessment
    assert json.loads(out) == json.loads(json.dumps(assessment_json(CONTENT, expected)))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([b"[", b'{"a":', b'["x",']), st.integers(9, 20_000))
def test_deep_nesting_is_refused_before_parsing(opening: bytes, depth: int) -> None:
    code, out, err = run_assess(opening * depth)
    check_refusal(code, out, err)
    assert f"nested {depth} levels deep" in err or "too long" in err


def test_the_size_bound_is_what_the_message_says() -> None:
    with pytest.raises(AnswersError, match="too long"):
        parse_answers(b" " * (MAX_BYTES + 1))
    with pytest.raises(AnswersError, match="not valid JSON"):
        parse_answers(b" " * MAX_BYTES)
