"""Loading and validating prompts/: the real content loads, and each kind of broken content is reported by file,
key and problem (by the loader and by the CLI)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli

from voice_guide.content import COMMAND_IDS, PHRASE_FIELDS, Content, load_content
from voice_guide.errors import ContentError
from voice_guide.urgency import Urgency

# ---- the real content --------------------------------------------------------------------------------------------


def test_real_content_loads_completely(content: Content) -> None:
    assert {q.id for q in content.questions} >= {"rf_numbness", "body", "pattern", "peeing"}
    assert set(content.phrases) == set(PHRASE_FIELDS)
    assert {c.id for c in content.commands} == set(COMMAND_IDS)
    assert set(content.urgency) == set(Urgency)
    assert [o.id for o in content.confirm_options] == ["yes", "no"]
    assert len(content.ordinals) >= max(len(q.options) for q in content.questions)


def test_red_flag_questions_come_first(content: Content) -> None:
    """An emergency can only stop the questionnaire early if red-flag questions are asked before the others."""
    first_ordinary = next(i for i, q in enumerate(content.questions) if not q.red_flag and q.id != "body")
    later_red_flags = [q.id for q in content.questions[first_ordinary:] if q.red_flag]
    assert later_red_flags == []


def test_every_cause_and_red_flag_cites_an_https_source(content: Content) -> None:
    cited = {item.id: item.sources for item in content.causes} | {item.id: item.sources for item in content.red_flags}
    for item_id, sources in cited.items():
        assert sources, item_id
        assert all(s.url.startswith("https://") for s in sources), item_id


# ---- broken content ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """Replace the first ``old`` in ``file`` by ``new`` (``old`` must be there)."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Broken:
    """One way to break the content, and the error it must give."""

    name: str
    edits: tuple[Edit, ...]
    file: str
    """The file the error must name."""
    key: str
    """The key the error must name (exactly)."""
    problem: str
    """Words the problem must contain."""


def _edit(file: str, old: str, new: str) -> tuple[Edit, ...]:
    return (Edit(file, old, new),)


BODY_PROSTATE = '[[question.option]]\nid = "prostate"'
UTI_SOURCES = 'sources = ["nhs_uti"]\n'
PROSTATE_PAIN_ASK_IF = 'ask_if = [{ question = "body", any_of = ["prostate", "not_sure"] }]'

