"""Fakes for every stage's interface, shipped with the guide (as httpx ships ``MockTransport``): the guide's own
tests use them, and so can anyone embedding the guide.

- :class:`ScriptedListener` (a :class:`~voice_guide.speech.microphone.Listener`): each utterance is a string of
  words standing for the audio (``utterance("no")``), ``None`` is a silent turn, :data:`DEVICE_GONE` raises the
  error an unplugged microphone raises, and the end of the script is the end of input.
- :class:`EchoRecognizer` (a :class:`~voice_guide.engines.base.Recognizer`): hears exactly the words a scripted
  utterance stands for, as a closed-set recognizer would: one of the phrases on offer, or nothing ("?" or any
  other words outside the grammar). It keeps every grammar it was given.
- :class:`RecordingSpeaker` (a :class:`~voice_guide.speech.speaker.Speaker`): remembers what it was told to say.
- :class:`ScriptedFrontend` (a :class:`~voice_guide.session.Frontend`): hears a fixed script and records what was
  shown and noticed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.errors import AudioError
from voice_guide.session import Heard, Typed
from voice_guide.speech.speaker import RATE_STEP, SpeechSettings, clamp_rate

if TYPE_CHECKING:
    from voice_guide.pcm import Samples
    from voice_guide.speech.microphone import Completeness

DEVICE_GONE = "<device gone>"
"""A script item that makes the listener fail as an unplugged microphone does."""

_MARK = b"\x00WORDS\x00"


def utterance(words: str) -> Samples:
    """Samples standing for ``words`` (only :class:`EchoRecognizer` can hear them)."""
    data = _MARK + words.encode()
    return np.frombuffer(data + b" " * (len(data) % 2), dtype=np.int16).copy()


def words_of(samples: Samples) -> str | None:
    """The words a scripted utterance stands for (None for real audio)."""
    data = samples.tobytes()
    if not data.startswith(_MARK):
        return None
    return data[len(_MARK) :].decode().strip()


class ScriptedListener:
    """Utterances from a script: words, ``None`` for silence, :data:`DEVICE_GONE` for a failing microphone."""

    def __init__(self, script: Sequence[str | None]) -> None:
        self.script = list(script)
        self.heard: list[str | None] = []
        """The script items listened to so far."""

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        if not self.script:
            raise EOFError
        item = self.script.pop(0)
        self.heard.append(item)
        if item == DEVICE_GONE:
            raise AudioError("The microphone stopped working.")
        return None if item is None else utterance(item)


class EchoRecognizer:
    """Hears the words of a scripted utterance: a phrase on offer (or the one phrase inside them), else nothing."""

    name = "echo"

    def __init__(self) -> None:
        self.grammars: list[tuple[str, ...]] = []
        """Every phrase set it was asked to recognize with, in order."""

    def recognize(self, audio: Samples, phrases: Sequence[str]) -> Transcript:
        self.grammars.append(tuple(phrases))
        words = words_of(audio) or ""
        if words in phrases:
            return Transcript(words, 1.0, (Hypothesis(words, 1.0),))
        tokens = words.split()
        inside = [p for p in phrases if _contains(tokens, p.split())]
        if len(inside) == 1:
            return Transcript(inside[0], 1.0, (Hypothesis(inside[0], 1.0),))
        return Transcript("", rejected=words)

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        return set()


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    return any(tokens[i : i + len(phrase)] == phrase for i in range(len(tokens) - len(phrase) + 1))


@dataclass
class RecordingSpeaker:
    """Remembers what was said, how often it was stopped, and the speaking rate."""

    rate: int = SpeechSettings.rate
    said: list[str] = field(default_factory=list)
    """Every text given to say(), in order."""
    stops: int = 0
    """How many times stop() was called."""

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        self.stops += 1

    def faster(self) -> int:
        self.rate = clamp_rate(self.rate + RATE_STEP)
        return self.rate

    def slower(self) -> int:
        self.rate = clamp_rate(self.rate - RATE_STEP)
        return self.rate


class ScriptedFrontend:
    """Hears a fixed script (Typed text, Unheard values, Recognized transcripts; a plain string is short for
    ``Typed(string)``, in either mode); records what was shown."""

    def __init__(self, script: Sequence[Heard | str], mode: Mode = Mode.KEYBOARD) -> None:
        self.script: list[Heard] = [Typed(item) if isinstance(item, str) else item for item in script]
        self.mode = mode
        self.speaks = mode is Mode.VOICE
        self.shown: list[Event] = []
        """Every event shown, in order."""
        self.notices: list[str] = []
        """Every notice given, in order."""

    def show(self, events: Sequence[Event]) -> None:
        self.shown.extend(events)

    def listen(self, dialog: Dialog) -> Heard:
        return self.script.pop(0) if self.script else None

    def notice(self, text: str) -> None:
        self.notices.append(text)
