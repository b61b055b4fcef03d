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
socket to the X server). See README, "The touch screen", for the measurements behind the choice.

Three modules: voice_guide.frontends.screen_layout (the view built from the dialog's events, the looks, and where
everything goes: pure), voice_guide.frontends.screen_ui (the window and its thread), and this one (the front end the
session drives, the kiosk's waiter and stations).

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
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from voice_guide.content import Content
from voice_guide.dialog import (
    Dialog,
    Event,
    Mode,
)
from voice_guide.errors import VoiceGuideError
from voice_guide.frontends.screen_layout import (
    Indicator,
    View,
    view_for,
)
from voice_guide.frontends.screen_ui import (
    Closed,
    ScreenError,
    ScreenUI,
    Stoppable,
)
from voice_guide.render import follow_rate_changes, spoken_words, unavailable_text
from voice_guide.session import Heard, Recognized, Typed, Unheard
from voice_guide.speech.speaker import say_shown
from voice_guide.start_word import StartWord

if TYPE_CHECKING:
    from voice_guide.frontends.voice import VoiceFrontend
    from voice_guide.kiosk import StationFactory
    from voice_guide.speech.choice import VoiceChoice
    from voice_guide.speech.microphone import Completeness
    from voice_guide.speech.speaker import Speaker
    from voice_guide.speech.stack import VoiceParts, VoiceSettings

log = logging.getLogger(__name__)

__all__ = [
    "ScreenError",
    "ScreenFrontend",
    "ScreenUI",
    "ScreenWaiter",
    "parse_size",
    "screen_frontends",
    "screen_stations",
]

# ---- the front end -----------------------------------------------------------------------------------------------


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

    Without voice the mode is KEYBOARD, with voice VOICE. Touches and keys send the option's own words, and they and
    whatever is typed are :class:`~voice_guide.session.Typed` in both modes: judged by the typed rules (typed numbers
    pick options, commands act at once), never by the rules for what a microphone heard. Without voice, ``speaker``
    (if any) still says everything shown: a person whose microphone failed, or a kiosk with none, keeps hearing the
    guide.
    """

    def __init__(
        self,
        content: Content,
        ui: ScreenUI,
        voice: VoiceFrontend | None = None,
        *,
        idle_timeout: float | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        self.content = content
        self.ui = ui
        self.voice = voice
        self.speaker = voice.speaker if voice is not None else speaker
        """What speaks the guide's words (the voice front end's speaker, or ``speaker``); None: the screen is silent."""
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
        self.ui.speech = _choice(self.speaker)
        self.ui.on_touch = self._touched

    # -- Frontend protocol --

    @property
    def speaks(self) -> bool:
        return self.speaker is not None

    def show(self, events: Sequence[Event]) -> None:
        self._take_screen()
        self._finish_turn()
        self._interrupted.clear()
        self._view = view_for(self.content, events, self._view, datetime.date.today())
        self.ui.present(self._view)
        if self.speaker is None:
            return
        if self._interrupted.is_set() or not self.ui.inputs.empty():
            follow_rate_changes(self.speaker, events)  # answered ahead: not spoken, but "faster" still counts
            return
        self.ui.set_status(Indicator.SPEAKING)
        try:
            if self.voice is not None:
                self.voice.show(events)
            else:
                follow_rate_changes(self.speaker, events)
                say_shown(self.speaker, spoken_words(self.content, events), "on the screen")
        finally:
            self.ui.set_status(Indicator.IDLE)

    def listen(self, dialog: Dialog) -> Heard:
        self._take_screen()
        heard = self._hear(dialog)
        if heard is not None and heard is not Unheard.SILENCE:
            self.ui.clear_notice()  # a notice ("are you still there?", why voice is off) stays until answered
        return heard

    def _hear(self, dialog: Dialog) -> Heard:
        try:
            typed = self.ui.inputs.get_nowait()
        except queue.Empty:
            pass
        else:
            return None if isinstance(typed, Closed) else Typed(typed)
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
            return Typed(item)

    def notice(self, text: str) -> None:
        self._take_screen()
        self.ui.notice(text)
        if self.speaker is not None:
            self.ui.set_status(Indicator.SPEAKING)
            try:
                self.voice.notice(text) if self.voice is not None else say_shown(self.speaker, text, "on the screen")
            finally:
                self.ui.set_status(Indicator.IDLE)

    # -- voice in a thread --

    def _touched(self) -> None:
        """A touch or key (UI thread): stop the speech; the touch itself is the answer, if it was one."""
        self._interrupted.set()
        if isinstance(self.speaker, Stoppable):
            self.speaker.stop()

    def _start_turn(self, dialog: Dialog) -> None:
        voice = self.voice
        if voice is None:
            return
        cancelled = threading.Event()
        ui = self.ui
        listener = voice.listener

        class Signalling:
            """The voice front end's listener, telling the screen when it listens and when it thinks."""

            def listen(self, complete: Completeness | None = None) -> Any:
                if cancelled.is_set():
                    return None
                ui.set_status(Indicator.LISTENING)
                samples = listener.listen(complete)
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
            text = heard.transcript.text
            self.ui.set_heard(text if text else self.ui.words.heard_unclear)
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


def _choice(speaker: Speaker | None) -> VoiceChoice | None:
    """The voice choice behind a speaker, for the screen's voice button (None: no button)."""
    from voice_guide.speech.choice import VoiceChoice

    return speaker if isinstance(speaker, VoiceChoice) else None


# ---- the kiosk: waiting for the next person, and a station per person --------------------------------------------


