"""The guide's content, loaded from ``prompts/`` into frozen dataclasses and validated.

Files (TOML, UTF-8) and their schema, in brief (each file's opening comment has the details):

    sources.toml      [[source]]      id, name, url
    phrases.toml      [phrases]       key = "text with {placeholders}"   (keys: see PHRASE_FIELDS)
    urgency.toml      [<level>]       title, action                     (levels: emergency, urgent, soon, self_care)
    commands.toml     [[command]]     id, words = [...], action         (ids: see COMMAND_IDS)
    ordinals.toml     [[ordinal]]     position, words = [...]           ("the second one" -> option 2)
    option_sets.toml  [<set>]         [[<set>.option]] id, text, synonyms?, said?
    questions.toml    [[question]]    id, text, topic, help?, red_flag?, in_reasons?, always_confirm?,
                                      skip_when_as_urgent?, usual?,
                                      option_set | [[question.option]] (id, text, synonyms?, said?, organs?),
                                      organs?, ask_if?, ask_if_any?, unless?   (conditions: [{question, any_of}])
    red_flags.toml    [[red_flag]]    id, name, explanation, sources, [red_flag.advice] <level> = "...",
                                      [[red_flag.rule]] level, when = [...], organs?,
                                      [[red_flag.watch]] level, text, question?
    causes.toml       [[cause]]       id, name, explanation, who_can_help, level, sources, organs?, not_organs?,
                                      [[cause.self_care]] text, unless?, [[cause.evidence]] question, any_of, weight,
                                      [[cause.watch]] level, text, question?, [[cause.variant]] only_organs, ...
    notices.toml      [[notice]]      id, text, details, sources        (said in every result but an emergency)

The body question is the one whose options list ``organs`` (what a person answering it may have). Questions, rules
and causes name organs (``organs = ["womb"]``) instead of body answers, so that no edit can tie a question to a
gender word or forget the people who answered "both" or "not sure".

Validation raises :class:`~voice_guide.errors.ContentError` naming the file, the key and the problem: unknown keys
(with the closest known key), wrong types, unknown references, unreachable questions, conditions on later
questions, causes or red flags without a source, two options of one question sharing a phrase, a phrase that is also
a command word, unknown placeholders, and the clinical rules of the questionnaire: a red-flag question may be
skipped only for a body it cannot apply to or after "no" to the red-flag question it follows; "not sure" to a red
flag raises it; the body question never picks an answer from a gender word and is always read back; a cause's text
never says when to get help (the result's urgency does, so the two cannot disagree).
"""

from __future__ import annotations

import difflib
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

ORGANS: frozenset[str] = frozenset({"womb", "ovaries", "vagina", "penis", "testicles", "prostate"})
"""What a body answer can say a person may have. Names outside this set are typos."""

GENDER_WORDS: frozenset[str] = frozenset(
    {"man", "woman", "male", "female", "boy", "girl", "guy", "lady", "men", "women", "a man", "a woman"}
)
"""Words that must never choose a body option: gender does not tell which organs a person has."""

TIMING_WORDS = re.compile(
    r"\b(today|tonight|now|immediately|straight away|right away|emergency|urgent(ly)?|999|911|112|"
    r"(a )?few days|this week|within \d+)\b",
    re.IGNORECASE,
)
"""Words that say *when* to get help. They belong to red-flag advice, watch items and urgency.toml only: a cause's
text saying "see a doctor today" under a "look after it at home" banner is a contradiction."""

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
    "readback_said": frozenset({"said"}),
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
    "no_speaker": frozenset(),
    "no_synthesizer": frozenset(),
    "piper_unavailable": frozenset(),
    "emergency_stop": frozenset(),
    "result_intro": frozenset({"count"}),
    "result_urgency": frozenset({"title"}),
    "result_red_flags": frozenset(),
    "result_other_flags": frozenset(),
    "result_watch": frozenset(),
    "result_causes": frozenset(),
    "result_no_causes": frozenset(),
    "result_because": frozenset({"reasons"}),
    "result_self_care": frozenset(),
    "result_who": frozenset(),
    "result_sources": frozenset(),
    "result_details_offer": frozenset(),
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
    "screen_voice_clearer": frozenset(),
    "screen_voice_standard": frozenset(),
    "screen_voice_loading": frozenset(),
    "screen_voice_failed": frozenset(),
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
_USE_ORGANS = "use organs = [...] instead of a condition on the body question (answers are organs, never genders)"


