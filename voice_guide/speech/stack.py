"""Building the voice stack once: the recognizer (slow to load), the microphone, speech output and the tones.

:func:`open_voice_parts` is used by ``voice-guide``, the kiosk and the screen alike; each person then gets a fresh
:class:`~voice_guide.frontends.voice.VoiceFrontend` on the same parts (:meth:`VoiceParts.frontend`), so nothing heard
from one person outlives their session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from voice_guide.errors import AudioError
from voice_guide.pcm import MAX_UTTERANCE, NO_INPUT_SECONDS
from voice_guide.understand import CONFIRM_BELOW, UnderstandingSettings

if TYPE_CHECKING:
    from voice_guide.content import Content
    from voice_guide.engines.base import Recognizer
    from voice_guide.frontends.voice import VoiceFrontend
    from voice_guide.speech.microphone import Listener
    from voice_guide.speech.speaker import Speaker


@dataclass(frozen=True)
class VoiceSettings:
    """Everything the voice front end can be told on the command line."""

    engine: str = "auto"
    """"auto", "vosk" or "pocketsphinx"."""
    model: Path | None = None
    """A vosk model directory (else $VOICE_GUIDE_VOSK_MODEL or one found under models/)."""
    input_device: int | str | None = None
    """sounddevice input device (None: the system default)."""
    output_device: int | str | None = None
    """sounddevice output device (None: the system default)."""
    rate: int = 175
    """Speaking rate, words per minute; "faster"/"slower" change it for the session."""
    volume: float = 1.0
    """Speech volume, 0..1."""
    voice: str | None = None
    """An espeak-ng voice name, identifier or language (None: the default voice)."""
    tts: str = "espeak"
    """Speech output: "espeak" (espeak-ng) or "piper" (Piper neural speech, the piper extra; espeak-ng when absent)."""
    tones: bool = True
    """Play the short "listening" / "done listening" tones."""
    no_input_timeout: float = NO_INPUT_SECONDS
    """Seconds to wait for speech to start before saying "I didn't hear anything"."""
    max_utterance: float = MAX_UTTERANCE
    """Seconds after which a long answer is cut (the end of an answer is otherwise decided by silence)."""
    confirm_below: float = CONFIRM_BELOW
    """Recognizer confidence (0..1) under which an answer is read back for confirmation rather than taken."""

    @property
    def understanding(self) -> UnderstandingSettings:
        """How readily what is heard is trusted (for the dialog's understanding step)."""
        return UnderstandingSettings(confirm_below=self.confirm_below)


@dataclass
class VoiceParts:
    """The live voice stack, built once (loading a recognizer takes time); a new front end is made per person."""

    recognizer: Recognizer
    listener: Listener
    speaker: Speaker
    cue: Callable[[str], None] | None
    notices: list[str]
    """To give once: which engine listens; that speech is shown instead of spoken, and why."""

    def frontend(self, content: Content, out: TextIO | None) -> VoiceFrontend:
        """A fresh voice front end (no transcripts from anyone before) on these parts."""
        from voice_guide.frontends.voice import VoiceFrontend

        return VoiceFrontend(
            content=content,
            recognizer=self.recognizer,
            listener=self.listener,
            speaker=self.speaker,
            out=out,
            cue=self.cue,
        )


def open_speech_output(settings: VoiceSettings, content: Content | None = None) -> tuple[Speaker, bool, list[str]]:
    """The speaker ``settings`` ask for; whether it really speaks; and notices to give once.

    A speaker that speaks is a :class:`~voice_guide.speech.choice.VoiceChoice`: the person can change its voice on
    the touch screen, and the kiosk gives every new person the voice and rate asked for here.

    When nothing can speak (no speaker, no synthesizer) the speaker is a SilentSpeaker, since every front end also
    shows the words. Notices are ``content``'s plain phrases (no_speaker, no_synthesizer, piper_unavailable), or
    the technical detail when no content is given; the detail is always logged.
    """
    from voice_guide.speech.choice import VoiceChoice
    from voice_guide.speech.speaker import SilentSpeaker, SpeechSettings, open_speaker

    speech = SpeechSettings(rate=settings.rate, volume=settings.volume, voice=settings.voice, tts=settings.tts)
    opened = open_speaker(speech, settings.output_device)
    notices = [content.phrase(n.key) if content is not None else n.detail for n in opened.notices]
    if not opened.speaks:
        return SilentSpeaker(speech), False, notices
    return VoiceChoice(opened.speaker, opened.player, speech), True, notices


def speech_without_microphone(settings: VoiceSettings, content: Content | None = None) -> Speaker | None:
    """Speech for a front end that shows every word and takes typed or touched answers (no microphone): the
    speaker ``settings`` ask for, or None when nothing can speak (see :func:`open_speech_output`)."""
    speaker, speaks, _ = open_speech_output(settings, content)
    return speaker if speaks else None


def open_voice_parts(settings: VoiceSettings, content: Content | None = None) -> VoiceParts:
    """Load the recognizer, check the microphone, and set up speech output (or silence, saying why).

    Raises VoiceGuideError (RecognizerError, AudioError) when voice cannot be used at all: the caller falls back
    to the keyboard (and can still speak with :func:`open_speech_output`). ``content`` words the notices.
    """
    from voice_guide.engines.loader import auto_choice, describe, load_recognizer

    try:
        from voice_guide.speech.microphone import Microphone, MicrophoneListener
        from voice_guide.speech.tones import ToneCue
    except ImportError as error:  # numpy, from the voice extras
        raise AudioError(
            f"the voice packages are not installed ({error.name or error}): pip install 'voice-guide[voice]'"
        ) from None

    listener = MicrophoneListener(settings.input_device, settings.no_input_timeout, settings.max_utterance)
    with Microphone(settings.input_device):
        pass  # AudioError now, in one clear line, when there is no usable microphone
    recognizer = load_recognizer(settings.engine, settings.model)
    notices = [f"Listening with {describe(recognizer)}."]
    if settings.engine == "auto" and auto_choice():
        notices.append(f"(--engine auto chose {auto_choice()}.)")
    speaker, speaks, speech_notices = open_speech_output(settings, content)
    notices += speech_notices
    cue: Callable[[str], None] | None = None
    if speaks and settings.tones:
        cue = ToneCue(settings.output_device)
    return VoiceParts(recognizer, listener, speaker, cue, notices)


def open_voice(content: Content, settings: VoiceSettings, out: TextIO) -> tuple[VoiceFrontend, list[str]]:
    """The live voice front end, and notices to give once (see :func:`open_voice_parts`)."""
    parts = open_voice_parts(settings, content)
    return parts.frontend(content, out), parts.notices
