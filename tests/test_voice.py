"""The voice front end through the shared session loop, with a scripted listener and recognizer.

The real recognizers, microphone and speech output are tested in test_sphinx.py, test_vosk.py, test_audio.py,
test_tts.py and end to end in test_voice_e2e.py; here the point is the glue: what is spoken, what grammar each turn
gets, how silence / unrecognized speech / device failure / the "keyboard" command are handled.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conversation import heard_until_result
from speech import have_espeak, synthesize

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode
from voice_guide.frontends.keyboard import KeyboardFrontend
from voice_guide.frontends.voice import VoiceFrontend
from voice_guide.session import Outcome, run_session
from voice_guide.speech.microphone import WavFileListener
from voice_guide.speech.speaker import RATE_STEP, SpeechSettings
from voice_guide.testing import DEVICE_GONE, EchoRecognizer, RecordingSpeaker, ScriptedListener
from voice_guide.urgency import Urgency
from voice_guide.wav import encode_wav

SILENT = None


def voice_frontend(content: Content, script: Sequence[str | None]) -> tuple[VoiceFrontend, RecordingSpeaker]:
    speaker = RecordingSpeaker()
    frontend = VoiceFrontend(content, EchoRecognizer(), ScriptedListener(script), speaker)
    return frontend, speaker


def test_voice_conversation_reaches_the_result_and_speaks_it(content: Content) -> None:
    heard = heard_until_result(content, {"body": "womb", "pattern": "new"})
    # "yes" to "You said no to ... Is that right?", then "quit" after the result.
    frontend, speaker = voice_frontend(content, [*(h.lower() for h in heard), "yes", "quit"])
    result = run_session(Dialog(content, Mode.VOICE), frontend)
    assert result.outcome is Outcome.COMPLETED
    spoken = " ".join(speaker.said)
    assert content.phrase("check_answers", topics="X").split("X")[0] in spoken
    assert content.phrase("how_to_answer_voice") in spoken
    assert content.phrases["result_intro"].split("{count}")[0] in spoken
    assert content.phrase("result_not_diagnosis") in spoken
    # Numbers are never accepted by voice (they are typed-only), and the first question's options are read out.
    assert "You can answer: Yes, No, or Not sure." in speaker.said[0]


def test_each_turn_is_recognized_with_the_grammar_of_its_question(content: Content) -> None:
    frontend, _ = voice_frontend(content, ["no", "no", "go back"])
    run_session(Dialog(content, Mode.VOICE), frontend)
    recognizer = frontend.recognizer
    assert isinstance(recognizer, EchoRecognizer)
    first = set(recognizer.grammars[0])
    assert {"yes", "no", "not sure", "go back", "repeat", "keyboard"} <= first
    assert "womb" not in first
    assert [t.question for t in frontend.turns] == ["rf_nerves", "rf_sepsis", "rf_chest"]


def test_silence_and_unrecognized_speech_are_reasked_differently(content: Content) -> None:
    frontend, speaker = voice_frontend(content, [SILENT, "?", "no"])
    run_session(Dialog(content, Mode.VOICE), frontend)
    assert any(s.startswith(content.phrase("no_input")) for s in speaker.said)
    assert any(s.startswith(content.phrase("not_understood")) for s in speaker.said)
    assert frontend.turns[0].transcript.text == ""


def test_slower_and_faster_change_the_speaker_rate_for_the_session(content: Content) -> None:
    frontend, speaker = voice_frontend(content, ["slower", "slower", "faster"])
    run_session(Dialog(content, Mode.VOICE), frontend)
    assert speaker.rate == SpeechSettings().rate - RATE_STEP


def test_microphone_failure_falls_back_to_keyboard_keeping_answers(content: Content) -> None:
    frontend, _ = voice_frontend(content, ["no", "no", "no", DEVICE_GONE])
    out = io.StringIO()
    # The keyboard answers the rest (a fever among them); the three voice answers must not be asked again.
    rest = heard_until_result(content, {"rf_fever": "yes", "body": "penis"})[3:]
    typed = io.StringIO("\n".join([*rest, "quit"]) + "\n")
    keyboard = KeyboardFrontend(content, typed, out, echo=True)
    dialog = Dialog(content, Mode.VOICE)
    result = run_session(dialog, frontend, keyboard)
    assert result.fell_back
    assert result.outcome is Outcome.COMPLETED
    printed = out.getvalue()
    assert "The microphone stopped working." in printed
    assert "your answers so far are kept" in printed
    assert "Question 4 of about" in printed
    assert content.question("rf_nerves").text not in printed
    assert dialog.answers == {} or dialog.assessment is None  # quit forgot everything
    assert content.urgency[Urgency.URGENT].title in printed


def test_keyboard_command_moves_to_typing_keeping_answers(content: Content) -> None:
    frontend, speaker = voice_frontend(content, ["no", "keyboard", "yes"])  # "Do you want to type ...?" "yes"
    out = io.StringIO()
    keyboard = KeyboardFrontend(content, io.StringIO("quit\n"), out, echo=True)
    result = run_session(Dialog(content, Mode.VOICE), frontend, keyboard)
    assert result.fell_back
    assert result.outcome is Outcome.QUIT
    assert "Question 2 of about" in out.getvalue()
    assert content.phrase("how_to_answer_keyboard") in out.getvalue()
    assert any(content.command("keyboard").action in said for said in speaker.said)


def test_repeated_failures_offer_the_keyboard(content: Content) -> None:
    frontend, speaker = voice_frontend(content, ["?", "?", "?"])
    run_session(Dialog(content, Mode.VOICE), frontend)
    assert any(content.phrase("offer_keyboard") in s for s in speaker.said)


@pytest.mark.audio
def test_wav_file_listener_reads_each_file_then_ends(tmp_path: Path) -> None:
    """One file per turn; a file with no speech in it (here a steady tone) is a silent turn, not an utterance."""
    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    tone = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16)
    paths = []
    for index, samples in enumerate([synthesize("yes"), tone, synthesize("not sure")]):
        path = tmp_path / f"turn{index}.wav"
        path.write_bytes(encode_wav(samples))
        paths.append(path)
    listener = WavFileListener(paths)
    assert listener.listen() is not None
    assert listener.listen() is None
    assert listener.listen() is not None
    with pytest.raises(EOFError):
        listener.listen()
