"""Kiosk mode: one person after another, idle time-outs, faults, SIGTERM, and nothing kept between people.

In-process tests drive :class:`~voice_guide.kiosk.Kiosk` with injected stations (keyboard on a string or a real pipe,
or a scripted voice front end); CLI tests run ``voice-guide kiosk`` in a subprocess.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from conftest import CLI_TIMEOUT, RunCli, cli_command, cli_env
from kiosk_helpers import Person, RecordingFrontend, SessionLog, rng, scripted_person

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode
from voice_guide.errors import AudioError
from voice_guide.frontends.keyboard import KeyboardFrontend, LineReader
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.kiosk import (
    CLEAR_SCREEN,
    IdleWatch,
    KeyboardWaiter,
    Kiosk,
    KioskFailedError,
    KioskSettings,
    Served,
    SessionIdle,
    Station,
    StationFactory,
    VoiceWaiter,
    describe_error,
    keyboard_station_factory,
    start_words,
    voice_station_factory,
)
from voice_guide.session import Heard, Unheard
from voice_guide.speech.microphone import Completeness, Listener
from voice_guide.testing import DEVICE_GONE, EchoRecognizer, RecordingSpeaker, ScriptedFrontend, ScriptedListener

FAST = KioskSettings(error_pause=0.0)


def needs_sounddevice() -> None:
    """Skip unless sounddevice imports (it raises OSError, not ImportError, without the PortAudio library)."""
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError) as error:
        pytest.skip(f"sounddevice cannot be imported: {error}")


def people(content: Content, count: int, seed: int = 1) -> list[Person]:
    chooser = rng(seed)
    return [scripted_person(content, chooser, repeat=i % 3 == 0) for i in range(count)]


def typed(persons: Sequence[Person]) -> str:
    return "".join(line + "\n" for person in persons for line in person.lines)


def recording_factory(
    content: Content, stdin: io.TextIOBase | io.StringIO, stdout: io.StringIO
) -> tuple[StationFactory, list[SessionLog]]:
    """Keyboard stations whose front ends record what each session showed, one SessionLog per person."""
    base = keyboard_station_factory(content, stdin, stdout, idle_timeout=5.0)  # type: ignore[arg-type]
    logs: list[SessionLog] = []

    def build() -> Station:
        station = base()
        logs.append(SessionLog())
        return Station(RecordingFrontend(station.frontend, logs[-1]), station.waiter)

    return build, logs


# ---- serving people one after another ----------------------------------------------------------------------------


def test_each_person_gets_their_own_result_and_nothing_of_the_previous_one(content: Content) -> None:
    persons = people(content, 6)
    stdout = io.StringIO()
    factory, logs = recording_factory(content, io.StringIO(typed(persons)), stdout)

    report = Kiosk(content, factory, FAST).run()

    assert report.served[Served.COMPLETED] == 6
    assert report.served[Served.ERROR] == 0
    served = [log for log in logs if log.first_ask is not None]
    assert len(served) == 6
    for person, log in zip(persons, served, strict=True):
        assert log.answers_at_start == {}
        assert log.first_ask is not None
        assert (log.first_ask.number, log.first_ask.question.id) == (1, content.questions[0].id)
        assert log.results and all(result == person.assessment for result in log.results)
    assert stdout.getvalue().count(content.phrase("kiosk_ready_keyboard")) == 7  # before each person, and after
    assert stdout.getvalue().count(content.phrase("goodbye")) == 6


class Terminal(io.StringIO):
    """Output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_the_screen_is_cleared_before_each_person(content: Content) -> None:
    persons = people(content, 2, seed=8)
    screen = Terminal()
    factory, _ = recording_factory(content, io.StringIO(typed(persons)), screen)

    Kiosk(content, factory, FAST).run()

    pages = screen.getvalue().split(CLEAR_SCREEN)
    assert len(pages) == 4  # before the first person, the second, and after the second
    assert pages[0] == ""
    for person, page in zip(persons, pages[1:3], strict=True):
        assert content.urgency[person.assessment.urgency].title in page
        assert page.count(content.phrase("goodbye")) == 1
    assert content.phrase("goodbye") not in pages[3]


