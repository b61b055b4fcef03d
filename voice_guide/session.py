"""Running one conversation: the loop shared by every front end, and the switch from voice to keyboard.

A front end is anything with a ``mode``, a way to present events and a way to hear the next answer. When a voice
front end fails (no microphone, device unplugged, recognizer broken), the session continues with the fallback front
end, keeping every answer given so far.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from voice_guide.dialog import Dialog, End, Event, Mode
from voice_guide.errors import VoiceGuideError

log = logging.getLogger(__name__)


class Frontend(Protocol):
    """Input and output for a conversation."""

    mode: Mode

    def show(self, events: Sequence[Event]) -> None:
        """Present events (print and/or speak)."""

    def listen(self, dialog: Dialog) -> str | None:
        """The next thing heard or typed; "" when nothing was heard; None at the end of input.

        May raise VoiceGuideError when the input device fails; the session then falls back.
        """

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


def run_session(dialog: Dialog, frontend: Frontend, fallback: Frontend | None = None) -> SessionResult:
    """Run a conversation to its end. ``fallback`` takes over if ``frontend`` fails."""
    fell_back = False
    current = frontend
    dialog.mode = current.mode
    events: list[Event] = dialog.start()
    while True:
        try:
            current.show(events)
        except VoiceGuideError as error:
            if fallback is None or current is fallback:
                raise
            answers = dialog.answers
            current, fell_back = _fall_back(current, fallback, error)
            events = dialog.resume(answers, fallback.mode)
            continue
        ended = next((e for e in events if isinstance(e, End)), None)
        if ended is not None:
            return SessionResult(Outcome.COMPLETED if ended.completed else Outcome.QUIT, fell_back)
        try:
            heard = current.listen(dialog)
        except VoiceGuideError as error:
            if fallback is None or current is fallback:
                raise
            answers = dialog.answers
            current, fell_back = _fall_back(current, fallback, error)
            events = dialog.resume(answers, fallback.mode)
            continue
        if heard is None:
            completed = dialog.assessment is not None
            return SessionResult(Outcome.COMPLETED if completed else Outcome.END_OF_INPUT, fell_back)
        events = dialog.hear(heard)


def _fall_back(current: Frontend, fallback: Frontend, error: VoiceGuideError) -> tuple[Frontend, bool]:
    log.warning("front end %s failed, falling back: %s", current.mode.value, error)
    fallback.notice(f"{error} Continuing with the keyboard; your answers so far are kept.")
    return fallback, True