BROKEN = [
    Broken("invalid TOML", _edit("questions.toml", "\n[[question]]\n", "\n[[question]\n"), "questions.toml", "(file)",
           "not valid TOML"),
    Broken("missing key", _edit("questions.toml", 'topic = "numbness around', 'toppic = "numbness around'),
           "questions.toml", "question[0].topic", "missing or empty text"),
    Broken("empty text", _edit("sources.toml", 'id = "nhs_uti"\nname = "', 'id = "nhs_uti"\nname = "  "\nold_name = "'),
           "sources.toml", "source[0].name", "missing or empty text"),
    Broken("empty phrase", _edit("phrases.toml", 'not_understood = "Sorry, I didn\'t catch that."',
                                 'not_understood = ""'),
           "phrases.toml", "phrases.not_understood", "missing or empty text"),
    Broken("bad question id", _edit("questions.toml", 'id = "rf_numbness"', 'id = "RF-numbness"'),
           "questions.toml", "question[0].id", "'RF-numbness' is not an id"),
    Broken("bad option id", _edit("option_sets.toml", 'id = "not_sure"', 'id = "not sure"'),
           "option_sets.toml", "yes_no.option[2].id", "is not an id"),
    Broken("duplicate question", _edit("questions.toml", 'id = "rf_control"', 'id = "rf_numbness"'),
           "questions.toml", "question[1].id", "duplicate question id 'rf_numbness'"),
    Broken("duplicate option in a question", _edit("questions.toml", BODY_PROSTATE,
                                                   '[[question.option]]\nid = "womb"'),
           "questions.toml", "question[8].option[1].id", "duplicate option id 'womb'"),
    Broken("duplicate option in a set", _edit("option_sets.toml", 'id = "no"', 'id = "yes"'),
           "option_sets.toml", "yes_no.option[1].id", "duplicate option id 'yes'"),
    Broken("duplicate cause", _edit("causes.toml", 'id = "kidney_infection"', 'id = "uti"'),
           "causes.toml", "cause[1].id", "duplicate cause id 'uti'"),
    Broken("duplicate red flag", _edit("red_flags.toml", 'id = "confusion"', 'id = "nerve_compression"'),
           "red_flags.toml", "red_flag[1].id", "duplicate red flag id 'nerve_compression'"),
    Broken("duplicate source", _edit("sources.toml", 'id = "nhs_kidney_infection"', 'id = "nhs_uti"'),
           "sources.toml", "source[1].id", "duplicate source id 'nhs_uti'"),
    Broken("duplicate command", _edit("commands.toml", 'id = "slower"', 'id = "repeat"'),
           "commands.toml", "command[1].id", "duplicate command id 'repeat'"),
    Broken("unknown option set", _edit("questions.toml", 'option_set = "yes_no"\n', 'option_set = "yes_or_no"\n'),
           "questions.toml", "question[0].option_set", "unknown option set 'yes_or_no'"),
    Broken("unknown source of a cause", _edit("causes.toml", UTI_SOURCES, 'sources = ["nhs_nowhere"]\n'),
           "causes.toml", "cause[0].sources[0]", "unknown source 'nhs_nowhere'"),
    Broken("unknown source of a red flag", _edit("red_flags.toml", '"nhs_cauda_equina", ', '"nhs_nowhere", '),
           "red_flags.toml", "red_flag[0].sources[0]", "unknown source 'nhs_nowhere'"),
    Broken("cause without sources", _edit("causes.toml", UTI_SOURCES, ""),
           "causes.toml", "cause[0].sources", "missing or not a non-empty list"),
    Broken("cause with an empty source list", _edit("causes.toml", UTI_SOURCES, "sources = []\n"),
           "causes.toml", "cause[0].sources", "missing or not a non-empty list"),
    Broken("red flag without sources", _edit("red_flags.toml", 'sources = ["nhs_cauda_equina", "nhs_back_pain"]\n',
                                             ""),
           "red_flags.toml", "red_flag[0].sources", "missing or not a non-empty list"),
    Broken("condition on an unknown question",
           _edit("questions.toml", PROSTATE_PAIN_ASK_IF, 'ask_if = [{ question = "bodyy", any_of = ["prostate"] }]'),
           "questions.toml", "question[25].ask_if[0].question", "'bodyy' is not an earlier question"),
    Broken("condition on a later question",
           _edit("questions.toml", '\nask_if = [{ question = "body", any_of = ["womb", "not_sure"] }]',
                 '\nask_if = [{ question = "pattern", any_of = ["new"] }]'),
           "questions.toml", "question[9].ask_if[0].question", "'pattern' is not an earlier question"),
    Broken("condition naming an unknown option",
           _edit("questions.toml", PROSTATE_PAIN_ASK_IF, 'ask_if = [{ question = "body", any_of = ["prostrate"] }]'),
           "questions.toml", "question[25].ask_if[0].any_of", "question 'body' has no option 'prostrate'"),
    Broken("red flag rule on an unknown question",
           _edit("red_flags.toml", 'when = [{ question = "rf_numbness"', 'when = [{ question = "rf_numb"'),
           "red_flags.toml", "red_flag[0].rule[0].when[0].question", "'rf_numb' is not a question"),
    Broken("evidence naming an unknown option",
           _edit("causes.toml", 'question = "peeing"\nany_of = ["yes"]', 'question = "peeing"\nany_of = ["often"]'),
           "causes.toml", "cause[0].evidence[0].any_of", "question 'peeing' has no option 'often'"),
    Broken("unreachable question (contradicting conditions)",
           _edit("questions.toml", PROSTATE_PAIN_ASK_IF,
                 'ask_if = [{ question = "body", any_of = ["prostate"] }, { question = "body", any_of = ["womb"] }]'),
           "questions.toml", "question[25].ask_if", "'prostate_pain'"),
    Broken("unreachable question (through an earlier question's condition)",
           _edit("questions.toml", PROSTATE_PAIN_ASK_IF,
                 'ask_if = [{ question = "body", any_of = ["prostate"] }, { question = "periods", any_of = ["yes"] }]'),
           "questions.toml", "question[25].ask_if", "'prostate_pain'"),
    Broken("options of a question sharing a synonym",
           _edit("questions.toml", 'synonyms = ["a prostate"', 'synonyms = ["Uterus!", "a prostate"'),
           "questions.toml", "question[8].option[1]", "'Uterus!' is shared by options 'womb' and 'prostate'"),
    Broken("options of a set sharing a synonym",
           _edit("option_sets.toml", '"nope", "nah", "no I', '"Yeah", "nah", "no I'),
           "option_sets.toml", "yes_no.option[1]", "'Yeah' is shared by options 'yes' and 'no'"),
    Broken("option phrase equal to a command word",
           _edit("questions.toml", 'synonyms = ["a prostate"', 'synonyms = ["Go back", "a prostate"'),
           "questions.toml", "question[8] (body) option 'prostate'", "'Go back' is also a word of command 'back'"),
    Broken("option phrase equal to an ordinal word",
           _edit("questions.toml", 'synonyms = ["a prostate"', 'synonyms = ["second", "a prostate"'),
           "questions.toml", "question[8] (body) option 'prostate'", "'second' is also a word of ordinal 2"),
    Broken("option set phrase equal to a command word", _edit("option_sets.toml", '"nope", "nah"', '"nope", "stop"'),
           "option_sets.toml", "yes_no.option[1]", "'stop' is also a word of command 'quit'"),
    Broken("confirm phrase equal to a command word", _edit("option_sets.toml", '"wrong", ', '"cancel", '),
           "option_sets.toml", "confirm.option[1]", "'cancel' is also a word of command 'quit'"),
    Broken("unknown placeholder", _edit("phrases.toml", "{total}", "{count}"),
           "phrases.toml", "phrases.progress", "unknown placeholder {count} (allowed: number, total)"),
    Broken("misspelt phrase key", _edit("phrases.toml", "goodbye = ", 'goodby = "Bye."\ngoodbye = '),
           "phrases.toml", "phrases.goodby", "misspelt key"),
    Broken("missing phrase", _edit("phrases.toml", "goodbye = ", "goodby = "),
           "phrases.toml", "phrases.goodbye", "missing or empty text"),
    Broken("command word of two commands", _edit("commands.toml", '"slow down"', '"pardon"'),
           "commands.toml", "command[1].words[2]", "'pardon' is also a word of command 'repeat'"),
    Broken("unknown command", _edit("commands.toml", 'id = "quit"', 'id = "pause"'),
           "commands.toml", "command[6].id", "unknown command 'pause'"),
    Broken("unknown urgency of a cause", _edit("causes.toml", 'level = "soon"', 'level = "whenever"'),
           "causes.toml", "cause[0].level", "unknown urgency 'whenever'"),
    Broken("unknown urgency of a red flag rule", _edit("red_flags.toml", '\nlevel = "emergency"', '\nlevel = "asap"'),
           "red_flags.toml", "red_flag[0].rule[0].level", "unknown urgency 'asap'"),
    Broken("missing urgency level", _edit("urgency.toml", "[soon]", "[later]"),
           "urgency.toml", "soon", "missing or not a table"),
    Broken("zero weight", _edit("causes.toml", "weight = 4", "weight = 0"),
           "causes.toml", "cause[0].evidence[0].weight", "a weight of 0 has no effect"),
    Broken("non-https url", _edit("sources.toml", 'url = "https://', 'url = "http://'),
           "sources.toml", "source[0].url", "https://"),
]  # fmt: skip


