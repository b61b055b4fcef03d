"""Noise for the benchmark: white noise, multi-talker babble, synthetic coughs, and mixing at a given SNR.

Everything is seeded: the noise added to an utterance depends only on the utterance's id, the condition and
:data:`SEED`, so every run (and every worker process) hears exactly the same audio.

SNR is the ratio of the speech's mean power (over the speech itself, before the silence padding) to the noise's mean
power, in dB. The noise covers the padding too, as a real microphone would, and a faint microphone floor
(:data:`MIC_FLOOR`) is under every condition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from benchmarks.voices import BABBLE_VOICES, SpeechCache, available

Audio = npt.NDArray[np.int16]

SEED = 20240604
"""Base seed of every random choice the noise makes."""

PAD_MS = 300
"""Silence before and after each utterance (about what the endpointer leaves)."""

REFERENCE_SPEECH_RMS = 3000.0
"""int16 RMS (about -21 dBFS) of speech that a silence file's noise is set against, so a noise-only file holds the
condition's noise at the level it has under an answer (the synthesized voices speak at RMS 1,500-5,000)."""

MIC_FLOOR = 8.0
"""Standard deviation (LSB, about -72 dBFS) of the Gaussian floor under every condition, "clean" included: a real
microphone is never digitally silent, and runs of exact zeros upset pocketsphinx's features."""

BABBLE_TEXT = (
    "The committee met on Thursday to discuss the new library hours and the repairs to the roof.",
    "After the rain stopped the children ran outside to look for snails along the garden wall.",
    "Prices at the market went up again this week, mostly for fruit, coffee and fresh bread.",
    "She said the train would be delayed by twenty minutes because of a signal failure near the bridge.",
    "Our neighbours are painting their fence green and planting tomatoes by the kitchen window.",
    "The museum has a new exhibition about old maps, ships and the people who sailed them.",
    "He forgot the keys in the car, so we waited by the door until his brother came home.",
    "Tomorrow the forecast says clouds in the morning and a little sunshine in the afternoon.",
)
"""Unrelated text the babble talkers read (none of the guide's answer words stand out in it)."""


@dataclass(frozen=True)
class Condition:
    """A noise condition."""

    noise: str
    """"clean", "white" or "babble"."""
    snr_db: float | None = None
    """None for clean."""

    @property
    def label(self) -> str:
        return "clean" if self.noise == "clean" else f"{self.noise} {self.snr_db:g} dB"


CONDITIONS: tuple[Condition, ...] = (
    Condition("clean"),
    Condition("white", 20),
    Condition("white", 10),
    Condition("white", 5),
    Condition("babble", 20),
    Condition("babble", 10),
    Condition("babble", 5),
)


