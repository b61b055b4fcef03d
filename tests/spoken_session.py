"""A spoken kiosk session from WAV files: in process, or as a subprocess for tests that trace it.

    book = Phrasebook(tmp_path)                       # WAV files of phrases, made with espeak-ng on first use
    report, log = spoken_session(content, person, book)

    python tests/spoken_session.py BOOK.json SEED     # the same session, reading only the files listed in BOOK.json

The session is a real kiosk session: VoiceFrontend with WavFileListener (voice_guide.speech.microphone) and the real
pocketsphinx
recognizer. Run as a program, it prints one JSON line: {"completed": 1, "understood": true}.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from kiosk_helpers import Person, RecordingFrontend, SessionLog, SpokenPerson, rng, scripted_person

from voice_guide.content import Content, load_content
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.kiosk import Kiosk, KioskReport, KioskSettings, Served, Station
from voice_guide.testing import RecordingSpeaker


class Phrasebook:
    """WAV files of each phrase in each test voice, made on first use (not kept in memory)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths: dict[tuple[str, int], Path] = {}

    def __call__(self, phrase: str, voice: int) -> Path:
        from speech import VOICES, synthesize

        from voice_guide.wav import encode_wav

        voice %= len(VOICES)
        key = (phrase, voice)
        if key not in self.paths:
            path = self.folder / f"{len(self.paths)}.wav"
            path.write_bytes(encode_wav(synthesize.__wrapped__(phrase, VOICES[voice])))
            self.paths[key] = path
        return self.paths[key]

    def save(self, path: Path, voice: int = 0) -> None:
        """Write {phrase: WAV path} for ``voice`` as JSON, for a subprocess."""
        mapping = {phrase: str(p) for (phrase, v), p in self.paths.items() if v == voice}
        path.write_text(json.dumps(mapping), encoding="utf-8")


class Once:
    """The person starts the guide at once; there is no one after them."""

    def __init__(self) -> None:
        self.started = False

    def wait(self) -> bool:
        started, self.started = self.started, True
        return not started


def spoken_session(
    content: Content, person: Person, wav_for: Callable[[str, int], Path], *, voice: int = 0
) -> tuple[KioskReport, SessionLog]:
    """Serve ``person`` by voice in a kiosk; ``wav_for(phrase, voice)`` gives each utterance's WAV file."""
    from voice_guide.engines.loader import load_recognizer

    log = SessionLog()
    frontend = VoiceFrontend(
        content=content,
        recognizer=load_recognizer("pocketsphinx"),
        listener=SpokenPerson(content, person, log, wav_for, voice=voice),
        speaker=RecordingSpeaker(),
    )
    station = Station(RecordingFrontend(frontend, log), Once())
    report = Kiosk(content, lambda: station, KioskSettings(error_pause=0.0)).run()
    return report, log


def main(book: Path, seed: int) -> None:
    mapping = json.loads(book.read_text(encoding="utf-8"))
    content = load_content()
    person = scripted_person(content, rng(seed))
    report, log = spoken_session(content, person, lambda phrase, voice: Path(mapping[phrase]))
    understood = log.answers_at_result == person.answers
    print(json.dumps({"completed": report.served[Served.COMPLETED], "understood": understood}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
