"""The touch screen: a whole consultation by touch, keys and typed words (SDL's offscreen driver, and real X input
on Xvfb with xdotool), its pixels (text shown, WCAG 2.2 contrast, 44 px+ targets), the QR code read back from a
screenshot, voice and touch at the same time, nothing of a person left after a reset, and no network socket.
"""

from __future__ import annotations

import dataclasses
import datetime
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from conftest import CLI_TIMEOUT, cli_command
from kiosk_helpers import Person, rng, scripted_person
from pixels import LARGE_TEXT, TARGET, TEXT, Pixels, background, contrast, crop, ink, rgb, shows, text_contrast
from test_choice import KeptAudio, espeak_choice, needs_piper
from test_privacy import refuse_sockets, repo_env
from xvfb import Display
from xvfb import xvfb as xvfb  # the fixture

from voice_guide.content import Content
from voice_guide.dialog import Ask, Confirm, ConfirmCommand, Dialog, Event, Mode, Say, SayKind, State
from voice_guide.engines.base import Transcript
from voice_guide.errors import SpeechError
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.questionnaire import state
from voice_guide.session import Heard, Outcome, SessionResult, Typed, Unheard, run_session
from voice_guide.summary import summary_text
from voice_guide.testing import DEVICE_GONE, EchoRecognizer, RecordingSpeaker, ScriptedListener, utterance
from voice_guide.triage import assess
from voice_guide.urgency import Urgency

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

pygame = pytest.importorskip("pygame", reason="pygame-ce is not installed (pip install -e '.[screen]')")
zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp is not installed (pip install -e '.[test-screen]')")

from voice_guide.frontends.screen import (  # noqa: E402 - after the skip
    ScreenFrontend,
    ScreenUI,
    ScreenWaiter,
)
from voice_guide.frontends.screen_layout import (  # noqa: E402 - after the skip
    DARK,
    LIGHT,
    TEXT_SCALES,
    URGENCY_LOOKS,
    Button,
    Fonts,
    Frame,
    Kind,
    Look,
    Panel,
    QrBlock,
    Status,
    TextBlock,
    View,
    Words,
    layout,
    view_for,
)
from voice_guide.frontends.screen_ui import (  # noqa: E402 - after the skip
    Closed,
    draw,
)
from voice_guide.speech.choice import VoiceChoice, for_next_person  # noqa: E402 - after the skip
from voice_guide.speech.microphone import Completeness  # noqa: E402 - after the skip

pytestmark = pytest.mark.screen

SIZE = (1280, 800)
SIZES = [(1280, 800), (800, 480), (720, 1280)]
"""A 10-inch display, the original 7-inch Raspberry Pi touch display, and the Touch Display 2 upright."""
TODAY = datetime.date.today()


# ---- helpers -----------------------------------------------------------------------------------------------------


def person_answering_everything(content: Content, seed: int = 4) -> Person:
    for offset in range(50):
        person = scripted_person(content, rng(seed + offset))
        if not person.assessment.emergency and len(person.answers) > 15:
            return person
    raise AssertionError("no scripted person went through the whole questionnaire")


def question_for(content: Content, prompt: str) -> str:
    return next(q.id for q in content.questions if q.text == prompt)


def decode_qr(pixels: Pixels) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode)]


def screen_array(ui: ScreenUI) -> Pixels:
    size, data = ui.pixels()
    return np.frombuffer(data, dtype=np.uint8).reshape(size[1], size[0], 3)


