"""The screen front end: the dialog on a full-screen touch display, with voice, touch and keys at the same time.

What the person sees: the question in very large type (white on black by default; a light theme and a text-size
control on screen), its answers as big buttons (touch, mouse, or the number keys; typed words and Enter work too), a
"speaking" / "listening: speak now" / "thinking" indicator with what was heard shown in words, the progress
("Question 4 of about 10"), and the result: its urgency in words, colour and a symbol (never colour alone), an
emergency first and filling the top of the screen, then the causes page by page, and a summary for a health
professional with a QR code to scan with one's own phone (voice_guide/summary.py; held in memory, and cleared with the
session). Every word comes from prompts/ (the dialog's events, and the ``screen_*`` phrases).

Toolkit: SDL 2 through pygame-ce (``pip install 'voice-guide[screen]'``). Its aarch64 wheel bundles an SDL built with
the KMS/DRM driver, so on a Raspberry Pi it draws straight to the screen from the console, with no desktop and no
compositor; the same code runs under the ``cage`` Wayland kiosk compositor, on an X11 desktop, on Xvfb (the tests:
real clicks with xdotool) and with SDL's offscreen driver. It opens no network socket (under X11, one local unix
socket to the X server). See README, "The screen", for the measurements behind the choice.

Threads::

    session loop (main thread)  --show(events)-->  ScreenUI.present(view)  --wake-->  UI thread (SDL: draw, input)
        listen(dialog)  <-- inputs queue <-- touches, clicks and keys (UI thread)
                        <--              <-- one utterance heard and recognized (a voice thread per listen)

The UI thread owns SDL; the others only change the UI's state under its lock and post a wake-up event
(``SDL_PushEvent`` is thread-safe). A touch or key while the guide speaks stops the speech (``Speaker.stop()``) and is
the answer; a touch while the microphone listens cancels the listening. Nothing is written to disk, and the UI keeps
nothing of a person after :meth:`ScreenUI.reset` (the kiosk calls it between people).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from voice_guide.content import Content
from voice_guide.dialog import (
    Ask,
    Confirm,
    ConfirmCommand,
    Dialog,
    End,
    Event,
    Mode,
    OfferKeyboard,
    Result,
    Say,
    SayKind,
)
from voice_guide.errors import VoiceGuideError
from voice_guide.render import unavailable_text
from voice_guide.report import result_paragraphs
from voice_guide.session import Heard, Recognized, Unheard
from voice_guide.urgency import Urgency

if TYPE_CHECKING:
    import pygame

    from voice_guide.frontends.voice import VoiceFrontend
    from voice_guide.kiosk import StationFactory
    from voice_guide.speech.stack import VoiceParts, VoiceSettings
    from voice_guide.summary import QrImage
    from voice_guide.triage import Assessment

log = logging.getLogger(__name__)

Colour = tuple[int, int, int]


class ScreenError(VoiceGuideError):
    """The screen cannot be used (pygame-ce missing, no display, or the display failed)."""


# ---- looks -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """Colours of one theme. Every text/background pair meets WCAG 2.2 AA (4.5:1) and every button boundary 3:1;
    tests/test_screen.py measures the rendered pixels."""

    name: str
    background: Colour
    text: Colour
    muted: Colour
    """Secondary text (progress, hints): still at least 7:1 on the background."""
    answer_fill: Colour
    """Answer buttons: filled, the most prominent targets."""
    answer_text: Colour
    control_fill: Colour
    """Command and setting buttons: outlined in ``text``."""
    problem: Colour
    """Problems and warnings ("Sorry, I didn't catch that")."""
    pressed: Colour
    """A button being pressed."""
    disabled: Colour
    """An inactive button's outline and label (e.g. "Previous page" on the first page)."""


DARK = Theme(
    name="dark",
    background=(0, 0, 0),
    text=(255, 255, 255),
    muted=(210, 210, 210),
    answer_fill=(255, 255, 255),
    answer_text=(0, 0, 0),
    control_fill=(0, 0, 0),
    problem=(255, 221, 0),
    pressed=(255, 221, 0),
    disabled=(110, 110, 110),
)
LIGHT = Theme(
    name="light",
    background=(255, 255, 255),
    text=(0, 0, 0),
    muted=(60, 60, 60),
    answer_fill=(0, 0, 0),
    answer_text=(255, 255, 255),
    control_fill=(255, 255, 255),
    problem=(160, 0, 0),
    pressed=(0, 90, 200),
    disabled=(150, 150, 150),
)
THEMES = (DARK, LIGHT)


@dataclass(frozen=True)
class UrgencyLook:
    """How an urgency is shown besides its words: a colour band and a symbol (a shape, so not colour alone)."""

    fill: Colour
    text: Colour
    """Text on the band: at least 4.5:1 on ``fill``."""
    symbol: str
    """"triangle" (emergency), "circle" (urgent), "clock" (soon), "check" (self-care)."""


URGENCY_LOOKS: Mapping[Urgency, UrgencyLook] = {
    Urgency.EMERGENCY: UrgencyLook((176, 0, 0), (255, 255, 255), "triangle"),
    Urgency.URGENT: UrgencyLook((255, 140, 0), (0, 0, 0), "circle"),
    Urgency.SOON: UrgencyLook((255, 214, 0), (0, 0, 0), "clock"),
    Urgency.SELF_CARE: UrgencyLook((19, 115, 51), (255, 255, 255), "check"),
}

TEXT_SCALES = (1.0, 1.25, 1.5, 2.0)
"""The text-size control's steps (multiples of the base sizes below)."""

BASE_HEIGHT = 800
"""The screen height (px) at which the base sizes apply; smaller and larger screens scale them."""

SIZES = {"question": 64, "answer": 48, "banner": 60, "emergency": 76, "body": 34, "control": 30, "summary": 26}
"""Base text sizes (px at BASE_HEIGHT, text scale 1). The smallest, 26 px (16 px at an 800x480 display's 0.6), stays
WCAG "large text" (24 px) from a 7-inch display up; the question is 64 px (38 px on 800x480)."""

MIN_TEXT = 24
"""No text is drawn smaller than this (px), whatever the screen, when fitting a page."""

TARGET = 64
"""Buttons are at least this tall and wide (px; WCAG 2.2's enhanced target size is 44)."""

SPLIT_BELOW = 760
"""When the summary's text would have a column narrower than this beside the code (px), the code gets a page of
its own instead, where it can be larger (5 px a module for a
version-20 code at 1280x800, against 4 beside the text): easier for a phone to read, which matters more than
seeing the text at the same time. Wide screens (1920x1080) show both."""

QR_SHARE = 0.42
"""At most this share of the screen's width goes to the QR code on the summary page; the rest to its text. At
1280x800 that is 4 px a module for a version-20 code (a phone reads it from about 40 cm)."""

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
"""Where DejaVu Sans is looked for (Debian's fonts-dejavu-core); else pygame's bundled font is used."""


# ---- what is shown -----------------------------------------------------------------------------------------------


class Kind(Enum):
    """Which screen is shown."""

    WAITING = "waiting"
    QUESTION = "question"
    CONFIRM = "confirm"
    RESULT = "result"
    GOODBYE = "goodbye"


class Indicator(Enum):
    """What the guide is doing, shown in words under the answers."""

    IDLE = "idle"
    SPEAKING = "speaking"
    LISTENING = "listening"
    THINKING = "thinking"


@dataclass(frozen=True)
class Message:
    text: str
    kind: SayKind = SayKind.INFO


@dataclass(frozen=True)
class View:
    """One person's screen, built from the dialog's events (no toolkit objects: it is compared and tested)."""

    kind: Kind = Kind.WAITING
    progress: str = ""
    prompt: str = ""
    """The question, or "I heard: yes. Is that right?"."""
    context: str = ""
    """When confirming an answer: the question it answers (shown above the prompt)."""
    options: tuple[str, ...] = ()
    """The answers' words, in order (number key n picks the n-th)."""
    messages: tuple[Message, ...] = ()
    assessment: Assessment | None = None
    summary: str = ""
    """The clinician summary's text (also the QR code's content) at the result."""


