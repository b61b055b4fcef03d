"""Kiosk mode: serve one person after another, hands-free, for weeks, keeping nothing of anyone.

    wait for a person (Enter, or a spoken start word) --> run a session (the shared dialog and session loop)
         ^                                                      |  result given, "repeat" offered by the dialog
         |                                                      v
         +---- reset: new Dialog and new front ends  <---- quit / idle time-out / fault

What the kiosk is served with is a :class:`Station` (a front end, an optional fallback front end and a
:class:`Waiter`), built afresh for every person by a factory the caller passes in, so tests can inject the keyboard
or a scripted / WAV voice front end, and nothing a front end kept (a voice front end's transcripts) outlives its
person. Each person also gets a new :class:`~voice_guide.dialog.Dialog`, reset again when the session ends.

Idle detection: the keyboard reads each answer with a timeout (``select`` on stdin), and a read that times out is a
silent turn; a voice front end reports a silent turn when its listener's no-input timeout passes
(``Unheard.SILENCE``). :class:`IdleWatch` counts consecutive silent turns; at the limit it asks "are you still
there?", and when that is met with silence too it clears everything and the kiosk waits for the next person.

Faults: an exception inside a session is logged (its type and where it happened, never its message, which could
quote what was said) and the kiosk says sorry, clears everything and waits again; too many faults in a row stop the
kiosk with :class:`KioskFailedError`, so the service manager restarts it. Logs record events and errors only, never
answers or transcripts. Nothing is written to disk.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Protocol, TextIO

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.errors import VoiceGuideError
from voice_guide.frontends.keyboard import KeyboardFrontend, LineReader
from voice_guide.render import unavailable_text
from voice_guide.session import Frontend, Heard, Outcome, Typed, Unheard, run_session
from voice_guide.signals import taken
from voice_guide.speech.choice import for_next_person
from voice_guide.start_word import StartWord
from voice_guide.understand import Understanding

if TYPE_CHECKING:
    from voice_guide.engines.base import Recognizer
    from voice_guide.speech.microphone import Listener
    from voice_guide.speech.speaker import Speaker
    from voice_guide.speech.stack import VoiceSettings

log = logging.getLogger(__name__)


class KioskStopped(BaseException):
    """SIGTERM arrived: stop at once (a BaseException, so no ``except Exception`` in a session can swallow it)."""


class KioskFailedError(VoiceGuideError):
    """Sessions keep failing: the kiosk stops so that the service manager restarts it."""


class SessionIdle(Exception):  # noqa: N818 - control flow, not an error
    """Nobody answered "are you still there?": the person has gone."""


@dataclass(frozen=True)
class KioskSettings:
    """How the kiosk behaves (small values in tests)."""

    voice_idle_silences: int = 3
    """Voice: consecutive silent turns (each one the listener's no-input timeout) before "are you still there?"."""
    keyboard_idle_silences: int = 1
    """Keyboard: timed-out reads before "are you still there?" (each read waits the keyboard's ``idle_timeout``)."""
    max_sessions: int | None = None
    """Stop after this many people (tests, soak); None: run until stopped."""
    max_errors_in_row: int = 5
    """Faults in a row (sessions, waiting or building front ends) before the kiosk gives up with KioskFailedError."""
    error_pause: float = 2.0
    """Seconds to pause after a fault, so a fault that repeats does not spin the CPU."""


class Waiter(Protocol):
    """Waits for the next person."""

    def wait(self) -> bool:
        """Block until a person starts the guide; False when input has ended for good (the kiosk then stops)."""


@dataclass
class Station:
    """What one person is served with. Built fresh for every person by the kiosk's factory."""

    frontend: Frontend
    waiter: Waiter
    fallback: Frontend | None = None
    """Takes over when ``frontend`` fails (e.g. the microphone is unplugged) or the person asks to type."""


StationFactory = Callable[[], Station]
"""Builds the station for the next person (may raise VoiceGuideError, e.g. when no device can be opened)."""


class Served(Enum):
    """How one person's session ended, as the kiosk counts it."""

    COMPLETED = "completed"
    QUIT = "quit"
    IDLE = "idle"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    """Ctrl-C (SIGINT) or a hang-up (SIGHUP) during the session: it is cleared and the next person served."""


@dataclass
class KioskReport:
    """Counts only: what the kiosk did, with nothing about any person."""

    served: dict[Served, int] = field(default_factory=lambda: dict.fromkeys(Served, 0))
    fell_back: int = 0
    """Sessions that moved to the fallback front end."""

    @property
    def sessions(self) -> int:
        return sum(self.served.values())


# ---- keyboard ----------------------------------------------------------------------------------------------------


CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J"
"""Clear a terminal's screen and its scrollback (so the next person cannot scroll back to the last one's result)."""


def clear_screen(stdout: TextIO) -> None:
    """Clear the screen between people, when ``stdout`` is a terminal (the only cursor control the guide uses)."""
    if stdout.isatty():
        stdout.write(CLEAR_SCREEN)
        stdout.flush()


@dataclass
class KeyboardWaiter:
    """Waits for Enter (any line). Prints the ready phrase once per person, after ``notice`` (why the kiosk uses the
    keyboard, if it had to), so that clearing the screen between people never hides it."""

    content: Content
    reader: LineReader
    stdout: TextIO
    notice: str = ""

    def wait(self) -> bool:
        clear_screen(self.stdout)
        print("", file=self.stdout)
        if self.notice:
            print(self.notice, file=self.stdout)
        print(self.content.phrase("kiosk_ready_keyboard"), file=self.stdout, flush=True)
        while True:
            line = self.reader.readline(None)
            if line is None:
                return False
            if isinstance(line, str):
                return True


def keyboard_station_factory(
    content: Content,
    stdin: TextIO,
    stdout: TextIO,
    *,
    idle_timeout: float,
    notice: str = "",
    speaker: Speaker | None = None,
) -> StationFactory:
    """Stations that use the keyboard only (``speaker``: also speaking). One reader is shared, so no typed-ahead line
    is lost between people. ``notice`` (why there is no voice) is shown on every waiting screen."""
    reader = LineReader(stdin)

    def build() -> Station:
        for_next_person(speaker)
        frontend = KeyboardFrontend(content, stdin, stdout, idle_timeout=idle_timeout, reader=reader, speaker=speaker)
        return Station(frontend, KeyboardWaiter(content, reader, stdout, notice))

    return build


# ---- voice: waiting for a start word -----------------------------------------------------------------------------


@dataclass
class VoiceWaiter:
    """Waits for a spoken start word, or Enter on the keyboard (checked between utterances).

    When the microphone fails (unplugged, missing), the person is told and ``fallback`` (the keyboard) waits instead;
    each new person tries the microphone again, so the kiosk heals when it is plugged back in.
    """

    content: Content
    listener: Listener
    recognizer: Recognizer
    speaker: Speaker
    stdout: TextIO
    keys: LineReader | None = None
    """Where Enter also starts the guide (None: voice only). Dropped when it reaches its end."""
    fallback: Waiter | None = None
    """Waits instead when the microphone fails (None: the failure propagates)."""
    start: StartWord | None = None
    """Decides whether what was heard is a start word (None: one with the content's default understanding)."""
    _start: StartWord = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._start = self.start or StartWord(self.content)

    def wait(self) -> bool:
        start = self._start
        ready = self.content.phrase("kiosk_ready_voice")
        clear_screen(self.stdout)
        print("", file=self.stdout)
        print(ready, file=self.stdout, flush=True)
        try:
            self.speaker.say(ready)
        except VoiceGuideError as error:
            log.warning("could not speak while waiting: %s", error)
        while True:
            if self.keys is not None and self.keys.ready():
                line = self.keys.readline(0)
                if isinstance(line, str):
                    return True
                if line is None:
                    log.info("keyboard input ended; waiting for the start word only")
                    self.keys = None
            try:
                if start.listen(self.listener, self.recognizer):
                    return True
            except EOFError:
                return False
            except VoiceGuideError as error:
                if self.fallback is None:
                    raise
                log.warning("microphone failed while waiting: %s", error)
                print(error, file=self.stdout)
                return self.fallback.wait()


# ---- idle detection ----------------------------------------------------------------------------------------------


class IdleWatch:
    """Wraps a front end and counts consecutive silent turns.

    Below ``silences`` a silent turn goes to the dialog as usual ("I didn't hear anything", the question again). At
    ``silences`` the person is asked "are you still there?" and heard once more: silence again ends the session with
    :class:`SessionIdle`; a blank answer (Enter) repeats the question; anything else is the answer.
    """

    def __init__(self, inner: Frontend, content: Content, silences: int) -> None:
        if silences < 1:
            raise ValueError("silences must be at least 1")
        self.inner = inner
        self.content = content
        self.silences = silences
        self.mode: Mode = inner.mode
        self._silent = 0

    @property
    def speaks(self) -> bool:
        return self.inner.speaks

    def show(self, events: Sequence[Event]) -> None:
        self.inner.show(events)

    def notice(self, text: str) -> None:
        self.inner.notice(text)

    def listen(self, dialog: Dialog) -> Heard:
        heard = self.inner.listen(dialog)
        if heard is not Unheard.SILENCE:
            self._silent = 0
            return heard
        self._silent += 1
        if self._silent < self.silences:
            return heard
        self._silent = 0
        log.info("idle: asking whether the person is still there")
        self.inner.notice(self.content.phrase("kiosk_still_there"))
        heard = self.inner.listen(dialog)
        if heard is Unheard.SILENCE:
            log.info("idle: no answer; clearing the session")
            self.inner.notice(self.content.phrase("kiosk_idle_reset"))
            raise SessionIdle
        if isinstance(heard, Typed) and not heard.text.strip():
            self.inner.show(dialog.command("repeat"))
            return self.listen(dialog)
        return heard


# ---- the kiosk ---------------------------------------------------------------------------------------------------


def describe_error(error: BaseException) -> str:
    """An exception for the log: its type and where it was raised, with no message unless it is one of ours.

    Our own errors (VoiceGuideError) carry messages written for the person and free of anything they said; any other
    exception's message could quote an answer or a transcript, so only its type and location are logged.
    """
    where = traceback.extract_tb(error.__traceback__)[-3:]
    location = " <- ".join(f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(where))
    text = f"{type(error).__name__}: {error}" if isinstance(error, VoiceGuideError) else type(error).__name__
    return f"{text} (at {location})" if location else text


class Kiosk:
    """Runs the guide for one person after another until input ends, ``max_sessions`` is reached, or SIGTERM."""

    def __init__(
        self,
        content: Content,
        factory: StationFactory,
        settings: KioskSettings | None = None,
        understanding: Understanding | None = None,
    ) -> None:
        self.content = content
        self.factory = factory
        self.settings = settings or KioskSettings()
        self.understanding = understanding or Understanding(content)
        """Shared by every person: it holds the content's phrases and the rules, never anything heard."""
        self.report = KioskReport()
        self._errors_in_row = 0

    def run(self) -> KioskReport:
        """Serve people until input ends or ``max_sessions`` is reached. KioskFailedError after too many faults."""
        log.info("kiosk started")
        limit = self.settings.max_sessions
        while limit is None or self.report.sessions < limit:
            try:
                station = self.factory()
                if not station.waiter.wait():
                    log.info("kiosk: input ended")
                    break
            except Exception as error:
                self._fault("waiting for a person", error)
                continue
            served = self.serve(station)
            del station
            if served is None:
                break
        log.info("kiosk stopped after %d sessions", self.report.sessions)
        return self.report

    def serve(self, station: Station) -> Served | None:
        """Run one person's session on ``station``; None when input ended during it (the kiosk then stops)."""
        started = time.monotonic()
        number = self.report.sessions + 1
        log.info("session %d started (%s)", number, station.frontend.mode.value)
        dialog = Dialog(self.content, station.frontend.mode, understanding=self.understanding)
        frontend = self._watch(station.frontend)
        fallback = self._watch(station.fallback) if station.fallback is not None else None
        try:
            result = run_session(dialog, frontend, fallback)
        except SessionIdle:
            served: Served | None = Served.IDLE
        except KeyboardInterrupt:  # Ctrl-C at the kiosk's keyboard, or SIGHUP: this session ends, not the kiosk
            log.info("session %d interrupted", number)
            self._tell(station, self.content.phrase("interrupted"))
            served = Served.INTERRUPTED
        except Exception as error:
            self._tell(station, self.content.phrase("kiosk_error"))
            self._fault(f"session {number}", error)
            served = Served.ERROR
        else:
            self._errors_in_row = 0
            self.report.fell_back += result.fell_back
            served = {Outcome.COMPLETED: Served.COMPLETED, Outcome.QUIT: Served.QUIT}.get(result.outcome)
        finally:
            dialog.reset()
        if served is None:
            log.info("session %d: input ended", number)
            return None
        if served is not Served.ERROR:
            self.report.served[served] += 1
        log.info("session %d ended: %s after %.1f s", number, served.value, time.monotonic() - started)
        return served

    def _watch(self, frontend: Frontend) -> IdleWatch:
        voice = frontend.mode is Mode.VOICE
        silences = self.settings.voice_idle_silences if voice else self.settings.keyboard_idle_silences
        return IdleWatch(frontend, self.content, silences)

    def _fault(self, where: str, error: Exception) -> None:
        self.report.served[Served.ERROR] += 1
        self._errors_in_row += 1
        log.error("fault in %s: %s", where, describe_error(error))
        if self._errors_in_row >= self.settings.max_errors_in_row:
            raise KioskFailedError(f"{self._errors_in_row} faults in a row; stopping so that the kiosk is restarted")
        time.sleep(self.settings.error_pause)

    def _tell(self, station: Station, text: str) -> None:
        """Tell the person about a fault, through whichever front end still works."""
        for frontend in (station.frontend, station.fallback):
            if frontend is None:
                continue
            try:
                frontend.notice(text)
            except Exception as error:
                log.error("could not tell the person about the fault: %s", describe_error(error))
            else:
                return


# ---- signals -----------------------------------------------------------------------------------------------------


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KioskStopped


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`KioskStopped` in the main thread (wherever it is waiting); SIGINT
    and SIGHUP raise KeyboardInterrupt, which ends the current person's session (:meth:`Kiosk.serve`) or, while
    waiting for a person, the kiosk. SIGINT is taken even when inherited ignored (a background start); a SIGHUP
    ignored on purpose (nohup) stays ignored."""
    with taken(_interrupt, _stop, _interrupt):
        yield


# ---- choosing the stations for the command line ------------------------------------------------------------------


def voice_station_factory(
    content: Content,
    stdin: TextIO,
    stdout: TextIO,
    *,
    idle_timeout: float,
    settings: VoiceSettings | None = None,
) -> tuple[StationFactory, list[str]]:
    """Voice stations (microphone, recognizer, speech), each with the keyboard as its fallback; notices to show once.

    Raises VoiceGuideError when voice cannot be used at all (no microphone, no recognizer): the caller falls back to
    the keyboard. The voice stack is built once (voice.open_voice_parts, as for ``voice-guide``); each person gets a
    new voice front end (so no transcript outlives its person) and a waiter that falls back to the keyboard if the
    microphone fails later.
    """
    from voice_guide.speech.stack import VoiceSettings, open_voice_parts

    settings = settings or VoiceSettings()
    parts = open_voice_parts(settings, content)
    reader = LineReader(stdin)
    start = StartWord(content, Understanding(content, settings=settings.understanding))

    def build() -> Station:
        for_next_person(parts.speaker)
        voice = parts.frontend(content, stdout)
        keyboard = KeyboardFrontend(
            content, stdin, stdout, idle_timeout=idle_timeout, reader=reader, speaker=parts.speaker
        )
        fallback_waiter = KeyboardWaiter(content, reader, stdout)
        waiter = VoiceWaiter(
            content,
            parts.listener,
            parts.recognizer,
            parts.speaker,
            stdout,
            keys=reader,
            fallback=fallback_waiter,
            start=start,
        )
        return Station(voice, waiter, fallback=keyboard)

    return build, parts.notices


def station_factory(
    content: Content,
    stdin: TextIO,
    stdout: TextIO,
    *,
    keyboard: bool,
    idle_timeout: float,
    settings: VoiceSettings | None = None,
) -> tuple[StationFactory, str | None]:
    """The stations ``voice-guide kiosk`` serves people with, and a notice to show once (None when there is none).

    Voice when it can be used (microphone, recognizer; speech output or the screen), else the keyboard, saying why.
    """
    if not keyboard:
        try:
            factory, notices = voice_station_factory(
                content, stdin, stdout, idle_timeout=idle_timeout, settings=settings
            )
        except (VoiceGuideError, ImportError) as error:
            log.warning("voice is not available: %s", error)
            notice = unavailable_text(content, error) or content.phrase(
                "kiosk_keyboard_only", reason=f"voice is not available ({error})."
            )
            from voice_guide.speech.stack import VoiceSettings, speech_without_microphone

            speaker = speech_without_microphone(settings or VoiceSettings(), content)  # speak while they type
            # The waiting screen shows it (after clearing the screen), so nothing more to show once.
            factory = keyboard_station_factory(
                content, stdin, stdout, idle_timeout=idle_timeout, notice=notice, speaker=speaker
            )
            return factory, None
        return factory, " ".join(notices)
    return keyboard_station_factory(content, stdin, stdout, idle_timeout=idle_timeout), None