def shown_frame(ui: ScreenUI, ready: Callable[[View, Frame], bool], timeout: float = 15.0) -> tuple[View, Frame]:
    """Wait until the screen has drawn a frame for which ``ready(view, frame)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        view, frame = ui.shown()
        if frame is not None and ready(view, frame):
            return view, frame
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the screen (showing {view.kind}: {view.prompt!r})")
        time.sleep(0.02)


def rendered_line(fonts: Fonts, block: TextBlock, index: int = 0) -> Pixels:
    """A text block's line drawn by the toolkit on its own, as pixels."""
    surface = fonts.get(block.size, block.bold).render(block.lines[index], True, block.colour, block.background)
    return np.frombuffer(pygame.image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(
        surface.get_height(), surface.get_width(), 3
    )


def check_pixels(frame: Frame, pixels: Pixels, fonts: Fonts) -> None:
    """Every text shows its words, with at least 4.5:1 contrast; every button is at least TARGET px each way, its
    label 4.5:1 on its fill, its boundary 3:1 against the page; the urgency band 3:1 against the page."""
    page = frame.theme.background
    for item in frame.items:
        if isinstance(item, TextBlock) and item.lines and item.lines[0]:
            assert shows(pixels, rendered_line(fonts, item), (item.rect.x, item.rect.y)), item
            region = crop(pixels, (item.rect.x, item.rect.y, item.rect.w, item.rect.h))
            assert text_contrast(region) >= TEXT, (item.role, item.lines[0], text_contrast(region))
        if isinstance(item, Button):
            assert item.rect.w >= TARGET and item.rect.h >= TARGET, item
            inner = crop(pixels, (item.rect.x + 8, item.rect.y + 8, item.rect.w - 16, item.rect.h - 16))
            label = ink(inner)
            assert label is not None, item.label
            if item.enabled:
                assert contrast(label, background(inner)) >= TEXT, (item.label, label, background(inner))
                edge = tuple(int(v) for v in pixels[item.rect.y + item.rect.h // 2, item.rect.x + 1])
                assert contrast(edge, page) >= LARGE_TEXT, (item.label, edge)
        if isinstance(item, Panel):
            edge = tuple(int(v) for v in pixels[item.rect.y + item.rect.h // 2, item.rect.x + 1])
            assert contrast(edge, page) >= LARGE_TEXT
            assert contrast(item.fill, item.symbol_colour) >= TEXT
    check_geometry(frame)


def render(frame: Frame, fonts: Fonts, qr: object = None) -> Pixels:
    surface = pygame.Surface(frame.size)
    draw(surface, frame, fonts, qr, None)  # type: ignore[arg-type]
    data = pygame.image.tobytes(surface, "RGB")
    return np.frombuffer(data, dtype=np.uint8).reshape(frame.size[1], frame.size[0], 3)


@pytest.fixture(scope="module")
def fonts() -> Fonts:
    return Fonts()


@pytest.fixture
def offscreen(content: Content, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScreenUI]:
    """The screen on SDL's offscreen driver (no X server), 1280x800."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "offscreen")
    monkeypatch.delenv("DISPLAY", raising=False)
    ui = ScreenUI(content, SIZE)
    ui.open()
    try:
        yield ui
    finally:
        ui.close()


# ---- the layout and its pixels, for every kind of page ------------------------------------------------------------


_VIEWS: dict[int, dict[str, View]] = {}


def answer_all(dialog: Dialog, answers: Mapping[str, str]) -> list[Event]:
    """Give the dialog these answers (confirming any read-back with yes) up to the result; the last events."""
    events: list[Event] = []
    while dialog.state is not State.RESULT:
        if dialog.state is not State.ASKING or dialog.question is None:
            events = dialog.hear("yes")
        else:
            events = dialog.hear(dialog.question.option(answers[dialog.question.id]).text)
    return events


def sample_views(content: Content) -> dict[str, View]:
    """One view of every kind: waiting, the first question (with the welcome), a read-back, a result per urgency."""
    if id(content) in _VIEWS:
        return _VIEWS[id(content)]
    dialog = Dialog(content, Mode.KEYBOARD)
    views = {"waiting": View(), "first question": view_for(content, dialog.start(), View(), TODAY)}
    question = content.questions[0]
    confirm = Confirm(question, question.options[0])
    views["read-back"] = view_for(content, [confirm], views["first question"], TODAY)
    by_urgency = {
        Urgency.EMERGENCY: {"rf_nerves": "yes"},
    }
    person = person_answering_everything(content)
    by_urgency[person.assessment.urgency] = person.answers
    for seed in range(200):
        if len(by_urgency) == len(Urgency):
            break
        candidate = scripted_person(content, rng(seed))
        by_urgency.setdefault(candidate.assessment.urgency, candidate.answers)
    for urgency, answers in by_urgency.items():
        mirror = Dialog(content, Mode.KEYBOARD)
        mirror.start()
        views[f"result {urgency.key}"] = view_for(content, answer_all(mirror, answers), View(), TODAY)
    _VIEWS[id(content)] = views
    return views


def check_geometry(frame: Frame) -> None:
    """Every button at least TARGET px each way, inside the screen, none overlapping another."""
    buttons = frame.buttons
    for index, a in enumerate(buttons):
        assert a.rect.w >= TARGET and a.rect.h >= TARGET, a
        assert a.rect.x >= 0 and a.rect.x + a.rect.w <= frame.size[0] and a.rect.y >= 0, a
        assert a.rect.bottom <= frame.size[1], a
        for b in buttons[index + 1 :]:
            apart = (
                a.rect.x + a.rect.w <= b.rect.x
                or b.rect.x + b.rect.w <= a.rect.x
                or a.rect.bottom <= b.rect.y
                or b.rect.bottom <= a.rect.y
            )
            assert apart, (a.label, b.label)


def qr_surface(text: str) -> tuple[int, object]:
    from voice_guide.summary import qr_image

    qr = qr_image(text, scale=1)
    grey = bytes(v for p in qr.pixels for v in (p, p, p))
    return qr.size, pygame.image.frombytes(grey, (qr.size, qr.size), "RGB")


def with_voice_button(look: Look) -> Look:
    """The voice button in each of its states across the cases below: "Clearer voice" on the dark theme, "Basic
    voice" on the light one, and "Loading voice" (dimmed) at the third text size."""
    return dataclasses.replace(
        look, speech="piper" if look.theme is LIGHT else "espeak", speech_loading=look.scale == 2
    )


def test_the_voice_button_says_what_it_changes_to_and_is_shown_only_with_a_choice(
    content: Content, fonts: Fonts
) -> None:
    words = Words.from_content(content)
    view = sample_views(content)["first question"]

    def voice_buttons(**look: object) -> list[Button]:
        frame = layout(view, Look(**look), Status(), SIZE, fonts, words, content, voice=True)  # type: ignore[arg-type]
        labels = {words.voice_clearer, words.voice_standard, words.voice_loading}
        return [button for button in frame.buttons if button.label in labels]

    assert voice_buttons() == []  # no speech, or only one voice installed
    (clearer,) = voice_buttons(speech="espeak")
    assert clearer.label == words.voice_clearer and clearer.enabled
    (standard,) = voice_buttons(speech="piper")
    assert standard.label == words.voice_standard and standard.enabled
    (loading,) = voice_buttons(speech="espeak", speech_loading=True)
    assert loading.label == words.voice_loading and not loading.enabled


def test_every_page_fits_the_screen_with_44px_targets_in_every_size_theme_and_text_size(
    content: Content, fonts: Fonts
) -> None:
    words = Words.from_content(content)
    checked = 0
    for name, view in sample_views(content).items():
        modules = qr_surface(view.summary)[0] if view.summary else 0
        for size in SIZES:
            for theme in (DARK, LIGHT):
                for scale in range(len(TEXT_SCALES)):
                    for summary in (False, True) if view.kind is Kind.RESULT else (False,):
                        look = with_voice_button(Look(theme=theme, scale=scale, summary=summary))
                        frame = layout(
                            view, look, Status(), size, fonts, words, content, voice=True, qr_modules=modules
                        )
                        assert frame.fits, (name, size, theme.name, scale)
                        check_geometry(frame)
                        question = frame.texts("question")
                        if question:  # the question is never below 24 px, and the default size or more when enlarged
                            assert question[0].size >= 24
                        checked += 1
    assert checked > 150


PIXEL_CASES = [(SIZE, DARK, 0), (SIZE, LIGHT, 0), ((800, 480), DARK, 3), ((720, 1280), LIGHT, 1)]
"""Screens whose pixels are checked (rendering every case of the test above would take minutes)."""


def test_rendered_pages_show_their_words_with_aa_contrast_and_the_qr_code_reads_back(
    content: Content, fonts: Fonts
) -> None:
    words = Words.from_content(content)
    for name, view in sample_views(content).items():
        for size, theme, scale in PIXEL_CASES:
            summaries = (False, True) if view.kind is Kind.RESULT else (False,)
            for summary in summaries:
                modules, surface = qr_surface(view.summary) if summary else (0, None)
                look = with_voice_button(Look(theme=theme, scale=scale, summary=summary))
                frame = layout(view, look, Status(), size, fonts, words, content, voice=True, qr_modules=modules)
                pixels = render(frame, fonts, surface)
                check_pixels(frame, pixels, fonts)
                if summary:
                    block = next(i for i in frame.items if isinstance(i, QrBlock))
                    code = crop(pixels, (block.rect.x, block.rect.y, block.rect.w, block.rect.h))
                    assert block.rect.w // modules >= 2  # at least 2 px a module even on 800x480
                    assert decode_qr(np.ascontiguousarray(code)) == [view.summary], name


def test_urgency_is_shown_in_words_colour_and_a_shape_with_the_emergency_largest(
    content: Content, fonts: Fonts
) -> None:
    words = Words.from_content(content)
    views = sample_views(content)
    heights = {}
    for urgency in Urgency:
        frame = layout(views[f"result {urgency.key}"], Look(), Status(), SIZE, fonts, words, content, voice=False)
        panel = next(i for i in frame.items if isinstance(i, Panel))
        banner = frame.texts("banner")
        assert banner[0].lines[0].startswith(content.urgency[urgency].title.split()[0])
        assert panel.fill == URGENCY_LOOKS[urgency].fill
        heights[urgency] = panel.rect.h
        first_text = min(
            (i for i in frame.items if isinstance(i, TextBlock) and i.role == "body"), key=lambda i: i.rect.y
        )
        assert panel.rect.bottom <= first_text.rect.y  # the urgency comes before everything else on the result
    assert len({look.symbol for look in URGENCY_LOOKS.values()}) == len(Urgency)  # never colour alone
    assert heights[Urgency.EMERGENCY] == max(heights.values())


# ---- a whole consultation: touch, number keys and typed words -----------------------------------------------------


WAYS = ("touch", "key", "touch", "typed", "key")
"""How the scripted person answers, question after question (cycling)."""


@dataclass
class Hands:
    """How a test touches and types: SDL events posted in process, or real X input through xdotool."""

    press: Callable[[Button], None]
    key: Callable[[str], None]
    """An X keysym name: "2", "Return"."""
    type: Callable[[str], None]


def posted_hands() -> Hands:
    def press(button: Button) -> None:
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=button.rect.center, button=1, touch=False))

    def key(name: str) -> None:
        code = pygame.K_RETURN if name == "Return" else pygame.key.key_code(name)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, unicode="" if name == "Return" else name, mod=0))

    def type_(text: str) -> None:
        for character in text:
            code = pygame.K_SPACE if character == " " else pygame.key.key_code(character)
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, unicode=character, mod=0))

    return Hands(press, key, type_)


