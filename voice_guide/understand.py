"""Understanding what was heard at a question: a recognizer's transcript (or typed text) becomes a decision.

(Being rebuilt into the one understanding step of issue 8; for now it holds the rules that were in voice.py.)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from voice_guide.content import Option, Question
from voice_guide.dialog import asks_before, confirms_first, doubted
from voice_guide.engines.base import Recognizer, Transcript
from voice_guide.matcher import CommandMatch, Match, Matcher, OptionMatch
from voice_guide.pcm import SAMPLE_RATE, Samples

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
    samples: Samples,
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
