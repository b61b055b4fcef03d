"""Loading and validating prompts/: the real content loads, and each kind of broken content is reported by file,
key and problem (by the loader and by the CLI)."""

from __future__ import annotations

import re
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
    assert {q.id for q in content.questions} >= {"rf_nerves", "body", "urinary", "back"}
    assert set(content.phrases) == set(PHRASE_FIELDS)
    assert {c.id for c in content.commands} == set(COMMAND_IDS)
    assert set(content.urgency) == set(Urgency)
    assert [o.id for o in content.confirm_options] == ["yes", "no"]
    assert len(content.ordinals) >= max(len(q.options) for q in content.questions)


def test_red_flag_questions_come_first(content: Content) -> None:
    """An emergency can only stop the questionnaire early if red-flag questions are asked before the others."""
    first_ordinary = next(i for i, q in enumerate(content.questions) if not q.red_flag and q.id != "body")
    later_red_flags = [q.id for q in content.questions[first_ordinary:] if q.red_flag]
    assert later_red_flags == ["rf_lasting"]  # asks only for an appointment: last, so a cause can make it moot


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


BODY_PENIS = '[[question.option]]\nid = "penis"'
UTI_SOURCES = 'sources = ["nhs_staffs_uti", "nhs_kensington_pharmacy_uti", "nhs_wales_kidney_infection"]\n'
PROSTATE_ORGANS = 'option_set = "yes_no"\norgans = ["prostate"]'
SIGNS_ASK_IF = 'ask_if = [{ question = "rf_pregnant", any_of = ["yes", "not_sure"] }]'
ENTRY_ASK_IF = 'ask_if = [{ question = "penetration", any_of = ["entrance"] }]'
NERVES_TOPIC = 'topic = "numbness around your genitals or bottom, weak legs, or trouble with pee or poo"'
CHEST_UNSURE = 'level = "urgent"\nwhen = [{ question = "rf_chest", any_of = ["not_sure"] }]'
NOT_SURE_ORGANS = 'organs = ["womb", "ovaries", "vagina", "penis", "testicles", "prostate"]\n\n# ----'
UTI_WHO = 'who_can_help = "A GP can test your pee and give antibiotics if you need them.'
UTI_WATCH = 'level = "urgent"\ntext = "Get help today if you get a high temperature, shivering, or pain'
CHEST_URGENT_ADVICE = 'urgent = "Get checked by a doctor today. If you get chest pain'

