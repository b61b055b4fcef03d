"""The guide's content, loaded from ``prompts/`` into frozen dataclasses and validated.

Files (TOML, UTF-8) and their schema, in brief:

    sources.toml      [[source]]      id, name, url
    phrases.toml      [phrases]       key = "text with {placeholders}"   (keys: see PHRASE_FIELDS)
    urgency.toml      [<level>]       title, action                     (levels: emergency, urgent, soon, self_care)
    commands.toml     [[command]]     id, words = [...], action         (ids: see COMMAND_IDS)
    ordinals.toml     [[ordinal]]     position, words = [...]           ("the second one" -> option 2)
    option_sets.toml  [<set>]         [[<set>.option]] id, text, synonyms
    questions.toml    [[question]]    id, text, topic, help?, red_flag?, in_reasons?, option_set | [[question.option]],
                                      ask_if? = [{question, any_of}]    (all must hold)
    red_flags.toml    [[red_flag]]    id, name, explanation, advice, sources,
                                      [[red_flag.rule]] level, when = [{question, any_of}]
    causes.toml       [[cause]]       id, name, explanation, self_care = [...], get_help, level, sources,
                                      requires? = [{question, any_of}],
                                      [[cause.evidence]] question, any_of, weight

Validation raises :class:`~voice_guide.errors.ContentError` naming the file, the key and the problem: unknown
references, unreachable questions, conditions on later questions, causes or red flags without a source, two options
of one question sharing a phrase, a phrase that is also a command word, unknown placeholders.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voice_guide.errors import ContentError
from voice_guide.urgency import Urgency

COMMAND_IDS: tuple[str, ...] = ("repeat", "slower", "faster", "help", "back", "restart", "quit", "keyboard")
"""Commands the dialog understands. Their words live in commands.toml."""

PHRASE_FIELDS: Mapping[str, frozenset[str]] = {
    "welcome": frozenset(),
    "disclaimer": frozenset(),
    "emergency_first": frozenset(),
    "how_to_answer_voice": frozenset(),
    "how_to_answer_keyboard": frozenset(),
    "help": frozenset(),
    "progress": frozenset({"number", "total"}),
    "options_intro": frozenset({"options"}),
    "number_hint": frozenset({"count"}),
    "not_understood": frozenset(),
    "not_understood_typed": frozenset(),
    "no_input": frozenset(),
    "no_input_typed": frozenset(),
    "confirm": frozenset({"answer"}),
    "confirm_options": frozenset(),
    "confirm_command": frozenset({"action"}),
    "not_confirmed_command": frozenset(),
    "readback": frozenset({"answer", "topic"}),
    "not_confirmed": frozenset(),
    "check_answers": frozenset({"topics"}),
    "check_again": frozenset(),
    "back_at_start": frozenset(),
    "going_back": frozenset({"topic"}),
    "restarted": frozenset(),
    "slower": frozenset(),
    "faster": frozenset(),
    "rate_only_voice": frozenset(),
    "offer_keyboard": frozenset(),
    "already_keyboard": frozenset(),
    "fell_back": frozenset({"reason"}),
    "speech_failed": frozenset({"reason"}),
    "emergency_stop": frozenset(),
    "result_intro": frozenset(),
    "result_urgency": frozenset({"title"}),
    "result_red_flags": frozenset(),
    "result_causes": frozenset(),
    "result_no_causes": frozenset(),
    "result_because": frozenset({"reasons"}),
    "result_self_care": frozenset(),
    "result_get_help": frozenset(),
    "result_sources": frozenset(),
    "result_not_diagnosis": frozenset(),
    "result_after": frozenset(),
    "goodbye": frozenset(),
    "interrupted": frozenset(),
    "reason_said": frozenset({"answer", "topic"}),
    "and": frozenset(),
    "or": frozenset(),
    # kiosk mode (voice_guide/kiosk.py)
    "kiosk_ready_keyboard": frozenset(),
    "kiosk_ready_voice": frozenset(),
    "kiosk_start_words": frozenset(),
    "kiosk_still_there": frozenset(),
    "kiosk_idle_reset": frozenset(),
    "kiosk_error": frozenset(),
    "kiosk_keyboard_only": frozenset({"reason"}),
    "kiosk_stopped": frozenset(),
    "no_microphone": frozenset(),
    "no_microphone_screen": frozenset(),
    # the summary for a clinician (voice_guide/summary.py)
    "summary_title": frozenset(),
    "summary_date": frozenset({"date"}),
    "summary_urgency": frozenset({"title"}),
    "summary_warning_signs": frozenset({"signs"}),
    "summary_causes": frozenset({"causes"}),
    "summary_stopped_early": frozenset(),
    "summary_answers": frozenset({"answer", "topics"}),
    "summary_answer": frozenset({"topic", "answer"}),
    "summary_other_no": frozenset({"count"}),
    "summary_none": frozenset(),
    "summary_not_diagnosis": frozenset(),
    # the touch screen (voice_guide/frontends/screen.py)
    "screen_listening": frozenset(),
    "screen_thinking": frozenset(),
    "screen_speaking": frozenset(),
    "screen_heard": frozenset({"text"}),
    "screen_heard_nothing": frozenset(),
    "screen_heard_unclear": frozenset(),
    "screen_typed": frozenset({"text"}),
    "screen_hint_voice": frozenset(),
    "screen_hint_touch": frozenset(),
    "screen_larger": frozenset(),
    "screen_smaller": frozenset(),
    "screen_light": frozenset(),
    "screen_dark": frozenset(),
    "screen_summary": frozenset(),
    "screen_summary_intro": frozenset(),
    "screen_back_to_result": frozenset(),
    "screen_page": frozenset({"number", "total"}),
    "screen_next_page": frozenset(),
    "screen_previous_page": frozenset(),
    "screen_repeat": frozenset(),
    "screen_back": frozenset(),
    "screen_help": frozenset(),
    "screen_restart": frozenset(),
    "screen_quit": frozenset(),
    "screen_start": frozenset(),
    "screen_ready": frozenset(),
    "screen_no_voice": frozenset({"reason"}),
    # bad input (voice_guide/frontends/keyboard.py)
    "too_long": frozenset({"limit"}),
}
"""Every phrase the code speaks, with the placeholders each may use."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Source:
    """A reputable reference that a cause or red flag is based on."""

    id: str
    name: str
    """Publisher and page title, e.g. "NHS: Kidney infection"."""
    url: str


