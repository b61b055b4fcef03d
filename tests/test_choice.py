"""Changing the voice while the guide runs (voice_guide.speech.choice): real espeak-ng and Piper synthesis, the rate
carried over, the choice undone for the next person (also through the kiosk), and a voice that cannot load."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import numpy as np
import pytest
from kiosk_helpers import rng, scripted_person
from speech import have_espeak
from test_tts import HAVE_PIPER

from voice_guide.content import Content
from voice_guide.errors import SpeechError
from voice_guide.kiosk import Kiosk, KioskSettings, voice_station_factory
from voice_guide.speech import choice as choice_module
from voice_guide.speech import speaker as speaker_module
from voice_guide.speech.choice import VoiceChoice, for_next_person
from voice_guide.speech.speaker import EspeakSpeaker, PiperSpeaker, SpeechSettings
from voice_guide.speech.stack import VoiceParts
from voice_guide.testing import EchoRecognizer, RecordingSpeaker, ScriptedListener

if TYPE_CHECKING:
    from voice_guide.pcm import Samples
    from voice_guide.speech.playback import Player

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed"),
]
needs_piper = pytest.mark.skipif(
    not HAVE_PIPER, reason="the optional Piper extra is not installed (pip install -e '.[piper]')"
)
PROMPT = "Do you have a fever?"


class KeptAudio:
    """Stands in for the sound card: keeps every sample it is given, at once (nothing is played)."""

    def __init__(self) -> None:
        self.played: list[Samples] = []

    def play(self, samples: Samples, rate: int, stopping: threading.Event | None = None) -> bool:
        self.played.append(samples)
        return True

    def play_stream(self, chunks: Iterable[Samples], rate: int, stopping: threading.Event | None = None) -> bool:
        self.played.append(np.concatenate(list(chunks)))
        return True


def espeak_audio(text: str, rate: int) -> Samples:
    """espeak-ng's own audio for ``text`` at ``rate``."""
    return EspeakSpeaker(None, SpeechSettings(rate=rate)).synthesize(text)[0]


def espeak_at(samples: Samples, text: str, rate: int) -> bool:
    """Whether ``samples`` last as long as espeak-ng's ``text`` at ``rate`` (within 2%: espeak-ng's length varies by a
    few samples from call to call; 25 words a minute faster is 13% shorter)."""
    return abs(len(samples) / len(espeak_audio(text, rate)) - 1) < 0.02


def espeak_choice(player: KeptAudio | None = None, rate: int = 175) -> VoiceChoice:
    settings = SpeechSettings(rate=rate)
    real = cast("Player | None", player)
    return VoiceChoice(EspeakSpeaker(real, settings), real, settings)


@needs_piper
def test_the_clearer_voice_speaks_at_the_same_rate_and_the_next_person_hears_the_default() -> None:
    audio = KeptAudio()
    choice = espeak_choice(audio)
    assert choice.choices == ("espeak", "piper")
    assert (choice.current, choice.other) == ("espeak", "piper")
    assert choice.faster() == 200
    choice.say(PROMPT)
    assert espeak_at(audio.played[-1], PROMPT, 200) and not espeak_at(audio.played[-1], PROMPT, 175)

    choice.choose("piper")
    assert (choice.current, choice.other, choice.rate) == ("piper", "espeak", 200)
    assert isinstance(choice.speaker, PiperSpeaker)
    piper = choice.speaker
    choice.say(PROMPT)
    spoken = audio.played[-1]
    assert 0.7 < len(spoken) / piper.sample_rate < 3.0  # the whole prompt, at a speaking pace
    assert int(np.max(np.abs(spoken))) == 32767  # Piper's own peak normalization: not espeak-ng's audio
    assert int(np.max(np.abs(espeak_audio(PROMPT, 200)))) < 32767

    for_next_person(choice)
    assert (choice.current, choice.rate) == ("espeak", 175)
    choice.say(PROMPT)
    assert espeak_at(audio.played[-1], PROMPT, 175)

    choice.choose("piper")  # the next person who asks for it gets the voice already loaded, at their own rate
    assert choice.speaker is piper
    assert choice.rate == 175


def test_a_voice_that_finishes_loading_after_its_person_left_is_not_switched_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    choice = espeak_choice()
    loading, release = threading.Event(), threading.Event()
    loaded = RecordingSpeaker()

    def slow_load(name: str) -> RecordingSpeaker:
        loading.set()
        release.wait(10)
        return loaded

    monkeypatch.setattr(choice, "_load", slow_load)
    chooser = threading.Thread(target=choice.choose, args=("piper",))
    chooser.start()
    assert loading.wait(10)
    choice.reset()  # the person left while their voice loaded
    release.set()
    chooser.join(10)
    assert choice.current == "espeak"
    assert isinstance(choice.speaker, EspeakSpeaker)
    monkeypatch.setattr(choice, "_load", lambda name: pytest.fail("loaded twice"))
    choice.choose("piper")  # kept, for someone who asks for it
    now: object = choice.speaker
    assert now is loaded


def test_without_piper_there_is_nothing_to_choose_and_asking_for_it_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = "the clearer voice is not installed: pip install 'voice-guide[piper]'"
    monkeypatch.setattr(choice_module, "piper_available", lambda: missing)
    monkeypatch.setattr(speaker_module, "piper_available", lambda: missing)
    choice = espeak_choice()
    assert choice.choices == ("espeak",)
    assert choice.other is None
    with pytest.raises(SpeechError, match=r"pip install 'voice-guide\[piper\]'"):
        choice.choose("piper")
    assert choice.current == "espeak"
    with pytest.raises(SpeechError, match="unknown voice"):
        choice.choose("robot")


def test_the_voice_kiosk_gives_every_person_the_default_rate(content: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first person asks twice to speak faster; the second is greeted at the rate the kiosk was started with."""
    first, second = (scripted_person(content, rng(seed)) for seed in (21, 22))
    choice = espeak_choice(KeptAudio())
    heard_at: list[tuple[str, int]] = []
    say = choice.say

    def noting(text: str) -> None:
        heard_at.append((text, choice.rate))
        say(text)

    monkeypatch.setattr(choice, "say", noting)
    said = [[text.lower() for text in person.said] for person in (first, second)]
    script = ["start", "faster", "faster", *said[0], "stop", "start", *said[1], "stop"]
    parts = VoiceParts(EchoRecognizer(), ScriptedListener(script), choice, None, [])
    monkeypatch.setattr("voice_guide.speech.stack.open_voice_parts", lambda settings, content=None: parts)
    factory, _ = voice_station_factory(content, io.StringIO(), io.StringIO(), idle_timeout=5.0)

    report = Kiosk(content, factory, KioskSettings(max_sessions=2, error_pause=0.0)).run()

    assert sum(report.served.values()) == 2
    ready = content.phrase("kiosk_ready_voice")
    greetings = [index for index, (text, _) in enumerate(heard_at) if text == ready]
    assert len(greetings) >= 2
    first_person = [rate for _, rate in heard_at[greetings[0] : greetings[1]]]
    second_person = [rate for _, rate in heard_at[greetings[1] :]]
    assert max(first_person) == 225  # their "faster", twice
    assert set(second_person) == {175}