@dataclass(frozen=True)
class Source:
    """A reputable reference that a cause, red flag or notice is based on."""

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
    said: str = ""
    """The answer as a statement about the person ("you have a womb"), for read-backs and reasons; "" to use
    "{answer} to {topic}"."""
    organs: frozenset[str] = frozenset()
    """Body question only: the organs a person giving this answer may have."""

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
    """A warning-sign question: asked of everyone it can apply to (see :func:`_check_red_flag_questions`)."""
    in_reasons: bool
    """Whether an answer to it is quoted in "because you said ..." (False for questions about the person, such as
    which organs they have, that only decide what applies)."""
    options: tuple[Option, ...]
    ask_if: tuple[Condition, ...]
    """All must hold for the question to be asked; empty means always asked. ``organs`` are compiled into a
    condition on the body question here."""
    ask_if_any: tuple[Condition, ...] = ()
    """When not empty, at least one must hold as well."""
    unless: tuple[Condition, ...] = ()
    """The question is skipped when any of these holds (e.g. no period questions after "menopause")."""
    organs: frozenset[str] = frozenset()
    """Asked only of people who may have one of these (empty: everyone)."""
    always_confirm: bool = False
    """Read every answer back for a yes or no before taking it (the body question: a mistake there changes which
    questions are asked)."""
    skip_when_as_urgent: bool = False
    """Red-flag questions only: the length rule may skip it once the advice is already at least as urgent as its sign
    can make it, because its advice then adds nothing ("get medical help today"). Without it a red-flag question whose
    sign needs help today or now is always asked."""
    usual: str = ""
    """The option assumed for questions not yet answered when estimating how many questions are left ("Question 3
    of about 14"); "" means "no"."""

    def option(self, option_id: str) -> Option:
        """The option with this id; ``KeyError`` if there is none."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def applies(self, answers: Mapping[str, str]) -> bool:
        """Whether this question is asked, given the answers to earlier questions."""
        return (
            all(c.holds(answers) for c in self.ask_if)
            and (not self.ask_if_any or any(c.holds(answers) for c in self.ask_if_any))
            and not any(c.holds(answers) for c in self.unless)
        )

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """Every condition that decides whether it is asked."""
        return (*self.ask_if, *self.ask_if_any, *self.unless)

    @property
    def usual_option(self) -> str:
        """The answer assumed for the progress estimate."""
        return self.usual or ("no" if any(o.id == "no" for o in self.options) else self.options[0].id)


@dataclass(frozen=True)
class Watch:
    """A sign to watch for: "get help today if you get ...". Shown only when it asks for more than the result."""

    level: Urgency
    text: str
    """Plain words naming the sign(s), completing "... if you get: {text}"."""
    question: str = ""
    """The question that asks about this sign; the item is left out when that answer was "yes"."""


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
    """Short name ("Signs of pressure on the nerves at the base of the spine")."""
    explanation: str
    """What it can mean, in plain language."""
    advice: Mapping[Urgency, str]
    """What to do, for each level a rule can raise it to."""
    rules: tuple[RedFlagRule, ...]
    sources: tuple[Source, ...]
    watch: tuple[Watch, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """An answer that makes a cause more likely."""

    question: str
    any_of: frozenset[str]
    weight: int
    """Points added to the cause's score when the answer matches (always positive)."""


@dataclass(frozen=True)
class SelfCare:
    """One thing that may help, left out when any ``unless`` condition holds (e.g. ibuprofen in pregnancy)."""

    text: str
    unless: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Variant:
    """Text for people who can only have ``only_organs`` (e.g. a UTI in someone with a penis needs a GP)."""

    only_organs: frozenset[str]
    explanation: str = ""
    who_can_help: str = ""


@dataclass(frozen=True)
class Cause:
    """A thing that can cause pain like the person's, with advice."""

    id: str
    name: str
    explanation: str
    self_care: tuple[SelfCare, ...]
    who_can_help: str
    """Who can help and how; never when (the urgency banner says when)."""
    level: Urgency
    """How soon to get help when this cause is listed."""
    requires: tuple[Condition, ...]
    """All must hold for the cause to be considered (organs are compiled into these)."""
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]
    watch: tuple[Watch, ...] = ()
    variants: tuple[Variant, ...] = ()
    organs: frozenset[str] = frozenset()
    """Considered only for people who may have one of these."""
    not_organs: frozenset[str] = frozenset()
    """Not considered for people who may have one of these."""


