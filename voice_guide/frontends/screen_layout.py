"""What the touch screen shows, and where: the view built from the dialog's events, its looks, and the layout.

Everything here is pure: :func:`view_for` turns the dialog's events into a :class:`View`; :func:`layout` places a view
on a screen of a given size, in a theme and text size, as a :class:`Frame` of text blocks, buttons, the urgency band
and the QR code, with where each goes (what voice_guide.frontends.screen_ui draws, and what the tests click at and
measure). Text is measured with pygame-ce's fonts (DejaVu Sans); nothing here opens a window.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from voice_guide.content import Content
from voice_guide.dialog import (
    Ask,
    CheckAnswers,
    Confirm,
    ConfirmCommand,
    End,
    Event,
    OfferKeyboard,
    Result,
    Say,
    SayKind,
)
from voice_guide.render import joined
from voice_guide.report import result_paragraphs
from voice_guide.urgency import Urgency

if TYPE_CHECKING:
    import pygame

    from voice_guide.triage import Assessment

log = logging.getLogger(__name__)

Colour = tuple[int, int, int]
"""An sRGB colour, 0-255 a channel."""


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
    speech: str = ""
    """The voice speaking now ("espeak" or "piper"), when the person can change it; "" shows no voice button (no
    speech, or only one voice installed)."""
    speech_loading: bool = False
    """The chosen voice is loading (its button is shown dimmed)."""


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
    voice_clearer: str
    voice_standard: str
    voice_loading: str
    voice_failed: str
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
    """What this page is ("Question 4 of about 10", "Page 2 of 5") on the left, the text-size, theme and voice
    controls on the right (at the base size, so they stay where they are when the text grows). Each control's label
    says what pressing it does ("Light screen", "Clearer voice")."""
    control = _px("control", size, 1.0)
    theme_label = words.light if look.theme is DARK else words.dark
    specs: list[ButtonSpec] = [
        (words.smaller, Local("smaller"), look.scale > 0),
        (words.larger, Local("larger"), look.scale < len(TEXT_SCALES) - 1),
        (theme_label, Local("theme")),
    ]
    if look.speech_loading:
        specs.append((words.voice_loading, Local("voice"), False))
    elif look.speech:
        specs.append((words.voice_standard if look.speech == "piper" else words.voice_clearer, Local("voice")))
    pad, gap = max(16, control // 2), max(12, control // 3)
    natural = sum(max(TARGET, stack.fonts.width(spec[0], control) + 2 * pad) for spec in specs)
    natural += gap * (len(specs) - 1)
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
    (0.45, 0.0),
    (0.4, 0.0),
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
            label = _px("control", size, scale)
            if pages > 1 and stack.y + fonts.line_height(label, False) <= bar:  # else the page buttons say it
                stack.text(left, label, colour=theme.muted, role="page")
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
        elif isinstance(event, CheckAnswers):
            view = View(
                Kind.CONFIRM,
                progress=current.progress,
                prompt=content.phrase("check_answers", topics=joined(content, [q.topic for q in event.questions])),
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
