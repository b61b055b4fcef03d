"""Soak: 1,000 scripted people through one kiosk, in one process, as on a waiting-room kiosk over weeks.

Most people type (keyboard); every 50th speaks: their answers are WAV files of espeak-ng speech, read by
``WavFileListener`` (voice_guide.speech.microphone) and recognized by the real pocketsphinx recognizer, loaded once as
on the kiosk.

Checks: no crash (no session ends in a fault), memory does not grow (RSS from person 50 to person 1,000 grows by
less than 5%), and no person sees anything of the person before: the dialog starts empty at question 1, a typing
person's result is exactly the assessment of their own answers, and a speaking person's result is exactly the
assessment of what was heard from them in their own session (recognition itself may mishear: at least 90% of
speaking people must be understood exactly).

The voice kiosk soak does the same at a voice kiosk: 1,000 people answering by voice (through voice_guide.testing's
fakes, and every 50th through WAV files and the real pocketsphinx), switching to the keyboard half way, losing the
microphone half way (the keyboard takes over), or at a station with no microphone; it also checks, every tenth
person, that the previous person's dialog and front ends have been freed. Both run in CI (marked ``soak``; the voice
kiosk soak took 150 s on two busy cores).
"""

from __future__ import annotations

import gc
import io
import logging
import os
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from kiosk_helpers import Person, RecordingFrontend, SessionLog, SpokenPerson, rng, scripted_person
from speech import have_espeak
from spoken_session import Phrasebook

from voice_guide.content import Content
from voice_guide.dialog import Dialog, State
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.kiosk import Kiosk, KioskSettings, Served, Station, keyboard_station_factory
from voice_guide.questionnaire import state
from voice_guide.session import Frontend, Heard
from voice_guide.speech.microphone import Completeness
from voice_guide.testing import RecordingSpeaker

PEOPLE = 1_000
WARM_UP = 50
"""RSS is compared from this person on (imports, caches and the allocator have settled by then)."""
MAX_GROWTH = 0.05
SPEAKING_EVERY = 50
"""Every 50th person speaks (20 of 1,000: under a minute of recognition)."""
SPEAKING_VOICES = 2
"""Speaking people use the first two test voices (en-us, en-gb), one voice per person."""
MIN_UNDERSTOOD = 0.9
"""Speaking people understood exactly (20 of 20 when measured; accuracy itself is the benchmark's subject)."""

pytestmark = pytest.mark.soak


