"""The touch screen's window and its thread: SDL (pygame-ce) draws frames and turns touches and keys into input.

Only the UI thread touches SDL. Other threads change what is shown under the UI's lock and post a wake-up event
(``SDL_PushEvent`` is thread-safe); input goes the other way through :attr:`ScreenUI.inputs`. See
voice_guide.frontends.screen for the whole picture.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from voice_guide.content import Content
from voice_guide.errors import SpeechError, VoiceGuideError
from voice_guide.frontends.screen_layout import (
    DARK,
    LIGHT,
    MIN_TEXT,
    TEXT_SCALES,
    Action,
    Answer,
    Button,
    Colour,
    Fonts,
    Frame,
    Indicator,
    Kind,
    Look,
    Panel,
    QrBlock,
    Rect,
    Status,
    TextBlock,
    Theme,
    View,
    Words,
    layout,
)

if TYPE_CHECKING:
    import pygame

    from voice_guide.speech.choice import VoiceChoice
    from voice_guide.summary import QrImage

log = logging.getLogger(__name__)


class ScreenError(VoiceGuideError):
    """The screen cannot be used (pygame-ce missing, no display, or the display failed)."""


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
        self.speech: VoiceChoice | None = None
        """The voice the person can change with the voice button; None shows no button. Set by the front end in
        use (only when it speaks)."""
        self._person = 0
        """Counts resets, so that a voice that finishes loading after its person left changes nothing on screen."""
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

    @property
    def notice_text(self) -> str:
        """The notice shown now ("" when none)."""
        with self._lock:
            return self._status.notice

    def clear_notice(self) -> None:
        with self._lock:
            self._status.notice = ""
        self._wake()

    def reset(self, notice: str = "") -> None:
        """Forget everything about the person: their view, what was heard or typed, the summary and its QR code, and
        the settings they chose; drop unread input. The screen shows the waiting page (with ``notice``, if any)."""
        with self._lock:
            self._person += 1
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
        if action.name == "voice":
            self._change_voice()
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

    def _change_voice(self) -> None:
        """The voice button (UI thread): load the other voice on a thread of its own (Piper takes a second or more,
        and the screen must not freeze), then ask for the page again, so that it is heard in the new voice."""
        choice = self.speech
        with self._lock:
            target = choice.other if choice is not None else None
            if choice is None or target is None or self._look.speech_loading:
                return
            self._look.speech_loading = True
            person = self._person
        repeat = self.content.command("repeat").words[0]

        def change() -> None:
            try:
                choice.choose(target)
                failed = False
            except SpeechError as error:
                log.warning("the %s voice could not be used: %s", target, error)
                failed = True
            with self._lock:
                if self._person != person:
                    return  # the person has gone: nothing of theirs is shown or asked for
                self._look.speech_loading = False
                if failed:
                    self._status.notice = self.words.voice_failed
                again = not failed and self._view.kind in (Kind.QUESTION, Kind.CONFIRM, Kind.RESULT)
            if again:
                self.inputs.put(repeat)
            self._wake()

        threading.Thread(target=change, name="screen-voice-choice", daemon=True).start()

    def _paint(self, surface: pygame.Surface, fonts: Fonts) -> None:
        import pygame

        with self._lock:
            view, look, status = self._view, dataclasses.replace(self._look), dataclasses.replace(self._status)
            qr = self._qr
            pressed = self._pressed
        speech = self.speech
        if speech is not None and speech.other is not None:
            look.speech = speech.current
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