@dataclass(frozen=True)
class Option:
    """One answer a question accepts."""

    id: str
    """Stable id used in answer files and JSON (e.g. ``"yes"``)."""
    text: str
    """The answer as printed and spoken (e.g. "Not sure")."""
    synonyms: tuple[str, ...]
    """Other ways to say it ("yeah", "I don't know"). Matched fuzzily."""

    @property
    def phrases(self) -> tuple[str, ...]:
        """The text followed by every synonym."""
        return (self.text, *self.synonyms)


@dataclass(frozen=True)
class Condition:
    """True when the answer to ``question`` is one of ``any_of``. A skipped question satisfies nothing."""

    question: str
    any_of: frozenset[str]

    def holds(self, answers: Mapping[str, str]) -> bool:
        """Whether the answers satisfy this condition."""
        return answers.get(self.question) in self.any_of


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire, asked in file order."""

    id: str
    text: str
    """The question as spoken and printed."""
    topic: str
    """A few words naming what it asks about, used in read-backs and reasons ("a high temperature")."""
    help: str
    """Extra explanation given when the person asks for help here ("" when none)."""
    red_flag: bool
    """Asked in the first, red-flag part of the questionnaire."""
    in_reasons: bool
    """Whether an answer to it is quoted in "because you said ..." (False for questions about the person, such as
    which organs they have, that only decide what applies)."""
    options: tuple[Option, ...]
    ask_if: tuple[Condition, ...]
    """All must hold for the question to be asked; empty means always asked."""
    always_confirm: bool = False
    """Whether every answer to it is read back for confirmation, however clearly it was heard or typed (for
    answers that decide which questions follow, such as the body question)."""

    def option(self, option_id: str) -> Option:
        """The option with this id; ``KeyError`` if there is none."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def applies(self, answers: Mapping[str, str]) -> bool:
        """Whether this question is asked, given the answers to earlier questions."""
        return all(condition.holds(answers) for condition in self.ask_if)