def rss_kib() -> int:
    """Resident set size of this process (VmRSS), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeopleStream(io.StringIO):
    """Stdin typed by one scripted person after another, generated as it is read (no fileno: no timeouts)."""

    def __init__(self, people: Iterator[Person]) -> None:
        super().__init__()
        self._people = people
        self._lines: list[str] = []
        self.current: Person | None = None
        """The person typing now."""

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]  # typeshed: StringIO inherits _IOBase.readline -> bytes
        if not self._lines:
            person = next(self._people, None)
            if person is None:
                return ""
            self.current = person
            self._lines = list(person.lines)
        return self._lines.pop(0) + "\n"


class Waiting:
    """A speaking person starts the guide at once."""

    def wait(self) -> bool:
        return True


@pytest.mark.audio
def test_a_thousand_people_no_crash_no_growth_no_leak(content: Content, tmp_path: Path) -> None:
    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    from voice_guide.engines.loader import load_recognizer

    recognizer = load_recognizer("pocketsphinx")
    phrasebook = Phrasebook(tmp_path)
    variety = [scripted_person(content, rng(seed), repeat=seed % 4 == 0) for seed in range(40)]
    typists = (variety[i % len(variety)] for i in range(PEOPLE - PEOPLE // SPEAKING_EVERY))
    stdin = PeopleStream(typists)
    sink = io.StringIO()
    base = keyboard_station_factory(content, stdin, sink, idle_timeout=5.0)
    checked = 0
    spoken = understood = 0
    problems: list[str] = []
    rss: dict[int, int] = {}
    log = SessionLog()
    speaker: Person | None = None
    kiosk: Kiosk

    def check_previous() -> None:
        """Check the session that just ended against the person who typed it."""
        nonlocal checked, spoken, understood
        number = kiosk.report.sessions
        person = speaker or stdin.current
        if number == 0 or person is None:
            return
        if log.answers_at_start != {}:
            problems.append(f"person {number} started with answers {log.answers_at_start}")
        if log.first_ask is None or log.first_ask.number != 1:
            problems.append(f"person {number} did not start at question 1")
        expected = person.assessment
        if speaker is not None:
            heard = log.answers_at_result or {}
            expected = state(content, heard).assessment
            spoken += 1
            understood += heard == person.answers
        if not log.results or any(result != expected for result in log.results):
            problems.append(f"person {number} was shown a result that is not theirs")
        checked += 1
        if number in (WARM_UP, PEOPLE):
            gc.collect()
            rss[number] = rss_kib()

    def build() -> Station:
        nonlocal log, speaker
        check_previous()
        sink.seek(0)
        sink.truncate()
        log = SessionLog()
        number = kiosk.report.sessions + 1
        if number % SPEAKING_EVERY == 0:
            speaker = variety[number // SPEAKING_EVERY % len(variety)]
            voice = VoiceFrontend(
                content=content,
                recognizer=recognizer,
                listener=SpokenPerson(
                    content, speaker, log, phrasebook, voice=number // SPEAKING_EVERY % SPEAKING_VOICES
                ),
                speaker=RecordingSpeaker(),
            )
            return Station(RecordingFrontend(voice, log), Waiting())
        speaker = None
        station = base()
        return Station(RecordingFrontend(station.frontend, log), station.waiter)

    kiosk = Kiosk(content, build, KioskSettings(max_sessions=PEOPLE, error_pause=0.0))
    started = time.monotonic()
    report = kiosk.run()
    elapsed = time.monotonic() - started
    check_previous()

    assert report.sessions == PEOPLE
    assert report.served[Served.COMPLETED] == PEOPLE
    assert report.served[Served.ERROR] == 0
    assert problems == []
    assert checked == PEOPLE
    assert spoken == PEOPLE // SPEAKING_EVERY
    growth = (rss[PEOPLE] - rss[WARM_UP]) / rss[WARM_UP]
    print(
        f"\nsoak: {PEOPLE} people ({spoken} speaking, {understood} understood exactly) in {elapsed:.1f} s; "
        f"RSS {rss[WARM_UP]} KiB at person {WARM_UP}, {rss[PEOPLE]} KiB at person {PEOPLE} ({growth:+.2%}); "
        f"pid {os.getpid()}"
    )
    assert growth < MAX_GROWTH
    assert understood >= MIN_UNDERSTOOD * spoken


# ---- the voice kiosk --------------------------------------------------------------------------------------------

VOICE_PEOPLE = 1_000
REAL_EVERY = 50
"""Every 50th person speaks through WAV files and the real pocketsphinx; the others through voice_guide.testing's
fakes (an utterance standing for its words, and a recognizer that hears exactly them)."""
LEAK_CHECK_EVERY = 10
"""How often the previous person's dialog and front ends are checked to be gone from memory (gc.collect is slow)."""