def test_result_can_be_repeated_before_the_next_person(content: Content) -> None:
    person = scripted_person(content, rng(3), repeat=True)
    factory, logs = recording_factory(content, io.StringIO(typed([person])), io.StringIO())

    Kiosk(content, factory, FAST).run()

    assert logs[0].results == [person.assessment, person.assessment]


def test_end_of_input_while_waiting_stops_the_kiosk(content: Content) -> None:
    factory, _ = recording_factory(content, io.StringIO(""), io.StringIO())
    report = Kiosk(content, factory, FAST).run()
    assert report.sessions == 0


# ---- idle: "are you still there?" --------------------------------------------------------------------------------


def test_idle_watch_asks_whether_still_there_then_gives_up(content: Content) -> None:
    inner = ScriptedFrontend([Unheard.SILENCE, Unheard.SILENCE, Unheard.SILENCE], Mode.VOICE)
    watch = IdleWatch(inner, content, silences=2)
    dialog = Dialog(content, Mode.VOICE)
    dialog.start()

    assert watch.listen(dialog) is Unheard.SILENCE  # the first silence goes to the dialog ("I didn't hear")
    with pytest.raises(SessionIdle):
        watch.listen(dialog)
    assert inner.notices == [content.phrase("kiosk_still_there"), content.phrase("kiosk_idle_reset")]


def test_idle_watch_carries_on_when_the_person_answers(content: Content) -> None:
    inner = ScriptedFrontend([Unheard.SILENCE, "", Unheard.SILENCE, "no"])
    watch = IdleWatch(inner, content, silences=1)
    dialog = Dialog(content, Mode.KEYBOARD)
    dialog.start()

    # silence -> "still there?" -> Enter: the question is asked again -> silence -> "still there?" -> "no"
    assert watch.listen(dialog) == "no"
    assert inner.notices == [content.phrase("kiosk_still_there")] * 2
    assert any(getattr(e, "question", None) == dialog.question for e in inner.shown)


def test_idle_watch_resets_its_count_after_speech(content: Content) -> None:
    inner = ScriptedFrontend([Unheard.SILENCE, "yes", Unheard.SILENCE, "no"], Mode.VOICE)
    watch = IdleWatch(inner, content, silences=2)
    dialog = Dialog(content, Mode.VOICE)
    heard = [watch.listen(dialog) for _ in range(4)]
    assert heard == [Unheard.SILENCE, "yes", Unheard.SILENCE, "no"]
    assert inner.notices == []


def test_keyboard_idle_on_a_real_pipe_clears_the_person(content: Content) -> None:
    """A timed read of a pipe that stays open: the person typed two answers, then walked away."""
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"\nno\nno\n")
        with os.fdopen(read_fd, "r", closefd=True) as stdin:
            stdout = io.StringIO()
            base = keyboard_station_factory(content, stdin, stdout, idle_timeout=0.2)
            logs: list[SessionLog] = []

            def build() -> Station:
                logs.append(SessionLog())
                station = base()
                return Station(RecordingFrontend(station.frontend, logs[-1]), station.waiter)

            started = time.monotonic()
            report = Kiosk(content, build, KioskSettings(max_sessions=1, error_pause=0.0)).run()
            elapsed = time.monotonic() - started
    finally:
        os.close(write_fd)
    assert report.served[Served.IDLE] == 1
    assert 0.4 <= elapsed < 5.0  # two timed-out reads of 0.2 s: the question, then "are you still there?"
    assert logs[0].notices == [content.phrase("kiosk_still_there"), content.phrase("kiosk_idle_reset")]
    assert stdout.getvalue().count(content.phrase("kiosk_still_there")) == 1