@dataclass(frozen=True)
class Notice:
    """Something every non-emergency result says (help after sex that was not wanted)."""

    id: str
    text: str
    """Said with what to do."""
    details: str
    """Said with the details."""
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
    notices: tuple[Notice, ...] = ()
    body_question: str = ""
    """The id of the question whose options list organs ("" when there is none)."""

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

    def organs(self, answers: Mapping[str, str]) -> frozenset[str]:
        """The organs the person may have, from their body answer (every organ before it is answered)."""
        if not self.body_question or self.body_question not in answers:
            return ORGANS
        return self.question(self.body_question).option(answers[self.body_question]).organs

    def readback(self, question: Question, option: Option) -> str:
        """What is said after an answer is taken ("You have a womb." or "No: blood in your pee.")."""
        if option.said:
            return self.phrase("readback_said", said=option.said[0].upper() + option.said[1:])
        return self.phrase("readback", answer=option.text, topic=question.topic)

    def statement(self, question: Question, option: Option) -> str:
        """An answer as quoted in reasons ("you have a womb", "yes to a high temperature")."""
        if option.said:
            return option.said
        return self.phrase("reason_said", answer=option.text.lower(), topic=question.topic)


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


def _kind(value: object) -> str:
    """What a TOML value is, in the words an error message uses."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__  # pragma: no cover - TOML has no other types but dates


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

    def keys(self, parent: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
        """Reject keys this table does not have (a typo such as ``hlep`` would make its text vanish)."""
        known = sorted(set(allowed))
        for key in parent:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
                prefix = f"{where}." if where else ""
                raise self.fail(f"{prefix}{key}", f"unknown key{hint}")

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            problem = "missing or not a table" if value is None else f"must be a table, not {_kind(value)}"
            raise self.fail(where, problem)
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
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{where}.{key}", f"must be text, not {_kind(value)}")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "missing or empty text")
        return " ".join(value.split())

    def ident(self, parent: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(parent, key, where)
        if not _ID.match(value):
            raise self.fail(f"{where}.{key}", f"{value!r} is not an id (lower case letters, digits, underscores)")
        return value

    def texts(self, parent: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
        value = parent.get(key)
        if value is None and not required:
            return ()
        if value is not None and not isinstance(value, list):
            raise self.fail(f"{where}.{key}", f"must be a list of texts, not {_kind(value)}")
        if not isinstance(value, list) or (required and not value):
            raise self.fail(f"{where}.{key}", "missing or not a non-empty list of texts")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{where}.{key}[{index}]", f"must be text, not {_kind(item)}")
            if not item.strip():
                raise self.fail(f"{where}.{key}[{index}]", "must be non-empty text")
        return tuple(" ".join(item.split()) for item in value)

    def integer(self, parent: Mapping[str, Any], key: str, where: str) -> int:
        value = parent.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            problem = "missing" if value is None else f"must be a whole number, not {_kind(value)}"
            raise self.fail(f"{where}.{key}", problem)
        return value

    def flag(self, parent: Mapping[str, Any], key: str, where: str, *, default: bool = False) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, not {_kind(value)}")
        return value

    def level(self, parent: Mapping[str, Any], key: str, where: str) -> Urgency:
        value = self.text(parent, key, where)
        return self.level_name(value, f"{where}.{key}")

    def level_name(self, value: str, at: str) -> Urgency:
        try:
            return Urgency.from_key(value)
        except KeyError:
            known = ", ".join(u.key for u in Urgency)
            raise self.fail(at, f"unknown urgency {value!r} (known: {known})") from None

    def organs(self, parent: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
        names = self.texts(parent, key, where, required=False)
        for index, name in enumerate(names):
            if name not in ORGANS:
                close = difflib.get_close_matches(name, sorted(ORGANS), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(ORGANS))})"
                raise self.fail(f"{where}.{key}[{index}]", f"unknown organ {name!r}{hint}")
        return frozenset(names)

    def conditions(self, parent: Mapping[str, Any], key: str, where: str) -> tuple[Condition, ...]:
        raw = self.tables(parent, key, where + "." + key, required=False)
        result = []
        for index, item in enumerate(raw):
            at = f"{where}.{key}[{index}]"
            self.keys(item, ("question", "any_of"), at)
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

    def watch(self, parent: Mapping[str, Any], where: str) -> tuple[Watch, ...]:
        items = []
        for index, raw in enumerate(self.tables(parent, "watch", f"{where}.watch", required=False)):
            at = f"{where}.watch[{index}]"
            self.keys(raw, ("level", "text", "question"), at)
            question = self.ident(raw, "question", at) if "question" in raw else ""
            items.append(Watch(self.level(raw, "level", at), self.text(raw, "text", at), question))
        return tuple(items)

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
    questions, body = _load_questions(directory, option_sets)
    _check_phrases_apart(option_sets, questions, commands, ordinals)
    red_flags = _load_red_flags(directory, sources, questions, body)
    causes = _load_causes(directory, sources, questions, body)
    notices = _load_notices(directory, sources)
    _check_red_flag_questions(questions, red_flags, body)
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
        notices=notices,
        body_question=body.id if body else "",
    )


def _load_sources(directory: Path) -> dict[str, Source]:
    reader = _Reader(directory, "sources.toml")
    reader.keys(reader.data, ("source",), "")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(reader.tables(reader.data, "source", "source")):
        at = f"source[{index}]"
        reader.keys(raw, ("id", "name", "url"), at)
        source = Source(reader.ident(raw, "id", at), reader.text(raw, "name", at), reader.text(raw, "url", at))
        if not source.url.startswith("https://"):
            raise reader.fail(f"{at}.url", "must be an https:// address")
        if source.id in sources:
            raise reader.fail(f"{at}.id", f"duplicate source id {source.id!r}")
        sources[source.id] = source
    return sources


def _load_phrases(directory: Path) -> dict[str, str]:
    reader = _Reader(directory, "phrases.toml")
    reader.keys(reader.data, ("phrases",), "")
    table = reader.table(reader.data, "phrases", "phrases")
    for key in table:
        if key not in PHRASE_FIELDS:
            close = difflib.get_close_matches(key, sorted(PHRASE_FIELDS), n=1)
            hint = f": did you mean {close[0]!r}?" if close else ""
            raise reader.fail(f"phrases.{key}", f"not a phrase the guide uses (misspelt key?{hint})")
    phrases: dict[str, str] = {}
    for key, allowed in PHRASE_FIELDS.items():
        text = reader.text(table, key, "phrases")
        for _, placeholder, _, _ in string.Formatter().parse(text):
            if placeholder is not None and placeholder not in allowed:
                allowed_text = ", ".join(sorted(allowed)) or "none"
                raise reader.fail(f"phrases.{key}", f"unknown placeholder {{{placeholder}}} (allowed: {allowed_text})")
        phrases[key] = text
    return phrases


def _load_urgency(directory: Path) -> dict[Urgency, UrgencyText]:
    reader = _Reader(directory, "urgency.toml")
    reader.keys(reader.data, [u.key for u in Urgency], "")
    result = {}
    for level in Urgency:
        table = reader.table(reader.data, level.key, level.key)
        reader.keys(table, ("title", "action"), level.key)
        result[level] = UrgencyText(
            level, reader.text(table, "title", level.key), reader.text(table, "action", level.key)
        )
    return result


def _load_commands(directory: Path) -> tuple[Command, ...]:
    reader = _Reader(directory, "commands.toml")
    reader.keys(reader.data, ("command",), "")
    commands = []
    for index, raw in enumerate(reader.tables(reader.data, "command", "command")):
        at = f"command[{index}]"
        reader.keys(raw, ("id", "words", "action"), at)
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
    reader.keys(reader.data, ("ordinal",), "")
    by_position: dict[int, tuple[str, ...]] = {}
    for index, raw in enumerate(reader.tables(reader.data, "ordinal", "ordinal")):
        at = f"ordinal[{index}]"
        reader.keys(raw, ("position", "words"), at)
        position = reader.integer(raw, "position", at)
        if position < 1 or position in by_position:
            raise reader.fail(f"{at}.position", f"position {position} is below 1 or given twice")
        by_position[position] = reader.texts(raw, "words", at)
    if sorted(by_position) != list(range(1, len(by_position) + 1)):
        raise reader.fail("ordinal", "positions must run 1, 2, 3, ... with no gap")
    return tuple(by_position[p] for p in sorted(by_position))


_OPTION_KEYS = ("id", "text", "synonyms", "said", "organs")


def _read_option(reader: _Reader, raw: Mapping[str, Any], at: str) -> Option:
    reader.keys(raw, _OPTION_KEYS, at)
    return Option(
        reader.ident(raw, "id", at),
        reader.text(raw, "text", at),
        reader.texts(raw, "synonyms", at, required=False),
        reader.text(raw, "said", at, required=False),
        reader.organs(raw, "organs", at),
    )


def _load_option_sets(directory: Path) -> dict[str, tuple[Option, ...]]:
    reader = _Reader(directory, "option_sets.toml")
    sets = {}
    for name, table in reader.data.items():
        if not isinstance(table, dict):
            raise reader.fail(name, "must be a table holding [[" + name + ".option]] entries")
        reader.keys(table, ("option",), name)
        raw_options = reader.tables(table, "option", f"{name}.option")
        sets[name] = tuple(_read_option(reader, raw, f"{name}.option[{i}]") for i, raw in enumerate(raw_options))
        for index, option in enumerate(sets[name]):
            if option.organs:
                raise reader.fail(f"{name}.option[{index}].organs", "only the body question's options list organs")
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


_QUESTION_KEYS = (
    "id", "text", "topic", "help", "red_flag", "in_reasons", "always_confirm", "skip_when_as_urgent", "usual",
    "option_set", "option",
    "organs", "ask_if", "ask_if_any", "unless",
)  # fmt: skip


def _load_questions(
    directory: Path, option_sets: Mapping[str, tuple[Option, ...]]
) -> tuple[tuple[Question, ...], Question | None]:
    reader = _Reader(directory, "questions.toml")
    reader.keys(reader.data, ("question",), "")
    questions: list[Question] = []
    seen: dict[str, Question] = {}
    body: Question | None = None
    for index, raw in enumerate(reader.tables(reader.data, "question", "question")):
        at = f"question[{index}]"
        reader.keys(raw, _QUESTION_KEYS, at)
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
        is_body = any(o.organs for o in options)
        if is_body:
            _check_body_question(reader, at, raw, options, body)
        organs = reader.organs(raw, "organs", at)
        if organs and body is None:
            raise reader.fail(f"{at}.organs", "organs can only be asked about after the body question")
        lists = {key: reader.conditions(raw, key, at) for key in ("ask_if", "ask_if_any", "unless")}
        for key, conditions in lists.items():
            for c_index, condition in enumerate(conditions):
                c_at = f"{at}.{key}[{c_index}]"
                _check_condition(reader, c_at, condition, seen, earlier_only=True)
                if body is not None and condition.question == body.id:
                    raise reader.fail(f"{c_at}.question", _USE_ORGANS)
        ask_if = lists["ask_if"]
        if organs and body is not None:
            ask_if = (*ask_if, _organ_condition(body, organs))
        usual = reader.ident(raw, "usual", at) if "usual" in raw else ""
        if usual and usual not in {o.id for o in options}:
            raise reader.fail(f"{at}.usual", f"{usual!r} is not an option of this question")
        question = Question(
            id=question_id,
            text=reader.text(raw, "text", at),
            topic=reader.text(raw, "topic", at),
            help=reader.text(raw, "help", at, required=False),
            red_flag=reader.flag(raw, "red_flag", at),
            in_reasons=reader.flag(raw, "in_reasons", at, default=not is_body),
            options=options,
            ask_if=ask_if,
            ask_if_any=lists["ask_if_any"],
            unless=lists["unless"],
            organs=organs,
            always_confirm=reader.flag(raw, "always_confirm", at),
            skip_when_as_urgent=reader.flag(raw, "skip_when_as_urgent", at),
            usual=usual,
        )
        if question.skip_when_as_urgent and not question.red_flag:
            raise reader.fail(f"{at}.skip_when_as_urgent", "only a red-flag question can have skip_when_as_urgent")
        if is_body and not question.always_confirm:
            problem = "the body question must always be read back (always_confirm = true)"
            raise reader.fail(f"{at}.always_confirm", problem)
        questions.append(question)
        seen[question_id] = question
        if is_body:
            body = question
    _check_reachable(reader, questions)
    return tuple(questions), body


def _check_body_question(
    reader: _Reader, at: str, raw: Mapping[str, Any], options: tuple[Option, ...], earlier: Question | None
) -> None:
    """The body question: one only, every option lists organs, "not sure" may have every organ, no gender words."""
    if earlier is not None:
        raise reader.fail(at, f"only one question may list organs in its options (the body question is {earlier.id!r})")
    if "option_set" in raw:
        raise reader.fail(f"{at}.option_set", "the body question lists its own options with organs")
    used = frozenset().union(*(o.organs for o in options))
    for index, option in enumerate(options):
        if not option.organs and option.id != "neither":
            raise reader.fail(f"{at}.option[{index}].organs", "every answer to the body question must list organs")
        for phrase in option.phrases:
            if normalize_phrase(phrase) in GENDER_WORDS:
                raise reader.fail(
                    f"{at}.option[{index}]",
                    f"{phrase!r} is a gender word: it does not tell which organs a person has, so it must not "
                    "choose an answer to the body question",
                )
    unsure = next((o for o in options if o.id == "not_sure"), None)
    if unsure is None or unsure.organs != used:
        raise reader.fail(at, "the body question needs a 'not_sure' answer that may have every organ, so that "
                              "not being sure never skips a question")  # fmt: skip


def _organ_condition(body: Question, organs: frozenset[str]) -> Condition:
    """The body answers of people who may have one of ``organs``."""
    return Condition(body.id, frozenset(o.id for o in body.options if o.organs & organs))


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

    ``ask_if`` conditions join with "and", so a question can be asked exactly when, for each earlier question that
    its conditions depend on (directly, or through the conditions of the questions they name), some answer
    satisfies every condition on it at once. (``ask_if_any`` and ``unless`` can only be checked one condition at a
    time: each ``ask_if_any`` condition must be satisfiable together with ``ask_if``.)
    """
    needs: dict[str, dict[str, frozenset[str]]] = {}
    """For each question, the answers earlier questions must have been given for it to be asked."""
    for index, question in enumerate(questions):
        allowed: dict[str, frozenset[str]] = {}
        for condition in question.ask_if:
            for earlier, any_of in (*needs[condition.question].items(), (condition.question, condition.any_of)):
                allowed[earlier] = allowed.get(earlier, any_of) & any_of
        impossible = [earlier for earlier, any_of in allowed.items() if not any_of]
        if question.ask_if_any and all(not (allowed.get(c.question, c.any_of) & c.any_of) for c in question.ask_if_any):
            impossible.append(question.ask_if_any[0].question)
        if impossible:
            raise reader.fail(
                f"question[{index}].ask_if",
                f"question {question.id!r} can never be asked: no answer to {impossible[0]!r} satisfies its "
                "conditions together with those of the questions they depend on",
            )
        needs[question.id] = allowed