class FakeSpokenPerson(SpokenPerson):
    """A SpokenPerson whose utterances are voice_guide.testing fakes (``utterance(words)``) instead of WAV files; it
    may ask to type (``switch_at``: the turn it says "keyboard", then "yes" to "Do you want to type?") or lose its
    microphone (``unplug_at``: the turn the microphone fails, as an unplugged one does)."""

    switched = False

    def __init__(
        self, content: Content, person: Person, log: SessionLog, *, switch_at: int = 0, unplug_at: int = 0
    ) -> None:
        super().__init__(content, person, log, lambda phrase, voice: Path(phrase))
        self.switch_at = switch_at
        self.unplug_at = unplug_at

    def listen(self, complete: Completeness | None = None) -> npt.NDArray[np.int16] | None:
        from voice_guide.errors import AudioError
        from voice_guide.testing import utterance

        self.turns += 1
        if self.turns > self.max_turns:
            raise EOFError
        if self.turns == self.unplug_at:
            raise AudioError("The microphone stopped working.")
        if self.switch_at and self.turns >= self.switch_at and self.log.state is State.ASKING and not self.switched:
            self.switched = True
            return utterance("switch to keyboard")
        if self.log.pending_command == "keyboard":
            return utterance("yes")
        return utterance(self._phrase(self._option()))


class Watched(RecordingFrontend):
    """A RecordingFrontend that also keeps a weak reference to the session's dialog (to check it does not outlive
    its person)."""

    def __init__(self, inner: Frontend, log: SessionLog, refs: list[weakref.ref[object]]) -> None:
        super().__init__(inner, log)
        self.refs = refs

    def listen(self, dialog: Dialog) -> Heard:
        if not any(ref() is dialog for ref in self.refs):
            self.refs.append(weakref.ref(dialog))
        return super().listen(dialog)


class Typist(io.StringIO):
    """The same person at the keyboard (after switching or losing the microphone): types the answer to whatever the
    guide asks now, "yes" to a read-back, and "stop" after the result; read through the kiosk's shared LineReader."""

    def __init__(self) -> None:
        super().__init__()
        self.person: Person | None = None
        self.log = SessionLog()

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]  # see PeopleStream.readline
        question, state = self.log.question, self.log.state
        if self.person is None or state is State.RESULT or question is None:
            return "stop\n"
        if state is not State.ASKING:
            return "yes\n"
        return question.option(self.person.answers[question.id]).text + "\n"