def test_line_reader_times_out_then_reads_what_arrives_later() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "r") as stream:
        reader = LineReader(stream)
        assert reader.readline(0.05) is Unheard.SILENCE
        assert not reader.ready()
        os.write(write_fd, b"first\nsecond\r\nthi")
        assert reader.ready()
        assert reader.readline(0.05) == "first"
        assert reader.readline(0.05) == "second"
        assert reader.readline(0.05) is Unheard.SILENCE  # "thi" is not a whole line yet
        os.write(write_fd, "rd é\n".encode())
        assert reader.readline(0.05) == "third é"
        os.close(write_fd)
        assert reader.readline(0.05) is None


# ---- faults --------------------------------------------------------------------------------------------------------


class ExplodingFrontend(ScriptedFrontend):
    """Raises, at its n-th turn, an error whose message quotes what the person said."""

    def __init__(self, script: Sequence[Heard], explode_at: int) -> None:
        super().__init__(script)
        self.turn = 0
        self.explode_at = explode_at

    def listen(self, dialog: Dialog) -> Heard:
        self.turn += 1
        if self.turn == self.explode_at:
            raise ValueError("cannot parse the answer 'my secret answer'")
        return super().listen(dialog)


class ScriptedWaiter:
    def __init__(self, starts: int) -> None:
        self.starts = starts

    def wait(self) -> bool:
        self.starts -= 1
        return self.starts >= 0


def test_an_exception_in_a_session_is_logged_and_the_next_person_is_served(
    content: Content, caplog: pytest.LogCaptureFixture
) -> None:
    person = scripted_person(content, rng(5))
    waiter = ScriptedWaiter(2)
    broken = ExplodingFrontend(person.lines[1:], explode_at=3)
    healthy = ScriptedFrontend(person.lines[1:])
    logs = [SessionLog(), SessionLog()]
    stations = iter(
        [Station(RecordingFrontend(broken, logs[0]), waiter), Station(RecordingFrontend(healthy, logs[1]), waiter)]
    )

    with caplog.at_level(logging.DEBUG):
        report = Kiosk(content, lambda: next(stations), KioskSettings(max_sessions=2, error_pause=0.0)).run()

    assert report.served[Served.ERROR] == 1
    assert report.served[Served.COMPLETED] == 1
    assert broken.notices == [content.phrase("kiosk_error")]
    assert logs[1].answers_at_start == {}
    assert logs[1].results == [person.assessment]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "ValueError" in errors[0].getMessage()
    assert "secret" not in caplog.text


def test_faults_in_a_row_stop_the_kiosk_so_that_it_is_restarted(content: Content) -> None:
    def broken_factory() -> Station:
        raise AudioError("The microphone is missing.")

    with pytest.raises(KioskFailedError, match="5 faults in a row"):
        Kiosk(content, broken_factory, FAST).run()


def test_error_description_keeps_our_messages_and_drops_others() -> None:
    try:
        raise AudioError("The microphone stopped working.")
    except AudioError as error:
        assert describe_error(error).startswith("AudioError: The microphone stopped working. (at test_kiosk.py:")
    try:
        raise KeyError("yes I have a fever")
    except KeyError as error:
        assert describe_error(error).startswith("KeyError (at test_kiosk.py:")


def test_logs_record_events_never_answers(content: Content, caplog: pytest.LogCaptureFixture) -> None:
    person = scripted_person(content, rng(11))
    lines = ("", "my back hurts since sunday", *person.lines[1:])
    factory, _ = recording_factory(content, io.StringIO("".join(line + "\n" for line in lines)), io.StringIO())

    with caplog.at_level(logging.DEBUG):
        Kiosk(content, factory, FAST).run()

    assert "session 1 started" in caplog.text
    assert "session 1 ended: completed" in caplog.text
    assert "sunday" not in caplog.text
    for option_text in set(person.said):
        assert f" {option_text.lower()} " not in f" {caplog.text.lower()} "


# ---- voice stations (scripted listener and recognizer) -----------------------------------------------------------


