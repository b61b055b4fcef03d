"""A whole spoken session through the live audio path, on a private PulseAudio server with no sound card.

Capture (sounddevice from a pipe source fed with synthesized answers in real time), endpointing, recognition
(pocketsphinx), matching, the dialog and the triage, and spoken output (pyttsx3 -> espeak-ng -> sounddevice -> a
null sink) all run for real; only the person is synthetic. A second session has its microphone unplugged half way
and must carry on at the keyboard with every answer kept.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import pytest
from pulse import PulseServer, pulse_server
from speech import have_espeak, synthesize

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode, Result, State
from voice_guide.frontends.keyboard import KeyboardFrontend
from voice_guide.session import Outcome, run_session
from voice_guide.speech.microphone import Completeness, Listener
from voice_guide.speech.stack import VoiceSettings, open_voice
from voice_guide.triage import Assessment
from voice_guide.urgency import Urgency

pytestmark = [
    pytest.mark.audio,
    pytest.mark.live_audio,
    pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed (apt-get install espeak-ng)"),
]

FEED_DELAY = 0.3
"""Seconds after the guide's capture stream appears before the synthetic person speaks."""
CAPTURE_WAIT = 5.0
"""Seconds to wait for the capture stream before speaking anyway (the microphone may have failed to open)."""

SETTINGS = VoiceSettings(engine="pocketsphinx", rate=450, no_input_timeout=6.0)
"""The fastest speaking rate keeps the test short; everything else as shipped."""


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    with pulse_server() as server:
        yield server


class SyntheticPerson:
    """Wraps the real microphone listener: each time the guide listens, says the right thing into the pipe source.

    It answers the question being asked (``choices``, else "no"); the first time a question in ``first`` is asked it
    says that instead (a command such as "go back"); it confirms a read-back when it is right and denies it when it is
    not, as a person would; ``unplug_after`` answers pulls the microphone out instead.
    """

    def __init__(
        self,
        microphone: Listener,
        pulse: PulseServer,
        dialog: Dialog,
        choices: dict[str, str],
        first: dict[str, str] | None = None,
        unplug_after: int = 0,
    ) -> None:
        self.microphone = microphone
        self.pulse = pulse
        self.dialog = dialog
        self.choices = choices
        self.first = dict(first or {})
        self.unplug_after = unplug_after
        self.unplugged = False
        self.said: list[str] = []

    def what_to_say(self) -> str:
        dialog = self.dialog
        if dialog.pending_command is not None:  # "Do you want to go back ...?": yes if that is what was said
            meant = self.said and self.said[-1] in dialog.content.command(dialog.pending_command).words
            return "yes" if meant else "no"
        if dialog.state is State.RESULT:
            return "stop"
        question = dialog.question
        if question is None:
            raise EOFError
        intended = self.choices.get(question.id, "no")
        if dialog.pending is not None:
            return "yes" if dialog.pending.text.lower() == intended else "no"
        return self.first.pop(question.id, intended)

    def listen(self, complete: Completeness | None = None) -> npt.NDArray[np.int16] | None:
        if self.unplug_after and len(self.said) == self.unplug_after and not self.unplugged:
            self.unplugged = True
            action = self.pulse.unplug
        else:
            words = self.what_to_say()
            samples = synthesize(words)
            self.said.append(words)

            def action() -> None:
                self.pulse.feed(samples)

        def when_capturing() -> None:
            # Speak once the guide's capture stream is attached to the virtual microphone (a fixed delay lost the
            # whole answer on a loaded machine, where opening the stream took longer than the delay).
            deadline = time.monotonic() + CAPTURE_WAIT
            while not self.pulse.pactl("list", "short", "source-outputs").strip():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            time.sleep(FEED_DELAY)
            action()

        speaker = threading.Thread(target=when_capturing)
        speaker.start()
        try:
            return self.microphone.listen(complete)
        finally:
            speaker.join()


