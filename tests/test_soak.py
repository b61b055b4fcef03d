"""Soak: 1,000 scripted people through one kiosk, in one process, as on a waiting-room kiosk over weeks.

Most people type (keyboard); every 50th speaks: their answers are WAV files of espeak-ng speech, read by
``WavFileListener`` (voice_guide.speech.microphone) and recognized by the real pocketsphinx recognizer, loaded once as
on the kiosk.

Checks: no crash (no session ends in a fault), memory does not grow (RSS from person 50 to person 1,000 grows by
less than 5%), and no person sees anything of the person before: the dialog starts empty at question 1, a typing
person's result is exactly the assessment of their own answers, and a speaking person's result is exactly the
assessment of what was heard from them in their own session (recognition itself may mishear: at least 90% of
speaking people must be understood exactly).
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kiosk_helpers import Person, RecordingFrontend, SessionLog, SpokenPerson, rng, scripted_person
from speech import have_espeak
from spoken_session import Phrasebook

from voice_guide.content import Content
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.kiosk import Kiosk, KioskSettings, Served, Station, keyboard_station_factory
from voice_guide.questionnaire import state
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