def voice_frontend(content: Content, script: Sequence[str | None], speaker: RecordingSpeaker) -> VoiceFrontend:
    return VoiceFrontend(
        content=content,
        recognizer=EchoRecognizer(),
        listener=ScriptedListener(script),
        speaker=speaker,
    )


def test_voice_waiter_starts_on_a_start_word_and_ignores_other_speech(content: Content) -> None:
    speaker = RecordingSpeaker()
    waiter = VoiceWaiter(
        content, ScriptedListener([None, "good morning", "hello"]), EchoRecognizer(), speaker, io.StringIO()
    )
    assert "start" in start_words(content)
    assert waiter.wait() is True
    assert speaker.said == [content.phrase("kiosk_ready_voice")]
    assert waiter.wait() is False  # no more input


def test_voice_waiter_also_starts_on_enter(content: Content) -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "r") as keys:
        os.write(write_fd, b"\n")
        waiter = VoiceWaiter(
            content, ScriptedListener([None] * 3), EchoRecognizer(), RecordingSpeaker(), io.StringIO(), LineReader(keys)
        )
        assert waiter.wait() is True
        os.close(write_fd)


def test_voice_waiter_ignores_keyboard_input_that_has_ended(content: Content) -> None:
    read_fd, write_fd = os.pipe()
    os.close(write_fd)  # stdin at its end (e.g. /dev/null under a service manager)
    with os.fdopen(read_fd, "r") as keys:
        listener = ScriptedListener([None, "start"])
        waiter = VoiceWaiter(content, listener, EchoRecognizer(), RecordingSpeaker(), io.StringIO(), LineReader(keys))
        assert waiter.wait() is True
    assert waiter.keys is None
    assert listener.script == []


def test_a_missing_microphone_while_waiting_falls_back_to_the_keyboard(content: Content) -> None:
    stdout = io.StringIO()
    keyboard = KeyboardWaiter(content, LineReader(io.StringIO("\n")), stdout)
    waiter = VoiceWaiter(
        content, ScriptedListener([DEVICE_GONE]), EchoRecognizer(), RecordingSpeaker(), stdout, fallback=keyboard
    )
    assert waiter.wait() is True
    assert "The microphone stopped working." in stdout.getvalue()
    assert stdout.getvalue().rstrip().endswith(content.phrase("kiosk_ready_keyboard"))


def test_voice_idle_counts_silent_turns_then_resets(content: Content) -> None:
    speaker = RecordingSpeaker()
    frontend = voice_frontend(content, ["no", None, None, None, None], speaker)
    station = Station(frontend, ScriptedWaiter(1))
    report = Kiosk(content, lambda: station, KioskSettings(voice_idle_silences=3, max_sessions=1)).run()

    assert report.served[Served.IDLE] == 1
    assert sum(text.startswith(content.phrase("no_input")) for text in speaker.said) == 2
    assert speaker.said[-2:] == [content.phrase("kiosk_still_there"), content.phrase("kiosk_idle_reset")]


def test_microphone_unplugged_mid_session_continues_on_the_keyboard(content: Content) -> None:
    person = scripted_person(content, rng(0))
    assert len(person.answers) > 10
    stdout = io.StringIO()
    reader = LineReader(io.StringIO("".join(line + "\n" for line in person.lines[2:])))
    keyboard = KeyboardFrontend(content, io.StringIO(), stdout, idle_timeout=5.0, reader=reader)
    speaker = RecordingSpeaker()
    log = SessionLog()
    frontend = RecordingFrontend(voice_frontend(content, [person.lines[1].lower(), DEVICE_GONE], speaker), log)
    station = Station(frontend, ScriptedWaiter(1), fallback=RecordingFrontend(keyboard, log))

    report = Kiosk(content, lambda: station, FAST).run()

    assert report.served[Served.COMPLETED] == 1
    assert report.fell_back == 1
    assert log.results == [person.assessment]
    assert "The microphone stopped working." in stdout.getvalue()


