"""The voice front end: speaks every event, listens for one utterance, recognizes it, hands the words to the dialog.

It plugs into the same :class:`~voice_guide.dialog.Dialog` and session loop as the keyboard. What it listens with is
a :class:`Listener` (the live microphone, or a list of WAV files: the same code path either way), what it speaks
with is a :class:`Speaker` (pyttsx3, or a printer), and the words are recognized by any
:class:`~voice_guide.asr.Recognizer`, constrained per question to what can be said there. Transcripts are kept in
memory for the current session only (for ``converse`` output); nothing is written anywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from voice_guide.asr import SAMPLE_RATE, Recognizer, Transcript
from voice_guide.content import Content, Option, Question
from voice_guide.dialog import ChangeRate, Dialog, Event, Mode, asks_before, confirms_first, doubted
from voice_guide.errors import AudioError, SpeechError
from voice_guide.matcher import CommandMatch, Match, Matcher, OptionMatch
from voice_guide.render import printed_lines, spoken_text
from voice_guide.session import Heard, Recognized, Unheard

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)


CONFIRM_BELOW = 0.4
"""Default confidence under which a recognized answer is confirmed. Measured on pocketsphinx with five synthesized
voices answering a yes/no question (245 utterances): at 0.4, 71% of right answers are taken without confirming and
5 of 9 wrong ones are read back for confirmation instead; at 0.5 nearly every answer would need confirming, since
pocketsphinx's posteriors cluster just under 0.5. See BENCHMARKS.md for the full measurements."""


UNEXPLAINED_DOUBT = 0.15
"""Share of the loud frames left outside the recognized words (Transcript.unexplained) above which a hearing is in
doubt: an answer is read back, a command other than repeat or help is not obeyed. Chosen on the benchmark's tune
voices (pocketsphinx; with SphinxSettings.max_unexplained): of what was accepted before, on clean audio it doubts or
rejects 20 of 46 off-topic utterances and 3 of 11 wrong answers, and doubts 5 of 229 right ones; at 10 dB white noise
18 of 35 off-topic, 18 of 47 wrong and 3 of 112 right. See BENCHMARKS.md for the figures on the report voices."""


RIVALS_CHECKED = 2
"""How many of the recognizer's next-best hypotheses (Transcript.alternatives) are checked for a rival: one that
means a different answer or a command that changes something. A rival puts the hearing in doubt. Chosen on the
benchmark's tune voices (pocketsphinx): checking 2 turned 23 of 46 wrong accepts in babble, 5 of 7 in white noise
and 2 of 3 on clean audio into read-backs, while 9 of 143 right answers on clean audio were read back too (checking
1 caught fewer; 3 no more)."""


NOISY_BELOW_DB = 20.0
"""Estimated signal-to-noise ratio (Transcript.snr_db) under which every hearing is in doubt: in a room this noisy
the grammar decoder finds phrases in other people's speech, with posteriors as high as right answers have. Chosen on
the benchmark's tune voices: below 20 dB lay, of what was accepted, 9 of 11 wrong answers at 10 dB babble and all at
5 dB, and no answer in clean audio or at 20 dB white noise or babble (medians 58, 25 and 28 dB); right answers in
10 dB babble and white noise are read back too (18 of 22, and all 33)."""


def is_sure(transcript: Transcript, confirm_below: float, matcher: Matcher, options: Sequence[Option]) -> bool:
    """Whether the hearing is trustworthy enough for an answer to be taken, or a command obeyed, without asking:
    the recognizer is confident, the phrase explains the speech, the room is not too noisy, and no close alternative
    means something else.
    ``confirm_below`` 0 turns every such doubt off (scripted conversations whose turns must stay in step)."""
    if confirm_below <= 0:
        return True
    if transcript.unexplained is not None and transcript.unexplained > UNEXPLAINED_DOUBT:
        return False
    if transcript.confidence is not None and transcript.confidence < confirm_below:
        return False
    if transcript.snr_db is not None and transcript.snr_db < NOISY_BELOW_DB:
        return False
    meaning = _meaning(matcher.match(transcript.text, options, allow_digits=False))
    for alternative in transcript.alternatives[:RIVALS_CHECKED]:
        rival = _meaning(matcher.match(alternative, options, allow_digits=False))
        if rival is not None and rival != meaning:
            return False
    return True


def _meaning(match: Match) -> str | None:
    """What a match would do, for comparing hypotheses: an option or a command that changes something."""
    if isinstance(match, OptionMatch):
        return f"option:{match.option.id}"
    if isinstance(match, CommandMatch) and confirms_first(match):
        return f"command:{match.command}"
    return None


class Listener(Protocol):
    """Where utterances come from."""

    def listen(self) -> npt.NDArray[np.int16] | None:
        """One utterance (16 kHz mono int16); None when nobody spoke in time.

        Raises EOFError when there is no more input, and VoiceGuideError (AudioError) when the device fails.
        """


