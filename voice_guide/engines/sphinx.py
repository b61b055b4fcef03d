"""pocketsphinx recognizer: PyPI's pocketsphinx 5.x with its bundled English model, one JSGF grammar per phrase set.

Design (measured with espeak-ng voices, see tests/test_sphinx.py and the numbers in models/README.md):

- **Grammar.** The phrases that can be said at a question become one JSGF rule ``public <utt> = p1 | p2 | ...;``,
  compiled once per phrase tuple and kept (``add_jsgf_string`` + ``activate_search``). A word missing from the
  dictionary would make the JSGF fail, so every word is checked with ``lookup_word`` first; phrases with missing words
  are left out and reported (:meth:`PocketsphinxRecognizer.missing_words`, plus a logged warning).
- **Apostrophes.** Phrases arrive normalized ("i dont", "im not"); the dictionary spells "don't", "i'm". Each word is
  mapped to its dictionary spelling (:func:`voice_guide.engines.spelling.dictionary_spelling`), and the result is mapped
  back to the caller's phrase, so the transcript is always one of ``phrases`` exactly.
- **Digital silence.** Synthesized or padded audio holds runs of exact zeros, which wreck pocketsphinx's features
  (its log-energy of zero): on espeak-ng speech, accuracy went from 42% to 83% on one question set once a
  deterministic, inaudible noise floor (Gaussian, sigma 16 LSB, about -66 dBFS) was added. A real microphone already
  has a higher noise floor, so this changes nothing there.
- **Out-of-grammar rejection** (an empty transcript, never a forced phrase), in three checks:
  1. *Partial paths.* When no final state of the grammar is reached, pocketsphinx returns the best partial path
     ("the", "i dont" at a question where "i dont" is not a phrase, "yes it" when "yes it is" is). When the
     partial path begins with a whole phrase, that phrase was said, perhaps with an unfinished tail: it is the
     hypothesis (at a read-back, "yes" was often decoded as the partial "yes it", and the person could not say
     yes). Anything else that is not exactly one phrase is rejected and reported in ``Transcript.rejected``.
  2. *Posterior.* With ``bestpath`` on, the hypothesis carries its lattice posterior, used as
     ``Transcript.confidence``; below :attr:`SphinxSettings.min_posterior` it is rejected. Measured on 2 questions
     (621 in-grammar utterances by 3 voices, 146 off-topic utterances by 5 voices and coughs): threshold 0 keeps 469
     right / 74 wrong and accepts 83 off-topic; 0.25 keeps 429 right / 40 wrong and accepts 54 off-topic (63%
     rejected); 0.35 keeps 358 / 22 and accepts 28. That default (0.25) rejected the plain "yes" and "no" of most
     voices, whose posteriors are low (see SphinxSettings.min_posterior); the default is now 0.05, and answers
     below the voice front end's confirmation threshold are read back rather than taken.
  3. *Speech outside the words* (a doubt, not a rejection). A grammar decoder must explain the whole utterance with
     one phrase, so "my back hurts" comes out as "back" with the other words aligned to silence. The share of loud
     frames aligned to silence or fillers is ``Transcript.unexplained``; above voice.UNEXPLAINED_DOUBT the answer is
     read back and a command is not obeyed, above :attr:`SphinxSettings.max_unexplained` it is rejected.
  Rejected, with measurements: a likelihood ratio against a separate phone-loop (allphone) pass: right answers,
  wrong ones and accepted off-topic speech had overlapping ratios (medians 0.32, 0.51, -0.21 per mille per frame on
  the tune voices), so it could not tell them apart, and it cost 57 ms per utterance; a phone-loop garbage
  alternative in the grammar (at the weights where it ever wins it made decoding over 10x slower: minutes per
  question set); a second free-form pass with the language model (~500 ms
  per utterance, and on synthetic speech the free-form transcript is too poor to verify anything: keeping only
  grammar results that share a word with it kept 266 of 621 in-grammar utterances).
- One ``Decoder`` per recognizer, reused across utterances; its logging goes to /dev/null.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.engines.spelling import dictionary_spelling, missing_words, spell_phrases
from voice_guide.errors import RecognizerError
from voice_guide.levels import Levels, levels
from voice_guide.pcm import SAMPLE_RATE, SILENCE_RMS, rms

if TYPE_CHECKING:
    import numpy.typing as npt

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SphinxSettings:
    """Tuning of the pocketsphinx recognizer."""

    min_posterior: float = 0.05
    """Lattice posterior (0..1) below which a grammar hypothesis is rejected as out of grammar. Low on purpose:
    the posteriors of right one-word answers ("no", "yes") are often 0.08-0.2, because longer phrases starting
    with the same word share the lattice; hypotheses between this and the voice front end's ``confirm_below`` are
    read back for confirmation instead of being taken (see voice.CONFIRM_BELOW). At 0.25, "yes" and "no" spoken by
    the default espeak-ng voice were always rejected."""
    noise_floor: float = 16.0
    """Standard deviation (int16 LSB) of the deterministic noise added to avoid digital silence; 0 disables."""
    nbest: int = 3
    """Most hypotheses looked at for ``Transcript.hypotheses`` (0 skips n-best)."""
    max_unexplained: float = 0.4
    """Share of loud frames left outside the recognized words (``Transcript.unexplained``) above which the hypothesis
    is rejected as out of grammar. Chosen on the benchmark's tune voices: above 0.4 lay, of what was accepted before,
    13 of 46 off-topic utterances and none of 229 right answers on clean audio; at 10 dB white noise 4 of 35
    off-topic, 5 of 47 wrong answers and 1 of 112 right ones. Between voice.UNEXPLAINED_DOUBT and this, answers are
    read back."""
    speech_below_peak_db: float = 20.0
    """For ``Transcript.unexplained``, a frame counts as speech when its energy is within this many dB of the
    utterance's loud end (95th percentile of frame energies) ..."""
    max_decode_seconds: float = 4.0
    """Only the first this many seconds of an utterance are decoded. The lattice posterior (``bestpath``) grows
    much faster than the audio on noise: measured on faint white noise (sigma 300 LSB) at a yes/no question, six
    noise samples each, 3 s took 0.1-0.9 s to decode, 4 s 0.2-2.0 s, 5 s 0.2-3.2 s, and single samples of 8 s
    17 s, 10 s 30 s, 30 s 233 s (the time is in ``hyp()``; tighter lattice beams did not help, tighter search beams
    changed the result). The longest phrase takes under 2 s to say, so 4 s loses no answer said on its own; an
    answer after 4 s of other speech is lost, and asked again."""
    speech_above_floor_db: float = 10.0
    """... and at least this many dB above its quiet end (10th percentile): the background. Without this floor,
    steady noise within 20 dB of the speech (white noise at 10 dB SNR) counted as speech that the words left
    unexplained, and nearly every answer was rejected (report voices, white 10 dB: 51% right -> 3.5%)."""


