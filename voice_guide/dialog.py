"""The conversation: one state machine for every front end (keyboard, voice, kiosk, WAV files).

A front end calls :meth:`Dialog.start`, then feeds each thing heard or typed to :meth:`Dialog.hear` (or
:meth:`Dialog.silence` when nothing was heard) and renders the events it gets back. The dialog owns the answers and
the current question; front ends own only input and output. It never does I/O itself.

States::

    ASKING --option (sure)--> ASKING next question ... --> RESULT --quit--> ENDED
       |  \\--option (unsure)--> CONFIRMING --yes--> (as accepted)  --no--> ASKING same question
       \\--emergency red flag--> RESULT (at once)
    Commands work in every state: repeat, slower, faster, help, back, restart, quit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from voice_guide.content import Command, Content, Option, Question
from voice_guide.matcher import CommandMatch, Decision, Match, Matcher, NoMatch, OptionMatch
from voice_guide.questionnaire import state
from voice_guide.triage import Assessment

MAX_FAILURES = 3
"""Consecutive misunderstandings at one question before the keyboard is offered."""


class Mode(Enum):
    """How the person answers; decides the instructions given and whether typed numbers count."""

    VOICE = "voice"
    KEYBOARD = "keyboard"


class State(Enum):
    """Where the conversation is."""

    ASKING = "asking"
    CONFIRMING = "confirming"
    RESULT = "result"
    ENDED = "ended"


class SayKind(Enum):
    """What a piece of text is, so front ends can present it (e.g. a screen reader heading, a pause)."""

    INFO = "info"
    READBACK = "readback"
    PROBLEM = "problem"
    WARNING = "warning"


@dataclass(frozen=True)
class Say:
    """Text to speak and/or print."""

    text: str
    kind: SayKind = SayKind.INFO


@dataclass(frozen=True)
class Ask:
    """Ask a question. Front ends render the options (numbered on screen, read out by voice when asked to)."""

    question: Question
    number: int
    """1-based number of this question among those asked."""
    total: int
    """Estimated number of questions in all (it shrinks as answers rule questions out)."""
    read_options: bool
    """Whether a voice front end should read the options out (first time, or after a problem)."""
    again: bool = False
    """True when the same question is asked again (after a problem, repeat, help or going back)."""


@dataclass(frozen=True)
class Confirm:
    """Ask whether an unsure match was right; the person answers with ``Dialog.expected_options``."""

    question: Question
    option: Option


@dataclass(frozen=True)
class ConfirmCommand:
    """Ask whether the person meant a spoken command before carrying it out ("Do you want to stop now ...?"): one the
    recognizer was unsure it heard, or one that loses every answer (see :func:`asks_before`)."""

    command: Command


@dataclass(frozen=True)
class Result:
    """The questionnaire is over: present the assessment."""

    assessment: Assessment


@dataclass(frozen=True)
class ChangeRate:
    """Speak faster (+1) or slower (-1) from now on."""

    step: int


@dataclass(frozen=True)
class OfferKeyboard:
    """Several answers in a row were not understood: a voice front end should offer typing instead."""


@dataclass(frozen=True)
class SwitchToKeyboard:
    """The person asked to type instead of speaking: the session continues on the keyboard, answers kept."""


@dataclass(frozen=True)
class End:
    """The conversation is over."""

    completed: bool
    """True when the person had reached their result."""


Event = Say | Ask | Confirm | ConfirmCommand | Result | ChangeRate | OfferKeyboard | SwitchToKeyboard | End


class Dialog:
    """The state machine. Create one per person; :meth:`reset` clears everything for the next one."""

    def __init__(self, content: Content, mode: Mode, matcher: Matcher | None = None) -> None:
        self.content = content
        self.mode = mode
        self.matcher = matcher or Matcher(content)
        self._answers: dict[str, str] = {}
        self._state = State.ASKING
        self._question: Question | None = None
        self._pending: Option | None = None
        self._pending_command: str | None = None
        """A spoken command waiting for a yes or no (state CONFIRMING); see :func:`asks_before`."""
        self._resume: State = State.ASKING
        """The state to return to once a doubted command is confirmed or denied."""
        self._failures = 0
        self._asked_before: set[str] = set()
        self._assessment: Assessment | None = None

    # ---- what front ends may read --------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def answers(self) -> dict[str, str]:
        """A copy of the answers so far (question id -> option id), in the order given."""
        return dict(self._answers)

    @property
    def question(self) -> Question | None:
        """The question being asked or confirmed (None once the result is given)."""
        return self._question

    @property
    def expected_options(self) -> tuple[Option, ...]:
        """What can be answered now, besides commands (for recognizer grammars)."""
        if self._state is State.CONFIRMING:
            return self.content.confirm_options
        if self._state is State.ASKING and self._question is not None:
            return self._question.options
        return ()

    @property
    def pending(self) -> Option | None:
        """The answer waiting for confirmation ("I heard: yes. Is that right?"), if any."""
        return self._pending if self._state is State.CONFIRMING else None

    @property
    def pending_command(self) -> str | None:
        """The command waiting for confirmation ("Do you want to stop now ...?"), if any."""
        return self._pending_command if self._state is State.CONFIRMING else None

    @property
    def assessment(self) -> Assessment | None:
        """The result, once reached."""
        return self._assessment

    # ---- driving it ----------------------------------------------------------------------------------------

    def start(self, answers: dict[str, str] | None = None) -> list[Event]:
        """Greet and ask the first question; ``answers`` resumes with answers already given (e.g. from voice)."""
        self.reset()
        phrase = self.content.phrase
        how = "how_to_answer_voice" if self.mode is Mode.VOICE else "how_to_answer_keyboard"
        events: list[Event] = []
        if answers:
            self._answers.update(answers)
            self._asked_before.update(answers)
        else:
            events += [
                Say(phrase("welcome")),
                Say(phrase("disclaimer")),
                Say(phrase("emergency_first"), SayKind.WARNING),
            ]
        events.append(Say(phrase(how)))
        return events + self._advance()

    def resume(self, answers: dict[str, str], mode: Mode) -> list[Event]:
        """Switch mode (e.g. voice to keyboard) keeping every answer, and ask the current question again."""
        self.mode = mode
        return self.start(answers)

    def reset(self) -> None:
        """Forget everything about the current person."""
        self._answers.clear()
        self._asked_before.clear()
        self._state = State.ASKING
        self._question = None
        self._pending = None
        self._pending_command = None
        self._failures = 0
        self._assessment = None

    def silence(self) -> list[Event]:
        """Nothing was heard (voice) or an empty line was typed."""
        if self._state is State.ENDED:
            return []
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        return self._not_understood(self.content.phrase("no_input"))

    def not_understood(self) -> list[Event]:
        """Something was heard but none of it could be used (e.g. speech outside the grammar)."""
        if self._state is State.ENDED:
            return []
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        return self._not_understood(self.content.phrase("not_understood"))

    def hear(self, heard: str, *, sure: bool = True) -> list[Event]:
        """Handle one thing heard or typed.

        ``sure=False`` says the recognizer itself doubts what it heard: an answer is read back for confirmation
        (:func:`doubted`), and a command that would change anything is asked about ("Do you want to stop now ...?",
        :func:`asks_before`, which also covers spoken stop, start over and keyboard however clearly heard).
        """
        if self._state is State.ENDED:
            return []
        if not heard.strip():
            return self.silence()
        match = self.matcher.match(heard, self.expected_options, allow_digits=self.mode is Mode.KEYBOARD)
        if self._state is not State.CONFIRMING and isinstance(match, CommandMatch):
            spoken = self.mode is Mode.VOICE
            if asks_before(match, sure=sure, spoken=spoken, at_result=self._state is State.RESULT):
                return self._confirm_command(match.command)
        if not sure and self._state is not State.CONFIRMING:
            match = doubted(match)
        if isinstance(match, CommandMatch):
            if self._pending_command is not None and match.command not in HARMLESS_COMMANDS:
                self._drop_pending_command()  # another command, said clearly, replaces the one being asked about
            return self.command(match.command)
        if self._pending_command is not None and self._state is State.CONFIRMING and isinstance(match, OptionMatch):
            return self._command_confirmed(match)
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        if isinstance(match, NoMatch):
            return self.not_understood()
        if self._state is State.CONFIRMING:
            return self._confirmed(match)
        if match.decision is Decision.CONFIRM:
            return self._confirm(match)
        return self._accept(match.option)

    def command(self, command: str) -> list[Event]:
        """Carry out a command (also used by front ends, e.g. a kiosk's own keys)."""
        phrase = self.content.phrase
        if command == "quit":
            completed = self._state is State.RESULT
            self.reset()
            self._state = State.ENDED
            return [Say(phrase("goodbye")), End(completed)]
        if command == "restart":
            self.reset()
            return [Say(phrase("restarted")), *self._advance()]
        if command == "back":
            return self._back()
        if command == "keyboard":
            if self.mode is Mode.KEYBOARD:
                return [Say(phrase("already_keyboard")), *self._repeat(read_options=False)]
            return [SwitchToKeyboard()]
        if command in ("slower", "faster"):
            if self.mode is not Mode.VOICE:
                return [Say(phrase("rate_only_voice")), *self._repeat(read_options=False)]
            step = 1 if command == "faster" else -1
            return [ChangeRate(step), Say(phrase(command)), *self._repeat(read_options=False)]
        if command == "help":
            events: list[Event] = [Say(phrase("help"))]
            if self._question is not None and self._question.help and self._state is State.ASKING:
                events.append(Say(self._question.help))
            return events + self._repeat(read_options=True)
        return self._repeat(read_options=True)  # repeat

    # ---- internals -----------------------------------------------------------------------------------------

    def _advance(self) -> list[Event]:
        """Ask the next question, or give the result when there is none."""
        self._pending = None
        self._failures = 0
        question = state(self.content, self._answers).next_question
        if question is None:
            return self._finish()
        self._state = State.ASKING
        self._question = question
        first_time = question.id not in self._asked_before
        self._asked_before.add(question.id)
        return [self._ask(question, read_options=first_time, again=False)]

    def _ask(self, question: Question, *, read_options: bool, again: bool = True) -> Ask:
        current = state(self.content, self._answers)
        return Ask(question, current.number, current.total, read_options, again)

    def _repeat(self, *, read_options: bool) -> list[Event]:
        if self._state is State.RESULT and self._assessment is not None:
            return [Result(self._assessment), Say(self.content.phrase("result_after"))]
        if self._state is State.CONFIRMING and self._pending_command is not None:
            return [ConfirmCommand(self.content.command(self._pending_command))]
        if self._state is State.CONFIRMING and self._question is not None and self._pending is not None:
            return [Confirm(self._question, self._pending)]
        if self._question is not None:
            return [self._ask(self._question, read_options=read_options)]
        return []

    def _finish(self) -> list[Event]:
        current = state(self.content, self._answers)
        stopped = current.stopped
        self._assessment = current.assessment
        self._state = State.RESULT
        self._question = None
        events: list[Event] = []
        if stopped:
            events.append(Say(self.content.phrase("emergency_stop"), SayKind.WARNING))
        return [*events, Result(self._assessment), Say(self.content.phrase("result_after"))]

    def _accept(self, option: Option) -> list[Event]:
        question = self._question
        if question is None:  # pragma: no cover - only reachable through misuse
            raise RuntimeError("no question is being asked")
        self._answers[question.id] = option.id
        readback = self.content.phrase("readback", answer=option.text, topic=question.topic)
        return [Say(readback, SayKind.READBACK), *self._advance()]

    def _confirm(self, match: OptionMatch) -> list[Event]:
        if self._question is None:  # pragma: no cover - only reachable through misuse
            raise RuntimeError("no question is being asked")
        self._state = State.CONFIRMING
        self._pending = match.option
        return [Confirm(self._question, match.option)]

    def _confirmed(self, match: OptionMatch) -> list[Event]:
        pending = self._pending
        self._state = State.ASKING
        self._pending = None
        if pending is not None and match.option.id == "yes" and match.decision is Decision.ACCEPT:
            return self._accept(pending)
        if match.option.id == "yes":
            # An unsure "yes" to "is that right?" is not enough: ask the question itself again.
            return self._not_understood(self.content.phrase("not_understood"))
        return [Say(self.content.phrase("not_confirmed")), *self._repeat(read_options=True)]

    def _confirm_command(self, command: str) -> list[Event]:
        self._resume = self._state
        self._state = State.CONFIRMING
        self._pending_command = command
        return [ConfirmCommand(self.content.command(command))]

    def _drop_pending_command(self) -> None:
        self._pending_command = None
        self._state = self._resume

    def _command_confirmed(self, match: OptionMatch) -> list[Event]:
        command = self._pending_command
        self._drop_pending_command()
        if command is not None and match.option.id == "yes" and match.decision is Decision.ACCEPT:
            return self.command(command)
        # "No", or an unsure "yes": nothing changes, and the question (or the result's prompt) comes again.
        events: list[Event] = [Say(self.content.phrase("not_confirmed_command"))]
        if self._state is State.RESULT:
            return [*events, Say(self.content.phrase("result_after"))]
        return [*events, *self._repeat(read_options=False)]

    def _not_understood(self, text: str) -> list[Event]:
        self._failures += 1
        events: list[Event] = [Say(text, SayKind.PROBLEM)]
        if self._state is State.CONFIRMING:
            events.append(Say(self.content.phrase("confirm_options")))
            events.extend(self._repeat(read_options=True))
        else:
            events.extend(self._repeat(read_options=True))
        if self._failures >= MAX_FAILURES and self.mode is Mode.VOICE:
            self._failures = 0
            events.append(OfferKeyboard())
        return events

    def _back(self) -> list[Event]:
        self._pending = None
        self._pending_command = None
        if self._state is State.CONFIRMING:
            self._state = State.ASKING  # the answer being confirmed is dropped, not kept waiting for a yes or no
        if not self._answers:
            return [Say(self.content.phrase("back_at_start")), *self._repeat(read_options=True)]
        last = next(reversed(self._answers))
        del self._answers[last]
        question = self.content.question(last)
        events: list[Event] = [Say(self.content.phrase("going_back", topic=question.topic))]
        self._assessment = None
        self._state = State.ASKING
        self._failures = 0
        self._question = question
        return [*events, self._ask(question, read_options=True)]


HARMLESS_COMMANDS = frozenset({"repeat", "help"})
"""Commands that only ask the question again: obeyed even when the recognizer doubts what it heard."""
ASKED_ALWAYS = frozenset({"quit", "restart", "keyboard"})
"""Spoken commands that lose every answer or leave voice: asked about even when heard clearly, until the result
(where "stop" is how a session ends). Typed commands are never asked about. In babble, the benchmark found "let me
type" and "I want to type" in other people's speech with posteriors near 1."""


def confirms_first(match: Match) -> bool:
    """Whether a doubted match is a command that changes something, to be asked about before it is carried out."""
    return isinstance(match, CommandMatch) and match.command not in HARMLESS_COMMANDS


def asks_before(match: Match, *, sure: bool, spoken: bool, at_result: bool) -> bool:
    """Whether a command is asked about ("Do you want to ...?") before it is carried out: a doubted one that changes
    something, and, spoken before the result, one that loses the answers or leaves voice (ASKED_ALWAYS)."""
    if not confirms_first(match):
        return False
    always = isinstance(match, CommandMatch) and match.command in ASKED_ALWAYS
    return not sure or (spoken and always and not at_result)


def doubted(match: Match) -> Match:
    """What a match becomes when the recognizer doubts the words it heard: an answer is read back for confirmation
    instead of being taken. (Commands are not changed here: repeat and help are obeyed, and the dialog asks about the
    others first, see :func:`asks_before`.)"""
    if isinstance(match, OptionMatch) and match.decision is Decision.ACCEPT:
        return dataclasses.replace(match, decision=Decision.CONFIRM)
    return match


def options_text(content: Content, options: Sequence[Option]) -> str:
    """ "Yes, No, or Not sure": the options joined for speaking."""
    texts = [o.text for o in options]
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])}, {content.phrase('or')} {texts[-1]}"