class TypingPerson:
    """A stdin stand-in that types the answer to whatever the dialog is asking (the same person, now typing)."""

    def __init__(self, dialog: Dialog, choices: dict[str, str]) -> None:
        self.dialog = dialog
        self.choices = choices

    def isatty(self) -> bool:
        return False

    def readline(self, size: int = -1) -> str:  # (LineReader asks for at most MAX_LINE_BYTES + 1)
        question = self.dialog.question
        if self.dialog.state is State.RESULT or question is None:
            return "quit\n"
        return self.choices.get(question.id, "no") + "\n"


CHOICES = {"rf_sudden": "yes"}
"""Sudden severe pain is an emergency red flag: the questionnaire stops at the fourth question, which keeps these
minutes-long live sessions short. The whole questionnaire and its triage are covered by test_voice_e2e.py (the same
recognizer on recordings), test_vignettes.py and the kiosk tests."""


def test_a_whole_spoken_session_through_microphone_and_speaker(content: Content, pulse: PulseServer) -> None:
    out = io.StringIO()
    frontend, notices = open_voice(content, SETTINGS, out)
    assert notices[0].startswith("Listening with pocketsphinx"), notices
    assert len(notices) == 1, f"speech output should work on the null sink: {notices}"
    dialog = Dialog(content, Mode.VOICE)
    person = SyntheticPerson(frontend.listener, pulse, dialog, CHOICES, first={"rf_sudden": "go back"})
    frontend.listener = person
    results: list[Assessment] = []
    real_show = frontend.show

    def show(events: Sequence[Event]) -> None:
        results.extend(e.assessment for e in events if isinstance(e, Result))
        real_show(events)

    frontend.show = show  # type: ignore[method-assign]
    with pulse.record_sink() as played:
        result = run_session(dialog, frontend)
    transcript = out.getvalue()
    assert result.outcome is Outcome.COMPLETED, transcript
    assert "go back" in person.said, transcript
    # "go back" at the fourth question returned to the third, which was asked (and spoken) twice.
    assert transcript.count(content.question("rf_chest").text) == 2, transcript
    assessment = results[-1]
    assert assessment.urgency is Urgency.EMERGENCY, transcript
    assert {f.red_flag.id for f in assessment.red_flags} == {"sudden_pain_fainting_bleeding"}, transcript
    assert content.urgency[Urgency.EMERGENCY].title in transcript
    # The guide's words really reached the speaker (the null sink), not just the screen.
    audio = np.concatenate(played) if played else np.zeros(0, dtype=np.int16)
    assert len(audio) > 16_000 * 10
    assert int(np.abs(audio).max()) > 1000


def test_unplugging_the_microphone_mid_session_continues_at_the_keyboard(content: Content, pulse: PulseServer) -> None:
    out = io.StringIO()
    frontend, _ = open_voice(content, SETTINGS, out)
    dialog = Dialog(content, Mode.VOICE)
    person = SyntheticPerson(frontend.listener, pulse, dialog, CHOICES, unplug_after=2)
    frontend.listener = person
    keyboard = KeyboardFrontend(content, TypingPerson(dialog, CHOICES), out, echo=True)  # type: ignore[arg-type]
    answered_by_voice: dict[str, str] = {}
    real_notice = keyboard.notice

    def notice(text: str) -> None:  # called once, as the session moves to the keyboard
        answered_by_voice.update(dialog.answers)
        real_notice(text)

    keyboard.notice = notice  # type: ignore[method-assign]
    result = run_session(dialog, frontend, keyboard)
    transcript = out.getvalue()
    assert result.fell_back, transcript
    assert result.outcome is Outcome.COMPLETED, transcript
    assert "your answers so far are kept" in transcript
    keyboard_part = transcript[transcript.index("your answers so far are kept") :]
    # Every answer given by voice was kept: the keyboard goes on from the next question, and none is asked again.
    assert answered_by_voice, transcript
    for question_id in answered_by_voice:
        assert content.question(question_id).text not in keyboard_part
    assert f"Question {len(answered_by_voice) + 1} of about" in keyboard_part
    # The keyboard answers finished the questionnaire: the emergency it reached was shown.
    assert content.urgency[Urgency.EMERGENCY].title in keyboard_part, transcript