ADDED_WORDS: dict[str, str] = {
    "sciatica": "S AY AE T IH K AH",
}
"""Words of the guide's phrases that pocketsphinx's bundled dictionary lacks, with their pronunciation (its phone
set, no stress marks), added when the recognizer loads. Without them, phrases with the word are left out of the
grammar ("I have sciatica" could not be heard). tests/test_sphinx.py checks that every phrase in prompts/ is
spelled, so a new word in the content fails there, pointing here."""


class PocketsphinxRecognizer:
    """asr.Recognizer backed by pocketsphinx's bundled English model (no download)."""

    name = "pocketsphinx"

    def __init__(self, settings: SphinxSettings | None = None) -> None:
        self.settings = settings or SphinxSettings()
        try:
            import pocketsphinx
        except ImportError as error:
            raise RecognizerError(
                f"pocketsphinx is not installed ({error}); install the voice extras: pip install 'voice-guide[voice]'"
            ) from None
        try:
            self._decoder: Any = pocketsphinx.Decoder(
                lm=None, bestpath=True, samprate=float(SAMPLE_RATE), loglevel="FATAL", logfn=os.devnull
            )
        except (RuntimeError, ValueError, OSError) as error:
            raise RecognizerError(f"pocketsphinx could not load its bundled English model: {error}") from None
        for word, phones in ADDED_WORDS.items():
            if self._decoder.lookup_word(word) is None:
                self._decoder.add_word(word, phones, True)
        self._searches: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {}
        self._spelling: dict[str, str | None] = {}
        self._active = ""

    def describe(self) -> str:
        """One line naming the engine and model, for the CLI."""
        return "pocketsphinx (bundled English model)"

    def _spell(self, word: str) -> str | None:
        """The dictionary spelling of a normalized word, or None when the dictionary lacks it."""
        if word not in self._spelling:
            self._spelling[word] = dictionary_spelling(word, lambda w: self._decoder.lookup_word(w) is not None)
        return self._spelling[word]

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        """Words of ``phrases`` that are not in the pocketsphinx dictionary."""
        return missing_words(phrases, self._spell)

    def _search(self, phrases: tuple[str, ...]) -> tuple[str, dict[str, str]]:
        """The search for this phrase set (created once): its name and {grammar spelling: caller's phrase}."""
        if phrases in self._searches:
            return self._searches[phrases]
        spelled = spell_phrases(phrases, self._spell, "pocketsphinx")
        name = f"g{len(self._searches)}"
        if spelled:
            alternatives = " | ".join(spelled)
            grammar = f"#JSGF V1.0;\ngrammar {name};\npublic <utt> = {alternatives};\n"
            try:
                self._decoder.add_jsgf_string(name, grammar)
            except (RuntimeError, ValueError) as error:
                raise RecognizerError(f"pocketsphinx rejected a grammar of {len(spelled)} phrases: {error}") from None
        self._searches[phrases] = (name, spelled)
        return name, spelled

    def recognize(self, audio: npt.NDArray[np.int16], phrases: Sequence[str]) -> Transcript:
        """Recognize one utterance (16 kHz mono int16), constrained to ``phrases``; "" when out of grammar."""
        name, spelled = self._search(tuple(phrases))
        if not spelled or audio.size == 0 or rms(audio) < SILENCE_RMS:
            return Transcript("")  # no speech energy at all: decoding the noise floor would only invent words
        started = time.perf_counter()
        audio = audio[: round(self.settings.max_decode_seconds * SAMPLE_RATE)]
        samples = _with_noise_floor(audio, self.settings.noise_floor)
        decoder = self._decoder
        if self._active != name:  # (current_search() crashes while no search is active)
            decoder.activate_search(name)
            self._active = name
        # Each utterance is decoded on its own: without this, feature state carried over from the previous
        # utterance changed the result for the same audio ("no" heard right once, then as "no i", "no i", ...).
        decoder.reinit_feat()
        decoder.start_utt()
        try:
            decoder.process_raw(samples.tobytes(), full_utt=True)
        finally:
            decoder.end_utt()
        hyp = decoder.hyp()
        text = hyp.hypstr if hyp is not None else ""
        posterior = float(hyp.prob) if hyp is not None else 0.0
        logger.debug(
            "pocketsphinx heard %r (posterior %.2f) in %.0f ms",
            text,
            posterior,
            1000 * (time.perf_counter() - started),
        )
        if text not in spelled:
            words = text.split()
            whole = next(
                (" ".join(words[:k]) for k in range(len(words) - 1, 0, -1) if " ".join(words[:k]) in spelled), None
            )
            if whole is None:
                return Transcript("", confidence=None, rejected=text)
            logger.debug("pocketsphinx: partial path %r taken as the whole phrase %r at its start", text, whole)
            text = whole
        if posterior < self.settings.min_posterior:
            return Transcript("", confidence=posterior, rejected=spelled[text])
        heard = levels(audio)
        unexplained = self._unexplained(heard)
        if unexplained is not None and unexplained > self.settings.max_unexplained:
            return Transcript("", confidence=posterior, rejected=spelled[text], unexplained=unexplained)
        best = Hypothesis(spelled[text], min(1.0, posterior))
        return Transcript(
            spelled[text],
            confidence=min(1.0, posterior),
            hypotheses=(best, *(Hypothesis(p) for p in self._alternatives(text, spelled))),
            unexplained=unexplained,
            snr_db=heard.snr_db,
        )

    def _unexplained(self, heard: Levels) -> float | None:
        """Share of the loud frames of the utterance that the best path aligns to silence or fillers, not to words."""
        loud = heard.speech_frames(self.settings.speech_below_peak_db, self.settings.speech_above_floor_db)
        if not loud.any():
            return None
        in_words = np.zeros(loud.size, dtype=bool)
        for segment in self._decoder.seg():
            if not segment.word.startswith(("<", "[", "+")):  # <sil>, <s>, [NOISE], ++FILLER++ explain nothing
                in_words[max(segment.start_frame, 0) : segment.end_frame + 1] = True
        return float(np.count_nonzero(loud & ~in_words) / np.count_nonzero(loud))

    def _alternatives(self, best: str, spelled: dict[str, str]) -> tuple[str, ...]:
        if self.settings.nbest <= 0:
            return ()
        found: list[str] = []
        for index, hyp in enumerate(self._decoder.nbest()):
            if index >= 4 * self.settings.nbest or len(found) >= self.settings.nbest:
                break
            if hyp is None:  # pocketsphinx's n-best list can hold None (seen on 2 of 4,900 utterances)
                continue
            text = " ".join(w for w in hyp.hypstr.split() if not w.startswith("<"))
            if text in spelled and text != best and spelled[text] not in found:
                found.append(spelled[text])
        return tuple(found)


def _with_noise_floor(audio: npt.NDArray[np.int16], sigma: float) -> npt.NDArray[np.int16]:
    """``audio`` plus deterministic Gaussian noise (same input, same output), so it holds no digital silence."""
    if sigma <= 0:
        return audio.astype(np.int16, copy=False)
    noise = np.random.default_rng(len(audio)).normal(0.0, sigma, audio.shape)
    return np.clip(audio.astype(np.float64) + noise, -32768, 32767).astype(np.int16)
