"""Running one conversation: the loop shared by every front end, and the switch from voice to keyboard.

A front end is anything with a ``mode``, a way to present events and a way to hear the next answer. When a voice
front end fails (no microphone, device unplugged, recognizer broken), or the person asks to type, the session
continues with the fallback front end, keeping every answer given so far.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from voice_guide.dialog import Dialog, End, Event, Mode, SwitchToKeyboard
from voice_guide.engines.base import Transcript
from voice_guide.errors import VoiceGuideError

log = logging.getLogger(__name__)


class Unheard(Enum):
    """What a voice front end heard when it was not words."""

    SILENCE = "silence"
    """Nobody spoke before the no-input timeout."""
    UNRECOGNIZED = "unrecognized"
    """Someone spoke, but nothing that can be said at this question was recognized."""


@dataclass(frozen=True)
class Recognized:
    """What a recognizer heard (the dialog's understanding step decides what to make of it)."""

    transcript: Transcript


@dataclass(frozen=True)
class Typed:
    """What was typed, or touched on the screen: judged by the typed rules in every mode (numbers pick options,
    commands act at once), since a key or a touch is deliberate even while the guide is listening for speech."""

    text: str
    """The line typed, or the words of the button touched ("" for Enter on its own)."""


Heard = Typed | Recognized | Unheard | None
"""Text typed or touched; a recognizer's transcript; an Unheard reason; or None at the end of input."""


class Frontend(Protocol):
    """Input and output for a conversation."""

    mode: Mode

    @property
    def speaks(self) -> bool:
        """Whether the guide's words are said aloud (then "faster" and "slower" change the speech)."""

    def show(self, events: Sequence[Event]) -> None:
        """Present events (print and/or speak)."""

    def listen(self, dialog: Dialog) -> Heard:
        """The next thing heard or typed. May raise VoiceGuideError when the input device fails."""

    def notice(self, text: str) -> None:
        """Tell the person something outside the dialog (e.g. that the guide switched to the keyboard)."""


class Outcome(Enum):
    """How a session ended."""

    COMPLETED = "completed"
    """The result was given (and the person quit or input ended after it)."""
    QUIT = "quit"
    """The person stopped before the result."""
    END_OF_INPUT = "end_of_input"
    """Input ended before the result."""


@dataclass
class SessionResult:
    outcome: Outcome
    fell_back: bool
    """Whether the session switched to the fallback front end."""


class _SwitchFrontend(Exception):  # noqa: N818 - control flow, not an error
    """Internal: move the conversation to the fallback front end."""

    def __init__(self, failure: VoiceGuideError | None) -> None:
        super().__init__(str(failure or "asked to type"))
        self.failure = failure
        """What failed, or None when the person asked to type."""


def run_session(dialog: Dialog, frontend: Frontend, fallback: Frontend | None = None) -> SessionResult:
    """Run a conversation to its end. ``fallback`` takes over if ``frontend`` fails or the person asks to type."""
    current = frontend
    dialog.mode = current.mode
    dialog.speaks = current.speaks
    events: list[Event] = dialog.start()
    while True:
        try:
            _show(current, events, fallback)
            ended = next((e for e in events if isinstance(e, End)), None)
            if ended is not None:
                return SessionResult(Outcome.COMPLETED if ended.completed else Outcome.QUIT, current is not frontend)
            heard = _listen(current, dialog, fallback)
        except _SwitchFrontend as switch:
            if fallback is None:  # pragma: no cover - _show/_listen only switch when there is a fallback
                raise
            answers = dialog.answers
            log.warning("switching from %s to %s: %s", current.mode.value, fallback.mode.value, switch)
            if switch.failure is not None:
                fallback.notice(dialog.content.phrase("fell_back", reason=str(switch.failure)))
            current = fallback
            dialog.speaks = fallback.speaks
            events = dialog.resume(answers, fallback.mode)
            continue
        if heard is None:
            completed = dialog.assessment is not None
            return SessionResult(Outcome.COMPLETED if completed else Outcome.END_OF_INPUT, current is not frontend)
        if heard is Unheard.SILENCE:
            events = dialog.silence()
        elif heard is Unheard.UNRECOGNIZED:
            events = dialog.not_understood()
        elif isinstance(heard, Recognized):
            events = dialog.hear_spoken(heard.transcript)
        else:
            events = dialog.hear_typed(heard.text)


def _can_switch(current: Frontend, fallback: Frontend | None) -> bool:
    return fallback is not None and current is not fallback


def _show(current: Frontend, events: Sequence[Event], fallback: Frontend | None) -> None:
    try:
        current.show(events)
    except VoiceGuideError as error:
        if not _can_switch(current, fallback):
            raise
        raise _SwitchFrontend(error) from error
    if any(isinstance(e, SwitchToKeyboard) for e in events) and _can_switch(current, fallback):
        raise _SwitchFrontend(None)


def _listen(current: Frontend, dialog: Dialog, fallback: Frontend | None) -> Heard:
    try:
        return current.listen(dialog)
    except VoiceGuideError as error:
        if not _can_switch(current, fallback):
            raise
        raise _SwitchFrontend(error) from error
