"""Spoken kiosk sessions with the real voice stack, as a program, for fault tests that run it in a changed world.

    python tests/fault_session.py BOOK.json SEED[,SEED...]

Builds the voice stack once as the kiosk does (``open_voice_parts``: the microphone checked, pocketsphinx loaded,
speech output through the default audio output), then serves one scripted person per seed, in order,
each answering by voice from the WAV files listed in BOOK.json (see tests/spoken_session.py's Phrasebook), with the
guide speaking every prompt. Prints one JSON line: sessions completed and faulted, how many people were understood
exactly, the notices the voice stack gave, and whether speaking stopped working in any session.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from kiosk_helpers import RecordingFrontend, SessionLog, SpokenPerson, rng, scripted_person

from voice_guide.content import load_content
from voice_guide.kiosk import Kiosk, KioskSettings, Served, Station
from voice_guide.speech.stack import VoiceSettings, open_voice_parts

SETTINGS = VoiceSettings(engine="pocketsphinx", rate=450, tones=False)
"""The fastest speaking rate keeps the sessions short; the speech itself is real."""


class Now:
    """Each person starts the guide at once."""

    def wait(self) -> bool:
        return True


def main(book: Path, seeds: list[int]) -> None:
    mapping = json.loads(book.read_text(encoding="utf-8"))
    content = load_content()
    parts = open_voice_parts(SETTINGS)
    shown = io.StringIO()
    persons = [scripted_person(content, rng(seed)) for seed in seeds]
    people = len(persons)
    logs: list[SessionLog] = []

    def build() -> Station:
        person = persons[len(logs)]
        log = SessionLog()
        logs.append(log)
        frontend = parts.frontend(content, shown)
        frontend.listener = SpokenPerson(content, person, log, lambda phrase, voice: Path(mapping[phrase]))
        return Station(RecordingFrontend(frontend, log), Now())

    report = Kiosk(content, build, KioskSettings(max_sessions=people, error_pause=0.0)).run()
    understood = sum(log.answers_at_result == person.answers for log, person in zip(logs, persons, strict=True))
    print(
        json.dumps(
            {
                "completed": report.served[Served.COMPLETED],
                "faults": report.served[Served.ERROR],
                "understood": understood,
                "notices": parts.notices,
                "speech_failed": content.phrase("speech_failed", reason="").split("(")[0] in shown.getvalue(),
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), [int(seed) for seed in sys.argv[2].split(",")])
