"""Dialog events as words: lines to print (keyboard, screen readers) and text to speak (voice).

Printed text is plain and linear: no colour, no cursor movement, one idea per line, so a screen reader reads it well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from voice_guide.content import Content, Option
from voice_guide.dialog import (
    Ask,
    ChangeRate,
    CheckAnswers,
    Confirm,
    ConfirmCommand,
    End,
    Event,
    OfferKeyboard,
    Result,
    Say,
    SwitchToKeyboard,
    options_text,
)
from voice_guide.errors import DeviceMissingError
from voice_guide.report import result_paragraphs

if TYPE_CHECKING:
    from voice_guide.speech.speaker import Speaker


def _numbered(options: tuple[Option, ...]) -> list[str]:
    return [f"  {index}. {option.text}" for index, option in enumerate(options, start=1)]


def joined(content: Content, items: Sequence[str]) -> str:
    """ "a, b and c" (the content's word for "and")."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {content.phrase('and')} {items[-1]}"


def _check_text(content: Content, event: CheckAnswers) -> str:
    return content.phrase("check_answers", topics=joined(content, [q.topic for q in event.questions]))


def unavailable_text(content: Content, error: BaseException, *, screen: bool = False) -> str | None:
    """What to tell a person when voice cannot be used because of ``error``, in plain words from prompts/ ("No
    microphone found. You can type your answers."); None when there is no plain wording for it (say the error)."""
    if isinstance(error, DeviceMissingError) and error.device == "microphone":
        return content.phrase("no_microphone_screen" if screen else "no_microphone")
    return None


def printed_lines(content: Content, event: Event) -> list[str]:
    """What the keyboard front end prints for one event (an empty list for events with no text)."""
    if isinstance(event, Say):
        return [event.text]
    if isinstance(event, Ask):
        question = event.question
        lines = ["", content.phrase("progress", number=event.number, total=event.total), question.text]
        lines += _numbered(question.options)
        if event.again:
            lines.append(content.phrase("number_hint", count=len(question.options)))
        return lines
    if isinstance(event, Confirm):
        return [content.phrase("confirm", answer=event.option.text), *_numbered(content.confirm_options)]
    if isinstance(event, ConfirmCommand):
        return [content.phrase("confirm_command", action=event.command.action), *_numbered(content.confirm_options)]
    if isinstance(event, CheckAnswers):
        return [_check_text(content, event), *_numbered(content.confirm_options)]
    if isinstance(event, Result):
        lines = [""]
        for paragraph in result_paragraphs(content, event.assessment, spoken=False):
            lines += [paragraph, ""]
        return lines
    if isinstance(event, OfferKeyboard):
        return [content.phrase("offer_keyboard")]
    if isinstance(event, ChangeRate | SwitchToKeyboard | End):
        return []
    raise TypeError(f"unknown event {event!r}")  # pragma: no cover


def spoken_words(content: Content, events: Sequence[Event]) -> str:
    """What is said for these events, in one piece ("" when none has words)."""
    return " ".join(text for text in (spoken_text(content, event) for event in events) if text)


def follow_rate_changes(speaker: Speaker, events: Sequence[Event]) -> None:
    """Make ``speaker`` faster or slower for every "faster" / "slower" (ChangeRate) among ``events``."""
    for event in events:
        if isinstance(event, ChangeRate):
            speaker.faster() if event.step > 0 else speaker.slower()


def spoken_text(content: Content, event: Event) -> str:
    """What the voice front end says for one event ("" for events with no words)."""
    if isinstance(event, Say):
        return event.text
    if isinstance(event, Ask):
        question = event.question
        text = f"{content.phrase('progress', number=event.number, total=event.total)} {question.text}"
        if event.read_options:
            text += " " + content.phrase("options_intro", options=options_text(content, question.options))
        return text
    if isinstance(event, Confirm):
        return content.phrase("confirm", answer=event.option.text)
    if isinstance(event, ConfirmCommand):
        return content.phrase("confirm_command", action=event.command.action)
    if isinstance(event, CheckAnswers):
        return _check_text(content, event)
    if isinstance(event, Result):
        return " ".join(result_paragraphs(content, event.assessment, spoken=True))
    if isinstance(event, OfferKeyboard):
        return content.phrase("offer_keyboard")
    if isinstance(event, ChangeRate | SwitchToKeyboard | End):
        return ""
    raise TypeError(f"unknown event {event!r}")  # pragma: no cover
