"""Speech output: pyttsx3 synthesis played into a private PulseAudio null sink, rate, stop, privacy, fallbacks."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from pulse import PulseServer, no_audio_devices, pulse_server
from speech import have_espeak

from voice_guide.errors import SpeechError
from voice_guide.speech.playback import Player
from voice_guide.speech.speaker import (
    MAX_RATE,
    MIN_RATE,
    PrintSpeaker,
    Pyttsx3Speaker,
    SpeechSettings,
    open_speaker,
)
from voice_guide.testing import RecordingSpeaker

needs_espeak = pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed")
PROMPT = "Do you have a fever?"
LONG = "Please listen carefully. " * 12


@dataclass
class Played:
    samples: npt.NDArray[np.int16]
    rate: int
    completed: bool
    seconds: float


class RecordingPlayer(Player):
    """The real player, remembering what it was given and how long playing took."""

    def __init__(self) -> None:
        super().__init__()
        self.played: list[Played] = []

    def play(self, samples: npt.NDArray[np.int16], rate: int = 16_000) -> bool:
        started = time.monotonic()
        completed = super().play(samples, rate)
        self.played.append(Played(samples, rate, completed, time.monotonic() - started))
        return completed


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    with pulse_server() as server:
        yield server


def seconds(played: Played) -> float:
    return len(played.samples) / played.rate


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_speaks_a_prompt_to_the_null_sink(pulse: PulseServer, capfd: pytest.CaptureFixture[str]) -> None:
    player = RecordingPlayer()
    speaker = Pyttsx3Speaker(player)
    cold = time.monotonic()
    speaker.synthesize(PROMPT)
    cold = time.monotonic() - cold
    speaker.say(PROMPT)
    warm = speaker.last_synthesis_seconds
    (played,) = player.played
    assert played.completed
    assert played.rate == 22_050
    assert 0.7 <= seconds(played) <= 3.0
    assert float(np.sqrt(np.mean(played.samples.astype(np.float64) ** 2))) > 500  # real speech, not silence
    assert played.seconds >= seconds(played) * 0.9  # really played, in real time
    out, _ = capfd.readouterr()
    assert "Audio saved" not in out
    assert warm is not None
    print(
        f"synthesis: first {cold * 1000:.0f} ms, then {warm * 1000:.0f} ms; played {played.seconds:.2f} s",
        file=sys.stderr,
    )


@pytest.mark.audio
@needs_espeak
def test_no_chatter_on_stdout_at_the_file_descriptor_level(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from voice_guide.speech.speaker import Pyttsx3Speaker
        speaker = Pyttsx3Speaker(player=None)
        samples, rate = speaker.synthesize({PROMPT!r})
        import sys
        sys.stderr.write(f"{{len(samples)}} {{rate}}\\n")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == ""
    count, rate = done.stderr.split()[-2:]
    assert int(count) > 10_000 and rate == "22050"


@pytest.mark.audio
@needs_espeak
def test_a_faster_rate_is_shorter_and_rates_are_bounded() -> None:
    speaker = Pyttsx3Speaker(player=None)  # type: ignore[arg-type]  # synthesis only
    normal = len(speaker.synthesize(LONG)[0])
    speaker.faster()
    speaker.faster()
    faster = len(speaker.synthesize(LONG)[0])
    for _ in range(6):
        speaker.slower()
    slower = len(speaker.synthesize(LONG)[0])
    assert faster < normal * 0.85
    assert slower > normal * 1.15
    for _ in range(100):
        speaker.faster()
    assert speaker.rate == MAX_RATE
    for _ in range(100):
        speaker.slower()
    assert speaker.rate == MIN_RATE


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_stop_interrupts_speech(pulse: PulseServer) -> None:
    player = RecordingPlayer()
    speaker = Pyttsx3Speaker(player)
    timer = threading.Timer(0.5, speaker.stop)
    started = time.monotonic()
    timer.start()
    speaker.say(LONG)
    elapsed = time.monotonic() - started
    timer.join()
    (played,) = player.played
    assert seconds(played) > 5
    assert not played.completed
    assert elapsed < 1.5


@pytest.mark.audio
@needs_espeak
def test_prompt_audio_is_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    speaker = Pyttsx3Speaker(player=None)  # type: ignore[arg-type]
    seen: list[tuple[int, int]] = []
    real_save = speaker._engine.save_to_file

    def spy(text: str, filename: str) -> Any:
        path = Path(filename)
        seen.append((stat.S_IMODE(path.parent.stat().st_mode), stat.S_IMODE(path.stat().st_mode)))
        return real_save(text, filename)

    monkeypatch.setattr(speaker._engine, "save_to_file", spy)
    speaker.synthesize(PROMPT)
    assert seen == [(0o700, 0o600)]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.audio
@needs_espeak
def test_a_missing_voice_is_a_speech_error() -> None:
    with pytest.raises(SpeechError, match="no speech voice"):
        Pyttsx3Speaker(player=None, settings=SpeechSettings(voice="klingon-xx"))  # type: ignore[arg-type]
    Pyttsx3Speaker(player=None, settings=SpeechSettings(voice="gmw/en-US"))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------- fallbacks


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_open_speaker_uses_pyttsx3_when_it_can(pulse: PulseServer) -> None:
    speaker, reason = open_speaker()
    assert isinstance(speaker, Pyttsx3Speaker)
    assert reason is None


@pytest.mark.audio
def test_no_output_device_falls_back_to_printing() -> None:
    shown = io.StringIO()
    with no_audio_devices():
        speaker, reason = open_speaker(SpeechSettings(rate=200), stream=shown)
    assert isinstance(speaker, PrintSpeaker)
    assert reason is not None and "audio output" in reason and "\n" not in reason
    speaker.say(PROMPT)
    assert shown.getvalue() == PROMPT + "\n"
    assert speaker.rate == 200


@pytest.mark.audio
@pytest.mark.live_audio
def test_missing_espeak_falls_back_to_printing(pulse: PulseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyttsx3

    def no_espeak(driver_name: str | None = None, debug: bool = False) -> Any:
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", no_espeak)
    with pytest.raises(SpeechError, match="install espeak-ng"):
        Pyttsx3Speaker(Player())
    speaker, reason = open_speaker(stream=io.StringIO())
    assert isinstance(speaker, PrintSpeaker)
    assert reason is not None and "espeak-ng" in reason


@pytest.mark.audio
def test_without_the_espeak_ng_library_pyttsx3_fails_as_a_speech_error() -> None:
    """The real failure, in a fresh process where loading libespeak-ng is made to fail."""
    script = textwrap.dedent(
        """
        import ctypes
        real = ctypes.cdll.LoadLibrary
        def load(name, *args, **kwargs):
            if "espeak" in str(name):
                raise OSError(f"{name}: cannot open shared object file")
            return real(name, *args, **kwargs)
        ctypes.cdll.LoadLibrary = load
        from voice_guide.errors import SpeechError
        from voice_guide.speech.speaker import Pyttsx3Speaker
        try:
            Pyttsx3Speaker(player=None)
        except SpeechError as error:
            print("SpeechError:", error)
        """
    )
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SpeechError:") and "install espeak-ng" in done.stdout


def test_print_and_recording_speakers() -> None:
    shown = io.StringIO()
    printer = PrintSpeaker(shown)
    printer.say("one")
    printer.stop()
    assert shown.getvalue() == "one\n"
    recorder = RecordingSpeaker()
    recorder.say("two")
    recorder.stop()
    assert recorder.faster() == 200 and recorder.slower() == 175
    assert recorder.said == ["two"] and recorder.stops == 1
