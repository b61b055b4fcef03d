"""Sound levels of one utterance, frame by frame: which frames are speech, and how far speech stands above noise.

Used by the recognizers to describe how trustworthy a hearing is (``Transcript.unexplained`` and
``Transcript.snr_db``) and to skip silent input; engine-independent, numpy only. Frames are 10 ms (pocketsphinx's
frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voice_guide.pcm import SAMPLE_RATE

FRAME_SAMPLES = SAMPLE_RATE // 100
"""10 ms."""
LOUD_PERCENTILE = 95
"""The utterance's loud end: speech."""
QUIET_PERCENTILE = 10
"""The utterance's quiet end: the background between and around the words."""
MIN_FRAMES_FOR_SNR = 10
"""Fewer frames than this are too short to tell speech from background."""


@dataclass(frozen=True)
class Levels:
    """The frame energies of one utterance, with its loud and quiet ends; computed once, read by each check."""

    energy_db: npt.NDArray[np.float64]
    """Mean energy of each whole 10 ms frame, in dB (10 log10 of the mean square sample, plus 1 to avoid log 0)."""
    loud_end: float
    """LOUD_PERCENTILE of ``energy_db`` (0 when there is no frame)."""
    quiet_end: float
    """QUIET_PERCENTILE of ``energy_db`` (0 when there is no frame)."""

    def speech_frames(self, below_peak_db: float, above_floor_db: float) -> npt.NDArray[np.bool_]:
        """Per frame: is it speech, i.e. within ``below_peak_db`` of the loud end and at least ``above_floor_db``
        above the quiet end? (Empty for audio shorter than a frame.)"""
        return np.asarray(self.energy_db > max(self.loud_end - below_peak_db, self.quiet_end + above_floor_db))

    @property
    def snr_db(self) -> float | None:
        """How far the loud end stands above the quiet end, in dB: a rough signal-to-noise ratio of the utterance
        (the endpointer keeps some background before and after the words). None for fewer than MIN_FRAMES_FOR_SNR.

        On the benchmark's synthetic speech (median per condition): clean 58, white noise at 20 / 10 / 5 dB SNR 25 /
        15 / 10.5, babble at 20 / 10 / 5 dB 28 / 18.5 / 14. It needs background around the words, as the live
        microphone gives (the endpointer keeps audio from before the speech and about a second after it): a recording
        cut tight to the words has no quiet end, reads 19-21 dB even when clean, and so has its answers read back
        (the safe side)."""
        if self.energy_db.size < MIN_FRAMES_FOR_SNR:
            return None
        return self.loud_end - self.quiet_end


def levels(audio: npt.NDArray[np.int16]) -> Levels:
    """The frame levels of ``audio`` (16 kHz mono int16)."""
    count = audio.size // FRAME_SAMPLES
    frames = audio[: count * FRAME_SAMPLES].astype(np.float64).reshape(count, FRAME_SAMPLES)
    energy = np.asarray(10.0 * np.log10(np.mean(frames**2, axis=1) + 1.0), dtype=np.float64)
    if count == 0:
        return Levels(energy, 0.0, 0.0)
    loud_end, quiet_end = np.percentile(energy, [LOUD_PERCENTILE, QUIET_PERCENTILE])
    return Levels(energy, float(loud_end), float(quiet_end))
