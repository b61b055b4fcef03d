"""Frame levels: which frames are speech, and the rough signal-to-noise ratio used to doubt hearings in noise."""

from __future__ import annotations

import numpy as np

from voice_guide.levels import FRAME_SAMPLES, levels
from voice_guide.pcm import rms

RATE = 16_000


def utterance(noise_sigma: float, seed: int = 0) -> np.ndarray:
    """0.5 s of background, a 1 s tone (amplitude 8000), 0.5 s of background; the background runs throughout."""
    rng = np.random.default_rng(seed)
    t = np.arange(RATE) / RATE
    tone = np.concatenate([np.zeros(RATE // 2), 8000 * np.sin(2 * np.pi * 220 * t), np.zeros(RATE // 2)])
    return np.clip(tone + rng.normal(0, noise_sigma, tone.size), -32768, 32767).astype(np.int16)


def test_speech_frames_are_the_loud_middle() -> None:
    frames = levels(utterance(10.0)).speech_frames(below_peak_db=20.0, above_floor_db=10.0)
    assert frames.size == 2 * RATE // FRAME_SAMPLES
    assert frames[55:145].all()  # the tone (frames 50-149), less its edges
    assert not frames[:45].any() and not frames[155:].any()


def test_steady_noise_within_20_db_of_the_speech_is_not_speech() -> None:
    # Noise 15 dB under the tone would pass "within 20 dB of the loud end"; the floor keeps it out.
    noisy = utterance(8000 / np.sqrt(2) / 10 ** (15 / 20))
    frames = levels(noisy).speech_frames(below_peak_db=20.0, above_floor_db=10.0)
    assert not frames[:45].any() and frames[55:145].mean() > 0.9


def test_the_snr_estimate_follows_the_noise_level() -> None:
    quiet = levels(utterance(10.0)).snr_db
    noisy = levels(utterance(800.0)).snr_db  # tone power 3.2e7, noise 6.4e5: 17 dB
    assert quiet is not None and noisy is not None
    assert quiet > 50
    assert 14 < noisy < 20
    assert levels(np.zeros(5 * FRAME_SAMPLES, dtype=np.int16)).snr_db is None  # too short to tell
    assert levels(np.zeros(0, dtype=np.int16)).speech_frames(20.0, 10.0).size == 0


def test_rms() -> None:
    assert rms(np.full(100, 300, dtype=np.int16)) == 300.0
    assert rms(np.zeros(0, dtype=np.int16)) == 0.0