def _check_order(questions: tuple[Question, ...], flags: tuple[RedFlag, ...]) -> None:
    """Red-flag questions come before every other question, so that an emergency stops the questions early.

    The body question may stand among them (the questions after it depend on it). A red-flag question whose signs
    can only ask for an appointment ("soon") may come last, so that it is skipped once a cause already asks for one.
    """
    highest: dict[str, Urgency] = {}
    for flag in flags:
        for rule in flag.rules:
            for condition in rule.when:
                highest[condition.question] = max(highest.get(condition.question, Urgency.SELF_CARE), rule.level)
    seen_ordinary = ""
    for index, question in enumerate(questions):
        if not question.red_flag and question.in_reasons:
            seen_ordinary = seen_ordinary or question.id
        elif question.red_flag and seen_ordinary and highest.get(question.id, Urgency.SELF_CARE) > Urgency.SOON:
            raise ContentError(
                "questions.toml",
                f"question[{index}].red_flag",
                f"red-flag question {question.id!r} comes after the ordinary question {seen_ordinary!r}: "
                "red flags are asked first (only those that ask for no more than an appointment may come last)",
            )


def _check_red_flag_questions(
    questions: tuple[Question, ...], flags: tuple[RedFlag, ...], body: Question | None
) -> None:
    """A red-flag question is asked of everyone it can apply to, and "not sure" to it is never taken as "no".

    It may be skipped only (a) for a body answer whose organs it cannot apply to, or (b) after "no" to an earlier
    red-flag question it follows up (every other answer to that question must still lead to it).
    """
    _check_order(questions, flags)
    by_id = {q.id: q for q in questions}
    for index, question in enumerate(questions):
        if not question.red_flag:
            continue
        at = f"question[{index}] ({question.id})"
        if question.ask_if_any or question.unless:
            raise ContentError("questions.toml", at, "a red-flag question may only use ask_if conditions and organs")
        for condition in question.ask_if:
            if body is not None and condition.question == body.id:
                continue  # compiled from organs
            gate = by_id[condition.question]
            missing = sorted({o.id for o in gate.options} - {"no"} - condition.any_of)
            if not gate.red_flag or missing:
                what = f"every answer but 'no' (missing: {', '.join(missing)})" if missing else ""
                detail = f"{gate.id!r} must allow {what}" if missing else f"{gate.id!r}, which is not a red flag"
                problem = (
                    f"red-flag question {question.id!r} could be skipped for someone it applies to: its condition on "
                    + detail
                )
                raise ContentError("questions.toml", at, problem)
    yes_levels: dict[str, tuple[Urgency, int, str]] = {}
    unsure_levels: dict[str, Urgency] = {}
    for f_index, flag in enumerate(flags):
        for rule in flag.rules:
            named = [c for c in rule.when if not _is_body(c, body)]
            if len(named) != 1 or not by_id[named[0].question].red_flag:
                continue
            question_id = named[0].question
            if "yes" in named[0].any_of and rule.level > yes_levels.get(question_id, (Urgency.SELF_CARE, 0, ""))[0]:
                yes_levels[question_id] = (rule.level, f_index, flag.id)
            if "not_sure" in named[0].any_of:
                unsure_levels[question_id] = max(unsure_levels.get(question_id, Urgency.SELF_CARE), rule.level)
    for question_id, (yes_level, f_index, flag_id) in yes_levels.items():
        if "not_sure" not in {o.id for o in by_id[question_id].options}:
            continue
        needed = Urgency.URGENT if yes_level is Urgency.EMERGENCY else Urgency.SOON
        unsure_level = unsure_levels.get(question_id)
        if unsure_level is None or unsure_level < needed:
            raise ContentError(
                "red_flags.toml",
                f"red_flag[{f_index}] ({flag_id})",
                f"'not sure' to {question_id!r} must raise a red flag to at least {needed.key} "
                f"('yes' raises this one to {yes_level.key}); 'not sure' is never taken as 'no'",
            )