def x_hands(display: Display) -> Hands:
    return Hands(
        press=lambda button: display.click(*button.rect.center),
        key=lambda name: display.key(name),
        type=lambda text: display.type(text),
    )


@dataclass
class Visit:
    """What the scripted person saw (filled in by :func:`visit`)."""

    questions: int = 0
    ways: list[str] = field(default_factory=list)
    summary_codes: list[str] = field(default_factory=list)
    """What the QR code on the screen read back as."""
    frames: list[tuple[View, Frame, Pixels]] = field(default_factory=list)
    """Screens kept for checking (``keep``), with their pixels."""
    error: BaseException | None = None


def visit(
    ui: ScreenUI,
    content: Content,
    person: Person,
    hands: Hands,
    grab: Callable[[], Pixels],
    *,
    keep: Callable[[View, int], bool] = lambda view, n: False,
) -> Visit:
    """The person answers every question the screen shows, by WAYS in turn; at the result opens the summary page,
    reads the QR code off the screen, and touches Stop. Runs on a thread; returns when the goodbye is shown."""
    words = Words.from_content(content)
    seen = Visit()
    last = View()

    def new_page(view: View, frame: Frame) -> bool:
        return view is not last and view.kind is not Kind.WAITING

    def summary_page(view: View, frame: Frame) -> bool:
        return view is last and any(isinstance(item, QrBlock) for item in frame.items)

    while True:
        view, frame = shown_frame(ui, new_page)
        last = view
        if keep(view, seen.questions):
            seen.frames.append((view, frame, grab()))
        if view.kind is Kind.QUESTION:
            question = content.question(question_for(content, view.prompt))
            option = question.option(person.answers[question.id])
            number = question.options.index(option) + 1
            way = WAYS[seen.questions % len(WAYS)]
            seen.ways.append(way)
            if way == "touch":
                hands.press(frame.button(f"{number}  {option.text}"))
            elif way == "key":
                hands.key(str(number))
            else:
                hands.type(option.text.lower())
                hands.key("Return")
            seen.questions += 1
        elif view.kind is Kind.CONFIRM:  # "I heard: Womb. Is that right?"
            hands.press(frame.button(f"1  {content.confirm_options[0].text}"))
        elif view.kind is Kind.RESULT:
            hands.press(frame.button(words.summary))
            _, summary = shown_frame(ui, summary_page)
            time.sleep(0.1)  # drawn; give the display a moment to show it
            pixels = grab()
            block = next(i for i in summary.items if isinstance(i, QrBlock))
            code = np.ascontiguousarray(crop(pixels, (block.rect.x, block.rect.y, block.rect.w, block.rect.h)))
            seen.summary_codes = decode_qr(code)
            seen.frames.append((view, summary, pixels))
            hands.press(summary.button(words.quit))
        elif view.kind is Kind.GOODBYE:
            return seen
        else:
            raise AssertionError(f"unexpected screen {view.kind}: {view.prompt}")


def run_visit(
    ui: ScreenUI, content: Content, person: Person, hands: Hands, grab: Callable[[], Pixels], **kwargs: object
) -> tuple[Visit, Outcome]:
    """A session on the touch-only screen front end, with the person at it on a thread."""
    seen: list[Visit] = []

    def person_thread() -> None:
        try:
            seen.append(visit(ui, content, person, hands, grab, **kwargs))  # type: ignore[arg-type]
        except BaseException as error:
            seen.append(Visit(error=error))
            ui.inputs.put(Closed())

    thread = threading.Thread(target=person_thread, daemon=True)
    thread.start()
    frontend = ScreenFrontend(content, ui)
    result = run_session(Dialog(content, frontend.mode), frontend)
    thread.join(20)
    assert seen, "the person did not finish"
    if seen[0].error is not None:
        raise seen[0].error
    return seen[0], result.outcome