@dataclass(frozen=True)
class RedFlagRule:
    """A combination of answers (all conditions hold) that raises a red flag to ``level``."""

    level: Urgency
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class RedFlag:
    """A warning sign that sets a floor on the urgency, checked before any cause."""

    id: str
    name: str
    """Short name ("Signs of pressure on the spinal nerves")."""
    explanation: str
    """What it can mean, in plain language."""
    advice: str
    """What to do now."""
    rules: tuple[RedFlagRule, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Evidence:
    """An answer that makes a cause more likely, with the reason to say back."""

    question: str
    any_of: frozenset[str]
    weight: int
    """Points added to the cause's score when the answer matches; may be negative."""


@dataclass(frozen=True)
class Cause:
    """A possible cause of the pain, with advice."""

    id: str
    name: str
    explanation: str
    self_care: tuple[str, ...]
    get_help: str
    """When and where to get help for this cause."""
    level: Urgency
    """How soon to get help when this cause is among the likely ones."""
    requires: tuple[Condition, ...]
    """All must hold for the cause to be considered (e.g. having a womb)."""
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Command:
    """A word the person can say or type at any question."""

    id: str
    """One of COMMAND_IDS."""
    words: tuple[str, ...]
    action: str
    """What it does, to ask about when the recognizer doubts it heard it: "Do you want to {action}?"."""


@dataclass(frozen=True)
class UrgencyText:
    """What each urgency level is called and what it asks the person to do."""

    level: Urgency
    title: str
    action: str


@dataclass(frozen=True)
class Content:
    """Everything in prompts/, validated."""

    questions: tuple[Question, ...]
    red_flags: tuple[RedFlag, ...]
    causes: tuple[Cause, ...]
    commands: tuple[Command, ...]
    ordinals: tuple[tuple[str, ...], ...]
    """``ordinals[i]`` are the words that pick option ``i + 1``."""
    confirm_options: tuple[Option, ...]
    """The yes / no options used when confirming what was heard (option set ``confirm``)."""
    phrases: Mapping[str, str]
    urgency: Mapping[Urgency, UrgencyText]
    sources: Mapping[str, Source]

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` if there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def command(self, command_id: str) -> Command:
        """The command with this id (every id of COMMAND_IDS has one)."""
        return next(c for c in self.commands if c.id == command_id)

    def phrase(self, key: str, **fields: object) -> str:
        """A phrase from phrases.toml with its placeholders filled in."""
        return self.phrases[key].format(**fields)


# --------------------------------------------------------------------------------------------------------------
# Loading


def default_prompts_dir() -> Path:
    """Where the content lives: $VOICE_GUIDE_PROMPTS, the copy inside an installed wheel, or the repository's."""
    env = os.environ.get("VOICE_GUIDE_PROMPTS")
    if env:
        return Path(env)
    packaged = Path(__file__).parent / "prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"


class _Reader:
    """Typed access to one parsed TOML file, raising ContentError with the key path on any problem."""

    def __init__(self, directory: Path, name: str) -> None:
        self.file = name
        path = directory / name
        try:
            with path.open("rb") as handle:
                self.data: dict[str, Any] = tomllib.load(handle)
        except FileNotFoundError:
            raise ContentError(name, "(file)", f"file not found in {directory}") from None
        except tomllib.TOMLDecodeError as error:
            raise ContentError(name, "(file)", f"not valid TOML: {error}") from None
        except UnicodeDecodeError as error:
            raise ContentError(name, "(file)", f"not UTF-8 text: {error}") from None

    def fail(self, key: str, problem: str) -> ContentError:
        return ContentError(self.file, key, problem)

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            raise self.fail(where, "missing or not a table" if value is None else "must be a table")
        return value

    def tables(self, parent: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> list[Any]:
        value = parent.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.fail(where, "missing, empty or not a list of tables ([[...]])")
        return value

    def text(self, parent: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = parent.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "missing or empty text")
        return value.strip()

    def ident(self, parent: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(parent, key, where)
        if not _ID.match(value):
            raise self.fail(f"{where}.{key}", f"{value!r} is not an id (lower case letters, digits, underscores)")
        return value

    def texts(self, parent: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
        value = parent.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or (required and not value):
            raise self.fail(f"{where}.{key}", "missing or not a non-empty list of texts")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{where}.{key}[{index}]", "must be non-empty text")
        return tuple(item.strip() for item in value)

    def integer(self, parent: Mapping[str, Any], key: str, where: str) -> int:
        value = parent.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "missing or not a whole number")
        return value

    def flag(self, parent: Mapping[str, Any], key: str, where: str, *, default: bool = False) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "must be true or false")
        return value

    def level(self, parent: Mapping[str, Any], key: str, where: str) -> Urgency:
        value = self.text(parent, key, where)
        try:
            return Urgency.from_key(value)
        except KeyError:
            known = ", ".join(u.key for u in Urgency)
            raise self.fail(f"{where}.{key}", f"unknown urgency {value!r} (known: {known})") from None

    def conditions(self, parent: Mapping[str, Any], key: str, where: str) -> tuple[Condition, ...]:
        raw = self.tables(parent, key, where + "." + key, required=False)
        result = []
        for index, item in enumerate(raw):
            at = f"{where}.{key}[{index}]"
            result.append(Condition(self.ident(item, "question", at), frozenset(self.texts(item, "any_of", at))))
        return tuple(result)

    def source_refs(self, parent: Mapping[str, Any], where: str, sources: Mapping[str, Source]) -> tuple[Source, ...]:
        ids = self.texts(parent, "sources", where)
        found = []
        for index, source_id in enumerate(ids):
            if source_id not in sources:
                raise self.fail(f"{where}.sources[{index}]", f"unknown source {source_id!r} (see sources.toml)")
            found.append(sources[source_id])
        return tuple(found)

    def unique(self, ids: Iterable[tuple[str, str]], what: str) -> None:
        seen: set[str] = set()
        for where, item_id in ids:
            if item_id in seen:
                raise self.fail(where, f"duplicate {what} id {item_id!r}")
            seen.add(item_id)


def normalize_phrase(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: how phrases are compared for collisions."""
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).replace("'", "").split())


def load_content(directory: Path | None = None) -> Content:
    """Load and validate every file in ``directory`` (default: :func:`default_prompts_dir`)."""
    directory = directory or default_prompts_dir()
    sources = _load_sources(directory)
    phrases = _load_phrases(directory)
    urgency = _load_urgency(directory)
    commands = _load_commands(directory)
    ordinals = _load_ordinals(directory)
    option_sets = _load_option_sets(directory)
    if "confirm" not in option_sets:
        raise ContentError("option_sets.toml", "confirm", "the option set used to confirm answers is missing")
    questions = _load_questions(directory, option_sets)
    _check_phrases_apart(option_sets, questions, commands, ordinals)
    red_flags = _load_red_flags(directory, sources, questions)
    causes = _load_causes(directory, sources, questions)
    return Content(
        questions=questions,
        red_flags=red_flags,
        causes=causes,
        commands=commands,
        ordinals=ordinals,
        confirm_options=option_sets["confirm"],
        phrases=phrases,
        urgency=urgency,
        sources=sources,
    )


def _load_sources(directory: Path) -> dict[str, Source]:
    reader = _Reader(directory, "sources.toml")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(reader.tables(reader.data, "source", "source")):
        at = f"source[{index}]"
        source = Source(reader.ident(raw, "id", at), reader.text(raw, "name", at), reader.text(raw, "url", at))
        if not source.url.startswith("https://"):
            raise reader.fail(f"{at}.url", "must be an https:// address")
        if source.id in sources:
            raise reader.fail(f"{at}.id", f"duplicate source id {source.id!r}")
        sources[source.id] = source
    return sources


def _load_phrases(directory: Path) -> dict[str, str]:
    reader = _Reader(directory, "phrases.toml")
    table = reader.table(reader.data, "phrases", "phrases")
    phrases: dict[str, str] = {}
    for key, allowed in PHRASE_FIELDS.items():
        text = reader.text(table, key, "phrases")
        for _, field, _, _ in string.Formatter().parse(text):
            if field is not None and field not in allowed:
                allowed_text = ", ".join(sorted(allowed)) or "none"
                raise reader.fail(f"phrases.{key}", f"unknown placeholder {{{field}}} (allowed: {allowed_text})")
        phrases[key] = text
    for key in table:
        if key not in PHRASE_FIELDS:
            raise reader.fail(f"phrases.{key}", "not a phrase the guide uses (misspelt key?)")
    return phrases


def _load_urgency(directory: Path) -> dict[Urgency, UrgencyText]:
    reader = _Reader(directory, "urgency.toml")
    result = {}
    for level in Urgency:
        table = reader.table(reader.data, level.key, level.key)
        result[level] = UrgencyText(
            level, reader.text(table, "title", level.key), reader.text(table, "action", level.key)
        )
    return result


def _load_commands(directory: Path) -> tuple[Command, ...]:
    reader = _Reader(directory, "commands.toml")
    commands = []
    for index, raw in enumerate(reader.tables(reader.data, "command", "command")):
        at = f"command[{index}]"
        command = Command(reader.ident(raw, "id", at), reader.texts(raw, "words", at), reader.text(raw, "action", at))
        if command.id not in COMMAND_IDS:
            raise reader.fail(f"{at}.id", f"unknown command {command.id!r} (known: {', '.join(COMMAND_IDS)})")
        commands.append(command)
    reader.unique(((f"command[{i}].id", c.id) for i, c in enumerate(commands)), "command")
    missing = set(COMMAND_IDS) - {c.id for c in commands}
    if missing:
        raise reader.fail("command", f"missing commands: {', '.join(sorted(missing))}")
    owner: dict[str, str] = {}
    for index, command in enumerate(commands):
        for word_index, word in enumerate(command.words):
            key = normalize_phrase(word)
            if key in owner and owner[key] != command.id:
                raise reader.fail(
                    f"command[{index}].words[{word_index}]", f"{word!r} is also a word of command {owner[key]!r}"
                )
            owner[key] = command.id
    return tuple(commands)


def _load_ordinals(directory: Path) -> tuple[tuple[str, ...], ...]:
    reader = _Reader(directory, "ordinals.toml")
    by_position: dict[int, tuple[str, ...]] = {}
    for index, raw in enumerate(reader.tables(reader.data, "ordinal", "ordinal")):
        at = f"ordinal[{index}]"
        position = reader.integer(raw, "position", at)
        if position < 1 or position in by_position:
            raise reader.fail(f"{at}.position", f"position {position} is below 1 or given twice")
        by_position[position] = reader.texts(raw, "words", at)
    if sorted(by_position) != list(range(1, len(by_position) + 1)):
        raise reader.fail("ordinal", "positions must run 1, 2, 3, ... with no gap")
    return tuple(by_position[p] for p in sorted(by_position))


def _read_option(reader: _Reader, raw: Mapping[str, Any], at: str) -> Option:
    return Option(
        reader.ident(raw, "id", at),
        reader.text(raw, "text", at),
        reader.texts(raw, "synonyms", at, required=False),
    )


def _load_option_sets(directory: Path) -> dict[str, tuple[Option, ...]]:
    reader = _Reader(directory, "option_sets.toml")
    sets = {}
    for name, table in reader.data.items():
        if not isinstance(table, dict):
            raise reader.fail(name, "must be a table holding [[" + name + ".option]] entries")
        raw_options = reader.tables(table, "option", f"{name}.option")
        sets[name] = tuple(_read_option(reader, raw, f"{name}.option[{i}]") for i, raw in enumerate(raw_options))
        _check_options(reader, name, sets[name])
    return sets


def _check_options(reader: _Reader, where: str, options: tuple[Option, ...]) -> None:
    reader.unique(((f"{where}.option[{i}].id", o.id) for i, o in enumerate(options)), "option")
    owner: dict[str, str] = {}
    for index, option in enumerate(options):
        for phrase in option.phrases:
            key = normalize_phrase(phrase)
            if key in owner and owner[key] != option.id:
                raise reader.fail(
                    f"{where}.option[{index}]",
                    f"phrase {phrase!r} is shared by options {owner[key]!r} and {option.id!r}",
                )
            owner[key] = option.id


def _load_questions(directory: Path, option_sets: Mapping[str, tuple[Option, ...]]) -> tuple[Question, ...]:
    reader = _Reader(directory, "questions.toml")
    questions: list[Question] = []
    seen: dict[str, Question] = {}
    for index, raw in enumerate(reader.tables(reader.data, "question", "question")):
        at = f"question[{index}]"
        question_id = reader.ident(raw, "id", at)
        if question_id in seen:
            raise reader.fail(f"{at}.id", f"duplicate question id {question_id!r}")
        if "option_set" in raw and "option" in raw:
            raise reader.fail(at, "give either option_set or [[question.option]] entries, not both")
        if "option_set" in raw:
            set_name = reader.text(raw, "option_set", at)
            if set_name not in option_sets:
                raise reader.fail(f"{at}.option_set", f"unknown option set {set_name!r} (see option_sets.toml)")
            options = option_sets[set_name]
        else:
            raw_options = reader.tables(raw, "option", f"{at}.option")
            options = tuple(_read_option(reader, item, f"{at}.option[{i}]") for i, item in enumerate(raw_options))
            _check_options(reader, at, options)
        if len(options) < 2:
            raise reader.fail(at, "a question needs at least two options")
        conditions = reader.conditions(raw, "ask_if", at)
        for c_index, condition in enumerate(conditions):
            _check_condition(reader, f"{at}.ask_if[{c_index}]", condition, seen, earlier_only=True)
        question = Question(
            id=question_id,
            text=reader.text(raw, "text", at),
            topic=reader.text(raw, "topic", at),
            help=reader.text(raw, "help", at, required=False),
            red_flag=reader.flag(raw, "red_flag", at),
            in_reasons=reader.flag(raw, "in_reasons", at, default=True),
            options=options,
            ask_if=conditions,
            always_confirm=reader.flag(raw, "always_confirm", at),
        )
        questions.append(question)
        seen[question_id] = question
    _check_reachable(reader, questions)
    return tuple(questions)


def _check_condition(
    reader: _Reader, at: str, condition: Condition, questions: Mapping[str, Question], *, earlier_only: bool = False
) -> None:
    if condition.question not in questions:
        problem = "an earlier question" if earlier_only else "a question"
        raise reader.fail(f"{at}.question", f"{condition.question!r} is not {problem} in questions.toml")
    option_ids = {o.id for o in questions[condition.question].options}
    for option_id in sorted(condition.any_of - option_ids):
        raise reader.fail(f"{at}.any_of", f"question {condition.question!r} has no option {option_id!r}")


def _check_reachable(reader: _Reader, questions: list[Question]) -> None:
    """Every question must be asked for at least one combination of earlier answers.

    Conditions only join with "and", so a question can be asked exactly when, for each earlier question that its
    conditions depend on (directly, or through the conditions of the questions they name), some answer satisfies
    every condition on it at once.
    """
    needs: dict[str, dict[str, frozenset[str]]] = {}
    """For each question, the answers earlier questions must have been given for it to be asked."""
    for index, question in enumerate(questions):
        allowed: dict[str, frozenset[str]] = {}
        for condition in question.ask_if:
            for earlier, any_of in (*needs[condition.question].items(), (condition.question, condition.any_of)):
                allowed[earlier] = allowed.get(earlier, any_of) & any_of
        impossible = [earlier for earlier, any_of in allowed.items() if not any_of]
        if impossible:
            raise reader.fail(
                f"question[{index}].ask_if",
                f"question {question.id!r} can never be asked: no answer to {impossible[0]!r} satisfies its "
                "conditions together with those of the questions they depend on",
            )
        needs[question.id] = allowed


def _check_phrases_apart(
    option_sets: Mapping[str, tuple[Option, ...]],
    questions: tuple[Question, ...],
    commands: tuple[Command, ...],
    ordinals: tuple[tuple[str, ...], ...],
) -> None:
    """No option phrase may equal a command word or an ordinal word: the person could not be understood.

    Option sets (including ``confirm``, which no question uses) are checked first, so a clash in a set is reported
    in option_sets.toml rather than at the first question that uses the set.
    """
    reserved = {normalize_phrase(w): f"command {c.id!r}" for c in commands for w in c.words}
    reserved.update({normalize_phrase(w): f"ordinal {i + 1}" for i, words in enumerate(ordinals) for w in words})
    for name, options in option_sets.items():
        for index, option in enumerate(options):
            for phrase in option.phrases:
                clash = reserved.get(normalize_phrase(phrase))
                if clash:
                    raise ContentError(
                        "option_sets.toml", f"{name}.option[{index}]", f"phrase {phrase!r} is also a word of {clash}"
                    )
    for index, question in enumerate(questions):
        for option in question.options:
            for phrase in option.phrases:
                clash = reserved.get(normalize_phrase(phrase))
                if clash:
                    raise ContentError(
                        "questions.toml",
                        f"question[{index}] ({question.id}) option {option.id!r}",
                        f"phrase {phrase!r} is also a word of {clash}",
                    )


def _check_against_questions(
    reader: _Reader, at: str, conditions: tuple[Condition, ...], by_id: Mapping[str, Question], key: str
) -> None:
    for index, condition in enumerate(conditions):
        _check_condition(reader, f"{at}.{key}[{index}]", condition, by_id)


def _load_red_flags(
    directory: Path, sources: Mapping[str, Source], questions: tuple[Question, ...]
) -> tuple[RedFlag, ...]:
    reader = _Reader(directory, "red_flags.toml")
    by_id = {q.id: q for q in questions}
    flags = []
    for index, raw in enumerate(reader.tables(reader.data, "red_flag", "red_flag")):
        at = f"red_flag[{index}]"
        rules = []
        for r_index, raw_rule in enumerate(reader.tables(raw, "rule", f"{at}.rule")):
            r_at = f"{at}.rule[{r_index}]"
            when = reader.conditions(raw_rule, "when", r_at)
            if not when:
                raise reader.fail(f"{r_at}.when", "a rule needs at least one condition")
            _check_against_questions(reader, r_at, when, by_id, "when")
            if not any(by_id[c.question].red_flag for c in when):
                raise reader.fail(f"{r_at}.when", "a red-flag rule must depend on at least one red-flag question")
            rules.append(RedFlagRule(reader.level(raw_rule, "level", r_at), when))
        flags.append(
            RedFlag(
                id=reader.ident(raw, "id", at),
                name=reader.text(raw, "name", at),
                explanation=reader.text(raw, "explanation", at),
                advice=reader.text(raw, "advice", at),
                rules=tuple(rules),
                sources=reader.source_refs(raw, at, sources),
            )
        )
    reader.unique(((f"red_flag[{i}].id", f.id) for i, f in enumerate(flags)), "red flag")
    return tuple(flags)


def _load_causes(directory: Path, sources: Mapping[str, Source], questions: tuple[Question, ...]) -> tuple[Cause, ...]:
    reader = _Reader(directory, "causes.toml")
    by_id = {q.id: q for q in questions}
    causes = []
    for index, raw in enumerate(reader.tables(reader.data, "cause", "cause")):
        at = f"cause[{index}]"
        requires = reader.conditions(raw, "requires", at)
        _check_against_questions(reader, at, requires, by_id, "requires")
        evidence = []
        for e_index, raw_evidence in enumerate(reader.tables(raw, "evidence", f"{at}.evidence")):
            e_at = f"{at}.evidence[{e_index}]"
            condition = Condition(
                reader.ident(raw_evidence, "question", e_at), frozenset(reader.texts(raw_evidence, "any_of", e_at))
            )
            _check_condition(reader, e_at, condition, by_id)
            weight = reader.integer(raw_evidence, "weight", e_at)
            if weight == 0:
                raise reader.fail(f"{e_at}.weight", "a weight of 0 has no effect")
            evidence.append(Evidence(condition.question, condition.any_of, weight))
        if not any(e.weight > 0 for e in evidence):
            raise reader.fail(f"{at}.evidence", "a cause needs at least one evidence entry with a positive weight")
        causes.append(
            Cause(
                id=reader.ident(raw, "id", at),
                name=reader.text(raw, "name", at),
                explanation=reader.text(raw, "explanation", at),
                self_care=reader.texts(raw, "self_care", at),
                get_help=reader.text(raw, "get_help", at),
                level=reader.level(raw, "level", at),
                requires=requires,
                evidence=tuple(evidence),
                sources=reader.source_refs(raw, at, sources),
            )
        )
    reader.unique(((f"cause[{i}].id", c.id) for i, c in enumerate(causes)), "cause")
    return tuple(causes)