def _is_body(condition: Condition, body: Question | None) -> bool:
    return body is not None and condition.question == body.id


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
    reader: _Reader, at: str, conditions: tuple[Condition, ...], by_id: Mapping[str, Question], key: str,
    body: Question | None,
) -> None:  # fmt: skip
    for index, condition in enumerate(conditions):
        _check_condition(reader, f"{at}.{key}[{index}]", condition, by_id)
        if body is not None and condition.question == body.id:
            raise reader.fail(f"{at}.{key}[{index}].question", _USE_ORGANS)


def _check_timing(reader: _Reader, at: str, text: str) -> None:
    match = TIMING_WORDS.search(text)
    if match:
        raise reader.fail(
            at,
            f"says when to get help ({match.group(0)!r}): the result's urgency says when, so that the two cannot "
            "disagree; put timing in a [[...watch]] item or in red_flags.toml",
        )


def _load_red_flags(
    directory: Path, sources: Mapping[str, Source], questions: tuple[Question, ...], body: Question | None
) -> tuple[RedFlag, ...]:
    reader = _Reader(directory, "red_flags.toml")
    reader.keys(reader.data, ("red_flag",), "")
    by_id = {q.id: q for q in questions}
    flags = []
    for index, raw in enumerate(reader.tables(reader.data, "red_flag", "red_flag")):
        at = f"red_flag[{index}]"
        reader.keys(raw, ("id", "name", "explanation", "advice", "sources", "rule", "watch"), at)
        rules = []
        for r_index, raw_rule in enumerate(reader.tables(raw, "rule", f"{at}.rule")):
            r_at = f"{at}.rule[{r_index}]"
            reader.keys(raw_rule, ("level", "when", "organs"), r_at)
            when = reader.conditions(raw_rule, "when", r_at)
            if not when:
                raise reader.fail(f"{r_at}.when", "a rule needs at least one condition")
            _check_against_questions(reader, r_at, when, by_id, "when", body)
            if not any(by_id[c.question].red_flag for c in when):
                raise reader.fail(f"{r_at}.when", "a red-flag rule must depend on at least one red-flag question")
            organs = reader.organs(raw_rule, "organs", r_at)
            if organs and body is not None:
                when = (*when, _organ_condition(body, organs))
            rules.append(RedFlagRule(reader.level(raw_rule, "level", r_at), when))
        advice_table = reader.table(raw, "advice", f"{at}.advice")
        reader.keys(advice_table, [u.key for u in Urgency], f"{at}.advice")
        advice = {reader.level_name(key, f"{at}.advice.{key}"): reader.text(advice_table, key, f"{at}.advice")
                  for key in advice_table}  # fmt: skip
        for level in sorted({r.level for r in rules}):
            if level not in advice:
                raise reader.fail(f"{at}.advice", f"no advice for {level.key!r}, a level a rule can raise it to")
        watch = reader.watch(raw, at)
        lowest = min(r.level for r in rules)
        for w_index, item in enumerate(watch):
            _check_watch(reader, f"{at}.watch[{w_index}]", item, lowest, by_id)
        flags.append(
            RedFlag(
                id=reader.ident(raw, "id", at),
                name=reader.text(raw, "name", at),
                explanation=reader.text(raw, "explanation", at),
                advice=advice,
                rules=tuple(rules),
                sources=reader.source_refs(raw, at, sources),
                watch=watch,
            )
        )
    reader.unique(((f"red_flag[{i}].id", f.id) for i, f in enumerate(flags)), "red flag")
    return tuple(flags)