def expected_summary(content: Content, person: Person) -> str:
    complete = not state(content, person.answers).stopped
    return summary_text(content, person.answers, assess(content, person.answers, complete=complete), TODAY)


def test_a_whole_consultation_by_touch_keys_and_typing_keeps_every_answer(
    content: Content, offscreen: ScreenUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offscreen, with socket creation made to fail: no part of the screen needs the network."""
    attempts = refuse_sockets(monkeypatch)
    person = person_answering_everything(content)
    seen, outcome = run_visit(offscreen, content, person, posted_hands(), lambda: screen_array(offscreen))
    assert outcome is Outcome.COMPLETED
    assert seen.questions == len(person.answers)
    assert set(seen.ways or ()) == {"touch", "key", "typed"}
    assert seen.summary_codes == [expected_summary(content, person)]  # every answer kept, whichever way it came
    assert attempts == []


def test_nothing_of_the_person_is_left_after_a_reset(content: Content, offscreen: ScreenUI) -> None:
    waiting = screen_array(offscreen).copy()
    person = person_answering_everything(content, seed=9)
    seen, _ = run_visit(offscreen, content, person, posted_hands(), lambda: screen_array(offscreen))
    assert seen.summary_codes
    drawn = offscreen.draws
    offscreen.reset()
    offscreen.wait_drawn(drawn)
    view, frame = offscreen.shown()
    assert view == View() and frame is not None
    assert np.array_equal(screen_array(offscreen), waiting)  # pixel for pixel the page before the person came
    assert offscreen.inputs.empty()
    assert offscreen._qr is None and offscreen._status == Status()


def test_the_waiting_page_keeps_the_reason_voice_is_off(content: Content, offscreen: ScreenUI) -> None:
    notice = content.phrase("screen_no_voice", reason="no microphone found")
    waiter = ScreenWaiter(content, offscreen, notice)
    started: list[bool] = []
    thread = threading.Thread(target=lambda: started.append(waiter.wait()), daemon=True)
    thread.start()
    _, frame = shown_frame(offscreen, lambda view, frame: view.kind is Kind.WAITING and bool(frame.texts("message")))
    assert next(block.lines for block in frame.texts("message"))[0] in notice
    posted_hands().press(frame.button(Words.from_content(content).start))
    thread.join(5)
    assert started == [True]


# ---- on a real X server, with real clicks and key presses ---------------------------------------------------------


@pytest.fixture
def on_xvfb(content: Content, xvfb: Display, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ScreenUI, Display]]:
    """The screen in full-screen mode on a fresh Xvfb (SDL's X11 driver)."""
    monkeypatch.setenv("DISPLAY", xvfb.name)
    monkeypatch.setenv("SDL_VIDEODRIVER", "x11")
    ui = ScreenUI(content)  # full screen: the display's own size
    ui.open()
    try:
        yield ui, xvfb
    finally:
        ui.close()


def x_screenshot(display: Display) -> Pixels:
    return rgb(display.screenshot())


def test_a_consultation_on_x11_by_real_clicks_and_keys_with_its_screens_checked(
    content: Content, on_xvfb: tuple[ScreenUI, Display], fonts: Fonts
) -> None:
    ui, display = on_xvfb
    assert ui.size == display.size  # full screen
    waiting = display.wait_for(lambda image: x_screenshot(display) if ui.draws else None, what="the first frame")
    person = person_answering_everything(content, seed=13)

    def keep(view: View, answered: int) -> bool:
        return answered in (0, 5) or view.kind is Kind.RESULT

    seen, outcome = run_visit(ui, content, person, x_hands(display), lambda: x_screenshot(display), keep=keep)

    assert outcome is Outcome.COMPLETED
    assert seen.summary_codes == [expected_summary(content, person)]  # read off the X server's own pixels
    kept = [(view.kind, frame) for view, frame, _ in seen.frames]
    assert [kind for kind, _ in kept].count(Kind.QUESTION) == 2
    for view, frame, pixels in seen.frames:
        check_pixels(frame, pixels, fonts)  # what X shows: the words, the contrast, the targets
        if view.kind is Kind.QUESTION:
            question = frame.texts("question")[0]
            height = question.rect.h // len(question.lines)
            assert height >= 44  # the question's lines are at least 44 px apart at 1280x800
    drawn = ui.draws
    ui.reset()
    ui.wait_drawn(drawn)
    after = display.wait_for(
        lambda image: x_screenshot(display) if np.array_equal(x_screenshot(display), waiting) else None,
        what="the waiting page again",
    )
    assert np.array_equal(after, waiting)


# ---- voice and touch at the same time ------------------------------------------------------------------------------


class HeldSpeaker(RecordingSpeaker):
    """Speaks each text for ``hold`` seconds, unless stopped (from another thread)."""

    def __init__(self, hold: float) -> None:
        super().__init__()
        self.hold = hold
        """Seconds each text takes to say."""
        self.speaking = threading.Event()
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        super().say(text)
        self._stop.clear()
        self.speaking.set()
        self._stop.wait(self.hold)
        self.speaking.clear()

    def stop(self) -> None:
        super().stop()
        self._stop.set()


class HeldListener:
    """Listens until the test says something (``say``) or listening is cancelled; counts cancels."""

    def __init__(self) -> None:
        self.heard: queue.Queue[str] = queue.Queue()
        self.listening = threading.Event()
        self.cancels = 0
        self._cancel = threading.Event()

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        self._cancel.clear()
        self.listening.set()
        try:
            while not self._cancel.is_set():
                try:
                    text = self.heard.get(timeout=0.02)
                except queue.Empty:
                    continue
                return utterance(text)
            return None
        finally:
            self.listening.clear()

    def cancel(self) -> None:
        self.cancels += 1
        self._cancel.set()


def test_voice_and_touch_at_once_a_touch_stops_the_speech_and_the_listening(
    content: Content, offscreen: ScreenUI
) -> None:
    speaker, listener = HeldSpeaker(hold=1.0), HeldListener()
    voice = VoiceFrontend(content, EchoRecognizer(), listener, speaker, out=None)
    frontend = ScreenFrontend(content, offscreen, voice)
    words = Words.from_content(content)
    hands = posted_hands()
    done: list[object] = []
    steps: list[str] = []

    def person() -> None:
        try:
            # 1. The welcome is being spoken: touching "No" stops it, and is the answer.
            assert speaker.speaking.wait(5)
            _, frame = shown_frame(offscreen, lambda view, frame: view.kind is Kind.QUESTION)
            hands.press(frame.button("2  No"))
            steps.append("touched while speaking")
            # 2. The next question is spoken; let it finish, then answer by voice; the screen shows what was heard.
            assert listener.listening.wait(10)
            _, frame = shown_frame(
                offscreen,
                lambda view, frame: any(words.listening in " ".join(b.lines) for b in frame.texts("indicator")),
            )
            listener.heard.put("no")
            _, frame = shown_frame(
                offscreen,
                lambda view, frame: any(
                    words.heard.format(text="no") in " ".join(b.lines) for b in frame.texts("indicator")
                ),
            )
            steps.append("heard in words")
            # 3. While the microphone listens, a touch answers and the listening is cancelled.
            speaker.hold = 0.0
            time.sleep(0.3)
            assert listener.listening.wait(10)
            _, frame = shown_frame(offscreen, lambda view, frame: view.kind is Kind.QUESTION)
            hands.press(frame.button("2  No"))
            steps.append("touched while listening")
            # 4. Then the number keys, to the result, and Stop.
            while True:
                view, frame = shown_frame(
                    offscreen, lambda view, frame: listener.listening.is_set() or view.kind is Kind.RESULT
                )
                if view.kind is Kind.RESULT:
                    hands.press(frame.button(words.quit))
                    return
                hands.key("2" if len(view.options) == 3 else "1")
                time.sleep(0.05)
        except BaseException as error:
            done.append(error)
            offscreen.inputs.put(Closed())

    thread = threading.Thread(target=person, daemon=True)
    thread.start()
    result = run_session(Dialog(content, frontend.mode), frontend, ScreenFrontend(content, offscreen))
    thread.join(10)
    if done:
        raise done[0]  # type: ignore[misc]
    assert steps == ["touched while speaking", "heard in words", "touched while listening"]
    assert result.outcome is Outcome.COMPLETED
    assert speaker.stops >= 1
    assert listener.cancels >= 1
    assert any(isinstance(turn.transcript, Transcript) and turn.transcript.text == "no" for turn in voice.turns)


# ---- the voice button: the clearer voice chosen on screen ---------------------------------------------------------


def voice_at_screen(
    content: Content, ui: ScreenUI
) -> tuple[VoiceChoice, HeldListener, ScreenFrontend, list[tuple[str, str]]]:
    """A screen front end speaking with a real espeak-ng / Piper choice (audio kept, not played), listening with a
    HeldListener; and what was said, as (voice, text)."""
    choice = espeak_choice(KeptAudio())
    said: list[tuple[str, str]] = []
    say = choice.say

    def noting(text: str) -> None:
        said.append((choice.current, text))
        say(text)

    choice.say = noting  # type: ignore[method-assign]
    listener = HeldListener()
    voice = VoiceFrontend(content, EchoRecognizer(), listener, choice, out=None)
    return choice, listener, ScreenFrontend(content, ui, voice), said


def run_with_person(
    ui: ScreenUI,
    frontend: ScreenFrontend,
    content: Content,
    person: Callable[[], None],
    fallback: ScreenFrontend | None = None,
) -> SessionResult:
    """A session on ``frontend`` (``fallback``: a touch-only one by default) while ``person`` acts on a thread; the
    person's failure fails the test."""
    failed: list[BaseException] = []

    def acting() -> None:
        try:
            person()
        except BaseException as error:
            failed.append(error)
            ui.inputs.put(Closed())

    thread = threading.Thread(target=acting, daemon=True)
    thread.start()
    result = run_session(Dialog(content, frontend.mode), frontend, fallback or ScreenFrontend(content, ui))
    thread.join(20)
    if failed:
        raise failed[0]
    return result


def stop_by_touch(ui: ScreenUI, content: Content, hands: Hands) -> None:
    """Touch Stop (and Yes, if asked whether to stop), and wait for the goodbye."""
    words = Words.from_content(content)
    _, frame = shown_frame(ui, lambda view, frame: view.kind is not Kind.WAITING)
    hands.press(frame.button(words.quit))
    view, frame = shown_frame(ui, lambda view, frame: view.kind in (Kind.CONFIRM, Kind.GOODBYE))
    if view.kind is Kind.CONFIRM:
        hands.press(frame.button(f"1  {content.confirm_options[0].text}"))
        shown_frame(ui, lambda view, frame: view.kind is Kind.GOODBYE)


def steady_shot(ui: ScreenUI, display: Display) -> tuple[Frame, Pixels]:
    """The frame drawn last and the X server's pixels of it (taken again if the screen changed meanwhile)."""
    for _ in range(50):
        drawn, frame = ui.draws, ui.frame
        time.sleep(0.1)  # the X server shows what was flipped
        pixels = x_screenshot(display)
        if frame is not None and ui.draws == drawn:
            return frame, pixels
    raise AssertionError("the screen did not keep still for a screenshot")


def has_button(label: str) -> Callable[[View, Frame], bool]:
    return lambda view, frame: any(button.label == label and button.enabled for button in frame.buttons)


@needs_piper
def test_on_x11_the_voice_button_says_the_question_again_in_the_clearer_voice_and_the_next_person_hears_the_default(
    content: Content, on_xvfb: tuple[ScreenUI, Display], fonts: Fonts
) -> None:
    ui, display = on_xvfb
    choice, listener, frontend, said = voice_at_screen(content, ui)
    words = Words.from_content(content)
    hands = x_hands(display)
    first = content.questions[0]
    shots: list[tuple[Frame, Pixels]] = []

    def person() -> None:
        assert listener.listening.wait(10)  # the welcome and the first question have been said
        shown_frame(ui, lambda view, frame: view.kind is Kind.QUESTION and has_button(words.voice_clearer)(view, frame))
        frame, pixels = steady_shot(ui, display)
        shots.append((frame, pixels))
        hands.press(frame.button(words.voice_clearer))  # a real click, through the X server
        _, frame = shown_frame(ui, has_button(words.voice_standard))
        assert listener.listening.wait(10)
        deadline = time.monotonic() + 15
        while not any(voice == "piper" and first.text in text for voice, text in said):
            assert time.monotonic() < deadline, said
            time.sleep(0.05)
        assert listener.listening.wait(10)
        shots.append(steady_shot(ui, display))
        listener.heard.put("no")  # answered by voice, in the new voice's session
        shown_frame(ui, lambda view, frame: view.kind is Kind.QUESTION and view.prompt != first.text)
        stop_by_touch(ui, content, hands)

    outcome = run_with_person(ui, frontend, content, person).outcome

    assert outcome is Outcome.QUIT
    before = [text for voice, text in said if voice == "espeak"]
    after = [text for voice, text in said if voice == "piper"]
    assert any(first.text in text for text in before)  # asked in the standard voice first,
    assert any(first.text in text for text in after)  # then again, at the press, in the clearer one
    assert said.index(next(item for item in said if item[0] == "piper")) > 0
    assert all(voice == "piper" for voice, _ in said[said.index(("piper", after[0])) :])  # and it stays chosen
    for frame, pixels in shots:
        check_pixels(frame, pixels, fonts)  # the voice button's label and contrast, as X shows them
    # The next person: the standard voice and rate, and the button offers the clearer voice again.
    for_next_person(choice)
    drawn = ui.draws
    ui.reset()
    ui.wait_drawn(drawn)
    assert (choice.current, choice.rate) == ("espeak", 175)
    shown_frame(ui, lambda view, frame: view.kind is Kind.WAITING and has_button(words.voice_clearer)(view, frame))


def test_a_voice_that_cannot_start_is_said_on_screen_and_the_voice_stays(
    content: Content, offscreen: ScreenUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    choice, listener, frontend, said = voice_at_screen(content, offscreen)
    words = Words.from_content(content)
    hands = posted_hands()

    def broken(name: str) -> None:
        raise SpeechError("the clearer voice could not load: out of memory")

    monkeypatch.setattr(choice, "_load", broken)
    monkeypatch.setattr(choice, "choices", ("espeak", "piper"))  # as if Piper were installed

    def person() -> None:
        assert listener.listening.wait(10)
        _, frame = shown_frame(offscreen, has_button(words.voice_clearer))
        asked = len(said)
        hands.press(frame.button(words.voice_clearer))
        _, frame = shown_frame(
            offscreen, lambda view, frame: any(words.voice_failed in " ".join(b.lines) for b in frame.texts("message"))
        )
        assert frame.button(words.voice_clearer).enabled  # it can be tried again
        time.sleep(0.3)
        assert len(said) == asked  # nothing said again: the question stands
        stop_by_touch(offscreen, content, hands)

    assert run_with_person(offscreen, frontend, content, person).outcome is Outcome.QUIT
    assert {voice for voice, _ in said} == {"espeak"}


def test_the_microphone_stops_listening_when_cancelled() -> None:
    """Microphone.listen(cancelled=...) returns None within about 0.1 s, with audio still arriving."""
    from voice_guide.speech.endpoint import BLOCK_SAMPLES
    from voice_guide.speech.microphone import Microphone

    class Running:
        active = True

    microphone = Microphone()
    microphone._stream = Running()
    cancelled = threading.Event()
    feeding = threading.Event()

    def feed() -> None:
        while not feeding.is_set():
            microphone._queue.put((b"\0\0" * BLOCK_SAMPLES, time.monotonic(), ""))
            time.sleep(0.03)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    threading.Timer(0.3, cancelled.set).start()
    started = time.monotonic()
    try:
        result = microphone.listen(no_input_timeout=None, cancelled=cancelled)
    finally:
        feeding.set()
    assert result is None
    assert 0.25 < time.monotonic() - started < 1.0


# ---- the kiosk on the screen, as a process: two people, strace watching ------------------------------------------


UNIX_CONNECT = re.compile(r'connect\(\d+, \{sa_family=AF_UNIX, sun_path=(@?"[^"]*")')
SOCKET_CALL = re.compile(r"^\d+\s+socket\((AF_[A-Z0-9]+)")


def shows_block(pixels: Pixels, fonts: Fonts, block: TextBlock) -> bool:
    return shows(pixels, rendered_line(fonts, block), (block.rect.x, block.rect.y))


def test_the_kiosk_on_the_screen_serves_two_people_forgets_the_first_and_opens_no_network_socket(
    content: Content, xvfb: Display, fonts: Fonts, tmp_path: Path
) -> None:
    from test_privacy import CHANGING_CALLS, OPEN_CALL, WRITE_FLAGS, _can

    if not _can(["strace", "-f", "-qq", "-o", "/dev/null", "true"]):
        pytest.skip("strace is not installed or ptrace is not permitted")
    words = Words.from_content(content)
    trace = tmp_path / "trace.txt"
    home = tmp_path / "home"
    home.mkdir()
    env = repo_env(HOME=str(home), TMPDIR=str(home)) | {"DISPLAY": xvfb.name}
    env.pop("SDL_VIDEODRIVER", None)
    kiosk = subprocess.Popen(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=network,file",
            "-o",
            str(trace),
            *cli_command(["kiosk", "--screen", "--keyboard", "--max-sessions", "2"]),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=home,
    )
    try:

        def grab() -> Pixels:
            return x_screenshot(xvfb)

        ready = layout(View(), Look(), Status(), xvfb.size, fonts, words, content, voice=False)
        start_text = ready.texts("question")[0]
        waiting = xvfb.wait_for(
            lambda image: grab() if shows_block(grab(), fonts, start_text) else None,
            timeout=60,
            what="the waiting page",
        )
        person = person_answering_everything(content, seed=21)
        mirror = Dialog(content, Mode.KEYBOARD)
        view = view_for(content, mirror.start(), View(), TODAY)
        xvfb.key("Return")
        while view.kind in (Kind.QUESTION, Kind.CONFIRM):
            frame = layout(view, Look(), Status(), xvfb.size, fonts, words, content, voice=False)
            question_block = frame.texts("question")[0]

            def shown(image: object, block: TextBlock = question_block) -> bool:
                return shows_block(grab(), fonts, block)

            xvfb.wait_for(shown, what=view.prompt)
            if view.kind is Kind.CONFIRM:  # a read-back: yes
                xvfb.key("1")
                view = view_for(content, mirror.hear(content.confirm_options[0].text), view, TODAY)
                continue
            question = content.question(question_for(content, view.prompt))
            option = question.option(person.answers[question.id])
            xvfb.key(str(question.options.index(option) + 1))
            view = view_for(content, mirror.hear(option.text), view, TODAY)
        assert view.kind is Kind.RESULT
        result = layout(view, Look(), Status(), xvfb.size, fonts, words, content, voice=False)
        xvfb.wait_for(lambda image: shows_block(grab(), fonts, result.texts("banner")[0]), what="the result")
        xvfb.click(*result.button(words.summary).rect.center)
        codes = xvfb.wait_for(lambda image: decode_qr(grab()) or None, what="the QR code")
        assert codes == [expected_summary(content, person)]
        xvfb.click(*result.button(words.quit).rect.center)
        # The next person's waiting page: pixel for pixel the first one.
        again = xvfb.wait_for(lambda image: grab() if np.array_equal(grab(), waiting) else None, what="a clean page")
        assert np.array_equal(again, waiting)
        # The second person starts, answers twice, and types "stop".
        xvfb.key("Return")
        xvfb.wait_for(lambda image: not np.array_equal(grab(), waiting), what="the first question")
        xvfb.key("2")
        xvfb.key("2")
        xvfb.type("stop")
        xvfb.key("Return")
        _, err = kiosk.communicate(timeout=CLI_TIMEOUT)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.communicate()
    assert kiosk.returncode == 0, err
    lines = trace.read_text(encoding="utf-8", errors="replace").splitlines()
    families = {m.group(1) for m in map(SOCKET_CALL.match, lines) if m}
    assert families <= {"AF_UNIX"}, families  # no AF_INET, AF_INET6, AF_NETLINK... : no network at all
    connected = {m.group(1) for m in (UNIX_CONNECT.search(line) for line in lines) if m}
    assert connected, "the X connection should be seen"
    local = [path for path in connected if ".X11-unix" not in path and "nscd" not in path]
    assert local == []  # only the X server's socket (and glibc's name-service cache, if it runs)
    opened = [m for m in (OPEN_CALL.match(line) for line in lines) if m]
    writes = [m.group(0) for m in opened if WRITE_FLAGS.search(m.group(3)) and not m.group(2).startswith("/dev/")]
    assert writes == []
    assert [line for line in lines if CHANGING_CALLS.match(line)] == []
    assert list(home.iterdir()) == []


def test_no_microphone_is_said_plainly_and_the_screen_carries_on_by_touch(
    content: Content, offscreen: ScreenUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voice_guide.errors import DeviceMissingError
    from voice_guide.frontends.screen import screen_frontends, screen_stations
    from voice_guide.speech import stack
    from voice_guide.speech.stack import VoiceSettings

    def no_microphone(settings: VoiceSettings) -> None:
        raise DeviceMissingError("microphone", "no usable microphone (default device: Error querying device -1)")

    monkeypatch.setattr(stack, "open_voice_parts", no_microphone)
    frontend, fallback, notice = screen_frontends(content, offscreen, VoiceSettings())
    assert notice == content.phrase("no_microphone_screen")
    assert frontend.voice is None and fallback is None and frontend.mode is Mode.KEYBOARD
    factory, kiosk_notice = screen_stations(content, offscreen, keyboard=False, idle_timeout=1.0)
    assert kiosk_notice == notice
    station = factory()
    assert station.fallback is None and isinstance(station.waiter, ScreenWaiter) and station.waiter.notice == notice


def test_without_a_microphone_the_screen_still_speaks_and_offers_the_voice_button(
    content: Content, offscreen: ScreenUI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voice_guide.errors import DeviceMissingError
    from voice_guide.frontends.screen import screen_frontends, screen_stations
    from voice_guide.speech import stack
    from voice_guide.speech.stack import VoiceSettings

    def no_microphone(settings: VoiceSettings, content: Content | None = None) -> None:
        raise DeviceMissingError("microphone", "no usable microphone")

    audio = KeptAudio()
    choice = espeak_choice(audio)
    monkeypatch.setattr(stack, "open_voice_parts", no_microphone)
    monkeypatch.setattr(stack, "open_speech_output", lambda settings, content=None: (choice, True, []))
    frontend, _, notice = screen_frontends(content, offscreen, VoiceSettings())
    assert frontend.voice is None and frontend.speaker is choice
    frontend.notice(notice)  # what the command line does first: shown, and now spoken too
    assert len(audio.played) == 1
    frontend.show(Dialog(content, frontend.mode).start())
    assert len(audio.played) == 2  # the welcome and the first question, said
    if choice.other is not None:  # Piper is installed: the person can choose it here too
        shown_frame(offscreen, has_button(Words.from_content(content).voice_clearer))
    factory, _ = screen_stations(content, offscreen, keyboard=False, idle_timeout=1.0)
    choice.faster()
    station = factory()
    assert isinstance(station.frontend, ScreenFrontend) and station.frontend.speaker is choice
    assert choice.rate == 175  # a new person: the rate the guide was started with
    factory, _ = screen_stations(content, offscreen, keyboard=True, idle_timeout=1.0)
    keyboard_station = factory()
    assert isinstance(keyboard_station.frontend, ScreenFrontend) and keyboard_station.frontend.speaker is None


def test_a_microphone_that_fails_mid_session_hands_over_to_touch_and_the_guide_keeps_speaking(
    content: Content, offscreen: ScreenUI
) -> None:
    speaker = RecordingSpeaker()
    listener = ScriptedListener(["no", DEVICE_GONE])
    voice = VoiceFrontend(content, EchoRecognizer(), listener, speaker, out=None)
    frontend = ScreenFrontend(content, offscreen, voice)
    fallback = ScreenFrontend(content, offscreen, speaker=speaker)
    hands = posted_hands()
    second = content.questions[1]
    asked_next: list[str] = []

    def person() -> None:
        _, frame = shown_frame(
            offscreen,
            lambda view, frame: view.kind is Kind.QUESTION and view.prompt == second.text and not offscreen.voice,
        )
        hands.press(frame.button(f"2  {second.options[1].text}"))
        view, _ = shown_frame(offscreen, lambda view, frame: view.kind is Kind.QUESTION and view.prompt != second.text)
        asked_next.append(view.prompt)
        stop_by_touch(offscreen, content, hands)

    result = run_with_person(offscreen, frontend, content, person, fallback)
    assert result.fell_back
    fell_back = content.phrase("fell_back", reason="The microphone stopped working.")
    after = speaker.said[next(i for i, text in enumerate(speaker.said) if fell_back in text) :]
    assert any(second.text in text for text in after)  # the question asked again after the hand-over, aloud
    assert asked_next and any(asked_next[0] in text for text in after)  # and the next one, answered by touch


def test_a_notice_stays_on_screen_until_the_person_answers(content: Content, offscreen: ScreenUI) -> None:
    frontend = ScreenFrontend(content, offscreen, idle_timeout=0.3)
    dialog = Dialog(content, frontend.mode)
    frontend.show(dialog.start())
    still_there = content.phrase("kiosk_still_there")
    frontend.notice(still_there)

    def notice_shown(view: View, frame: Frame) -> bool:
        return any(still_there.startswith(block.lines[0]) for block in frame.texts("message"))

    assert frontend.listen(dialog) is Unheard.SILENCE  # nobody answered: the notice stays
    shown_frame(offscreen, notice_shown)
    _, frame = shown_frame(offscreen, notice_shown)
    posted_hands().press(frame.button("2  No"))
    assert frontend.listen(dialog) == Typed("No")
    shown_frame(offscreen, lambda view, frame: not notice_shown(view, frame))


def test_the_waiting_page_says_why_the_last_session_ended(content: Content, offscreen: ScreenUI) -> None:
    frontend = ScreenFrontend(content, offscreen)
    dialog = Dialog(content, frontend.mode)
    frontend.show(dialog.start())
    frontend.notice(content.phrase("kiosk_idle_reset"))  # as the idle watch does before clearing the session
    waiter = ScreenWaiter(content, offscreen)
    thread = threading.Thread(target=waiter.wait, daemon=True)
    thread.start()
    view, frame = shown_frame(offscreen, lambda view, frame: view.kind is Kind.WAITING)
    assert view == View()  # nothing of the person
    message = " ".join(line for block in frame.texts("message") for line in block.lines)
    assert message == content.phrase("kiosk_idle_reset")
    offscreen.inputs.put(Words.from_content(content).start)
    thread.join(5)


class ShownEvents:
    """A front end whose shown events are kept (for checking what the dialog did)."""

    def __init__(self, inner: ScreenFrontend) -> None:
        self.inner = inner
        self.mode = inner.mode
        self.speaks = inner.speaks
        self.events: list[Event] = []

    def show(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        self.inner.show(events)

    def listen(self, dialog: Dialog) -> Heard:
        return self.inner.listen(dialog)

    def notice(self, text: str) -> None:
        self.inner.notice(text)


def test_in_voice_mode_touches_keys_and_typing_follow_the_keyboard_rules(content: Content, offscreen: ScreenUI) -> None:
    """While the screen also listens, a touch, a number key and a typed command each do what they do at the
    keyboard: the touch and the key are taken, the typed "stop" ends at once (spoken, it would be asked about)."""
    listener = HeldListener()
    voice = VoiceFrontend(content, EchoRecognizer(), listener, RecordingSpeaker(), out=None)
    frontend = ShownEvents(ScreenFrontend(content, offscreen, voice))
    assert frontend.mode is Mode.VOICE
    hands = posted_hands()
    failed: list[BaseException] = []

    def question(number: int) -> Callable[[View, Frame], bool]:
        return lambda view, frame: view.kind is Kind.QUESTION and view.progress.startswith(f"Question {number} ")

    def person() -> None:
        try:
            _, frame = shown_frame(offscreen, question(1))
            hands.press(frame.button("2  No"))
            shown_frame(offscreen, question(2))
            hands.key("2")
            shown_frame(offscreen, question(3))
            hands.type("stop")
            hands.key("Return")
            if not over.wait(10):  # "stop" was not carried out: close the window, so the session ends
                offscreen.inputs.put(Closed())
        except BaseException as error:
            failed.append(error)
            offscreen.inputs.put(Closed())

    over = threading.Event()
    thread = threading.Thread(target=person, daemon=True)
    thread.start()
    dialog = Dialog(content, frontend.mode)
    result = run_session(dialog, frontend)
    over.set()
    thread.join(10)
    if failed:
        raise failed[0]
    asked = [e.question for e in frontend.events if isinstance(e, Ask)]
    first, second = asked[0], asked[1]
    assert result.outcome is Outcome.QUIT
    readbacks = [e.text for e in frontend.events if isinstance(e, Say) and e.kind is SayKind.READBACK]
    assert readbacks[:2] == [
        content.phrase("readback", answer=first.options[1].text, topic=first.topic),
        content.phrase("readback", answer=second.options[1].text, topic=second.topic),
    ]
    assert not any(isinstance(e, ConfirmCommand) for e in frontend.events)  # "stop" was not asked about
    assert listener.cancels >= 1  # each touch or key ended the listening


def test_the_waiting_screen_starts_on_a_spoken_start_word_and_not_on_other_speech(
    content: Content, offscreen: ScreenUI
) -> None:
    from voice_guide.speech.stack import VoiceParts
    from voice_guide.testing import ScriptedListener

    def waiting(script: list[str | None]) -> tuple[threading.Thread, list[bool]]:
        listener = ScriptedListener(script)
        parts = VoiceParts(EchoRecognizer(), listener, RecordingSpeaker(), None, [])
        started: list[bool] = []
        thread = threading.Thread(target=lambda: started.append(ScreenWaiter(content, offscreen, voice=parts).wait()))
        thread.start()
        return thread, started

    thread, started = waiting([None, "what time is it", "can you call my sister", "begin"])
    thread.join(10)
    assert started == [True]
    thread, started = waiting([None, "what time is it", "hang on a second"])  # then the listener's input ends
    thread.join(1.0)
    assert thread.is_alive() and started == []  # still waiting: nothing said was a start word
    offscreen.inputs.put(Closed())
    thread.join(10)
    assert started == [False]
