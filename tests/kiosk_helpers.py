"""Helpers for kiosk, soak and privacy tests: scripted people, and a front end that records what a session saw.

person = scripted_person(content, rng(7))
person.lines            # what the person types, Enter to start through "stop" at the end
person.answers          # question id -> option id they gave
person.assessment       # what the guide must tell them (computed directly by the triage)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voice_guide.content import Content, Option, Question
from voice_guide.dialog import Ask, CheckAnswers, Confirm, Dialog, Event, Mode, Result, State
from voice_guide.questionnaire import state
from voice_guide.session import Frontend, Heard
from voice_guide.speech.microphone import Completeness
from voice_guide.triage import Assessment


def rng(seed: int) -> random.Random:
    """A seeded random generator: reproducible test data."""
    return random.Random(seed)  # noqa: S311 - test data, not security


@dataclass(frozen=True)
class Person:
    """One scripted visitor to the kiosk."""

    lines: tuple[str, ...]
    """What they type: "" (Enter) to start, one answer per question, then "repeat" (sometimes) and "stop"."""
    answers: dict[str, str]
    """The answers they give (question id -> option id)."""
    assessment: Assessment
    """The assessment those answers lead to."""
    said: tuple[str, ...]
    """What they say, in order, to reach the result by voice (for a voice script)."""


def scripted_person(content: Content, rng: random.Random, *, repeat: bool = False) -> Person:
    """A person who answers with random options (by their text) and stops after the result.

    Warning-sign questions are mostly answered "no", so that most people go through the whole questionnaire and
    some stop early at an emergency. An answer that is read back ("I heard: Womb. Is that right?") is confirmed
    with "yes"; by voice, so is the check of the warning signs answered "no" before the result.
    """
    dialog = Dialog(content, Mode.KEYBOARD)
    events = dialog.start()
    typed: list[str] = []
    chosen: dict[str, str] = {}
    while dialog.state is not State.RESULT:
        question = dialog.question
        if dialog.state is State.CONFIRMING_ANSWER:
            typed.append("yes")
            events = dialog.hear("yes")
            continue
        if question is None or dialog.state is not State.ASKING:
            raise AssertionError(f"unexpected dialog state {dialog.state}")
        options = question.options
        if question.red_flag and rng.random() < 0.9:
            options = tuple(o for o in options if o.id == "no") or options
        option = rng.choice(options)
        chosen[question.id] = option.text
        typed.append(option.text)
        events = dialog.hear(option.text)
    assert any(isinstance(e, Result) for e in events)
    answers = dialog.answers
    assessment = state(content, answers).assessment
    ending = ("repeat", "stop") if repeat else ("stop",)
    return Person(("", *typed, *ending), answers, assessment, tuple(_spoken(content, chosen)))


def _spoken(content: Content, chosen: dict[str, str]) -> list[str]:
    """What the person says by voice to give the ``chosen`` answers (question id -> option text): the same
    answers, "yes" to read-backs, and "yes" to the check of the warning signs answered "no"."""
    dialog = Dialog(content, Mode.VOICE)
    dialog.start()
    said: list[str] = []
    while dialog.state is not State.RESULT:
        if dialog.state in (State.CONFIRMING_ANSWER, State.CHECKING):
            said.append("yes")
        elif dialog.state is State.ASKING and dialog.question is not None:
            said.append(chosen[dialog.question.id])
        else:
            raise AssertionError(f"unexpected dialog state {dialog.state}")
        dialog.hear(said[-1].lower())
    return said


@dataclass
class SessionLog:
    """What one session showed, as seen by a :class:`RecordingFrontend` (kept by the test, not by the kiosk)."""

    answers_at_start: dict[str, str] | None = None
    """``dialog.answers`` at the first turn: must be empty for a new person."""
    first_ask: Ask | None = None
    results: list[Assessment] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    confirming: Option | None = None
    """The answer the guide last asked to confirm ("I heard: yes. Is that right?")."""
    answers_at_result: dict[str, str] | None = None
    """``dialog.answers`` when the result was reached (what the guide understood)."""
    state: State | None = None
    """The dialog's state at the latest turn."""
    question: Question | None = None
    """The question being asked (or confirmed) at the latest turn."""
    answers: dict[str, str] = field(default_factory=dict)
    """``dialog.answers`` at the latest turn."""
    pending_command: str | None = None
    """The command being asked about at the latest turn ("Do you want to stop now ...?")."""
    checking: tuple[Question, ...] = ()
    """The warning-sign questions answered "no" that the guide last read back before the result."""