def _check_watch(reader: _Reader, at: str, item: Watch, lowest: Urgency, by_id: Mapping[str, Question]) -> None:
    if item.level <= lowest:
        raise reader.fail(f"{at}.level", f"a sign to watch for must ask for more than {lowest.key!r}")
    if item.question and item.question not in by_id:
        raise reader.fail(f"{at}.question", f"{item.question!r} is not a question in questions.toml")


_CAUSE_KEYS = (
    "id", "name", "explanation", "self_care", "who_can_help", "level", "sources", "organs", "not_organs",
    "evidence", "watch", "variant",
)  # fmt: skip


def _load_causes(
    directory: Path, sources: Mapping[str, Source], questions: tuple[Question, ...], body: Question | None
) -> tuple[Cause, ...]:
    reader = _Reader(directory, "causes.toml")
    reader.keys(reader.data, ("cause",), "")
    by_id = {q.id: q for q in questions}
    causes = []
    for index, raw in enumerate(reader.tables(reader.data, "cause", "cause")):
        at = f"cause[{index}]"
        reader.keys(raw, _CAUSE_KEYS, at)
        organs = reader.organs(raw, "organs", at)
        not_organs = reader.organs(raw, "not_organs", at)
        requires: list[Condition] = []
        if body is not None and organs:
            requires.append(_organ_condition(body, organs))
        if body is not None and not_organs:
            requires.append(Condition(body.id, frozenset(o.id for o in body.options if not o.organs & not_organs)))
        evidence = []
        for e_index, raw_evidence in enumerate(reader.tables(raw, "evidence", f"{at}.evidence")):
            e_at = f"{at}.evidence[{e_index}]"
            reader.keys(raw_evidence, ("question", "any_of", "weight"), e_at)
            condition = Condition(
                reader.ident(raw_evidence, "question", e_at), frozenset(reader.texts(raw_evidence, "any_of", e_at))
            )
            _check_condition(reader, e_at, condition, by_id)
            weight = reader.integer(raw_evidence, "weight", e_at)
            if weight <= 0:
                raise reader.fail(f"{e_at}.weight", "a weight must be a positive whole number (answers only ever "
                                                     "make a cause more likely)")  # fmt: skip
            evidence.append(Evidence(condition.question, condition.any_of, weight))
        self_care = []
        for s_index, item in enumerate(reader.tables(raw, "self_care", f"{at}.self_care")):
            s_at = f"{at}.self_care[{s_index}]"
            reader.keys(item, ("text", "unless"), s_at)
            unless = reader.conditions(item, "unless", s_at)
            _check_against_questions(reader, s_at, unless, by_id, "unless", None)
            care = SelfCare(reader.text(item, "text", s_at), unless)
            _check_timing(reader, f"{s_at}.text", care.text)
            self_care.append(care)
        level = reader.level(raw, "level", at)
        watch = reader.watch(raw, at)
        for w_index, item in enumerate(watch):
            _check_watch(reader, f"{at}.watch[{w_index}]", item, level, by_id)
        variants = []
        for v_index, item in enumerate(reader.tables(raw, "variant", f"{at}.variant", required=False)):
            v_at = f"{at}.variant[{v_index}]"
            reader.keys(item, ("only_organs", "explanation", "who_can_help"), v_at)
            variant = Variant(
                reader.organs(item, "only_organs", v_at),
                reader.text(item, "explanation", v_at, required=False),
                reader.text(item, "who_can_help", v_at, required=False),
            )
            if not variant.only_organs:
                raise reader.fail(f"{v_at}.only_organs", "a variant names the organs it is written for")
            _check_timing(reader, f"{v_at}.who_can_help", variant.who_can_help)
            variants.append(variant)
        cause = Cause(
            id=reader.ident(raw, "id", at),
            name=reader.text(raw, "name", at),
            explanation=reader.text(raw, "explanation", at),
            self_care=tuple(self_care),
            who_can_help=reader.text(raw, "who_can_help", at),
            level=level,
            requires=tuple(requires),
            evidence=tuple(evidence),
            sources=reader.source_refs(raw, at, sources),
            watch=watch,
            variants=tuple(variants),
            organs=organs,
            not_organs=not_organs,
        )
        _check_timing(reader, f"{at}.who_can_help", cause.who_can_help)
        causes.append(cause)
    reader.unique(((f"cause[{i}].id", c.id) for i, c in enumerate(causes)), "cause")
    return tuple(causes)


def _load_notices(directory: Path, sources: Mapping[str, Source]) -> tuple[Notice, ...]:
    reader = _Reader(directory, "notices.toml")
    reader.keys(reader.data, ("notice",), "")
    notices = []
    for index, raw in enumerate(reader.tables(reader.data, "notice", "notice")):
        at = f"notice[{index}]"
        reader.keys(raw, ("id", "text", "details", "sources"), at)
        notices.append(
            Notice(
                reader.ident(raw, "id", at),
                reader.text(raw, "text", at),
                reader.text(raw, "details", at),
                reader.source_refs(raw, at, sources),
            )
        )
    reader.unique(((f"notice[{i}].id", n.id) for i, n in enumerate(notices)), "notice")
    return tuple(notices)


__all__ = [
    "COMMAND_IDS",
    "GENDER_WORDS",
    "ORGANS",
    "PHRASE_FIELDS",
    "Cause",
    "Command",
    "Condition",
    "Content",
    "Evidence",
    "Notice",
    "Option",
    "Question",
    "RedFlag",
    "RedFlagRule",
    "SelfCare",
    "Source",
    "UrgencyText",
    "Variant",
    "Watch",
    "default_prompts_dir",
    "load_content",
    "normalize_phrase",
]
