"""Soak: 1,000 scripted people through one kiosk, in one process, as on a waiting-room kiosk over weeks.

Checks: no crash (no session ends in a fault), memory does not grow (RSS from person 50 to person 1,000 grows by
less than 5%), and no person sees anything of the person before (the dialog starts empty at question 1, and every
result shown is exactly the assessment of that person's own answers).
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kiosk_helpers import Person, RecordingFrontend, SessionLog, rng, scripted_person

from voice_guide.content import Content
from voice_guide.kiosk import Kiosk, KioskSettings, Served, Station, keyboard_station_factory

PEOPLE = 1_000
WARM_UP = 50
"""RSS is compared from this person on (imports, caches and the allocator have settled by then)."""
MAX_GROWTH = 0.05

pytestmark = pytest.mark.soak


def rss_kib() -> int:
    """Resident set size of this process (VmRSS), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeopleStream(io.TextIOBase):
    """Stdin typed by one scripted person after another, generated as it is read (no fileno: no timeouts)."""

    def __init__(self, people: Iterator[Person]) -> None:
        super().__init__()
        self._people = people
        self._lines: list[str] = []
        self.current: Person | None = None
        """The person typing now."""

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        if not self._lines:
            person = next(self._people, None)
            if person is None:
                return ""
            self.current = person
            self._lines = list(person.lines)
        return self._lines.pop(0) + "\n"


def test_a_thousand_people_no_crash_no_growth_no_leak(content: Content) -> None:
    variety = [scripted_person(content, rng(seed), repeat=seed % 4 == 0) for seed in range(40)]
    stdin = PeopleStream(variety[i % len(variety)] for i in range(PEOPLE))
    sink = io.StringIO()
    base = keyboard_station_factory(content, stdin, sink, idle_timeout=5.0)
    checked = 0
    problems: list[str] = []
    rss: dict[int, int] = {}
    log = SessionLog()
    kiosk: Kiosk

    def check_previous() -> None:
        """Check the session that just ended against the person who typed it."""
        nonlocal checked
        number = kiosk.report.sessions
        person = stdin.current
        if number == 0 or person is None:
            return
        if log.answers_at_start != {}:
            problems.append(f"person {number} started with answers {log.answers_at_start}")
        if log.first_ask is None or log.first_ask.number != 1:
            problems.append(f"person {number} did not start at question 1")
        if not log.results or any(result != person.assessment for result in log.results):
            problems.append(f"person {number} was shown a result that is not theirs")
        checked += 1
        if number in (WARM_UP, PEOPLE):
            gc.collect()
            rss[number] = rss_kib()

    def build() -> Station:
        nonlocal log
        check_previous()
        sink.seek(0)
        sink.truncate()
        log = SessionLog()
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
    growth = (rss[PEOPLE] - rss[WARM_UP]) / rss[WARM_UP]
    print(
        f"\nsoak: {PEOPLE} people in {elapsed:.1f} s; RSS {rss[WARM_UP]} KiB at person {WARM_UP}, "
        f"{rss[PEOPLE]} KiB at person {PEOPLE} ({growth:+.2%}); pid {os.getpid()}"
    )
    assert growth < MAX_GROWTH