class RecordingFrontend:
    """Wraps a front end and records, for the test, what the session showed."""

    def __init__(self, inner: Frontend, log: SessionLog) -> None:
        self.inner = inner
        self.log = log
        self.mode = inner.mode

    @property
    def speaks(self) -> bool:
        return self.inner.speaks

    def show(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, Ask) and self.log.first_ask is None:
                self.log.first_ask = event
            if isinstance(event, Result):
                self.log.results.append(event.assessment)
            if isinstance(event, Confirm):
                self.log.confirming = event.option
            if isinstance(event, CheckAnswers):
                self.log.checking = event.questions
        self.inner.show(events)

    def listen(self, dialog: Dialog) -> Heard:
        if self.log.answers_at_start is None:
            self.log.answers_at_start = dialog.answers
        if dialog.state is State.RESULT and self.log.answers_at_result is None:
            self.log.answers_at_result = dialog.answers
        self.log.state = dialog.state
        self.log.question = dialog.question
        self.log.answers = dialog.answers
        self.log.pending_command = dialog.pending_command
        return self.inner.listen(dialog)

    def notice(self, text: str) -> None:
        self.log.notices.append(text)
        self.inner.notice(text)


# ---- a spoken person: answers read from WAV files of synthesized speech ----


class SpokenPerson:
    """A listener that answers like ``person``: each turn, the WAV file of the answer to the question being asked.

    It follows the session through ``log`` (kept up to date by a RecordingFrontend): the person's own answer to the
    current question, "yes" / "no" when the guide reads an answer back or checks the answers, "no" to a command it did
    not give, and "stop" after the result. Each utterance goes
    through the real ``WavFileListener`` (voice_guide.speech.microphone; WAV decoding included); ``wav_for(phrase,
    voice)`` gives the file
    of ``phrase`` said in the person's ``voice`` (an index). ``max_turns`` stops a session that loops.
    """

    def __init__(
        self,
        content: Content,
        person: Person,
        log: SessionLog,
        wav_for: Callable[[str, int], Path],
        voice: int = 0,
        max_turns: int = 80,
    ) -> None:
        self.content_confirm = content.confirm_options
        self.person = person
        self.log = log
        self.wav_for = wav_for
        self.voice = voice
        self.max_turns = max_turns
        self.turns = 0
        self._asked: dict[tuple[str, State | None, str], int] = {}

    def _option(self) -> Option | None:
        """What to answer now: the person's own option, yes or no to a confirmation; None (stop) after the result."""
        state, question = self.log.state, self.log.question
        confirm = {o.id: o for o in self.content_confirm}
        if state is State.CONFIRMING_COMMAND:  # only "stop" after the result was meant
            meant = self.log.pending_command == "quit" and self.log.answers_at_result is not None
            return confirm["yes" if meant else "no"]
        if state is State.CHECKING:
            right = all(self.person.answers.get(q.id) == self.log.answers.get(q.id) for q in self.log.checking)
            return confirm["yes" if right else "no"]
        if state is State.RESULT or question is None:
            return None
        if question.id in self.person.answers:
            wanted = question.option(self.person.answers[question.id])
        else:  # an earlier answer was misheard, so the guide went another way: the person is not sure
            wanted = next((o for o in question.options if o.id == "not_sure"), question.options[0])
        if state is State.CONFIRMING_ANSWER:
            return confirm["yes" if self.log.confirming == wanted else "no"]
        return wanted

    def _phrase(self, option: Option | None) -> str:
        """The longest phrasing first ("no I don't" before "no"); others when asked again at the same question."""
        if option is None:
            return "stop"
        phrases = sorted(option.phrases, key=lambda p: -len(p.split()))
        key = (self.log.question.id if self.log.question else "", self.log.state, option.id)
        attempt = self._asked.get(key, 0)
        self._asked[key] = attempt + 1
        return phrases[attempt % len(phrases)]

    def listen(self, complete: Completeness | None = None) -> npt.NDArray[np.int16] | None:
        from voice_guide.speech.microphone import WavFileListener

        self.turns += 1
        if self.turns > self.max_turns:
            raise EOFError
        option = self._option()
        phrase = self._phrase(option)
        return WavFileListener([self.wav_for(phrase, self.voice)]).listen()