BROKEN = [
    Broken("invalid TOML", _edit("questions.toml", "\n[[question]]\n", "\n[[question]\n"), "questions.toml", "(file)",
           "not valid TOML"),
    Broken("misspelt key", _edit("questions.toml", 'topic = "numbness around', 'toppic = "numbness around'),
           "questions.toml", "question[0].toppic", "unknown key (did you mean 'topic'?)"),
    Broken("typo in an optional key", _edit("questions.toml", 'help = "Numb means', 'hlep = "Numb means'),
           "questions.toml", "question[0].hlep", "unknown key (did you mean 'help'?)"),
    Broken("unknown key in a cause", _edit("causes.toml", 'level = "soon"\nsources = ["nhs_staffs_uti"',
                                          'level = "soon"\nsevere = true\nsources = ["nhs_staffs_uti"'),
           "causes.toml", "cause[0].severe", "unknown key"),
    Broken("a number where text belongs", _edit("questions.toml", NERVES_TOPIC, "topic = 42"),
           "questions.toml", "question[0].topic", "must be text, not a number"),
    Broken("a list where text belongs", _edit("urgency.toml", 'title = "Book an appointment"', 'title = ["Book"]'),
           "urgency.toml", "soon.title", "must be text, not a list"),
    Broken("text where a list belongs", _edit("commands.toml", 'words = ["repeat", "say that again", "repeat that", "repeat the question", "pardon", "come again", "what was that"]', 'words = "repeat"'),  # noqa: E501
           "commands.toml", "command[0].words", "must be a list of texts, not text"),
    Broken("missing text", _edit("sources.toml", 'id = "nhs_kidney_infection"\nname = "NHS: Kidney infection"\n', 'id = "nhs_kidney_infection"\n'),  # noqa: E501
           "sources.toml", "source[0].name", "missing or empty text"),
    Broken("empty phrase", _edit("phrases.toml", 'not_understood = "Sorry, I didn\'t catch that."',
                                 'not_understood = ""'),
           "phrases.toml", "phrases.not_understood", "missing or empty text"),
    Broken("bad question id", _edit("questions.toml", 'id = "rf_nerves"', 'id = "RF-nerves"'),
           "questions.toml", "question[0].id", "'RF-nerves' is not an id"),
    Broken("bad option id", _edit("option_sets.toml", 'id = "not_sure"', 'id = "not sure"'),
           "option_sets.toml", "yes_no.option[2].id", "is not an id"),
    Broken("duplicate question", _edit("questions.toml", 'id = "rf_sepsis"', 'id = "rf_nerves"'),
           "questions.toml", "question[1].id", "duplicate question id 'rf_nerves'"),
    Broken("duplicate option in a question", _edit("questions.toml", BODY_PENIS, '[[question.option]]\nid = "womb"'),
           "questions.toml", "question[4].option[1].id", "duplicate option id 'womb'"),
    Broken("duplicate option in a set", _edit("option_sets.toml", 'id = "no"', 'id = "yes"'),
           "option_sets.toml", "yes_no.option[1].id", "duplicate option id 'yes'"),
    Broken("duplicate cause", _edit("causes.toml", 'id = "kidney_infection"', 'id = "uti"'),
           "causes.toml", "cause[1].id", "duplicate cause id 'uti'"),
    Broken("duplicate red flag", _edit("red_flags.toml", 'id = "sepsis"', 'id = "nerve_compression"'),
           "red_flags.toml", "red_flag[1].id", "duplicate red flag id 'nerve_compression'"),
    Broken("duplicate source", _edit("sources.toml", 'id = "nhs_wales_kidney_infection"', 'id = "nhs_kidney_infection"'),  # noqa: E501
           "sources.toml", "source[1].id", "duplicate source id 'nhs_kidney_infection'"),
    Broken("duplicate command", _edit("commands.toml", 'id = "slower"', 'id = "repeat"'),
           "commands.toml", "command[1].id", "duplicate command id 'repeat'"),
    Broken("unknown option set", _edit("questions.toml", 'option_set = "yes_no"\n', 'option_set = "yes_or_no"\n'),
           "questions.toml", "question[0].option_set", "unknown option set 'yes_or_no'"),
    Broken("unknown source of a cause", _edit("causes.toml", UTI_SOURCES, 'sources = ["nhs_nowhere"]\n'),
           "causes.toml", "cause[0].sources[0]", "unknown source 'nhs_nowhere'"),
    Broken("unknown source of a red flag", _edit("red_flags.toml", '"nhs_royal_free_ces", "nhs_norfolk_ces"', '"nhs_nowhere", "nhs_norfolk_ces"'),  # noqa: E501
           "red_flags.toml", "red_flag[0].sources[0]", "unknown source 'nhs_nowhere'"),
    Broken("cause without sources", _edit("causes.toml", UTI_SOURCES, ""),
           "causes.toml", "cause[0].sources", "missing or not a non-empty list"),
    Broken("cause with an empty source list", _edit("causes.toml", UTI_SOURCES, "sources = []\n"),
           "causes.toml", "cause[0].sources", "missing or not a non-empty list"),
    Broken("condition on an unknown question",
           _edit("questions.toml", SIGNS_ASK_IF, 'ask_if = [{ question = "rf_pregnat", any_of = ["yes"] }]'),
           "questions.toml", "question[6].ask_if[0].question", "'rf_pregnat' is not an earlier question"),
    Broken("condition on a later question",
           _edit("questions.toml", ENTRY_ASK_IF, 'ask_if = [{ question = "prostate_pain", any_of = ["yes"] }]'),
           "questions.toml", "question[17].ask_if[0].question", "'prostate_pain' is not an earlier question"),
    Broken("condition naming an unknown option",
           _edit("questions.toml", ENTRY_ASK_IF, 'ask_if = [{ question = "penetration", any_of = ["entry"] }]'),
           "questions.toml", "question[17].ask_if[0].any_of", "question 'penetration' has no option 'entry'"),
    Broken("red flag rule on an unknown question",
           _edit("red_flags.toml", 'when = [{ question = "rf_nerves"', 'when = [{ question = "rf_nerve"'),
           "red_flags.toml", "red_flag[0].rule[0].when[0].question", "'rf_nerve' is not a question"),
    Broken("evidence naming an unknown option",
           _edit("causes.toml", 'question = "urinary"\nany_of = ["pee", "both"]', 'question = "urinary"\nany_of = ["often"]'),  # noqa: E501
           "causes.toml", "cause[0].evidence[0].any_of", "question 'urinary' has no option 'often'"),
    Broken("unreachable question (contradicting conditions)",
           _edit("questions.toml", ENTRY_ASK_IF,
                 'ask_if = [{ question = "penetration", any_of = ["entrance"] }, { question = "penetration", any_of = ["deep"] }]'),  # noqa: E501
           "questions.toml", "question[17].ask_if", "'entry'"),
    Broken("options of a question sharing a synonym",
           _edit("questions.toml", 'synonyms = ["penis", "I have a penis"', 'synonyms = ["Uterus!", "penis", "I have a penis"'),  # noqa: E501
           "questions.toml", "question[4].option[1]", "'Uterus!' is shared by options 'womb' and 'penis'"),
    Broken("options of a set sharing a synonym",
           _edit("option_sets.toml", '"nope", "nah", "no I', '"Yeah", "nah", "no I'),
           "option_sets.toml", "yes_no.option[1]", "'Yeah' is shared by options 'yes' and 'no'"),
    Broken("option phrase equal to a command word",
           _edit("questions.toml", 'synonyms = ["penis", "I have a penis"', 'synonyms = ["Go back", "penis", "I have a penis"'),  # noqa: E501
           "questions.toml", "question[4] (body) option 'penis'", "'Go back' is also a word of command 'back'"),
    Broken("option phrase equal to an ordinal word",
           _edit("questions.toml", 'synonyms = ["penis", "I have a penis"', 'synonyms = ["second", "penis", "I have a penis"'),  # noqa: E501
           "questions.toml", "question[4] (body) option 'penis'", "'second' is also a word of ordinal 2"),
    Broken("option set phrase equal to a command word", _edit("option_sets.toml", '"nope", "nah"', '"nope", "stop"'),
           "option_sets.toml", "yes_no.option[1]", "'stop' is also a word of command 'quit'"),
    Broken("confirm phrase equal to a command word", _edit("option_sets.toml", '"wrong", ', '"cancel", '),
           "option_sets.toml", "confirm.option[1]", "'cancel' is also a word of command 'quit'"),
    Broken("unknown placeholder", _edit("phrases.toml", "{total}", "{count}"),
           "phrases.toml", "phrases.progress", "unknown placeholder {count} (allowed: number, total)"),
    Broken("misspelt phrase key", _edit("phrases.toml", "goodbye = ", 'goodby = "Bye."\ngoodbye = '),
           "phrases.toml", "phrases.goodby", "did you mean 'goodbye'?"),
    Broken("missing phrase", _edit("phrases.toml", 'goodbye = "', 'goodbye_ = "'),
           "phrases.toml", "phrases.goodbye_", "misspelt key"),
    Broken("command word of two commands", _edit("commands.toml", '"slow down"', '"pardon"'),
           "commands.toml", "command[1].words[2]", "'pardon' is also a word of command 'repeat'"),
    Broken("unknown command", _edit("commands.toml", 'id = "quit"', 'id = "pause"'),
           "commands.toml", "command[6].id", "unknown command 'pause'"),
    Broken("unknown urgency of a cause", _edit("causes.toml", 'level = "soon"', 'level = "whenever"'),
           "causes.toml", "cause[0].level", "unknown urgency 'whenever'"),
    Broken("unknown urgency of a red flag rule", _edit("red_flags.toml", '\nlevel = "emergency"', '\nlevel = "asap"'),
           "red_flags.toml", "red_flag[0].rule[0].level", "unknown urgency 'asap'"),
    Broken("missing urgency level", _edit("urgency.toml", "[soon]", "[later]"),
           "urgency.toml", "later", "unknown key"),
    Broken("zero weight", _edit("causes.toml", "weight = 4", "weight = 0"),
           "causes.toml", "cause[0].evidence[0].weight", "must be a positive whole number"),
    Broken("negative weight", _edit("causes.toml", "weight = 4", "weight = -2"),
           "causes.toml", "cause[0].evidence[0].weight", "must be a positive whole number"),
    Broken("non-https url", _edit("sources.toml", 'url = "https://nhs.uk', 'url = "http://nhs.uk'),
           "sources.toml", "source[0].url", "https://"),
    Broken("unknown organ", _edit("questions.toml", PROSTATE_ORGANS, 'option_set = "yes_no"\norgans = ["prostrate"]'),
           "questions.toml", "question[19].organs[0]", "unknown organ 'prostrate' (did you mean 'prostate'?)"),
    # The clinical rules of issue 9: an edit that breaks one fails with a clear message.
    Broken("a red-flag question skipped after 'not sure'",
           _edit("questions.toml", SIGNS_ASK_IF, 'ask_if = [{ question = "rf_pregnant", any_of = ["yes"] }]'),
           "questions.toml", "question[6] (rf_pregnancy_signs)",
           "could be skipped for someone it applies to: its condition on 'rf_pregnant' must allow every answer but 'no' (missing: not_sure)"),  # noqa: E501
    Broken("a question tied to a body answer instead of organs",
           _edit("questions.toml", SIGNS_ASK_IF, 'ask_if = [{ question = "body", any_of = ["womb"] }]'),
           "questions.toml", "question[6].ask_if[0].question", "use organs = [...] instead of a condition on the body question"),  # noqa: E501
    Broken("'not sure' taken as 'no'",
           (Edit("red_flags.toml", CHEST_UNSURE, CHEST_UNSURE.replace("urgent", "soon", 1)),
            Edit("red_flags.toml", CHEST_URGENT_ADVICE, 'soon = "Book an appointment."\n' + CHEST_URGENT_ADVICE)),
           "red_flags.toml", "red_flag[2] (chest_or_breathing)",
           "'not sure' to 'rf_chest' must raise a red flag to at least urgent"),
    Broken("a gender word choosing a body answer",
           _edit("questions.toml", 'synonyms = ["penis", "I have a penis"', 'synonyms = ["man", "penis", "I have a penis"'),  # noqa: E501
           "questions.toml", "question[4].option[1]", "'man' is a gender word"),
    Broken("skip_when_as_urgent on a question that is not a red flag",
           _edit("questions.toml", PROSTATE_ORGANS, PROSTATE_ORGANS + "\nskip_when_as_urgent = true"),
           "questions.toml", "question[19].skip_when_as_urgent", "only a red-flag question"),
    Broken("the body question not read back", _edit("questions.toml", "always_confirm = true\n", ""),
           "questions.toml", "question[4].always_confirm", "must always be read back"),
    Broken("'not sure' about the body skipping a question",
           _edit("questions.toml", NOT_SURE_ORGANS, NOT_SURE_ORGANS.replace(', "prostate"', "")),
           "questions.toml", "question[4]", "needs a 'not_sure' answer that may have every organ"),
    Broken("a cause that says when to get help",
           _edit("causes.toml", UTI_WHO, 'who_can_help = "See a GP today: they can test your pee.'),
           "causes.toml", "cause[0].who_can_help", "says when to get help ('today')"),
    Broken("a sign to watch for that asks for no more than the cause",
           _edit("causes.toml", UTI_WATCH, UTI_WATCH.replace("urgent", "soon", 1)),
           "causes.toml", "cause[0].watch[0].level", "must ask for more than 'soon'"),
    Broken("a red flag with advice under an unknown level",
           _edit("red_flags.toml", CHEST_URGENT_ADVICE, CHEST_URGENT_ADVICE.replace("urgent =", "later =")),
           "red_flags.toml", "red_flag[2].advice.later", "unknown key"),
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


@pytest.mark.parametrize("name", ["sources.toml", "phrases.toml", "questions.toml", "causes.toml", "notices.toml"])
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
    path.write_bytes(path.read_bytes().replace(b"This guide asks", "Thïs guide asks".encode("latin-1")))
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


# ---- plain language ------------------------------------------------------------------------------------------------


def _syllables(word: str) -> int:
    """A common English syllable estimate (vowel groups, silent endings): enough for a reading grade."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if len(letters) <= 3:
        return 1 if letters else 0
    letters = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", letters)
    letters = re.sub(r"^y", "", letters)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", letters)))


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level."""
    words = re.findall(r"[A-Za-z']+", text)
    sentences = max(1, len(re.findall(r"[.!?](?:\s|$)", text)))
    return 0.39 * len(words) / sentences + 11.8 * sum(_syllables(w) for w in words) / len(words) - 15.59


def test_texts_are_plain_language(content: Content) -> None:
    """Issue 9: reading grade <= 6 for what the person hears (questions, help, warning signs, causes, advice), and no
    single text far above it (a long list of signs in one question is the most allowed)."""
    texts = [t for q in content.questions for t in (q.text, q.help) if t]
    texts += [t for f in content.red_flags for t in (f.explanation, *f.advice.values())]
    texts += [t for c in content.causes for t in (c.explanation, c.who_can_help, *(s.text for s in c.self_care))]
    texts += [t for n in content.notices for t in (n.text, n.details)]
    assert reading_grade(" ".join(texts)) <= 6.0
    worst = max(texts, key=reading_grade)
    assert reading_grade(worst) <= 12.0, worst