class ScreenWaiter:
    """Waits for the next person on the screen (the kiosk's :class:`~voice_guide.kiosk.Waiter`).

    It first clears everything of the last person (:meth:`ScreenUI.reset`), then shows the waiting page, with the
    last session's parting notice, if any, and the station's ``notice`` (e.g. why there is no voice) kept on it,
    and returns True when someone touches Start, presses Enter or types anything, or, with ``voice``, says a start
    word ("start", "begin", "hello"); False when the window is closed.
    """

    def __init__(
        self,
        content: Content,
        ui: ScreenUI,
        notice: str = "",
        voice: VoiceParts | None = None,
        start: StartWord | None = None,
        *,
        speaker: Speaker | None = None,
    ) -> None:
        self.content = content
        self.ui = ui
        self.notice = notice
        self.voice = voice
        self.speaker = voice.speaker if voice is not None else speaker
        """The guide's speech (for the voice button on the waiting page); None: silent."""
        self.start = start or StartWord(content)
        """Decides whether what was heard is a start word (the same decision as the terminal kiosk's)."""

    def wait(self) -> bool:
        # What the last session ended with ("Nobody answered, so your answers have been cleared ...", "Sorry,
        # something went wrong ...") stays readable on the waiting page; it never holds anything the person said.
        parting = self.ui.notice_text
        shown = [parting] if parting and parting != self.notice else []
        if self.notice:
            shown.append(self.notice)
        self.ui.reset(" ".join(shown))
        self.ui.voice = self.voice is not None
        self.ui.speech = _choice(self.speaker)
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
                started = not isinstance(item, Closed)
                if started:
                    self.ui.clear_notice()
                return started
        finally:
            stop.set()
            if listening is not None and self.voice is not None:
                while listening.is_alive():
                    if isinstance(self.voice.listener, Cancellable):
                        self.voice.listener.cancel()
                    listening.join(0.05)

    def _listen_for_start(self, stop: threading.Event) -> None:
        """Voice thread: listen until a start word is heard (then press Start) or ``stop`` is set."""
        parts = self.voice
        if parts is None:
            return
        while not stop.is_set():
            try:
                started = self.start.listen(parts.listener, parts.recognizer)
            except (EOFError, VoiceGuideError) as error:
                log.warning("listening for the start word stopped: %s", type(error).__name__)
                return
            if started and not stop.is_set():
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
    touch-only one as the fallback (a microphone that fails mid-session hands over, answers kept, and the guide
    still speaks); without a microphone, touch and keys, with speech when a speaker works, saying why on the waiting
    page. With ``keyboard``: touch and keys only, silent. Every person starts with the voice and rate asked for.
    """
    from voice_guide.kiosk import Station
    from voice_guide.speech.choice import for_next_person

    parts: VoiceParts | None = None
    notice = ""
    start: StartWord | None = None
    speech: Speaker | None = None
    if not keyboard:
        from voice_guide.speech.stack import VoiceSettings as Settings
        from voice_guide.speech.stack import open_voice_parts, speech_without_microphone

        try:
            parts = open_voice_parts(settings or Settings())
        except (VoiceGuideError, ImportError) as error:
            log.warning("voice is not available: %s", error)
            notice = unavailable_text(content, error, screen=True) or content.phrase(
                "screen_no_voice", reason=str(error)
            )
            speech = speech_without_microphone(settings or Settings(), content)
        else:
            speech = parts.speaker
            log.info("kiosk voice: %s", " ".join(parts.notices))
            from voice_guide.understand import Understanding

            understanding = Understanding(content, settings=(settings or Settings()).understanding)
            start = StartWord(content, understanding)

    def build() -> Station:
        for_next_person(speech)
        touch = ScreenFrontend(content, ui, idle_timeout=idle_timeout, speaker=speech)
        waiter = ScreenWaiter(content, ui, notice, parts, start, speaker=speech)
        if parts is None:
            return Station(touch, waiter)
        voice = ScreenFrontend(content, ui, parts.frontend(content, None))
        return Station(voice, waiter, fallback=touch)

    return build, notice


def screen_frontends(
    content: Content, ui: ScreenUI, settings: VoiceSettings | None, *, require_voice: bool = False
) -> tuple[ScreenFrontend, ScreenFrontend | None, str]:
    """``voice-guide --screen``: the screen front end (with voice unless ``settings`` is None), its touch-only
    fallback (still speaking), and a notice to show ("" when there is none). Without a microphone the screen front
    end is touch-only, speaking when a speaker works. VoiceGuideError when ``require_voice`` and voice cannot be
    used."""
    if settings is None:
        return ScreenFrontend(content, ui), None, ""
    from voice_guide.speech.stack import open_voice_parts, speech_without_microphone

    try:
        parts = open_voice_parts(settings)
    except (VoiceGuideError, ImportError) as error:
        if require_voice:
            raise
        log.info("voice is not available: %s", error)
        notice = unavailable_text(content, error, screen=True) or content.phrase("screen_no_voice", reason=str(error))
        return ScreenFrontend(content, ui, speaker=speech_without_microphone(settings, content)), None, notice
    touch = ScreenFrontend(content, ui, speaker=parts.speaker)
    return ScreenFrontend(content, ui, parts.frontend(content, None)), touch, ""


def parse_size(text: str) -> tuple[int, int]:
    """ "1280x800" -> (1280, 800); ValueError otherwise."""
    width, _, height = text.lower().partition("x")
    size = (int(width), int(height))
    if min(size) < 200:
        raise ValueError(f"screen size {text!r} is too small (at least 200x200)")
    return size