@dataclass(frozen=True)
class Answer:
    """An answer button or key: the option's own words, heard as if typed."""

    text: str


@dataclass(frozen=True)
class Local:
    """A button the screen handles itself (theme, text size, pages, summary)."""

    name: str


Action = Answer | Local


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def center(self) -> tuple[int, int]:
        return (self.x + self.w // 2, self.y + self.h // 2)

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, point: tuple[int, int]) -> bool:
        return self.x <= point[0] < self.x + self.w and self.y <= point[1] < self.y + self.h


@dataclass(frozen=True)
class TextBlock:
    """Lines of text drawn top-down from ``rect``'s corner."""

    rect: Rect
    lines: tuple[str, ...]
    size: int
    bold: bool
    colour: Colour
    background: Colour
    role: str = ""
    """What it is, for tests: "question", "progress", "message", "indicator", "banner", "body", "summary"."""


@dataclass(frozen=True)
class Button:
    rect: Rect
    label: str
    size: int
    action: Action
    style: str
    """"answer" (filled) or "control" (outlined)."""
    enabled: bool = True
    """False: shown dimmed and does nothing (WCAG exempts inactive controls from contrast)."""


@dataclass(frozen=True)
class Panel:
    """A filled band with a border in the theme's text colour, and optionally a symbol at its left."""

    rect: Rect
    fill: Colour
    symbol: str = ""
    symbol_colour: Colour = (0, 0, 0)
    symbol_rect: Rect | None = None


@dataclass(frozen=True)
class QrBlock:
    rect: Rect
    """The code's square, quiet zone included (whole modules: ``rect.w`` is a multiple of the module count)."""


Item = TextBlock | Button | Panel | QrBlock


@dataclass(frozen=True)
class Frame:
    """Everything drawn, with where: what layout() returns and draw() paints (tests click at its buttons)."""

    size: tuple[int, int]
    theme: Theme
    items: tuple[Item, ...]
    pages: int = 1
    fits: bool = True
    """Whether everything fits the screen (layout shrinks text until it does)."""

    @property
    def buttons(self) -> list[Button]:
        return [item for item in self.items if isinstance(item, Button)]

    def button(self, label: str) -> Button:
        """The button with this label; KeyError if none."""
        for button in self.buttons:
            if button.label == label:
                return button
        raise KeyError(label)

    def texts(self, role: str) -> list[TextBlock]:
        return [item for item in self.items if isinstance(item, TextBlock) and item.role == role]

    def hit(self, point: tuple[int, int]) -> Button | None:
        return next((b for b in self.buttons if b.enabled and b.rect.contains(point)), None)


@dataclass
class Look:
    """The screen's own settings, changed by its buttons; back to the defaults for every person."""

    theme: Theme = DARK
    scale: int = 0
    """Index into TEXT_SCALES."""
    page: int = 0
    summary: bool = False
    """Showing the summary page at the result."""


@dataclass
class Status:
    """The indicator's state."""

    indicator: Indicator = Indicator.IDLE
    heard: str | None = None
    """What the microphone heard last, in words ("" when nothing); None before anything was heard this turn."""
    typed: str = ""
    """Typed so far (Enter sends it)."""
    notice: str = ""
    """A notice outside the dialog ("No microphone found ...", "Are you still there?")."""


# ---- measuring text ----------------------------------------------------------------------------------------------


class Fonts:
    """DejaVu Sans (regular and bold) at any size, cached; pygame's bundled font when DejaVu is not installed."""

    def __init__(self, directories: Iterable[Path] = FONT_DIRS) -> None:
        import pygame.font

        if not pygame.font.get_init():
            pygame.font.init()
        self._files: dict[bool, str | None] = {False: None, True: None}
        for directory in directories:
            regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                self._files = {False: str(regular), True: str(bold)}
                break
        else:
            log.warning("DejaVu Sans not found (apt-get install fonts-dejavu-core); using pygame's own font")
        self._cache: dict[tuple[int, bool], pygame.font.Font] = {}

    def get(self, size: int, bold: bool = False) -> pygame.font.Font:
        import pygame.font

        key = (size, bold)
        if key not in self._cache:
            font = pygame.font.Font(self._files[bold], size)
            if self._files[bold] is None and bold:
                font.set_bold(True)
            self._cache[key] = font
        return self._cache[key]

    def width(self, text: str, size: int, bold: bool = False) -> int:
        return int(self.get(size, bold).size(text)[0])

    def line_height(self, size: int, bold: bool = False) -> int:
        return int(self.get(size, bold).get_linesize())

    def wrap(self, text: str, size: int, width: int, bold: bool = False) -> list[str]:
        """``text`` broken into lines no wider than ``width`` (a word longer than that gets a line of its own)."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if line and self.width(candidate, size, bold) > width:
                    lines.append(line)
                    line = word
                else:
                    line = candidate
            lines.append(line)
        return lines


# ---- layout: a pure function of what is shown, the settings and the screen size -----------------------------------


@dataclass(frozen=True)
class Words:
    """The screen's own words (prompts/phrases.toml, ``screen_*``), looked up once."""

    listening: str
    thinking: str
    speaking: str
    heard: str
    heard_nothing: str
    heard_unclear: str
    typed: str
    hint_voice: str
    hint_touch: str
    larger: str
    smaller: str
    light: str
    dark: str
    summary: str
    summary_intro: str
    back_to_result: str
    page: str
    next_page: str
    previous_page: str
    repeat: str
    back: str
    help: str
    restart: str
    quit: str
    start: str
    ready: str

    @classmethod
    def from_content(cls, content: Content) -> Words:
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{name: content.phrases[f"screen_{name}"] for name in names})


def _unit(size: tuple[int, int]) -> float:
    """1.0 on a 1280x800 screen; smaller screens scale everything down (an 800x480 display: 0.6)."""
    return min(size[0], size[1] * 1.6) / (BASE_HEIGHT * 1.6)


def _px(name: str, size: tuple[int, int], scale: float) -> int:
    return max(MIN_TEXT, round(SIZES[name] * _unit(size) * scale))


def _moved(item: Item, dy: int) -> Item:
    return dataclasses.replace(item, rect=dataclasses.replace(item.rect, y=item.rect.y + dy))


@dataclass
class _Stack:
    """Places blocks top-down inside a column."""

    fonts: Fonts
    theme: Theme
    left: int
    width: int
    y: int
    gap: int
    items: list[Item] = field(default_factory=list)

    def text(self, text: str, size: int, *, bold: bool = False, colour: Colour | None = None, role: str = "") -> int:
        """Wrapped text at the current position; returns its height."""
        lines = self.fonts.wrap(text, size, self.width, bold)
        height = len(lines) * self.fonts.line_height(size, bold)
        colour = self.theme.text if colour is None else colour
        rect = Rect(self.left, self.y, self.width, height)
        self.items.append(TextBlock(rect, tuple(lines), size, bold, colour, self.theme.background, role))
        self.y += height + self.gap
        return height

    def buttons(self, specs: Sequence[ButtonSpec], size: int, style: str, *, fill: bool) -> list[Button]:
        """A row of buttons (wrapping onto more rows when needed)."""
        placed = button_rows(self.fonts, specs, size, style, Rect(self.left, self.y, self.width, 0), fill=fill)
        self.items.extend(placed)
        if placed:
            self.y = max(b.rect.bottom for b in placed) + self.gap
        return placed


ButtonSpec = tuple[str, Action] | tuple[str, Action, bool]
"""(label, action) or (label, action, enabled)."""


