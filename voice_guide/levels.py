"""Sound levels of one utterance, frame by frame: which frames are speech, and how far speech stands above noise.

Used by the recognizers to describe how trustworthy a hearing is (``Transcript.unexplained`` and
``Transcript.snr_db``); engine-independent, numpy only. Frames are 10 ms (pocketsphinx's frame).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from voice_guide.asr import SAMPLE_RATE

FRAME_SAMPLES = SAMPLE_RATE // 100
"""10 ms."""
LOUD_PERCENTILE = 95
"""The utterance's loud end: speech."""
QUIET_PERCENTILE = 10
"""The utterance's quiet end: the background between and around the words."""


def frame_energies_db(audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """Mean energy of each whole 10 ms frame, in dB (10 log10 of the mean square sample, plus 1 to avoid log 0)."""
    count = audio.size // FRAME_SAMPLES
    frames = audio[: count * FRAME_SAMPLES].astype(np.float64).reshape(count, FRAME_SAMPLES)
    return np.asarray(10.0 * np.log10(np.mean(frames**2, axis=1) + 1.0), dtype=np.float64)


def speech_frames(audio: npt.NDArray[np.int16], below_peak_db: float, above_floor_db: float) -> npt.NDArray[np.bool_]:
    """Per frame: is it speech, i.e. within ``below_peak_db`` of the loud end and at least ``above_floor_db`` above
    the quiet end? (Empty for audio shorter than a frame.)"""
    energy = frame_energies_db(audio)
    if energy.size == 0:
        return np.zeros(0, dtype=bool)
    loud_end, quiet_end = np.percentile(energy, [LOUD_PERCENTILE, QUIET_PERCENTILE])
    return np.asarray(energy > max(loud_end - below_peak_db, quiet_end + above_floor_db))


def snr_estimate_db(audio: npt.NDArray[np.int16]) -> float | None:
    """How far the loud end stands above the quiet end, in dB: a rough signal-to-noise ratio of the utterance (the
    endpointer keeps some background before and after the words). None for audio shorter than 10 frames.

    On the benchmark's synthetic speech (median per condition): clean 58, white noise at 20 / 10 / 5 dB SNR 25 / 15
    / 10.5, babble at 20 / 10 / 5 dB 28 / 18.5 / 14. It needs background around the words, as the live microphone
    gives (the endpointer keeps audio from before the speech and about a second after it): a recording cut tight to
    the words has no quiet end, reads 19-21 dB even when clean, and so has its answers read back (the safe side)."""
    energy = frame_energies_db(audio)
    if energy.size < 10:
        return None
    loud_end, quiet_end = np.percentile(energy, [LOUD_PERCENTILE, QUIET_PERCENTILE])
    return float(loud_end - quiet_end)
