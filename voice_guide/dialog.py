"""The conversation: one state machine for every front end (keyboard, voice, screen, kiosk, WAV files).

A front end calls :meth:`Dialog.start`, then feeds each thing typed or touched to :meth:`Dialog.hear_typed` (in
either mode), each recognizer transcript to :meth:`Dialog.hear_spoken` (or :meth:`Dialog.silence` when nothing was
heard), and renders the events it gets back. What a hearing means, and whether to trust it, is decided by
:mod:`voice_guide.understand` (one :class:`~voice_guide.understand.Decision` per turn); the dialog acts on it. The
dialog owns the answers and the current question; front ends own only input and output. It never does I/O itself.

States::

    ASKING --answer taken--> ASKING next question ... --> (voice) CHECKING --yes--> RESULT --stop--> ENDED
       |   \\--answer to read back--> CONFIRMING_ANSWER --yes--> (taken) --no--> ASKING the same question
       |   \\--command to ask about--> CONFIRMING_COMMAND --yes--> (carried out) --no--> back where it was
       \\--emergency red flag--> RESULT (at once)
    CHECKING: by voice, before the result, "You said no to ... Is that right?"; no -> those questions again.
    Commands work in every state (see understand.COMMAND_RULES for which are asked about first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from voice_guide.content import Command, Content, Option, Question
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.matcher import Matcher
from voice_guide.questionnaire import QuestionnaireState, forget, state
from voice_guide.triage import Assessment
from voice_guide.understand import COMMAND_RULES, Action, Decision, Turn, Understanding, Why

MAX_FAILURES = 3
"""Consecutive misunderstandings at one question before the keyboard is offered."""


class Mode(Enum):
    """How the person answers; decides the instructions given and whether typed numbers count."""

    VOICE = "voice"
    KEYBOARD = "keyboard"


class State(Enum):
    """Where the conversation is."""

    ASKING = "asking"
    """A question is being asked."""
    CONFIRMING_ANSWER = "confirming_answer"
    """An answer is being read back: "I heard: yes. Is that right?"."""
    CONFIRMING_COMMAND = "confirming_command"
    """A command is being asked about: "Do you want to stop now ...?"."""
    CHECKING = "checking"
    """By voice, before the result: the warning signs answered "no" are read back in one sentence."""
    RESULT = "result"
    ENDED = "ended"

    @property
    def confirming(self) -> bool:
        """Whether a yes or no is wanted."""
        return self in (State.CONFIRMING_ANSWER, State.CONFIRMING_COMMAND, State.CHECKING)


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
    """Read an answer back; the person answers yes or no (``content.confirm_options``)."""

    question: Question
    option: Option


@dataclass(frozen=True)
class ConfirmCommand:
    """Ask whether the person meant a spoken command before carrying it out ("Do you want to stop now ...?")."""

    command: Command


@dataclass(frozen=True)
class CheckAnswers:
    """Before the result, by voice: "You said no to numbness, ..., and fainting. Is that right?"."""

    questions: tuple[Question, ...]
    """The warning-sign questions answered with an answer that raises no warning sign, in the order asked."""


@dataclass(frozen=True)
class Result:
    """The questionnaire is over: present the assessment."""

    assessment: Assessment
    answers: tuple[tuple[str, str], ...] = ()
    """The answers it rests on, (question id, option id) in the order given: for a summary to take away."""


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


Event = (
    Say | Ask | Confirm | ConfirmCommand | CheckAnswers | Result | ChangeRate | OfferKeyboard | SwitchToKeyboard | End
)


class Dialog:
    """The state machine. Create one per person; :meth:`reset` clears everything for the next one."""

    def __init__(
        self,
        content: Content,
        mode: Mode,
        matcher: Matcher | None = None,
        understanding: Understanding | None = None,
    ) -> None:
        self.content = content
        self.mode = mode
        self.speaks = mode is Mode.VOICE
        """Whether the front end says the guide's words aloud (a keyboard or touch screen can too): then "faster"
        and "slower" change the speech; else they are answered with "rate_only_voice". The session sets it."""
        self.understanding = understanding or Understanding(content, matcher)
        self._answers: dict[str, str] = {}
        self._state = State.ASKING
        self._question: Question | None = None
        self._pending: Option | None = None
        """The answer being read back (CONFIRMING_ANSWER, or under a command being asked about)."""
        self._pending_command: str | None = None
        """The command being asked about (CONFIRMING_COMMAND)."""
        self._resume: State = State.ASKING
        """The state to return to once a command being asked about is confirmed or denied."""
        self._checked = False
        """Whether the warning signs answered "no" were already checked (CHECKING) for this person."""
        self._failures = 0
        self._asked_before: set[str] = set()
        self._assessment: Assessment | None = None
        self._commands: dict[str, Callable[[], list[Event]]] = {
            "quit": self._quit,
            "restart": self._restart,
            "back": self._back,
            "keyboard": self._keyboard,
            "slower": lambda: self._rate(-1),
            "faster": lambda: self._rate(+1),
            "help": self._help,
            "repeat": lambda: self._repeat(read_options=True),
        }
        if set(self._commands) != set(COMMAND_RULES):  # pragma: no cover - a programming error, caught by any test
            raise RuntimeError("every command needs a rule in understand.COMMAND_RULES and a handler here")

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
    def turn(self) -> Turn:
        """What can be said now (the context hearings are understood in)."""
        if self._state.confirming:
            return self.understanding.confirming(self._question if self._state is State.CONFIRMING_ANSWER else None)
        if self._state is State.ASKING and self._question is not None:
            return self.understanding.asking(self._question)
        return self.understanding.at_result()

    @property
    def expected_options(self) -> tuple[Option, ...]:
        """What can be answered now, besides commands."""
        return self.turn.options

    def phrases(self) -> tuple[str, ...]:
        """What can be said now: the grammar to constrain a recognizer to."""
        return self.understanding.phrases(self.turn)

    @property
    def pending(self) -> Option | None:
        """The answer waiting for confirmation ("I heard: yes. Is that right?"), if any."""
        return self._pending if self._state is State.CONFIRMING_ANSWER else None

    @property
    def pending_command(self) -> str | None:
        """The command waiting for confirmation ("Do you want to stop now ...?"), if any."""
        return self._pending_command if self._state is State.CONFIRMING_COMMAND else None

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
            # The safety line comes first: someone very unwell should not have to listen to anything else.
            events += [
                Say(phrase("emergency_first"), SayKind.WARNING),
                Say(phrase("welcome")),
                Say(phrase("disclaimer")),
            ]
        events.append(Say(phrase(how)))
        return events + self._advance()

    def resume(self, answers: dict[str, str], mode: Mode) -> list[Event]:
        """Switch mode (e.g. voice to keyboard) keeping every answer, and ask the current question again."""
        self.mode = mode
        return self.start(answers)

    def reset(self) -> None:
        """Forget everything about the current person."""
        forget()
        self._answers.clear()
        self._asked_before.clear()
        self._state = State.ASKING
        self._question = None
        self._pending = None
        self._pending_command = None
        self._resume = State.ASKING
        self._checked = False
        self._failures = 0
        self._assessment = None

    def silence(self) -> list[Event]:
        """Nothing was heard (voice) or an empty line was typed."""
        if self._state is State.ENDED:
            return []
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        return self._not_understood("no_input")

    def not_understood(self) -> list[Event]:
        """Something was heard but none of it could be used."""
        if self._state is State.ENDED:
            return []
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        return self._not_understood("not_understood")

    def hear(self, text: str) -> list[Event]:
        """Handle text as the mode's own input: typed (keyboard mode, :meth:`hear_typed`), or words heard with
        certainty (voice mode: a test or a caller that already knows what was said). Front ends do not use this:
        what they read from keys or touches goes to :meth:`hear_typed`, recognizer transcripts to
        :meth:`hear_spoken`."""
        if self.mode is Mode.KEYBOARD:
            return self.hear_typed(text)
        if self._state is State.ENDED:
            return []
        if not text.strip():
            return self.silence()
        return self.hear_spoken(Transcript(text, 1.0, (Hypothesis(text, 1.0),)))

    def hear_typed(self, text: str) -> list[Event]:
        """Handle what was typed or touched, in either mode, by the typed rules (typed numbers pick options,
        commands act at once): a key or a touch is deliberate, even while the guide listens for speech."""
        if self._state is State.ENDED:
            return []
        if not text.strip():
            return self.silence()
        return self.apply(self.understanding.typed(text, self.turn))

    def hear_spoken(self, transcript: Transcript) -> list[Event]:
        """Handle what a recognizer heard."""
        if self._state is State.ENDED:
            return []
        return self.apply(self.understanding.spoken(transcript, self.turn))

    def apply(self, decision: Decision) -> list[Event]:
        """Act on a decision made for the current turn (:attr:`turn`)."""
        if self._state is State.ENDED:
            return []
        if decision.action is Action.ASK_AGAIN:
            if Why.NO_SPEECH in decision.why:
                return self.silence()
            return self.not_understood()
        if decision.command is not None:
            if decision.action is Action.READ_BACK:
                return self._confirm_command(decision.command)
            if self._state is State.CONFIRMING_COMMAND and not COMMAND_RULES[decision.command].harmless:
                self._drop_pending_command()  # another command, taken as it is, replaces the one being asked about
            return self.command(decision.command)
        option = decision.option
        if option is None:  # pragma: no cover - a decision always has a meaning unless it asks again
            return self.not_understood()
        if self._state is State.CONFIRMING_COMMAND:
            return self._command_answered(yes=option.id == "yes")
        if self._state is State.CONFIRMING_ANSWER:
            return self._answer_confirmed(yes=option.id == "yes")
        if self._state is State.CHECKING:
            return self._check_answered(yes=option.id == "yes")
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        if decision.action is Action.READ_BACK:
            return self._confirm(option)
        return self._accept(option)

    def command(self, command: str) -> list[Event]:
        """Carry out a command (also used by front ends, e.g. a kiosk's own keys)."""
        return self._commands[command]()

    # ---- commands ------------------------------------------------------------------------------------------

    def _quit(self) -> list[Event]:
        completed = self._state is State.RESULT
        self.reset()
        self._state = State.ENDED
        return [Say(self.content.phrase("goodbye")), End(completed)]

    def _restart(self) -> list[Event]:
        self.reset()
        return [Say(self.content.phrase("restarted")), *self._advance()]

    def _keyboard(self) -> list[Event]:
        if self.mode is Mode.KEYBOARD:
            return [Say(self.content.phrase("already_keyboard")), *self._repeat(read_options=False)]
        return [SwitchToKeyboard()]

    def _rate(self, step: int) -> list[Event]:
        phrase = self.content.phrase
        if not self.speaks:
            return [Say(phrase("rate_only_voice")), *self._prompt_again()]
        return [ChangeRate(step), Say(phrase("faster" if step > 0 else "slower")), *self._prompt_again()]

    def _help(self) -> list[Event]:
        events: list[Event] = [Say(self.content.phrase("help"))]
        if self._question is not None and self._question.help and self._state is State.ASKING:
            events.append(Say(self._question.help))
        return events + self._prompt_again(read_options=True)

    def _back(self) -> list[Event]:
        self._pending = None
        self._pending_command = None
        if self._state.confirming:
            self._state = State.ASKING  # what was being confirmed is dropped, not kept waiting for a yes or no
        if not self._answers:
            return [Say(self.content.phrase("back_at_start")), *self._repeat(read_options=True)]
        last = next(reversed(self._answers))
        del self._answers[last]
        question = self.content.question(last)
        self._assessment = None
        self._state = State.ASKING
        self._failures = 0
        self._question = question
        going_back = Say(self.content.phrase("going_back", topic=question.topic))
        return [going_back, self._ask(question, read_options=True)]

    # ---- internals -----------------------------------------------------------------------------------------

    def _advance(self) -> list[Event]:
        """Ask the next question; when there is none, check the reassuring warning-sign answers, or give the result."""
        self._pending = None
        self._failures = 0
        current = state(self.content, self._answers)
        question = current.next_question
        if question is None:
            return self._before_result(current)
        self._state = State.ASKING
        self._question = question
        first_time = question.id not in self._asked_before
        self._asked_before.add(question.id)
        return [Ask(question, current.number, current.total, first_time, False)]

    def _ask(self, question: Question, *, read_options: bool, again: bool = True) -> Ask:
        current = state(self.content, self._answers)
        return Ask(question, current.number, current.total, read_options, again)

    def _repeat(self, *, read_options: bool) -> list[Event]:
        """Whatever is being asked, asked again (the whole result, at the result)."""
        if self._state is State.RESULT and self._assessment is not None:
            return [Result(self._assessment, tuple(self._answers.items())), Say(self.content.phrase("result_after"))]
        return self._prompt_again(read_options=read_options)

    def _prompt_again(self, *, read_options: bool = False) -> list[Event]:
        """The current prompt again; at the result only the list of what can be said (not the whole result)."""
        if self._state is State.RESULT:
            return [Say(self.content.phrase("result_after"))]
        if self._state is State.CONFIRMING_COMMAND and self._pending_command is not None:
            return [ConfirmCommand(self.content.command(self._pending_command))]
        if self._state is State.CONFIRMING_ANSWER and self._question is not None and self._pending is not None:
            return [Confirm(self._question, self._pending)]
        if self._state is State.CHECKING:
            return [CheckAnswers(self._reassured())]
        if self._question is not None:
            return [self._ask(self._question, read_options=read_options)]
        return []

    def _before_result(self, current: QuestionnaireState) -> list[Event]:
        if self.mode is Mode.VOICE and not self._checked and not current.stopped:
            reassured = self._reassured()
            if reassured:
                self._state = State.CHECKING
                self._question = None
                return [CheckAnswers(reassured)]
        return self._finish()

    def _reassured(self) -> tuple[Question, ...]:
        """The warning-sign questions answered with an answer that raises no warning sign, in the order asked."""
        return tuple(
            self.content.question(question_id)
            for question_id, option_id in self._answers.items()
            if self.understanding.is_reassuring(question_id, option_id)
        )

    def _check_answered(self, *, yes: bool) -> list[Event]:
        self._checked = True
        if yes:
            return self._finish()
        for question in self._reassured():
            del self._answers[question.id]
        return [Say(self.content.phrase("check_again")), *self._advance()]

    def _finish(self) -> list[Event]:
        current = state(self.content, self._answers)
        stopped = current.stopped
        self._assessment = current.assessment
        self._state = State.RESULT
        self._question = None
        events: list[Event] = []
        if stopped:
            events.append(Say(self.content.phrase("emergency_stop"), SayKind.WARNING))
        self._answers = dict(current.answers)  # what the result rests on: only the questions that were asked
        result = Result(self._assessment, tuple(self._answers.items()))
        return [*events, result, Say(self.content.phrase("result_after"))]

    def _accept(self, option: Option) -> list[Event]:
        question = self._question
        if question is None:  # pragma: no cover - only reachable through misuse
            raise RuntimeError("no question is being asked")
        self._answers[question.id] = option.id
        self._prune()
        readback = self.content.phrase("readback", answer=option.text, topic=question.topic)
        return [Say(readback, SayKind.READBACK), *self._advance()]

    def _prune(self) -> None:
        """Forget answers to questions that no longer apply after a changed answer (in the order asked)."""
        kept: dict[str, str] = {}
        for question_id, option_id in self._answers.items():
            if self.content.question(question_id).applies(kept):
                kept[question_id] = option_id
        if kept != self._answers:
            self._answers = kept

    def _confirm(self, option: Option) -> list[Event]:
        if self._question is None:  # pragma: no cover - only reachable through misuse
            raise RuntimeError("no question is being asked")
        self._state = State.CONFIRMING_ANSWER
        self._pending = option
        return [Confirm(self._question, option)]

    def _answer_confirmed(self, *, yes: bool) -> list[Event]:
        pending = self._pending
        self._state = State.ASKING
        self._pending = None
        if yes and pending is not None:
            return self._accept(pending)
        return [Say(self.content.phrase("not_confirmed")), *self._repeat(read_options=True)]

    def _confirm_command(self, command: str) -> list[Event]:
        if self._state is not State.CONFIRMING_COMMAND:
            self._resume = self._state
        self._state = State.CONFIRMING_COMMAND
        self._pending_command = command
        return [ConfirmCommand(self.content.command(command))]

    def _drop_pending_command(self) -> None:
        self._pending_command = None
        self._state = self._resume

    def _command_answered(self, *, yes: bool) -> list[Event]:
        command = self._pending_command
        self._drop_pending_command()
        if yes and command is not None:
            return self.command(command)
        # "No": nothing changes, and whatever was being asked comes again.
        return [Say(self.content.phrase("not_confirmed_command")), *self._prompt_again()]

    def _not_understood(self, key: str) -> list[Event]:
        typed = self.mode is Mode.KEYBOARD
        self._failures += 1
        events: list[Event] = [Say(self.content.phrase(f"{key}_typed" if typed else key), SayKind.PROBLEM)]
        if self._state.confirming:
            events.append(Say(self.content.phrase("confirm_options")))
        events.extend(self._prompt_again(read_options=True))
        if self._failures >= MAX_FAILURES and self.mode is Mode.VOICE:
            self._failures = 0
            events.append(OfferKeyboard())
        return events


def options_text(content: Content, options: Sequence[Option]) -> str:
    """ "Yes, No, or Not sure": the options joined for speaking."""
    texts = [o.text for o in options]
    if len(texts) == 1:
        return texts[0]
    return f"{', '.join(texts[:-1])}, {content.phrase('or')} {texts[-1]}"