def button_rows(
    fonts: Fonts, specs: Sequence[ButtonSpec], size: int, style: str, area: Rect, *, fill: bool
) -> list[Button]:
    """Buttons for ``specs`` in rows across ``area.w`` from ``area``'s corner; ``fill`` stretches each row's
    buttons to share the whole width (answers), else each is as wide as its label (controls)."""
    bold = style == "answer"
    pad = max(16, size // 2)
    gap = max(12, size // 3)
    height = max(TARGET, fonts.line_height(size, bold) + pad)
    widths = [min(area.w, max(TARGET, fonts.width(spec[0], size, bold) + 2 * pad)) for spec in specs]
    rows: list[list[int]] = [[]]
    used = 0
    for index, width in enumerate(widths):
        if rows[-1] and used + gap + width > area.w:
            rows.append([])
            used = 0
        used += (gap if rows[-1] else 0) + width
        rows[-1].append(index)
    placed: list[Button] = []
    y = area.y
    for row in rows:
        if not row:
            continue
        share = (area.w - gap * (len(row) - 1)) // len(row)
        x = area.x
        for index in row:
            width = share if fill else widths[index]
            label, action = specs[index][0], specs[index][1]
            enabled = bool(specs[index][2]) if len(specs[index]) > 2 else True  # type: ignore[misc]
            placed.append(Button(Rect(x, y, width, height), label, size, action, style, enabled))
            x += width + gap
        y += height + gap
    return placed


def _at_bottom(buttons: list[Button], bottom: int) -> list[Button]:
    """The same buttons moved so that the last row ends at ``bottom``."""
    if not buttons:
        return buttons
    top = min(b.rect.y for b in buttons)
    height = max(b.rect.bottom for b in buttons) - top
    return [_moved(b, bottom - height - top) for b in buttons]  # type: ignore[misc]


def _top_bar(stack: _Stack, words: Words, look: Look, size: tuple[int, int], left_text: str, scale: float) -> None:
    """What this page is ("Question 4 of about 10", "Page 2 of 5") on the left, the text-size and theme controls on
    the right (at the base size, so they stay where they are when the text grows)."""
    control = _px("control", size, 1.0)
    theme_label = words.light if look.theme is DARK else words.dark
    specs: list[ButtonSpec] = [
        (words.smaller, Local("smaller"), look.scale > 0),
        (words.larger, Local("larger"), look.scale < len(TEXT_SCALES) - 1),
        (theme_label, Local("theme")),
    ]
    pad, gap = max(16, control // 2), max(12, control // 3)
    natural = sum(max(TARGET, stack.fonts.width(spec[0], control) + 2 * pad) for spec in specs) + gap * 2
    row_width = min(stack.width, natural)
    area = Rect(stack.left + stack.width - row_width, stack.y, row_width, 0)
    buttons = button_rows(stack.fonts, specs, control, "control", area, fill=False)
    stack.items.extend(buttons)
    bottom = max(b.rect.bottom for b in buttons)
    text_width = stack.width - row_width - gap
    if left_text and text_width >= 2 * TARGET:
        text_size = _px("control", size, scale)
        lines = stack.fonts.wrap(left_text, text_size, text_width)
        height = len(lines) * stack.fonts.line_height(text_size)
        rect = Rect(stack.left, stack.y + max(0, (buttons[0].rect.h - height) // 2), text_width, height)
        stack.items.append(
            TextBlock(rect, tuple(lines), text_size, False, stack.theme.muted, stack.theme.background, "progress")
        )
        bottom = max(bottom, rect.bottom)
    elif left_text:
        stack.y = bottom + stack.gap
        stack.text(left_text, _px("control", size, scale), colour=stack.theme.muted, role="progress")
        return
    stack.y = bottom + stack.gap


def _command_specs(words: Words, content: Content, kind: Kind) -> list[ButtonSpec]:
    def word(command: str) -> Answer:
        return Answer(content.command(command).words[0])

    if kind is Kind.RESULT:
        return [(words.repeat, word("repeat")), (words.restart, word("restart")), (words.quit, word("quit"))]
    return [
        (words.repeat, word("repeat")),
        (words.back, word("back")),
        (words.help, word("help")),
        (words.restart, word("restart")),
        (words.quit, word("quit")),
    ]


def indicator_lines(words: Words, status: Status, *, voice: bool) -> list[tuple[str, bool]]:
    """The indicator's lines, (text, bold): what was heard or typed, then what the guide is doing (or the hint)."""
    lines: list[tuple[str, bool]] = []
    if status.typed:
        lines.append((words.typed.format(text=status.typed), True))
    elif status.heard is not None:
        lines.append((words.heard.format(text=status.heard) if status.heard else words.heard_nothing, True))
    doing = {
        Indicator.SPEAKING: words.speaking,
        Indicator.LISTENING: words.listening,
        Indicator.THINKING: words.thinking,
    }.get(status.indicator)
    if doing:
        lines.append((doing, True))
    else:
        lines.append((words.hint_voice if voice else words.hint_touch, False))
    return lines


FITS = (
    (1.0, 1.0),
    (1.0, 0.85),
    (1.0, 0.7),
    (1.0, 0.0),
    (0.9, 0.0),
    (0.8, 0.0),
    (0.7, 0.0),
    (0.6, 0.0),
    (0.5, 0.0),
)
"""(question/answer shrink, message shrink) tried in turn until a page fits: the welcome and other messages give
way first (0 means MIN_TEXT), the question last. If even the last does not fit, the messages that are neither a
warning nor a problem are left off the screen (they are spoken, and the result and help repeat what matters)."""


RESULT_FITS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25)
"""Shrinks tried in turn until the result's banner fits its first page (which may then hold nothing else), and
every other page has room for RESULT_LINES lines."""
RESULT_LINES = 3


def layout(
    view: View,
    look: Look,
    status: Status,
    size: tuple[int, int],
    fonts: Fonts,
    words: Words,
    content: Content,
    *,
    voice: bool,
    qr_modules: int = 0,
) -> Frame:
    """Where everything goes. Pure: the same inputs give the same frame (tests use it to know where to click).

    A question page is shrunk (messages first, never below MIN_TEXT) until it fits; the result is cut into pages.
    """
    scale = TEXT_SCALES[look.scale]
    if view.kind is Kind.RESULT and view.assessment is not None:
        for shrink in RESULT_FITS:
            result = _result_frame(view, look, status, size, fonts, words, content, scale * shrink, qr_modules)
            if result.fits:
                break
        return result
    frame = None
    important = tuple(m for m in view.messages if m.kind in (SayKind.WARNING, SayKind.PROBLEM))
    # Larger text keeps the question at least as large as the default would be, leaving messages off first.
    floor = 1.0 if scale > 1.0 else 0.0
    attempts = [
        (messages, fit) for messages in (view.messages, important, ()) for fit in FITS if scale * fit[0] >= floor
    ]
    attempts += [((), fit) for fit in FITS]
    for messages, (shrink, message_shrink) in attempts:
        shortened = dataclasses.replace(view, messages=messages)
        frame = _page_frame(
            shortened, look, status, size, fonts, words, content, voice, scale * shrink, scale * message_shrink
        )
        if frame.fits:
            return frame
    assert frame is not None  # noqa: S101 - FITS is not empty
    return frame


def _margins(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(12, round(32 * _unit(size))), max(8, round(16 * _unit(size) * min(scale, 1.25)))


def _page_frame(
    view: View,
    look: Look,
    status: Status,
    size: tuple[int, int],
    fonts: Fonts,
    words: Words,
    content: Content,
    voice: bool,
    scale: float,
    message_scale: float,
) -> Frame:
    """A question, a confirmation, the waiting page or the goodbye: top bar, messages, the question, its answers;
    at the bottom the indicator (what was heard, what the guide is doing) and the commands."""
    theme = look.theme
    width, height = size
    margin, gap = _margins(size, scale)
    stack = _Stack(fonts, theme, margin, width - 2 * margin, margin, gap)
    _top_bar(stack, words, look, size, view.progress, scale)
    notice = [Message(status.notice, SayKind.WARNING)] if status.notice else []
    for message in (*notice, *view.messages):
        problem = message.kind in (SayKind.PROBLEM, SayKind.WARNING)
        colour = theme.problem if problem else theme.text
        stack.text(message.text, _px("body", size, message_scale), bold=problem, colour=colour, role="message")
    if view.kind is Kind.WAITING:
        stack.text(words.ready, _px("question", size, scale), bold=True, role="question")
        stack.buttons([(words.start, Answer(words.start))], _px("answer", size, scale), "answer", fill=True)
        return Frame(size, theme, tuple(stack.items), fits=stack.y - gap <= height - margin)
    if view.kind is Kind.GOODBYE:
        return Frame(size, theme, tuple(stack.items), fits=stack.y - gap <= height - margin)
    if view.context:
        stack.text(view.context, _px("body", size, message_scale), colour=theme.muted, role="context")
    stack.text(view.prompt, _px("question", size, scale), bold=True, role="question")
    numbered: list[ButtonSpec] = [(f"{n}  {text}", Answer(text)) for n, text in enumerate(view.options, start=1)]
    stack.buttons(numbered, _px("answer", size, scale), "answer", fill=True)
    content_bottom = stack.y - gap
    control = _px("control", size, scale)
    commands = button_rows(
        fonts,
        _command_specs(words, content, view.kind),
        control,
        "control",
        Rect(margin, 0, width - 2 * margin, 0),
        fill=False,
    )
    commands = _at_bottom(commands, height - margin)
    top = min(b.rect.y for b in commands)
    indicator_size = _px("body", size, scale)
    blocks: list[TextBlock] = []
    for text, bold in indicator_lines(words, status, voice=voice):
        lines = fonts.wrap(text, indicator_size, width - 2 * margin, bold=bold)
        block_height = len(lines) * fonts.line_height(indicator_size, bold)
        colour = theme.text if bold else theme.muted
        rect = Rect(margin, 0, width - 2 * margin, block_height)
        blocks.append(TextBlock(rect, tuple(lines), indicator_size, bold, colour, theme.background, "indicator"))
    y = top - gap - sum(b.rect.h for b in blocks)
    fits = y - gap >= content_bottom
    for block in blocks:
        stack.items.append(_moved(block, y))
        y += block.rect.h
    stack.items.extend(commands)
    return Frame(size, theme, tuple(stack.items), fits=fits)


def _banner(
    stack: _Stack,
    assessment: Assessment,
    content: Content,
    size: tuple[int, int],
    scale: float,
    *,
    compact: bool,
    slim: bool = False,
) -> None:
    """The urgency, in words, colour and a symbol: the first thing on the result, largest in an emergency.
    ``compact`` leaves out the action (later pages), ``slim`` also shrinks the title (the summary page)."""
    urgency = content.urgency[assessment.urgency]
    look = URGENCY_LOOKS[assessment.urgency]
    compact = compact or slim
    emergency = assessment.urgency is Urgency.EMERGENCY
    title_size = _px("emergency" if emergency and not compact else "banner", size, scale)
    if slim:
        title_size = _px("body", size, scale)
    body_size = _px("body", size, scale)
    pad = max(12, title_size // 3)
    symbol = round(title_size * (2.0 if emergency and not compact else 1.3))
    text_left = stack.left + pad + symbol + pad
    text_width = stack.width - (text_left - stack.left) - pad
    fonts = stack.fonts
    title = fonts.wrap(urgency.title, title_size, text_width, bold=True)
    action = [] if compact else fonts.wrap(urgency.action, body_size, text_width)
    title_height = len(title) * fonts.line_height(title_size, True)
    text_height = title_height + len(action) * fonts.line_height(body_size)
    height = max(symbol, text_height) + 2 * pad
    band = Rect(stack.left, stack.y, stack.width, height)
    symbol_rect = Rect(stack.left + pad, stack.y + (height - symbol) // 2, symbol, symbol)
    stack.items.append(Panel(band, look.fill, look.symbol, look.text, symbol_rect))
    y = stack.y + (height - text_height) // 2
    title_rect = Rect(text_left, y, text_width, title_height)
    stack.items.append(TextBlock(title_rect, tuple(title), title_size, True, look.text, look.fill, "banner"))
    if action:
        action_rect = Rect(text_left, title_rect.bottom, text_width, len(action) * fonts.line_height(body_size))
        stack.items.append(TextBlock(action_rect, tuple(action), body_size, False, look.text, look.fill, "banner"))
    stack.y += height + stack.gap


def result_body(content: Content, assessment: Assessment) -> list[tuple[str, bool]]:
    """The result's paragraphs for the screen, as (text, is a heading), without the urgency (the banner says it)."""
    urgency = content.urgency[assessment.urgency]
    said = content.phrase("result_urgency", title=urgency.title) + " " + urgency.action
    headings = {content.phrase("result_red_flags"), content.phrase("result_causes")}
    return [(p, p in headings) for p in result_paragraphs(content, assessment, spoken=True) if p != said]


Line = tuple[str, bool, bool, bool]
"""A wrapped line: (text, bold, ends its paragraph, is a warning)."""


def _lines(
    fonts: Fonts, blocks: Sequence[tuple[str, bool]], size: int, width: int, *, warning: bool = False
) -> list[Line]:
    lines: list[Line] = []
    for text, bold in blocks:
        wrapped = fonts.wrap(text, size, width, bold)
        lines += [(line, bold, index == len(wrapped) - 1, warning) for index, line in enumerate(wrapped)]
    return lines


def _paginate(fonts: Fonts, lines: Sequence[Line], size: int, heights: tuple[int, int]) -> list[list[Line]]:
    """Lines cut into pages: the first holds ``heights[0]`` px, every other ``heights[1]``."""
    pages: list[list[Line]] = [[]]
    used = 0
    for line in lines:
        line_height = fonts.line_height(size, line[1])
        room = heights[min(len(pages) - 1, 1)]
        if used + line_height > room and (pages[-1] or (len(pages) == 1 and room < line_height)):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += line_height + (size // 2 if line[2] else 0)
    return pages


def _result_frame(
    view: View,
    look: Look,
    status: Status,
    size: tuple[int, int],
    fonts: Fonts,
    words: Words,
    content: Content,
    scale: float,
    qr_modules: int,
) -> Frame:
    """The result, page by page: the urgency banner (with its action on the first page), warnings, the causes; or
    the summary page: the summary's text on the left and its QR code, as large as fits, on the right."""
    assert view.assessment is not None  # noqa: S101 - checked by the caller
    theme = look.theme
    width, height = size
    margin, gap = _margins(size, scale)
    control = _px("control", size, scale)
    summary = look.summary and bool(view.summary)
    qr_side = 0
    if summary and qr_modules:
        # The code is as large as fits beside the text: whole pixels per module, at most QR_SHARE of the width.
        room = min(height - 2 * margin - (TARGET + gap), round((width - 2 * margin) * QR_SHARE))
        qr_side = max(1, room // qr_modules) * qr_modules
    column = width - 2 * margin - (qr_side + 2 * gap if qr_side else 0)
    split = bool(qr_side) and column < SPLIT_BELOW
    """A small or upright screen: the code gets a page of its own (the first), the text the pages after it."""
    if split:
        column, qr_side = width - 2 * margin, 0
    body_size = _px("summary" if summary else "body", size, scale)
    if summary:
        intro = [] if split else [(words.summary_intro, True)]
        lines = _lines(fonts, [*intro, *((t, False) for t in view.summary.split("\n"))], body_size, column)
    else:
        # The emergency stop's warning (or a problem) comes first, in the warning colour, then the result.
        warnings = [(m.text, True) for m in view.messages if m.kind in (SayKind.WARNING, SayKind.PROBLEM)]
        lines = _lines(fonts, warnings, body_size, column, warning=True)
        lines += _lines(fonts, result_body(content, view.assessment), body_size, column)
    qr_page: list[Rect] = []

    def page_frame(page: int, pages: int) -> tuple[list[Item], int, int]:
        """The items above the text, and where the text may go (top, bottom), for this page."""
        stack = _Stack(fonts, theme, margin, column, margin, gap)
        left = words.page.format(number=page + 1, total=pages) if pages > 1 else ""
        code_page = split and page == 0
        if not code_page:  # the code's own page gives it every pixel it can
            _top_bar(stack, words, look, size, left, scale)
            _banner(stack, view.assessment, content, size, scale, compact=page > 0, slim=summary)  # type: ignore[arg-type]
        if status.notice:
            stack.text(status.notice, _px("body", size, scale), bold=True, colour=theme.problem, role="message")
        actions: list[ButtonSpec] = []
        if pages > 1:
            actions += [
                (words.previous_page, Local("previous"), page > 0),
                (words.next_page, Local("next"), page < pages - 1),
            ]
        actions.append((words.back_to_result, Local("result")) if summary else (words.summary, Local("summary")))
        actions += _command_specs(words, content, Kind.RESULT)
        bottom = _at_bottom(
            button_rows(fonts, actions, control, "control", Rect(margin, 0, width - 2 * margin, 0), fill=False),
            height - margin,
        )
        bar = min(b.rect.y for b in bottom) - gap
        if code_page:  # the code as large as fits, on the left (on top when upright), the intro beside it
            landscape = width > height
            room = min(bar - stack.y, round((width - 2 * margin) * 0.6)) if landscape else width - 2 * margin
            side = max(1, room // qr_modules) * qr_modules
            qr_page[:] = [Rect(margin, stack.y, side, side)]
            if landscape:
                stack.left, stack.width = margin + side + 2 * gap, width - 2 * margin - side - 2 * gap
            else:
                stack.y += side + gap
            _banner(stack, view.assessment, content, size, scale, compact=True, slim=True)  # type: ignore[arg-type]
            stack.text(words.summary_intro, body_size, bold=True, role="summary")
            if pages > 1:
                stack.text(left, _px("control", size, scale), colour=theme.muted, role="page")
            return [*stack.items, *bottom], bar, bar
        return [*stack.items, *bottom], stack.y, bar

    # Pages: the first page's room differs (the full banner); two passes settle the page count in the top bar.
    pages_count = 1
    for _ in range(3):
        rooms = [page_frame(min(n, 1), max(pages_count, 2 if n else 1)) for n in (0, 1)]
        spans = [bottom - top for _, top, bottom in rooms]
        pages = _paginate(fonts, lines, body_size, (max(spans[0], 0), max(spans[1], 1)))
        if len(pages) == pages_count:
            break
        pages_count = len(pages)
    page = min(look.page, len(pages) - 1)
    items, top, _ = page_frame(page, len(pages))
    line = fonts.line_height(body_size, True)
    fits = spans[0] >= -2 * gap and spans[1] >= RESULT_LINES * line  # the first page may hold only its banner
    y = top
    role = "summary" if summary else "body"
    for text, bold, end, warning in pages[page]:
        line_height = fonts.line_height(body_size, bold)
        rect = Rect(margin, y, column, line_height)
        colour = theme.problem if warning else theme.text
        items.append(
            TextBlock(rect, (text,), body_size, bold, colour, theme.background, "message" if warning else role)
        )
        y += line_height + (body_size // 2 if end else 0)
    if qr_side:
        items.append(QrBlock(Rect(width - margin - qr_side, margin, qr_side, qr_side)))
    elif split and page == 0:
        items.append(QrBlock(qr_page[0]))
        fits = fits and qr_page[0].w >= 2 * qr_modules
    return Frame(size, theme, tuple(items), pages=len(pages), fits=fits)


# ---- drawing -----------------------------------------------------------------------------------------------------


def draw(
    surface: pygame.Surface, frame: Frame, fonts: Fonts, qr: pygame.Surface | None, pressed: Button | None
) -> None:
    """Paint ``frame`` on ``surface`` (the whole surface: nothing of an earlier frame survives)."""
    import pygame

    theme = frame.theme
    surface.fill(theme.background)
    border = max(3, frame.size[1] // 200)
    for item in frame.items:
        if isinstance(item, Panel):
            rect = pygame.Rect(item.rect.x, item.rect.y, item.rect.w, item.rect.h)
            pygame.draw.rect(surface, item.fill, rect, border_radius=12)
            pygame.draw.rect(surface, theme.text, rect, width=border, border_radius=12)
            if item.symbol_rect is not None:
                _symbol(surface, item.symbol, item.symbol_rect, item.symbol_colour, item.fill, fonts)
        elif isinstance(item, TextBlock):
            font = fonts.get(item.size, item.bold)
            y = item.rect.y
            for line in item.lines:
                if line:
                    surface.blit(font.render(line, True, item.colour, item.background), (item.rect.x, y))
                y += font.get_linesize()
        elif isinstance(item, Button):
            _button(surface, item, theme, fonts, border, pressed is not None and pressed.rect == item.rect)
        elif isinstance(item, QrBlock) and qr is not None:
            surface.blit(pygame.transform.scale(qr, (item.rect.w, item.rect.h)), (item.rect.x, item.rect.y))


def _button(surface: pygame.Surface, button: Button, theme: Theme, fonts: Fonts, border: int, pressed: bool) -> None:
    import pygame

    rect = pygame.Rect(button.rect.x, button.rect.y, button.rect.w, button.rect.h)
    if button.style == "answer":
        fill, text = theme.answer_fill, theme.answer_text
    else:
        fill, text = theme.control_fill, theme.text
    if pressed:
        fill, text = theme.pressed, theme.background if theme is LIGHT else (0, 0, 0)
    outline = theme.text
    if not button.enabled:
        fill, text, outline = theme.background, theme.disabled, theme.disabled
    pygame.draw.rect(surface, fill, rect, border_radius=14)
    pygame.draw.rect(surface, outline, rect, width=border, border_radius=14)
    font = fonts.get(button.size, button.style == "answer")
    label = button.label
    while font.size(label)[0] > rect.w - 2 * border - 8 and len(label) > 1:
        label = label[:-2] + "…"
    rendered = font.render(label, True, text, fill)
    surface.blit(rendered, rendered.get_rect(center=rect.center))


def _symbol(surface: pygame.Surface, kind: str, box: Rect, colour: Colour, fill: Colour, fonts: Fonts) -> None:
    """The urgency's shape: a warning triangle, a filled circle, a clock, or a tick; the first two carry a "!"."""
    import pygame
    from pygame import gfxdraw

    x, y, s = box.x, box.y, box.w
    mark = ""
    if kind == "triangle":
        points = [(x + s // 2, y), (x + s, y + s), (x, y + s)]
        gfxdraw.filled_polygon(surface, points, colour)
        gfxdraw.aapolygon(surface, points, colour)
        mark = "!"
    elif kind == "circle":
        gfxdraw.filled_circle(surface, x + s // 2, y + s // 2, s // 2, colour)
        gfxdraw.aacircle(surface, x + s // 2, y + s // 2, s // 2, colour)
        mark = "!"
    elif kind == "clock":
        cx, cy, r = x + s // 2, y + s // 2, s // 2
        pygame.draw.circle(surface, colour, (cx, cy), r, width=max(4, s // 10))
        pygame.draw.line(surface, colour, (cx, cy), (cx, cy - r * 2 // 3), max(4, s // 12))
        pygame.draw.line(surface, colour, (cx, cy), (cx + r // 2, cy), max(4, s // 12))
    elif kind == "check":
        points = [(x + s // 8, y + s // 2), (x + s * 2 // 5, y + s * 4 // 5), (x + s * 7 // 8, y + s // 5)]
        pygame.draw.lines(surface, colour, False, points, max(6, s // 7))
    if mark:
        font = fonts.get(max(MIN_TEXT, s * 2 // 3), True)
        rendered = font.render(mark, True, fill)  # no background: it blends into the shape
        centre = (x + s // 2, y + (s * 3 // 5 if kind == "triangle" else s // 2))
        surface.blit(rendered, rendered.get_rect(center=centre))


# ---- the UI thread -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    """The window was closed: input has ended."""


Input = str | Closed
"""From the UI to the session: words (an answer's text, a command's word, or what was typed), or Closed."""


@runtime_checkable
class Stoppable(Protocol):
    def stop(self) -> None: ...


class ScreenUI:
    """The window and its thread. Other threads call :meth:`present`, :meth:`set_status`, :meth:`reset` and read
    :attr:`inputs`; only the UI thread touches SDL.

    ``size`` None opens a full-screen window at the display's resolution; a size opens a window of that size (a
    desktop, the tests).
    """

    def __init__(self, content: Content, size: tuple[int, int] | None = None, *, title: str = "voice-guide") -> None:
        self.content = content
        self.words = Words.from_content(content)
        self.requested_size = size
        self.title = title
        self.inputs: queue.Queue[Input] = queue.Queue()
        self.on_touch: Callable[[], None] | None = None
        """Called (from the UI thread) on every touch, click or key: the front end stops the speech with it."""
        self.voice = False
        """Whether voice is on (only changes the hint's words)."""
        self._lock = threading.Lock()
        self._view = View()
        self._look = Look()
        self._status = Status()
        self._qr: QrImage | None = None
        self._qr_surface: tuple[QrImage, pygame.Surface] | None = None
        """The QR code as an SDL surface (UI thread only)."""
        self._frame: Frame | None = None
        self._frame_view: View | None = None
        self._pressed: Button | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._failure: BaseException | None = None
        self._wake_type = 0
        self._drawn = threading.Condition()
        self._draws = 0
        self._screenshot: bytes = b""
        self._size: tuple[int, int] = size or (0, 0)

    # ---- life cycle (any thread) ----

    def open(self, timeout: float = 20.0) -> None:
        """Start the UI thread and wait for the first frame; ScreenError if the screen cannot be used."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="screen", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise ScreenError("the screen did not start in time")
        if self._failure is not None:
            self._thread.join(5)
            self._thread = None
            raise ScreenError(f"cannot open the screen: {self._failure}") from None

    def close(self) -> None:
        """Stop the UI thread and close the window."""
        self._stopping.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    # ---- state (any thread) ----

    def present(self, view: View) -> None:
        """Show ``view`` (a new screen starts at its first page; the summary page closes when the result changes)."""
        with self._lock:
            if view.kind is not self._view.kind or view.prompt != self._view.prompt:
                self._look.page = 0
            if view.kind is not Kind.RESULT:
                self._look.summary = False
                self._qr = None
            elif view.summary and (self._qr is None or view.summary != self._view.summary):
                from voice_guide.summary import qr_image

                self._qr = qr_image(view.summary, scale=1)
            self._view = view
            self._status.typed = ""
        self._wake()

    def set_status(self, indicator: Indicator) -> None:
        """Show what the guide is doing; starting to listen clears what was heard before."""
        with self._lock:
            self._status.indicator = indicator
            if indicator is Indicator.LISTENING:
                self._status.heard = None
        self._wake()

    def set_heard(self, heard: str | None) -> None:
        """Show what the microphone heard, in words ("": nothing; None: hide)."""
        with self._lock:
            self._status.heard = heard
        self._wake()

    def notice(self, text: str) -> None:
        """Show a notice above the page until the next :meth:`reset` or :meth:`clear_notice`."""
        with self._lock:
            self._status.notice = text
        self._wake()

    def clear_notice(self) -> None:
        with self._lock:
            self._status.notice = ""
        self._wake()

    def reset(self, notice: str = "") -> None:
        """Forget everything about the person: their view, what was heard or typed, the summary and its QR code, and
        the settings they chose; drop unread input. The screen shows the waiting page (with ``notice``, if any)."""
        with self._lock:
            self._view = View()
            self._look = Look()
            self._status = Status(notice=notice)
            self._qr = None
            self._pressed = None
        self.drain()
        self._wake()

    def drain(self) -> None:
        """Drop input nobody has read yet."""
        while True:
            try:
                self.inputs.get_nowait()
            except queue.Empty:
                return

    @property
    def frame(self) -> Frame | None:
        """The frame drawn last (tests read where the buttons are)."""
        with self._lock:
            return self._frame

    def shown(self) -> tuple[View, Frame | None]:
        """The view presented last, and the frame drawn last if it was drawn from that view (else None)."""
        with self._lock:
            return self._view, self._frame if self._frame_view is self._view else None

    def wait_drawn(self, after: int, timeout: float = 10.0) -> int:
        """Wait until more than ``after`` frames were drawn; the count drawn (tests)."""
        with self._drawn:
            self._drawn.wait_for(lambda: self._draws > after, timeout)
            return self._draws

    @property
    def draws(self) -> int:
        with self._drawn:
            return self._draws

    def pixels(self) -> tuple[tuple[int, int], bytes]:
        """The last frame's pixels as RGB bytes, row by row (tests; in memory only)."""
        with self._lock:
            return self._size, self._screenshot

    # ---- the UI thread ----

    def _wake(self) -> None:
        if self._wake_type and self._ready.is_set() and self._failure is None:
            import pygame

            try:
                pygame.event.post(pygame.event.Event(self._wake_type))
            except pygame.error as error:  # the display is gone; the UI thread reports it
                log.debug("could not wake the screen: %s", error)

    def _run(self) -> None:
        try:
            surface, fonts = self._start()
        except BaseException as error:  # reported to open()
            self._failure = error
            self._ready.set()
            return
        try:
            self._loop(surface, fonts)
        except BaseException as error:
            log.error("the screen failed: %s", type(error).__name__)
            self._failure = error
            self.inputs.put(Closed())
        finally:
            import pygame

            pygame.display.quit()

    def _start(self) -> tuple[pygame.Surface, Fonts]:
        os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")  # SIGTERM and Ctrl-C stay the guide's
        os.environ.setdefault("SDL_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR", "0")
        try:
            import pygame
        except ImportError as error:
            raise ScreenError("pygame-ce is not installed (pip install 'voice-guide[screen]')") from error
        pygame.display.init()
        if pygame.display.get_driver() in ("x11", "offscreen", "dummy"):
            # A software framebuffer: without this SDL loads OpenGL (Mesa's llvmpipe, 100 MB) to present frames.
            os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
        pygame.display.set_caption(self.title)
        if self.requested_size is None:
            surface = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            surface = pygame.display.set_mode(self.requested_size)
        pygame.mouse.set_visible(self.requested_size is not None)
        pygame.key.set_repeat()
        self._size = surface.get_size()
        self._wake_type = pygame.event.custom_type()
        fonts = Fonts()
        log.info("screen open: %dx%d (%s)", *self._size, pygame.display.get_driver())
        self._paint(surface, fonts)
        self._ready.set()
        return surface, fonts

    def _loop(self, surface: pygame.Surface, fonts: Fonts) -> None:
        import pygame

        while not self._stopping.is_set():
            event = pygame.event.wait(500)
            dirty = False
            for item in [event, *pygame.event.get()]:
                dirty |= self._handle(item)
            if dirty:
                self._paint(surface, fonts)

    def _handle(self, event: pygame.event.Event) -> bool:
        """One SDL event; True when the screen must be drawn again."""
        import pygame

        if event.type == self._wake_type:
            return True
        if event.type == pygame.QUIT:
            self.inputs.put(Closed())
            return False
        if event.type in (pygame.WINDOWEXPOSED, pygame.WINDOWSIZECHANGED, pygame.VIDEOEXPOSE):
            return True
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._touched()
            with self._lock:
                frame = self._frame
                self._pressed = frame.hit(event.pos) if frame else None
            return self._pressed is not None
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            with self._lock:
                pressed, self._pressed = self._pressed, None
                frame = self._frame
            if pressed is None:
                return False
            if frame is not None and frame.hit(event.pos) == pressed:  # released on the same button: activate
                self._activate(pressed.action)
            return True
        if event.type == pygame.KEYDOWN:
            self._touched()
            return self._key(event)
        return False

    def _touched(self) -> None:
        callback = self.on_touch
        if callback is not None:
            callback()

    def _key(self, event: pygame.event.Event) -> bool:
        import pygame

        with self._lock:
            view, status = self._view, self._status
        if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            typed = status.typed.strip()
            if typed:
                self._set_typed("")
                self.inputs.put(typed)
            elif view.kind is Kind.WAITING:
                self.inputs.put(self.words.start)
            return True
        if event.key == pygame.K_BACKSPACE:
            self._set_typed(status.typed[:-1])
            return True
        if event.key == pygame.K_ESCAPE:
            self._set_typed("")
            return True
        character = event.unicode
        if character.isdigit() and not status.typed and 1 <= int(character) <= len(view.options):
            self.inputs.put(view.options[int(character) - 1])
            return True
        if character and character.isprintable() and len(status.typed) < 60:
            self._set_typed(status.typed + character)
            return True
        return False

    def _set_typed(self, text: str) -> None:
        with self._lock:
            self._status.typed = text

    def _activate(self, action: Action) -> None:
        if isinstance(action, Answer):
            self.inputs.put(action.text)
            return
        with self._lock:
            look = self._look
            if action.name == "larger":
                look.scale = min(len(TEXT_SCALES) - 1, look.scale + 1)
            elif action.name == "smaller":
                look.scale = max(0, look.scale - 1)
            elif action.name == "theme":
                look.theme = LIGHT if look.theme is DARK else DARK
            elif action.name == "next":
                look.page += 1
            elif action.name == "previous":
                look.page = max(0, look.page - 1)
            elif action.name in ("summary", "result"):
                look.summary = action.name == "summary"
                look.page = 0
            look.page = max(0, look.page)

    def _paint(self, surface: pygame.Surface, fonts: Fonts) -> None:
        import pygame

        with self._lock:
            view, look, status = self._view, dataclasses.replace(self._look), dataclasses.replace(self._status)
            qr = self._qr
            pressed = self._pressed
        modules = qr.size if qr is not None else 0
        frame = layout(
            view, look, status, self._size, fonts, self.words, self.content, voice=self.voice, qr_modules=modules
        )
        if frame.pages and look.page >= frame.pages:
            with self._lock:
                self._look.page = frame.pages - 1
            look.page = frame.pages - 1
            frame = layout(
                view, look, status, self._size, fonts, self.words, self.content, voice=self.voice, qr_modules=modules
            )
        if qr is None:
            self._qr_surface = None
        elif self._qr_surface is None or self._qr_surface[0] is not qr:
            grey = bytes(value for pixel in qr.pixels for value in (pixel, pixel, pixel))
            self._qr_surface = (qr, pygame.image.frombytes(grey, (qr.size, qr.size), "RGB"))
        draw(surface, frame, fonts, self._qr_surface[1] if self._qr_surface else None, pressed)
        pygame.display.flip()
        pixels = pygame.image.tobytes(surface, "RGB")
        with self._lock:
            self._frame = frame
            self._frame_view = view
            self._screenshot = pixels
        with self._drawn:
            self._draws += 1
            self._drawn.notify_all()


# ---- the front end -----------------------------------------------------------------------------------------------


def view_for(content: Content, events: Sequence[Event], current: View, today: datetime.date) -> View:
    """The view after ``events``: the screen the last question, confirmation or result makes, with this turn's
    spoken lines as messages (a turn with no new screen keeps the current one, with its new messages)."""
    view = dataclasses.replace(current, messages=())
    messages: list[Message] = []
    for event in events:
        if isinstance(event, Say):
            messages.append(Message(event.text, event.kind))
        elif isinstance(event, OfferKeyboard):
            messages.append(Message(content.phrase("offer_keyboard"), SayKind.PROBLEM))
        elif isinstance(event, Ask):
            view = View(
                Kind.QUESTION,
                progress=content.phrase("progress", number=event.number, total=event.total),
                prompt=event.question.text,
                options=tuple(o.text for o in event.question.options),
            )
        elif isinstance(event, Confirm):
            view = View(
                Kind.CONFIRM,
                progress=current.progress,
                prompt=content.phrase("confirm", answer=event.option.text),
                context=event.question.text,
                options=tuple(o.text for o in content.confirm_options),
            )
        elif isinstance(event, ConfirmCommand):
            view = View(
                Kind.CONFIRM,
                progress=current.progress,
                prompt=content.phrase("confirm_command", action=event.command.action),
                options=tuple(o.text for o in content.confirm_options),
            )
        elif isinstance(event, Result):
            from voice_guide.summary import summary_text

            answers = dict(getattr(event, "answers", ()))
            view = View(
                Kind.RESULT,
                assessment=event.assessment,
                summary=summary_text(content, answers, event.assessment, today) if answers else "",
            )
        elif isinstance(event, End):
            view = View(Kind.GOODBYE)
    return dataclasses.replace(view, messages=tuple(messages))


@dataclass
class _VoiceTurn:
    """One listen in a voice thread."""

    thread: threading.Thread
    cancelled: threading.Event


@runtime_checkable
class Cancellable(Protocol):
    """A listener whose listen() can be ended early from another thread (it then returns None)."""

    def cancel(self) -> None: ...


class ScreenFrontend:
    """The dialog on the screen, with ``voice`` (a VoiceFrontend with ``out=None``) listening and speaking too.

    Without voice the mode is KEYBOARD (typed numbers count, commands act at once), with voice VOICE; touches and
    keys send the option's own words, so they mean the same in both.
    """

    def __init__(
        self,
        content: Content,
        ui: ScreenUI,
        voice: VoiceFrontend | None = None,
        *,
        idle_timeout: float | None = None,
    ) -> None:
        self.content = content
        self.ui = ui
        self.voice = voice
        self.idle_timeout = idle_timeout
        """Without voice: seconds with no touch or key after which a turn counts as silent (the kiosk's idle watch
        counts those); None waits for ever. With voice the microphone's no-input timeout decides."""
        self.mode: Mode = Mode.VOICE if voice is not None else Mode.KEYBOARD
        self._view = View()
        self._interrupted = threading.Event()
        self._turn: _VoiceTurn | None = None
        self._results: queue.Queue[tuple[_VoiceTurn, Heard | BaseException]] = queue.Queue()

    def _take_screen(self) -> None:
        """Make this front end the one the screen reports touches to (a station's voice and touch-only front ends
        share one screen)."""
        self.ui.voice = self.voice is not None
        self.ui.on_touch = self._touched

    # -- Frontend protocol --

    def show(self, events: Sequence[Event]) -> None:
        self._take_screen()
        self._finish_turn()
        self._interrupted.clear()
        self._view = view_for(self.content, events, self._view, datetime.date.today())
        self.ui.present(self._view)
        if self.voice is None:
            return
        if self._interrupted.is_set() or not self.ui.inputs.empty():
            self._pass_rate_changes(events)  # answered ahead: not spoken, but "faster" still counts
            return
        self.ui.set_status(Indicator.SPEAKING)
        try:
            self.voice.show(events)
        finally:
            self.ui.set_status(Indicator.IDLE)

    def listen(self, dialog: Dialog) -> Heard:
        self._take_screen()
        try:
            typed = self.ui.inputs.get_nowait()
        except queue.Empty:
            pass
        else:
            return None if isinstance(typed, Closed) else typed
        if self.voice is not None:
            self._start_turn(dialog)
        waited = 0.0
        while True:
            try:
                item = self.ui.inputs.get(timeout=0.1)
            except queue.Empty:
                waited += 0.1
                heard = self._voice_result()
                if heard is not _NOTHING:
                    return heard  # type: ignore[return-value]
                if self.voice is None and self.idle_timeout is not None and waited >= self.idle_timeout:
                    return Unheard.SILENCE
                continue
            self._cancel_turn()
            self.ui.set_status(Indicator.IDLE)
            if isinstance(item, Closed):
                return None
            return item

    def notice(self, text: str) -> None:
        self._take_screen()
        self.ui.notice(text)
        if self.voice is not None:
            self.ui.set_status(Indicator.SPEAKING)
            try:
                self.voice.notice(text)
            finally:
                self.ui.set_status(Indicator.IDLE)

    # -- voice in a thread --

    def _touched(self) -> None:
        """A touch or key (UI thread): stop the speech; the touch itself is the answer, if it was one."""
        self._interrupted.set()
        if self.voice is not None:
            speaker = self.voice.speaker
            if isinstance(speaker, Stoppable):
                speaker.stop()

    def _pass_rate_changes(self, events: Sequence[Event]) -> None:
        from voice_guide.dialog import ChangeRate

        if self.voice is None:
            return
        for event in events:
            if isinstance(event, ChangeRate):
                self.voice.speaker.faster() if event.step > 0 else self.voice.speaker.slower()

    def _start_turn(self, dialog: Dialog) -> None:
        voice = self.voice
        if voice is None:
            return
        cancelled = threading.Event()
        ui = self.ui
        listener = voice.listener

        class Signalling:
            """The voice front end's listener, telling the screen when it listens and when it thinks."""

            def listen(self) -> Any:
                if cancelled.is_set():
                    return None
                ui.set_status(Indicator.LISTENING)
                samples = listener.listen()
                if not cancelled.is_set():
                    ui.set_status(Indicator.THINKING)
                return samples

            def cancel(self) -> None:
                if isinstance(listener, Cancellable):
                    listener.cancel()

        signalling = Signalling()
        listening = dataclasses.replace(voice, listener=signalling)

        def run() -> None:
            try:
                heard: Heard | BaseException = listening.listen(dialog)
            except BaseException as error:  # handed to the session's thread
                heard = error
            self._results.put((turn, heard))

        turn = _VoiceTurn(threading.Thread(target=run, name="screen-voice", daemon=True), cancelled)
        self._turn = turn
        turn.thread.start()

    def _voice_result(self) -> object:
        try:
            turn, heard = self._results.get_nowait()
        except queue.Empty:
            return _NOTHING
        if turn is not self._turn or turn.cancelled.is_set():
            return _NOTHING
        self._turn = None
        if isinstance(heard, BaseException):
            self.ui.set_status(Indicator.IDLE)
            raise heard
        self.ui.set_status(Indicator.IDLE)
        if isinstance(heard, Recognized):
            self.ui.set_heard(heard.text)
        elif heard is Unheard.SILENCE:
            self.ui.set_heard("")
        elif heard is Unheard.UNRECOGNIZED:
            self.ui.set_heard(self.ui.words.heard_unclear)
        return heard

    def _cancel_turn(self) -> None:
        turn = self._turn
        if turn is None:
            return
        turn.cancelled.set()
        listener = self.voice.listener if self.voice is not None else None
        if isinstance(listener, Cancellable):
            listener.cancel()

    def _finish_turn(self, timeout: float = 20.0) -> None:
        """End a listen still running (the person answered by touch), so the microphone is closed before the guide
        speaks again. Cancelling is repeated until the thread ends, in case it had not started listening yet."""
        turn, self._turn = self._turn, None
        if turn is None:
            return
        turn.cancelled.set()
        listener = self.voice.listener if self.voice is not None else None
        waited = 0.0
        while turn.thread.is_alive() and waited < timeout:
            if isinstance(listener, Cancellable):
                listener.cancel()
            turn.thread.join(0.05)
            waited += 0.05
        if turn.thread.is_alive():
            log.warning("the microphone did not stop listening in time")


_NOTHING = object()


# ---- the kiosk: waiting for the next person, and a station per person --------------------------------------------


class ScreenWaiter:
    """Waits for the next person on the screen (the kiosk's :class:`~voice_guide.kiosk.Waiter`).

    It first clears everything of the last person (:meth:`ScreenUI.reset`), then shows the waiting page, with the
    station's ``notice`` (e.g. why there is no voice) kept on it, and returns True when someone touches Start,
    presses Enter or types anything, or, with ``voice``, says a start word ("start", "begin", "hello"); False when the
    window is closed.
    """

    def __init__(self, content: Content, ui: ScreenUI, notice: str = "", voice: VoiceParts | None = None) -> None:
        self.content = content
        self.ui = ui
        self.notice = notice
        self.voice = voice

    def wait(self) -> bool:
        self.ui.reset(self.notice)
        self.ui.voice = self.voice is not None
        self.ui.on_touch = None
        stop = threading.Event()
        listening = None
        if self.voice is not None:
            listening = threading.Thread(target=self._listen_for_start, args=(stop,), name="screen-start", daemon=True)
            listening.start()
        try:
            while True:
                try:
                    item = self.ui.inputs.get(timeout=0.2)
                except queue.Empty:
                    continue
                return not isinstance(item, Closed)
        finally:
            stop.set()
            if listening is not None and self.voice is not None:
                while listening.is_alive():
                    if isinstance(self.voice.listener, Cancellable):
                        self.voice.listener.cancel()
                    listening.join(0.05)

    def _listen_for_start(self, stop: threading.Event) -> None:
        """Voice thread: listen until a start word is heard (then press Start) or ``stop`` is set."""
        from voice_guide.content import normalize_phrase
        from voice_guide.kiosk import start_words

        parts = self.voice
        if parts is None:
            return
        words = set(start_words(self.content))
        while not stop.is_set():
            try:
                samples = parts.listener.listen()
            except (EOFError, VoiceGuideError) as error:
                log.warning("listening for the start word stopped: %s", type(error).__name__)
                return
            if samples is None or stop.is_set():
                continue
            heard = parts.recognizer.recognize(samples, sorted(words)).text
            if set(normalize_phrase(heard).split()) & words:
                self.ui.inputs.put(self.ui.words.start)
                return


def screen_stations(
    content: Content,
    ui: ScreenUI,
    *,
    keyboard: bool,
    idle_timeout: float,
    settings: VoiceSettings | None = None,
) -> tuple[StationFactory, str]:
    """The kiosk's stations on the screen, and a notice for the waiting page ("" when there is none).

    With voice (unless ``keyboard``): each person gets a screen front end with a fresh voice front end, and a
    touch-only one as the fallback (a microphone that fails mid-session hands over, answers kept); without voice,
    touch and keys, saying why on the waiting page.
    """
    from voice_guide.kiosk import Station

    parts: VoiceParts | None = None
    notice = ""
    if not keyboard:
        from voice_guide.speech.stack import VoiceSettings as Settings
        from voice_guide.speech.stack import open_voice_parts

        try:
            parts = open_voice_parts(settings or Settings())
        except (VoiceGuideError, ImportError) as error:
            log.warning("voice is not available: %s", error)
            notice = unavailable_text(content, error, screen=True) or content.phrase(
                "screen_no_voice", reason=str(error)
            )
        else:
            log.info("kiosk voice: %s", " ".join(parts.notices))

    def build() -> Station:
        touch = ScreenFrontend(content, ui, idle_timeout=idle_timeout)
        waiter = ScreenWaiter(content, ui, notice, parts)
        if parts is None:
            return Station(touch, waiter)
        voice = ScreenFrontend(content, ui, parts.frontend(content, None))
        return Station(voice, waiter, fallback=touch)

    return build, notice


def screen_frontends(
    content: Content, ui: ScreenUI, settings: VoiceSettings | None, *, require_voice: bool = False
) -> tuple[ScreenFrontend, ScreenFrontend | None, str]:
    """``voice-guide --screen``: the screen front end (with voice unless ``settings`` is None), its touch-only
    fallback, and a notice to show ("" when there is none). VoiceGuideError when ``require_voice`` and voice
    cannot be used."""
    touch = ScreenFrontend(content, ui)
    if settings is None:
        return touch, None, ""
    from voice_guide.speech.stack import open_voice_parts

    try:
        parts = open_voice_parts(settings)
    except (VoiceGuideError, ImportError) as error:
        if require_voice:
            raise
        log.info("voice is not available: %s", error)
        notice = unavailable_text(content, error, screen=True) or content.phrase("screen_no_voice", reason=str(error))
        return touch, None, notice
    return ScreenFrontend(content, ui, parts.frontend(content, None)), touch, ""


def parse_size(text: str) -> tuple[int, int]:
    """ "1280x800" -> (1280, 800); ValueError otherwise."""
    width, _, height = text.lower().partition("x")
    size = (int(width), int(height))
    if min(size) < 200:
        raise ValueError(f"screen size {text!r} is too small (at least 200x200)")
    return size
