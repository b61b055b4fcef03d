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
import numpy.typing as npt
import pytest
from conversation import heard_until_result

from voice_guide.asr import Transcript
from voice_guide.content import Content
from voice_guide.dialog import Dialog, Mode
from voice_guide.errors import AudioError
from voice_guide.keyboard import KeyboardFrontend
from voice_guide.matcher import Matcher
from voice_guide.session import Outcome, run_session
from voice_guide.urgency import Urgency
from voice_guide.voice import NOISY_BELOW_DB, UNEXPLAINED_DOUBT, VoiceFrontend, WavFileListener, decide
from voice_guide.wav import encode_wav

SILENT = None
FAIL = "<device gone>"


class ScriptedListener:
    """Each listen() returns a token array standing for one utterance; None is silence; FAIL raises AudioError."""

    def __init__(self, script: Sequence[str | None]) -> None:
        self.script = list(script)
        self.heard: list[str | None] = []

    def listen(self) -> npt.NDArray[np.int16] | None:
        if not self.script:
            raise EOFError
        item = self.script.pop(0)
        self.heard.append(item)
        if item is FAIL:
            raise AudioError("The microphone stopped working.")
        if item is None:
            return None
        return np.frombuffer(item.encode().ljust(2 * ((len(item) + 1) // 2)), dtype=np.int16).copy()


class EchoRecognizer:
    """Recognizes the text the scripted listener encoded; "?" stands for speech outside the grammar."""

    name = "echo"

    def __init__(self) -> None:
        self.grammars: list[tuple[str, ...]] = []

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        self.grammars.append(tuple(phrases))
        text = audio.tobytes().decode().strip()
        return Transcript("" if text == "?" else text)

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        return set()


class RecordingSpeaker:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.rate = 0

    def say(self, text: str) -> None:
        self.said.append(text)

    def faster(self) -> None:
        self.rate += 1

    def slower(self) -> None:
        self.rate -= 1


def voice_frontend(content: Content, script: Sequence[str | None]) -> tuple[VoiceFrontend, RecordingSpeaker]:
    speaker = RecordingSpeaker()
    frontend = VoiceFrontend(
        content=content,
        recognizer=EchoRecognizer(),
        listener=ScriptedListener(script),
        speaker=speaker,
        matcher=Matcher(content),
    )
    return frontend, speaker


def test_voice_conversation_reaches_the_result_and_speaks_it(content: Content) -> None:
    heard = heard_until_result(content, {"body": "womb", "pattern": "new"})
    frontend, speaker = voice_frontend(content, [*(h.lower() for h in heard), "quit"])
    result = run_session(Dialog(content, Mode.VOICE), frontend)
    assert result.outcome is Outcome.COMPLETED
    spoken = " ".join(speaker.said)
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
    assert speaker.rate == -1


def test_microphone_failure_falls_back_to_keyboard_keeping_answers(content: Content) -> None:
    frontend, _ = voice_frontend(content, ["no", "no", "no", FAIL])
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


def test_wav_file_listener_reads_each_file_then_ends(tmp_path: Path) -> None:
    samples = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16)
    paths = []
    for index in range(2):
        path = tmp_path / f"turn{index}.wav"
        path.write_bytes(encode_wav(samples))
        paths.append(path)
    listener = WavFileListener(paths)
    assert listener.listen() is not None
    assert listener.listen() is not None
    with pytest.raises(EOFError):
        listener.listen()


def test_decide_reports_accept_confirm_and_reask(content: Content) -> None:
    matcher = Matcher(content)
    options = content.question("rf_fever").options
    assert decide(matcher, Transcript("yes"), options)["decision"] == "accept"
    assert decide(matcher, Transcript("yes"), options)["match"] == {"option": "yes", "text": "Yes"}
    assert decide(matcher, Transcript("go back"), options)["match"] == {"command": "back"}
    assert decide(matcher, Transcript(""), options)["decision"] == "reask"
    assert decide(matcher, Transcript("yes no"), options)["decision"] == "reask"


def test_speech_left_unexplained_by_the_phrase_puts_a_hearing_in_doubt(content: Content) -> None:
    matcher = Matcher(content)
    options = content.question("rf_fever").options
    explained = Transcript("yes", confidence=0.9, unexplained=0.0)
    left_over = Transcript("yes", confidence=0.9, unexplained=UNEXPLAINED_DOUBT + 0.1)
    assert decide(matcher, explained, options)["decision"] == "accept"
    assert decide(matcher, left_over, options)["decision"] == "confirm"  # read back, not taken
    # "my back hurts" heard as "back": a command that changes something is asked about, not obeyed at once.
    assert decide(matcher, Transcript("back", confidence=0.9, unexplained=0.0), options)["decision"] == "accept"
    doubted_back = decide(matcher, Transcript("back", confidence=0.9, unexplained=0.5), options)
    assert doubted_back["decision"] == "confirm" and doubted_back["match"] == {"command": "back"}
    assert decide(matcher, Transcript("repeat", confidence=0.1), options)["decision"] == "accept"


def test_a_close_alternative_that_means_something_else_puts_a_hearing_in_doubt(content: Content) -> None:
    matcher = Matcher(content)
    options = content.question("rf_fever").options

    def decision(alternatives: tuple[str, ...]) -> str:
        return str(
            decide(matcher, Transcript("it does", confidence=0.9, alternatives=alternatives), options)["decision"]
        )

    assert decision(()) == "accept"
    assert decision(("yeah",)) == "accept"  # another way of saying the same answer
    assert decision(("repeat",)) == "accept"  # a command that only asks again changes nothing
    assert decision(("it doesnt",)) == "confirm"  # "I heard: Yes. Is that right?"
    assert decision(("yeah", "go back")) == "confirm"
    assert decision(("yeah", "sort of", "it doesnt")) == "accept"  # only the closest alternatives are rivals


def test_in_a_noisy_room_every_answer_is_read_back(content: Content) -> None:
    matcher = Matcher(content)
    options = content.question("rf_fever").options
    quiet = Transcript("yes", confidence=0.9, snr_db=NOISY_BELOW_DB + 20)
    noisy = Transcript("yes", confidence=0.9, snr_db=NOISY_BELOW_DB - 5)
    assert decide(matcher, quiet, options)["decision"] == "accept"
    assert decide(matcher, noisy, options)["decision"] == "confirm"
