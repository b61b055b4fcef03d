"""A conversation harness: drive a real :class:`Dialog` with what the person says and collect what the guide says.

    said = run_conversation(content, heard=["no", "yse", "yes"])

Each item of ``heard`` is one thing heard or typed; ``""`` is silence (nothing heard, or an empty line typed).
What the guide says comes back as text: ``render.printed_lines`` in keyboard mode (blank lines dropped),
``render.spoken_text`` in voice mode, so a test reads like the conversation it checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode, State
from voice_guide.render import printed_lines, spoken_text


def said_for(content: Content, events: Sequence[Event], mode: Mode) -> list[str]:
    """The text a front end in ``mode`` gives for these events, one string per line (keyboard) or event (voice)."""
    said: list[str] = []
    for event in events:
        if mode is Mode.VOICE:
            text = spoken_text(content, event)
            if text:
                said.append(text)
        else:
            said.extend(line for line in printed_lines(content, event) if line.strip())
    return said


@dataclass
class Transcript:
    """A whole conversation, turn by turn."""

    dialog: Dialog
    """The dialog, left in the state the conversation reached."""
    turns: list[list[str]] = field(default_factory=list)
    """What was said per turn: ``turns[0]`` on starting, ``turns[i]`` in reply to ``heard[i - 1]``."""
    events: list[list[Event]] = field(default_factory=list)
    """The events behind ``turns``, turn by turn."""

    @property
    def said(self) -> list[str]:
        """Everything said, in order."""
        return [text for turn in self.turns for text in turn]

    @property
    def last(self) -> list[str]:
        """What was said in the last turn."""
        return self.turns[-1]

    def all_events(self) -> list[Event]:
        """Every event, in order."""
        return [event for turn in self.events for event in turn]


def converse(
    content: Content,
    heard: Sequence[str],
    mode: Mode = Mode.KEYBOARD,
    *,
    dialog: Dialog | None = None,
) -> Transcript:
    """Start a dialog (or continue ``dialog`` without restarting it) and feed it ``heard``, one item per turn."""
    transcript = Transcript(dialog or Dialog(content, mode))
    if dialog is None:
        _turn(transcript, transcript.dialog.start(), mode)
    for item in heard:
        events = transcript.dialog.hear(item) if item.strip() else transcript.dialog.silence()
        _turn(transcript, events, mode)
    return transcript


def _turn(transcript: Transcript, events: list[Event], mode: Mode) -> None:
    transcript.events.append(events)
    transcript.turns.append(said_for(transcript.dialog.content, events, mode))


def run_conversation(content: Content, heard: Sequence[str], mode: Mode = Mode.KEYBOARD) -> list[str]:
    """Everything the guide says when the person says ``heard``, in order (see the module docstring)."""
    return converse(content, heard, mode).said


def heard_until_result(content: Content, choices: Mapping[str, str], default: str = "No") -> list[str]:
    """What a person types to reach the result: ``choices[question id]`` (an option's text), else ``default``, and
    "yes" when an answer is read back ("I heard: Prostate. Is that right?").

    Follows the questionnaire's skip logic, so the script stays right when questions are added or reordered.
    """
    dialog = Dialog(content, Mode.KEYBOARD)
    dialog.start()
    heard: list[str] = []
    while dialog.state in (State.ASKING, State.CONFIRMING_ANSWER) and dialog.question is not None:
        if len(heard) > 2 * len(content.questions):
            raise RuntimeError(f"no result after {heard}")
        if dialog.state is State.CONFIRMING_ANSWER:
            heard.append("yes")
        else:
            heard.append(choices.get(dialog.question.id, default))
        dialog.hear(heard[-1])
    if dialog.state is not State.RESULT:
        raise RuntimeError(f"{heard} did not reach the result (state {dialog.state})")
    return heard
