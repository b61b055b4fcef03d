"""The voice front end: speaks every event, listens for one utterance, recognizes it, hands the words to the dialog.

It plugs into the same :class:`~voice_guide.dialog.Dialog` and session loop as the keyboard. What it listens with is
a :class:`~voice_guide.speech.microphone.Listener` (the live microphone, or a list of WAV files: the same code path
either way), what it speaks with is a :class:`~voice_guide.speech.speaker.Speaker`, and the words are recognized by
any :class:`~voice_guide.engines.base.Recognizer`, constrained per question to what can be said there. Transcripts
are kept in memory for the current session only (for ``converse`` output); nothing is written anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.engines.base import Recognizer, Transcript
from voice_guide.errors import AudioError, SpeechError
from voice_guide.render import follow_rate_changes, printed_lines, spoken_words
from voice_guide.session import Heard, Recognized, Unheard
from voice_guide.speech.speaker import Speaker

if TYPE_CHECKING:
    from voice_guide.pcm import Samples
    from voice_guide.speech.microphone import Listener

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """One thing the person said, as recognized (kept in memory for the session only)."""

    transcript: Transcript
    question: str | None
    """The question being asked (None when confirming or after the result)."""


@dataclass
class VoiceFrontend:
    """Speak, listen, recognize. ``out`` (optional) also shows everything as text."""

    content: Content
    recognizer: Recognizer
    listener: Listener
    speaker: Speaker
    out: TextIO | None = None
    cue: Callable[[str], None] | None = None
    """Plays the "listening" ("start") and "done listening" ("stop") tones."""
    turns: list[Turn] = field(default_factory=list)
    mode: Mode = Mode.VOICE
    speech_failed: bool = False
    """The last prompt could not be spoken (the person has been told; the next prompt tries again)."""
    quick_end: bool = True
    """End an answer at a short pause when it is already complete (see EndpointSettings.quick_silence)."""

    @property
    def speaks(self) -> bool:
        return True

    def show(self, events: Sequence[Event]) -> None:
        follow_rate_changes(self.speaker, events)
        if self.out is not None:
            for event in events:
                for line in printed_lines(self.content, event):
                    print(line, file=self.out)
            self.out.flush()
        words = spoken_words(self.content, events)
        if words:
            self._say(words)

    def _cue(self, which: str) -> None:
        if self.cue is None:
            return
        try:
            self.cue(which)
        except AudioError as error:
            log.warning("listening tones turned off: %s", error)
            self.cue = None

    def _say(self, text: str) -> None:
        """Speak; when it fails, say so once (the words are shown anyway) and try again with the next prompt.

        A slow moment never switches speech off: the player rides out a busy CPU, and a device that is gone fails
        only this prompt.
        """
        try:
            self.speaker.say(text)
        except (AudioError, SpeechError) as error:
            log.warning("speech output failed: %s", error)
            if self.out is not None and not self.speech_failed:
                print(self.content.phrase("speech_failed", reason=str(error)), file=self.out, flush=True)
            self.speech_failed = True
        else:
            self.speech_failed = False

    def listen(self, dialog: Dialog) -> Heard:
        turn, phrases = dialog.turn, dialog.phrases()
        heard: dict[int, Transcript] = {}

        def complete(samples: Samples) -> float | None:
            """At a short pause: after how much silence is this a whole answer? (Its transcript is kept.)"""
            transcript = self.recognizer.recognize(samples, phrases)
            heard[len(samples)] = transcript
            return dialog.understanding.end_after(transcript, turn)

        self._cue("start")
        try:
            samples = self.listener.listen(complete if self.quick_end else None)
        except EOFError:
            return None
        finally:
            self._cue("stop")
        if samples is None:
            return Unheard.SILENCE
        transcript = heard.get(len(samples)) or self.recognizer.recognize(samples, phrases)
        self.turns.append(Turn(transcript, dialog.question.id if dialog.question else None))
        if self.out is not None:
            print(f"(heard: {transcript.text or '...'})", file=self.out, flush=True)
        return Recognized(transcript)

    def notice(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)
        self._say(text)
