"""The voice a person hears, and changing it while the guide runs: espeak-ng or Piper, back to the default per person.

:class:`VoiceChoice` is a :class:`~voice_guide.speech.speaker.Speaker` that speaks with one of the installed voices
and can switch to another (the touch screen's voice button). The other voice loads only when it is first chosen
(Piper takes about a second and 300 MB), on the caller's thread, and is kept for the next person who chooses it. The
speaking rate carries over to the new voice. :meth:`VoiceChoice.reset` goes back to the voice and rate the guide was
started with; the kiosk calls it for every new person (:func:`for_next_person`), so nobody inherits the last person's
voice or speed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from voice_guide.errors import SpeechError
from voice_guide.speech.speaker import (
    TTS_ENGINES,
    EspeakSpeaker,
    PiperSpeaker,
    SpeechSettings,
    clamp_rate,
    piper_available,
)

if TYPE_CHECKING:
    from voice_guide.speech.playback import Player
    from voice_guide.speech.speaker import Speaker

log = logging.getLogger(__name__)


def voice_name(speaker: Speaker) -> str:
    """ "piper" for a PiperSpeaker, "espeak" for an EspeakSpeaker; SpeechError for anything else."""
    if isinstance(speaker, PiperSpeaker):
        return "piper"
    if isinstance(speaker, EspeakSpeaker):
        return "espeak"
    raise SpeechError(f"{type(speaker).__name__} is not one of the voices a person can choose")


class VoiceChoice:
    """Speaks with the chosen voice; :meth:`choose` changes it, :meth:`reset` goes back to the first.

    ``first`` is the speaker the guide opened (an EspeakSpeaker or a PiperSpeaker, playing through ``player``), made
    from ``settings`` (its volume and espeak-ng voice are used for the other voice too).
    """

    def __init__(self, first: Speaker, player: Player | None, settings: SpeechSettings) -> None:
        self.player = player
        """Plays every voice's audio (one output stream, whichever voice speaks)."""
        self.settings = settings
        self.default = voice_name(first)
        """The voice the guide was started with, which every new person hears first."""
        self.default_rate = first.rate
        self._speakers: dict[str, Speaker] = {self.default: first}
        self._current = self.default
        installed = {"espeak", self.default} | ({"piper"} if piper_available() is None else set())
        self.choices = tuple(name for name in TTS_ENGINES if name in installed)
        """The voices that can be chosen here, in TTS_ENGINES order: both when Piper is installed, else the one."""
        self._person = 0
        """Counts resets: a voice that finishes loading after the person has gone is not switched to."""
        self._lock = threading.Lock()

    @property
    def current(self) -> str:
        """The voice speaking now ("espeak" or "piper")."""
        with self._lock:
            return self._current

    @property
    def other(self) -> str | None:
        """The voice a press of the voice button changes to; None when only one is installed."""
        others = [name for name in self.choices if name != self.current]
        return others[0] if others else None

    @property
    def speaker(self) -> Speaker:
        """The speaker of the current voice."""
        with self._lock:
            return self._speakers[self._current]

    def choose(self, name: str) -> None:
        """Speak with ``name`` from now on, at the current rate; loads it first if needed (seconds for Piper).

        SpeechError when that voice cannot be used (it is not installed, or fails to load): the voice stays as it was.
        """
        if name not in TTS_ENGINES:
            raise SpeechError(f"unknown voice {name!r}: choose {' or '.join(TTS_ENGINES)}")
        with self._lock:
            person = self._person
            loaded = self._speakers.get(name)
        if loaded is None:
            loaded = self._load(name)
        with self._lock:
            self._speakers.setdefault(name, loaded)
            if self._person != person:
                log.info("the %s voice loaded after its person left: kept for later, not switched to", name)
                return
            previous = self._speakers[self._current]
            chosen = self._speakers[name]
            chosen.rate = previous.rate
            self._current = name
        if previous is not chosen:
            previous.stop()
        log.info("speaking with the %s voice", name)

    def _load(self, name: str) -> Speaker:
        settings = replace(self.settings, tts=name, rate=self.rate)
        if name == "piper":
            return PiperSpeaker(self.player, settings)
        return EspeakSpeaker(self.player, settings)

    def reset(self) -> None:
        """Back to the voice and rate the guide was started with (a new person)."""
        with self._lock:
            self._person += 1
            speaking = self._speakers[self._current]
            self._current = self.default
            for speaker in self._speakers.values():
                speaker.rate = self.default_rate
        if speaking is not self._speakers[self.default]:
            speaking.stop()

    # -- Speaker --

    @property
    def rate(self) -> int:
        return self.speaker.rate

    @rate.setter
    def rate(self, value: int) -> None:
        self.speaker.rate = clamp_rate(value)

    def say(self, text: str) -> None:
        self.speaker.say(text)

    def stop(self) -> None:
        self.speaker.stop()

    def faster(self) -> int:
        return self.speaker.faster()

    def slower(self) -> int:
        return self.speaker.slower()


def for_next_person(speaker: Speaker | None) -> None:
    """Give the next person the guide's own voice and rate (a no-op for speakers with nothing to choose)."""
    if isinstance(speaker, VoiceChoice):
        speaker.reset()
