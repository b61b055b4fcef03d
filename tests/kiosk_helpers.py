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

from voice_guide.asr import Transcript
from voice_guide.content import Content, Option, Question
from voice_guide.dialog import Ask, Confirm, Dialog, Event, Mode, Result, State
from voice_guide.errors import AudioError
from voice_guide.questionnaire import state
from voice_guide.session import Frontend, Heard
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
    """The option texts they say, in order (for a voice script)."""


def scripted_person(content: Content, rng: random.Random, *, repeat: bool = False) -> Person:
    """A person who answers with random options (by their text) and stops after the result.

    Warning-sign questions are mostly answered "no", so that most people go through the whole questionnaire and
    some stop early at an emergency.
    """
    dialog = Dialog(content, Mode.KEYBOARD)
    events = dialog.start()
    said: list[str] = []
    while dialog.state is not State.RESULT:
        question = dialog.question
        if question is None or dialog.state is not State.ASKING:
            raise AssertionError(f"unexpected dialog state {dialog.state}")
        options = question.options
        if question.red_flag and rng.random() < 0.9:
            options = tuple(o for o in options if o.id == "no") or options
        option = rng.choice(options)
        said.append(option.text)
        events = dialog.hear(option.text)
    assert any(isinstance(e, Result) for e in events)
    answers = dialog.answers
    assessment = state(content, answers).assessment
    ending = ("repeat", "stop") if repeat else ("stop",)
    return Person(("", *said, *ending), answers, assessment, tuple(said))


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


class RecordingFrontend:
    """Wraps a front end and records, for the test, what the session showed."""

    def __init__(self, inner: Frontend, log: SessionLog) -> None:
        self.inner = inner
        self.log = log
        self.mode = inner.mode

    def show(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, Ask) and self.log.first_ask is None:
                self.log.first_ask = event
            if isinstance(event, Result):
                self.log.results.append(event.assessment)
            if isinstance(event, Confirm):
                self.log.confirming = event.option
        self.inner.show(events)

    def listen(self, dialog: Dialog) -> Heard:
        if self.log.answers_at_start is None:
            self.log.answers_at_start = dialog.answers
        if dialog.state is State.RESULT and self.log.answers_at_result is None:
            self.log.answers_at_result = dialog.answers
        self.log.state = dialog.state
        self.log.question = dialog.question
        return self.inner.listen(dialog)

    def notice(self, text: str) -> None:
        self.log.notices.append(text)
        self.inner.notice(text)


# ---- a scripted voice: utterances are text, recognized by echoing it back ----

FAIL = "<device gone>"


class ScriptedListener:
    """Each utterance is text encoded as samples; None is silence; FAIL raises AudioError."""

    def __init__(self, script: Sequence[str | None]) -> None:
        self.script = list(script)

    def listen(self) -> npt.NDArray[np.int16] | None:
        if not self.script:
            raise EOFError
        item = self.script.pop(0)
        if item == FAIL:
            raise AudioError("The microphone stopped working.")
        if item is None:
            return None
        data = item.encode()
        return np.frombuffer(data + b" " * (len(data) % 2), dtype=np.int16).copy()


class EchoRecognizer:
    name = "echo"

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        text = audio.tobytes().decode().strip()
        return Transcript(text if text in phrases or any(p in text.split() for p in phrases) else "")

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        return set()


class SilentSpeaker:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def faster(self) -> None:
        """Not needed here."""

    def slower(self) -> None:
        """Not needed here."""


# ---- a spoken person: answers read from WAV files of synthesized speech ----


class SpokenPerson:
    """A listener that answers like ``person``: each turn, the WAV file of the answer to the question being asked.

    It follows the session through ``log`` (kept up to date by a RecordingFrontend): the person's own answer to the
    current question, "yes" / "no" when the guide asks to confirm, and "stop" after the result. Each utterance goes
    through the real ``voice.WavFileListener`` (WAV decoding included); ``wav_for(phrase, voice)`` gives the file
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
        if state is State.RESULT or question is None:
            return None
        if question.id in self.person.answers:
            wanted = question.option(self.person.answers[question.id])
        else:  # an earlier answer was misheard, so the guide went another way: the person is not sure
            wanted = next((o for o in question.options if o.id == "not_sure"), question.options[0])
        if state is State.CONFIRMING:
            confirm = {o.id: o for o in self.content_confirm}
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

    def listen(self) -> npt.NDArray[np.int16] | None:
        from voice_guide.voice import WavFileListener

        self.turns += 1
        if self.turns > self.max_turns:
            raise EOFError
        option = self._option()
        phrase = self._phrase(option)
        return WavFileListener([self.wav_for(phrase, self.voice)]).listen()