def rng_for(*parts: object) -> np.random.Generator:
    """A generator seeded by SEED and ``parts`` (stable across processes, unlike ``hash``)."""
    digest = hashlib.sha256("|".join(map(str, (SEED, *parts))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def pad(speech: Audio, ms: int = PAD_MS) -> Audio:
    silence = np.zeros(16 * ms, dtype=np.int16)
    return np.concatenate([silence, speech, silence])


def power(samples: npt.NDArray[np.generic]) -> float:
    return float(np.mean(np.square(samples.astype(np.float64)))) if samples.size else 0.0


def build_babble(cache: SpeechCache, seconds: float = 40.0) -> npt.NDArray[np.float32]:
    """Several synthetic talkers reading unrelated text at once, each at the same power, float32 at 16 kHz."""
    talkers = [v for v in BABBLE_VOICES if available(v)]
    if len(talkers) < 3:
        raise RuntimeError("babble needs at least three synthetic talkers (install espeak-ng)")
    length = int(seconds * 16_000)
    mix = np.zeros(length, dtype=np.float64)
    for index, voice in enumerate(talkers):
        sentences = cache.get_many(voice, BABBLE_TEXT)
        rng = rng_for("babble", voice.name)
        order = rng.permutation(len(sentences))
        gap = np.zeros(16 * 150, dtype=np.int16)
        track = np.concatenate([np.concatenate([sentences[i], gap]) for i in order]).astype(np.float64)
        track = np.tile(track, int(np.ceil(length / track.size)) + 1)
        start = (index * 16_000 * 3 + int(rng.integers(0, 16_000))) % track.size
        track = np.roll(track, -start)[:length]
        mix += track / np.sqrt(power(track))
    scaled: npt.NDArray[np.float32] = (mix / np.sqrt(power(mix))).astype(np.float32)
    return scaled


def non_speech(name: str, seed: str) -> Audio:
    """A synthetic cough, double cough, throat-clear or sigh: shaped noise bursts (no speech at all)."""
    rng = rng_for("non_speech", name, seed)
    rate = 16_000
    if name in ("silence", "silence long"):
        return np.zeros(rate * (3 if name == "silence long" else 1), dtype=np.int16)

    def burst(duration: float, low: float, high: float, attack: float, decay: float) -> npt.NDArray[np.float64]:
        n = int(duration * rate)
        spectrum = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1 / rate)
        spectrum[(freqs < low) | (freqs > high)] = 0
        noise = np.fft.irfft(spectrum, n)
        t = np.arange(n) / rate
        envelope = np.minimum(1.0, t / attack) * np.exp(-np.maximum(0.0, t - attack) / decay)
        shaped: npt.NDArray[np.float64] = noise / (np.max(np.abs(noise)) + 1e-9) * envelope
        return shaped

    gap = np.zeros(int(0.12 * rate))
    if name == "cough":
        parts = [burst(0.35, 200, 4000, 0.01, 0.08)]
    elif name == "double cough":
        parts = [burst(0.3, 250, 4500, 0.01, 0.07), gap, burst(0.28, 200, 4000, 0.01, 0.06)]
    elif name == "throat clear":
        rumble = burst(0.6, 80, 900, 0.05, 0.4) * (1 + 0.6 * np.sin(2 * np.pi * 25 * np.arange(int(0.6 * rate)) / rate))
        parts = [rumble, burst(0.15, 300, 3000, 0.01, 0.05)]
    elif name == "sigh":
        parts = [burst(0.9, 150, 2500, 0.2, 0.35)]
    else:
        raise ValueError(f"unknown non-speech sound {name!r}")
    signal = np.concatenate(parts)
    return np.asarray(np.clip(signal * 12_000, -32768, 32767), dtype=np.int16)


def mix(speech: Audio, condition: Condition, uid: str, babble: npt.NDArray[np.float32] | None) -> Audio:
    """``speech`` padded with silence, with the condition's noise added at its SNR (seeded by ``uid``)."""
    padded = pad(speech)
    rng = rng_for("mix", uid, condition.label)
    floor = rng.standard_normal(padded.size) * MIC_FLOOR
    if condition.noise == "clean" or condition.snr_db is None:
        return np.asarray(np.clip(np.round(padded + floor), -32768, 32767), dtype=np.int16)
    if condition.noise == "white":
        noise = rng.standard_normal(padded.size)
    elif condition.noise == "babble":
        if babble is None:
            raise ValueError("babble noise needs the babble track")
        start = int(rng.integers(0, babble.size - padded.size))
        noise = babble[start : start + padded.size].astype(np.float64)
    else:
        raise ValueError(f"unknown noise {condition.noise!r}")
    speech_power = power(speech) or REFERENCE_SPEECH_RMS**2  # a silence file: noise only, at an answer's level
    scale = np.sqrt(speech_power / (power(noise) * 10 ** (condition.snr_db / 10)))
    out = padded.astype(np.float64) + noise * scale + floor
    return np.asarray(np.clip(np.round(out), -32768, 32767), dtype=np.int16)


def conditions_named(labels: Sequence[str]) -> tuple[Condition, ...]:
    """The conditions whose labels (or "clean", "white10", "babble5" short forms) are given."""
    short = {c.label.replace(" dB", "").replace(" ", ""): c for c in CONDITIONS}
    found = []
    for label in labels:
        key = label.replace(" dB", "").replace(" ", "").replace("db", "")
        if key not in short:
            raise ValueError(f"unknown noise condition {label!r}; known: {', '.join(short)}")
        found.append(short[key])
    return tuple(found)
