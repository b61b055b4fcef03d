"""The voice front end: speaks every event, listens for one utterance, recognizes it, hands the words to the dialog.

It plugs into the same :class:`~voice_guide.dialog.Dialog` and session loop as the keyboard. What it listens with is
a :class:`Listener` (the live microphone, or a list of WAV files: the same code path either way), what it speaks
with is a :class:`Speaker` (pyttsx3, or a printer), and the words are recognized by any
:class:`~voice_guide.asr.Recognizer`, constrained per question to what can be said there. Transcripts are kept in
memory for the current session only (for ``converse`` output); nothing is written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from voice_guide.asr import Recognizer, Transcript
from voice_guide.content import Content, Option
from voice_guide.dialog import ChangeRate, Dialog, Event, Mode
from voice_guide.matcher import CommandMatch, Matcher, OptionMatch
from voice_guide.render import printed_lines, spoken_text
from voice_guide.session import Heard, Unheard

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)


class Listener(Protocol):
    """Where utterances come from."""

    def listen(self) -> npt.NDArray[np.int16] | None:
        """One utterance (16 kHz mono int16); None when nobody spoke in time.

        Raises EOFError when there is no more input, and VoiceGuideError (AudioError) when the device fails.
        """


class Speaker(Protocol):
    """What speaks the guide's words."""

    def say(self, text: str) -> None:
        """Speak ``text`` and return when it has been spoken."""

    def faster(self) -> None:
        """Speak faster from now on."""

    def slower(self) -> None:
        """Speak more slowly from now on."""


@dataclass(frozen=True)
class Turn:
    """One thing the person said, as recognized (kept in memory for the session only)."""

    transcript: Transcript
    question: str | None
    """The question being asked (None when confirming or after the result)."""


class WavFileListener:
    """Utterances from WAV files, one file per turn (``voice-guide converse``, tests, benchmarks)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._paths = list(paths)

    def listen(self) -> npt.NDArray[np.int16] | None:
        from voice_guide.wav import read_wav

        if not self._paths:
            raise EOFError
        return read_wav(self._paths.pop(0))


@dataclass
class VoiceFrontend:
    """Speak, listen, recognize. ``out`` (optional) also shows everything as text."""

    content: Content
    recognizer: Recognizer
    listener: Listener
    speaker: Speaker
    matcher: Matcher
    out: TextIO | None = None
    cue: Callable[[str], None] | None = None
    """Plays the "listening" ("start") and "done listening" ("stop") tones."""
    turns: list[Turn] = field(default_factory=list)
    mode: Mode = Mode.VOICE

    def show(self, events: Sequence[Event]) -> None:
        words = []
        for event in events:
            if isinstance(event, ChangeRate):
                self.speaker.faster() if event.step > 0 else self.speaker.slower()
            if self.out is not None:
                for line in printed_lines(self.content, event):
                    print(line, file=self.out)
            text = spoken_text(self.content, event)
            if text:
                words.append(text)
        if self.out is not None:
            self.out.flush()
        if words:
            self.speaker.say(" ".join(words))

    def listen(self, dialog: Dialog) -> Heard:
        if self.cue:
            self.cue("start")
        try:
            samples = self.listener.listen()
        except EOFError:
            return None
        finally:
            if self.cue:
                self.cue("stop")
        if samples is None:
            return Unheard.SILENCE
        transcript = self.recognizer.recognize(samples, self.matcher.phrases(dialog.expected_options))
        self.turns.append(Turn(transcript, dialog.question.id if dialog.question else None))
        if self.out is not None:
            print(f"(heard: {transcript.text or '...'})", file=self.out, flush=True)
        return transcript.text or Unheard.UNRECOGNIZED

    def notice(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)
        self.speaker.say(text)


def decide(matcher: Matcher, transcript: Transcript, options: Sequence[Option]) -> dict[str, Any]:
    """What the dialog would do with this transcript, as JSON-ready data (``voice-guide listen``)."""
    result: dict[str, Any] = {
        "transcript": transcript.text,
        "confidence": transcript.confidence,
        "alternatives": list(transcript.alternatives),
    }
    if not transcript.text:
        return result | {"match": None, "score": None, "decision": "reask"}
    match = matcher.match(transcript.text, options, allow_digits=False)
    if isinstance(match, OptionMatch):
        return result | {
            "match": {"option": match.option.id, "text": match.option.text},
            "score": round(match.score, 1),
            "margin": round(match.margin, 1),
            "decision": match.decision.value,
        }
    if isinstance(match, CommandMatch):
        return result | {
            "match": {"command": match.command},
            "score": round(match.score, 1),
            "margin": round(match.margin, 1),
            "decision": "accept",
        }
    return result | {"match": None, "score": round(match.best_score, 1), "decision": "reask"}