@pytest.mark.audio
def test_a_thousand_people_at_the_voice_kiosk_no_crash_no_growth_no_leak(
    content: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """1,000 people through one voice kiosk in one process, mixing the ways people answer it: by voice start to
    finish (fakes, and every 50th through WAV files and the real pocketsphinx), by voice then asking to type, by
    voice until the microphone fails (the keyboard takes over), and at a station with no microphone (keyboard). Each
    person is heard only by their own front ends; what the one before said is never reachable."""
    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    # pytest keeps every log record for its report, and a record keeps its arguments: the warning logged when a
    # session moves to the keyboard holds the exception, its traceback, and so the frames of the person's front end
    # and dialog. A kiosk's own handlers (the journal) format records and drop them; so that what is measured is the
    # kiosk and not pytest, only errors (faults, which must not happen here) are recorded.
    caplog.set_level(logging.ERROR)
    from voice_guide.engines.loader import load_recognizer
    from voice_guide.frontends.keyboard import KeyboardFrontend, LineReader
    from voice_guide.kiosk import KeyboardWaiter, VoiceWaiter
    from voice_guide.testing import EchoRecognizer, RecordingSpeaker, ScriptedListener

    pocketsphinx = load_recognizer("pocketsphinx")
    phrasebook = Phrasebook(tmp_path)
    variety = [scripted_person(content, rng(seed), repeat=seed % 4 == 0) for seed in range(40)]
    typist = Typist()
    reader = LineReader(typist)
    sink = io.StringIO()
    kinds: dict[str, int] = {}
    problems: list[str] = []
    rss: dict[int, int] = {}
    log = SessionLog()
    current: Person | None = None
    real = False
    previous: list[weakref.ref[object]] = []
    kiosk: Kiosk

    def kind_of(number: int) -> str:
        if number % REAL_EVERY == 0:
            return "wav"
        return ("voice", "voice", "voice", "switch", "unplug", "keyboard")[number % 6]

    def check_previous() -> None:
        number = kiosk.report.sessions
        if number == 0 or current is None:
            return
        if log.answers_at_start != {}:
            problems.append(f"person {number} started with answers {log.answers_at_start}")
        if log.first_ask is None or log.first_ask.number != 1:
            problems.append(f"person {number} did not start at question 1")
        heard = log.answers_at_result or {}
        if not real and heard != current.answers:
            problems.append(f"person {number} ({kind_of(number)}) was understood as {heard}, not {current.answers}")
        expected = state(content, heard).assessment
        if not log.results or any(result != expected for result in log.results):
            problems.append(f"person {number} was shown a result that is not theirs")
        if number % LEAK_CHECK_EVERY == 0 or number == WARM_UP:
            gc.collect()
            alive = [ref() for ref in previous if ref() is not None]
            if alive:
                problems.append(f"person {number}'s {[type(a).__name__ for a in alive]} outlived them")
        if number == WARM_UP or number % 100 == 0:
            gc.collect()
            rss[number] = rss_kib()

    def build() -> Station:
        nonlocal log, current, real
        check_previous()
        sink.seek(0)
        sink.truncate()
        number = kiosk.report.sessions + 1
        kind = kind_of(number)
        kinds[kind] = kinds.get(kind, 0) + 1
        log = SessionLog()
        current = variety[number % len(variety)]
        real = kind == "wav"
        typist.person, typist.log = current, log
        previous.clear()
        keyboard = Watched(KeyboardFrontend(content, typist, sink, reader=reader, echo=False), log, previous)
        if kind == "keyboard":  # a station whose microphone is missing: the keyboard, as the kiosk falls back
            lines = io.StringIO("\n")
            frontend = keyboard
            waiter: object = KeyboardWaiter(content, LineReader(lines), sink)
            fallback = None
        else:
            listener: SpokenPerson
            if real:
                listener = SpokenPerson(content, current, log, phrasebook, voice=number // REAL_EVERY % 2)
                recognizer: object = pocketsphinx
            else:
                turns = len(current.said)
                listener = FakeSpokenPerson(
                    content,
                    current,
                    log,
                    switch_at=max(1, turns // 2) if kind == "switch" else 0,
                    unplug_at=max(1, turns // 2) if kind == "unplug" else 0,
                )
                recognizer = EchoRecognizer()
            voice = VoiceFrontend(
                content=content,
                recognizer=recognizer,  # type: ignore[arg-type]
                listener=listener,
                speaker=RecordingSpeaker(),
                out=sink,
            )
            frontend = Watched(voice, log, previous)
            waiter = VoiceWaiter(
                content, ScriptedListener(["start"]), EchoRecognizer(), RecordingSpeaker(), sink, keys=None
            )
            fallback = keyboard
            previous.extend([weakref.ref(voice), weakref.ref(listener)])
        return Station(frontend, waiter, fallback=fallback)  # type: ignore[arg-type]

    kiosk = Kiosk(content, build, KioskSettings(max_sessions=VOICE_PEOPLE, error_pause=0.0))
    started = time.monotonic()
    report = kiosk.run()
    elapsed = time.monotonic() - started
    check_previous()

    assert report.sessions == VOICE_PEOPLE
    assert report.served[Served.ERROR] == 0
    assert report.served[Served.COMPLETED] == VOICE_PEOPLE
    assert report.fell_back == kinds["switch"] + kinds["unplug"]
    assert problems == []
    growth = (rss[VOICE_PEOPLE] - rss[WARM_UP]) / rss[WARM_UP]
    print(
        f"\nvoice soak: {VOICE_PEOPLE} people {kinds} in {elapsed:.1f} s; RSS {rss[WARM_UP]} KiB at person "
        f"{WARM_UP}, {rss[VOICE_PEOPLE]} KiB at person {VOICE_PEOPLE} ({growth:+.2%}); every 100: {rss}"
    )
    assert growth < MAX_GROWTH