# ---- the command line ----------------------------------------------------------------------------------------------


def test_cli_kiosk_serves_two_people_then_exits_at_end_of_input(content: Content, run_cli: RunCli) -> None:
    persons = people(content, 2, seed=4)
    code, out, err = run_cli(["kiosk", "--keyboard"], typed(persons))
    assert code == 0, err
    assert out.count(content.phrase("kiosk_ready_keyboard")) == 3
    assert out.count(content.phrase("goodbye")) == 2
    assert err == ""


def no_audio_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which PortAudio finds no sound device (no sound server, none started)."""
    (tmp_path / "client.conf").write_text("autospawn = no\n", encoding="utf-8")
    return cli_env() | {
        "PULSE_SERVER": f"unix:{tmp_path}/no-such-socket",
        "PULSE_COOKIE": str(tmp_path / "cookie"),
        "PULSE_CLIENTCONFIG": str(tmp_path / "client.conf"),
    }


def test_cli_kiosk_with_no_microphone_says_it_uses_the_keyboard(content: Content, tmp_path: Path) -> None:
    persons = people(content, 1, seed=6)
    result = subprocess.run(
        cli_command(["kiosk"]),
        input=typed(persons),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=no_audio_env(tmp_path),
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first = next(line for line in result.stdout.splitlines() if line)
    # In plain words when there is no microphone at all; else the reason (e.g. PortAudio is not installed).
    assert first == content.phrase("no_microphone") or first.startswith("Using the keyboard: voice is not available (")
    assert "microphone" in first or "PortAudio" in first
    # On every waiting screen, after the screen is cleared, so the next person sees why too.
    assert result.stdout.count(first) == 2
    assert result.stdout.count(content.phrase("goodbye")) == 1


def test_cli_kiosk_refuses_broken_content(prompts_copy: Path, run_cli: RunCli) -> None:
    phrases = prompts_copy / "phrases.toml"
    text = phrases.read_text(encoding="utf-8")
    phrases.write_text(text.replace("kiosk_still_there = ", "kiosk_still_theer = "), encoding="utf-8")
    code, out, err = run_cli(["--prompts", str(prompts_copy), "kiosk", "--keyboard"], "\n")
    assert code == 3
    assert out == ""
    assert "phrases.toml: phrases.kiosk_still_theer: not a phrase the guide uses" in err


def test_cli_kiosk_refuses_partly_edited_content(prompts_copy: Path, run_cli: RunCli) -> None:
    questions = prompts_copy / "questions.toml"
    text = questions.read_text(encoding="utf-8")
    questions.write_text(text[: len(text) // 2], encoding="utf-8")  # an editor saved half the file
    code, out, err = run_cli(["--prompts", str(prompts_copy), "kiosk", "--keyboard"], "\n")
    assert code == 3
    assert out == ""
    assert err.startswith("voice-guide: the guide's content is broken: questions.toml: ")


def test_cli_kiosk_exits_cleanly_on_sigterm_mid_session(content: Content) -> None:
    process = subprocess.Popen(
        [*cli_command(["-v", "kiosk", "--keyboard"])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("\nno\n")
    process.stdin.flush()
    seen: list[str] = []

    def read_until_second_question() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Question 2 of"):
                return

    reader = threading.Thread(target=read_until_second_question)
    reader.start()
    reader.join(CLI_TIMEOUT)
    assert any(line.startswith("Question 2 of") for line in seen), seen
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=CLI_TIMEOUT)
    assert process.returncode == 0
    # The last thing on stdout was the "Your answer: " prompt; a line break now ends it, so that the goodbye (on
    # stderr, the same terminal) starts on a line of its own.
    assert out.endswith("\n")
    assert f"voice-guide kiosk: {content.phrase('kiosk_stopped')}" in err
    assert "Traceback" not in err
    assert "session 1 started" in err


# ---- a real missing microphone (voice_guide.speech.microphone, no sound device) ------------------------------------


class LiveMicrophone:
    """The live microphone (voice_guide.speech.microphone), opened for each utterance as the voice front end does."""

    def listen(self, complete: Completeness | None = None) -> npt.NDArray[np.int16] | None:
        from voice_guide.speech.microphone import Microphone

        with Microphone() as microphone:
            utterance = microphone.listen(no_input_timeout=1.0)
        return None if utterance is None else utterance.samples


@pytest.mark.audio
def test_a_kiosk_with_no_microphone_serves_people_on_the_keyboard(content: Content) -> None:
    needs_sounddevice()
    from pulse import no_audio_devices

    persons = people(content, 2, seed=12)
    stdout = io.StringIO()
    reader = LineReader(io.StringIO(typed(persons)))
    logs: list[SessionLog] = []

    def build() -> Station:
        logs.append(SessionLog())
        speaker = RecordingSpeaker()
        keyboard = KeyboardFrontend(content, io.StringIO(), stdout, idle_timeout=5.0, reader=reader)
        voice = VoiceFrontend(
            content=content,
            recognizer=EchoRecognizer(),
            listener=LiveMicrophone(),
            speaker=speaker,
            out=stdout,
        )
        waiter = VoiceWaiter(
            content, voice.listener, voice.recognizer, speaker, stdout, fallback=KeyboardWaiter(content, reader, stdout)
        )
        return Station(RecordingFrontend(voice, logs[-1]), waiter, RecordingFrontend(keyboard, logs[-1]))

    with no_audio_devices():
        report = Kiosk(content, build, FAST).run()

    assert report.served[Served.COMPLETED] == 2
    assert report.served[Served.ERROR] == 0
    assert report.fell_back == 2
    assert [log.results[-1] for log in logs[:2]] == [person.assessment for person in persons]
    assert "no usable microphone" in stdout.getvalue()


@pytest.mark.audio
def test_voice_stations_need_a_microphone(content: Content) -> None:
    needs_sounddevice()
    from pulse import no_audio_devices

    with no_audio_devices(), pytest.raises(AudioError, match="microphone"):
        voice_station_factory(content, io.StringIO(), io.StringIO(), idle_timeout=1.0)


class Limited:
    """A listener that ends input after ``turns`` utterances (a test must not wait for ever)."""

    def __init__(self, inner: Listener, turns: int) -> None:
        self.inner = inner
        self.turns = turns

    def listen(self, complete: Completeness | None = None) -> npt.NDArray[np.int16] | None:
        self.turns -= 1
        if self.turns < 0:
            raise EOFError
        return self.inner.listen(complete)


@pytest.mark.audio
@pytest.mark.live_audio
def test_a_live_kiosk_starts_when_a_start_word_is_spoken(content: Content) -> None:
    """The real microphone (a PulseAudio virtual one), recognizer and speech output: say "hello" to begin."""
    needs_sounddevice()
    from pulse import pulse_server
    from speech import have_espeak, synthesize

    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    read_fd, write_fd = os.pipe()
    with pulse_server() as pulse, os.fdopen(read_fd, "r") as stdin:
        stdout = io.StringIO()
        factory, notice = voice_station_factory(content, stdin, stdout, idle_timeout=1.0)
        station = factory()
        assert isinstance(station.waiter, VoiceWaiter)
        station.waiter.listener = Limited(station.waiter.listener, 3)
        assert station.frontend.mode is Mode.VOICE
        assert station.fallback is not None and station.fallback.mode is Mode.KEYBOARD
        assert notice and notice[0].startswith("Listening with ")  # pocketsphinx, or Whisper when installed
        hello = synthesize("hello")
        # The waiter speaks first and only then opens the microphone: say "hello" a few times, as a person would.
        gap = np.zeros(40000, dtype=np.int16)
        pulse.feed(np.concatenate([gap, hello, gap, hello, gap, hello, gap]))
        assert station.waiter.wait() is True
    os.close(write_fd)
    assert content.phrase("kiosk_ready_voice") in stdout.getvalue()