class Speaker(Protocol):
    """What speaks the guide's words (see voice_guide.tts for the implementations)."""

    def say(self, text: str) -> None:
        """Speak ``text`` and return when it has been spoken."""

    def faster(self) -> object:
        """Speak faster from now on."""

    def slower(self) -> object:
        """Speak more slowly from now on."""


class SilentSpeaker:
    """Speaks nothing: used when speech output is unavailable, since the voice front end already shows the text."""

    def say(self, text: str) -> None:
        """Say nothing."""

    def faster(self) -> None:
        """Nothing to speed up."""

    def slower(self) -> None:
        """Nothing to slow down."""


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
    """A pyttsx3/espeak-ng voice name or id (None: the default voice)."""
    tones: bool = True
    """Play the short "listening" / "done listening" tones."""
    no_input_timeout: float = 8.0
    """Seconds to wait for speech to start before saying "I didn't hear anything"."""
    max_utterance: float = 15.0
    """Seconds after which a long answer is cut (the end of an answer is otherwise decided by silence)."""
    confirm_below: float = CONFIRM_BELOW
    """Recognizer confidence (0..1) under which an answer is read back for confirmation rather than taken."""


@dataclass(frozen=True)
class Turn:
    """One thing the person said, as recognized (kept in memory for the session only)."""

    transcript: Transcript
    question: str | None
    """The question being asked (None when confirming or after the result)."""