def apply(prompts: Path, edits: tuple[Edit, ...]) -> None:
    """Apply ``edits`` to the copy of prompts/ at ``prompts``."""
    for edit in edits:
        path = prompts / edit.file
        text = path.read_text(encoding="utf-8")
        if edit.old not in text:
            raise LookupError(f"{edit.old!r} is not in {edit.file}: the test no longer fits the content")
        edited = text.replace(edit.old, edit.new, 1)
        if _parsed(edited) == _parsed(text):
            raise LookupError(f"replacing {edit.old!r} in {edit.file} changes only a comment: anchor it better")
        path.write_text(edited, encoding="utf-8")


def _parsed(text: str) -> dict[str, Any] | None:
    """The TOML data, or None when it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.name)
def test_broken_content_names_file_key_and_problem(prompts_copy: Path, broken: Broken) -> None:
    apply(prompts_copy, broken.edits)
    with pytest.raises(ContentError) as caught:
        load_content(prompts_copy)
    error = caught.value
    assert (error.file, error.key) == (broken.file, broken.key), str(error)
    assert broken.problem in error.problem
    assert str(error) == f"{error.file}: {error.key}: {error.problem}"


def test_missing_command_is_named(prompts_copy: Path) -> None:
    commands = prompts_copy / "commands.toml"
    text = commands.read_text(encoding="utf-8")
    start = text.index('[[command]]\nid = "faster"')
    end = text.index("[[command]]", start + 1)
    commands.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(prompts_copy)
    assert (caught.value.file, caught.value.key) == ("commands.toml", "command")
    assert "missing commands: faster" in caught.value.problem


@pytest.mark.parametrize("name", ["sources.toml", "phrases.toml", "questions.toml", "causes.toml"])
def test_missing_file_is_named(prompts_copy: Path, name: str) -> None:
    (prompts_copy / name).unlink()
    with pytest.raises(ContentError) as caught:
        load_content(prompts_copy)
    assert (caught.value.file, caught.value.key) == (name, "(file)")
    assert "file not found" in caught.value.problem


def test_missing_confirm_set_is_named(prompts_copy: Path) -> None:
    path = prompts_copy / "option_sets.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[confirm]")], encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(prompts_copy)
    assert (caught.value.file, caught.value.key) == ("option_sets.toml", "confirm")


def test_file_that_is_not_utf8_is_named(prompts_copy: Path) -> None:
    path = prompts_copy / "phrases.toml"
    path.write_bytes(path.read_bytes().replace(b"Welcome.", "Wélcome.".encode("latin-1")))
    with pytest.raises(ContentError) as caught:
        load_content(prompts_copy)
    assert (caught.value.file, caught.value.key) == ("phrases.toml", "(file)")


def test_the_copy_of_the_real_content_loads(prompts_copy: Path, content: Content) -> None:
    """Guards the tests above: each failure comes from its edit, not from the copy."""
    assert load_content(prompts_copy) == content


# ---- the CLI -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("broken", [b for b in BROKEN if b.name in {"duplicate cause", "unknown placeholder"}],
                         ids=lambda b: b.name)  # fmt: skip
def test_cli_reports_broken_content_and_exits_3(prompts_copy: Path, run_cli: RunCli, broken: Broken) -> None:
    apply(prompts_copy, broken.edits)
    code, out, err = run_cli(["--keyboard", "--prompts", str(prompts_copy)], "no\n")
    assert code == 3
    assert out == ""
    assert broken.file in err
    assert broken.key in err
    assert broken.problem in err
    assert "Traceback" not in err


def test_cli_reports_missing_file_and_exits_3(prompts_copy: Path, run_cli: RunCli) -> None:
    (prompts_copy / "questions.toml").unlink()
    code, _, err = run_cli(["--keyboard", "--prompts", str(prompts_copy)], "")
    assert code == 3
    assert "questions.toml: (file): file not found" in err
