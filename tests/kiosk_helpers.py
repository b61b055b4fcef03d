"""Helpers for kiosk, soak and privacy tests: scripted people, and a front end that records what a session saw.

person = scripted_person(content, rng(7))
person.lines            # what the person types, Enter to start through "stop" at the end
person.answers          # question id -> option id they gave
person.assessment       # what the guide must tell them (computed directly by the triage)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from voice_guide.asr import Transcript
from voice_guide.content import Content
from voice_guide.dialog import Ask, Dialog, Event, Mode, Result, State
from voice_guide.errors import AudioError
from voice_guide.flow import emergency_reached
from voice_guide.session import Frontend, Heard
from voice_guide.triage import Assessment, assess


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
    assessment = assess(content, answers, complete=not emergency_reached(content, answers))
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
        self.inner.show(events)

    def listen(self, dialog: Dialog) -> Heard:
        if self.log.answers_at_start is None:
            self.log.answers_at_start = dialog.answers
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