class WavFileListener:
    """Utterances from WAV files, one file per turn (``voice-guide converse``, tests, benchmarks)."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self._paths = list(paths)

    def listen(self) -> npt.NDArray[np.int16] | None:
        from voice_guide.wav import read_wav

        if not self._paths:
            raise EOFError
        return read_wav(self._paths.pop(0))


class MicrophoneListener:
    """The live microphone. The input stream is opened only while listening, never while the guide speaks."""

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings

    def listen(self) -> npt.NDArray[np.int16] | None:
        from voice_guide.audio import Microphone

        with Microphone(self.settings.input_device) as microphone:
            utterance = microphone.listen(self.settings.no_input_timeout, self.settings.max_utterance)
        if utterance is None:
            return None
        if utterance.truncated:
            log.info("a long answer was cut at %.0f s", self.settings.max_utterance)
        return utterance.samples


class ToneCue:
    """Plays the "listening" and "done listening" tones."""

    def __init__(self, output_device: int | str | None) -> None:
        from voice_guide.audio import DONE_LISTENING_TONE, LISTENING_TONE, Player

        self._player = Player(output_device)
        self._tones = {"start": LISTENING_TONE, "stop": DONE_LISTENING_TONE}

    def __call__(self, which: str) -> None:
        self._player.play(self._tones[which].samples())


@dataclass
class VoiceFrontend:
    """Speak, listen, recognize. ``out`` (optional) also shows everything as text."""

    content: Content
    recognizer: Recognizer
    listener: Listener
    speaker: Speaker
    matcher: Matcher
    out: TextIO | None = None
    cue: Callable[[str], None] | None = None
    """Plays the "listening" ("start") and "done listening" ("stop") tones."""
    turns: list[Turn] = field(default_factory=list)
    confirm_below: float = CONFIRM_BELOW
    """See VoiceSettings.confirm_below."""
    mode: Mode = Mode.VOICE

    def show(self, events: Sequence[Event]) -> None:
        words = []
        for event in events:
            if isinstance(event, ChangeRate):
                self.speaker.faster() if event.step > 0 else self.speaker.slower()
            if self.out is not None:
                for line in printed_lines(self.content, event):
                    print(line, file=self.out)
            text = spoken_text(self.content, event)
            if text:
                words.append(text)
        if self.out is not None:
            self.out.flush()
        if words:
            self._say(" ".join(words))

    def _cue(self, which: str) -> None:
        if self.cue is None:
            return
        try:
            self.cue(which)
        except AudioError as error:
            log.warning("listening tones turned off: %s", error)
            self.cue = None

    def _say(self, text: str) -> None:
        """Speak; if speaking stops working mid-session, say so once and carry on showing the words."""
        try:
            self.speaker.say(text)
        except (AudioError, SpeechError) as error:
            log.warning("speech output failed: %s", error)
            self.speaker = SilentSpeaker()
            self.cue = None
            if self.out is not None:
                print(self.content.phrase("speech_failed", reason=str(error)), file=self.out, flush=True)

    def listen(self, dialog: Dialog) -> Heard:
        self._cue("start")
        try:
            samples = self.listener.listen()
        except EOFError:
            return None
        finally:
            self._cue("stop")
        if samples is None:
            return Unheard.SILENCE
        transcript = self.recognizer.recognize(samples, self.matcher.phrases(dialog.expected_options))
        self.turns.append(Turn(transcript, dialog.question.id if dialog.question else None))
        if self.out is not None:
            print(f"(heard: {transcript.text or '...'})", file=self.out, flush=True)
        if not transcript.text:
            return Unheard.UNRECOGNIZED
        sure = is_sure(transcript, self.confirm_below, self.matcher, dialog.expected_options)
        return Recognized(transcript.text, sure)

    def notice(self, text: str) -> None:
        if self.out is not None:
            print(text, file=self.out, flush=True)
        self._say(text)


def decide(
    matcher: Matcher, transcript: Transcript, options: Sequence[Option], confirm_below: float = CONFIRM_BELOW
) -> dict[str, Any]:
    """What the dialog would do with this transcript at a question, as JSON-ready data (``voice-guide listen``)."""
    result: dict[str, Any] = {
        "transcript": transcript.text,
        "confidence": transcript.confidence,
        "alternatives": list(transcript.alternatives),
        "unexplained": None if transcript.unexplained is None else round(transcript.unexplained, 3),
        "snr_db": None if transcript.snr_db is None else round(transcript.snr_db, 1),
    }
    if not transcript.text:
        return result | {"match": None, "score": None, "decision": "reask"}
    match = matcher.match(transcript.text, options, allow_digits=False)
    sure = is_sure(transcript, confirm_below, matcher, options)
    if not sure:
        match = doubted(match)
    if isinstance(match, OptionMatch):
        return result | {
            "match": {"option": match.option.id, "text": match.option.text},
            "score": round(match.score, 1),
            "margin": round(match.margin, 1),
            "decision": match.decision.value,
        }
    if isinstance(match, CommandMatch):
        return result | {
            "match": {"command": match.command},
            "score": round(match.score, 1),
            "margin": round(match.margin, 1),
            # The dialog asks about a doubted command that would change anything, and about stop, start over and
            # keyboard however clearly heard ("Do you want to stop now ...?"); decide() describes a question.
            "decision": "confirm" if asks_before(match, sure=sure, spoken=True, at_result=False) else "accept",
        }
    return result | {"match": None, "score": round(match.best_score, 1), "decision": "reask"}


def listen_once(
    recognizer: Recognizer,
    matcher: Matcher,
    samples: npt.NDArray[np.int16],
    question: Question,
    confirm_below: float = CONFIRM_BELOW,
) -> dict[str, Any]:
    """Recognize one utterance as an answer to ``question``: what ``voice-guide listen`` prints (JSON-ready)."""
    started = time.perf_counter()
    transcript = recognizer.recognize(samples, matcher.phrases(question.options))
    result = decide(matcher, transcript, question.options, confirm_below)
    elapsed = time.perf_counter() - started
    return {
        "question": question.id,
        "engine": recognizer.name,
        **result,
        "audio_seconds": round(len(samples) / SAMPLE_RATE, 3),
        "decode_ms": round(elapsed * 1000, 1),
    }


@dataclass
class VoiceParts:
    """The live voice stack, built once (loading a recognizer takes time); a new front end is made per person."""

    recognizer: Recognizer
    listener: Listener
    speaker: Speaker
    cue: Callable[[str], None] | None
    confirm_below: float
    notices: list[str]
    """To give once: which engine listens; that speech is shown instead of spoken, and why."""

    def frontend(self, content: Content, out: TextIO | None) -> VoiceFrontend:
        """A fresh voice front end (no transcripts from anyone before) on these parts."""
        return VoiceFrontend(
            content=content,
            recognizer=self.recognizer,
            listener=self.listener,
            speaker=self.speaker,
            matcher=Matcher(content),
            out=out,
            cue=self.cue,
            confirm_below=self.confirm_below,
        )


def open_voice_parts(settings: VoiceSettings) -> VoiceParts:
    """Load the recognizer, check the microphone, and set up speech output (or silence, saying why).

    Raises VoiceGuideError (RecognizerError, AudioError) when voice cannot be used at all: the caller falls back
    to the keyboard.
    """
    from voice_guide.audio import Microphone
    from voice_guide.recognizers import describe, load_recognizer
    from voice_guide.tts import SpeechSettings, open_speaker

    listener = MicrophoneListener(settings)
    with Microphone(settings.input_device):
        pass  # AudioError now, in one clear line, when there is no usable microphone
    recognizer = load_recognizer(settings.engine, settings.model)
    notices = [f"Listening with {describe(recognizer)}."]
    speaker: Speaker
    speaker, reason = open_speaker(
        SpeechSettings(rate=settings.rate, volume=settings.volume, voice=settings.voice), settings.output_device
    )
    cue: Callable[[str], None] | None = None
    if reason is not None:
        notices.append(reason)
        speaker = SilentSpeaker()
    elif settings.tones:
        cue = ToneCue(settings.output_device)
    return VoiceParts(recognizer, listener, speaker, cue, settings.confirm_below, notices)


def open_voice(content: Content, settings: VoiceSettings, out: TextIO) -> tuple[VoiceFrontend, list[str]]:
    """The live voice front end, and notices to give once (see :func:`open_voice_parts`)."""
    parts = open_voice_parts(settings)
    return parts.frontend(content, out), parts.notices
