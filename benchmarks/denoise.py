"""Noise suppression before recognition: candidates the benchmark measures (``--denoise NAME,...``).

Each is a function from 16 kHz mono int16 to the same, applied to the whole utterance before the guide's recognizer
(its time is counted in the decision latency). All are offline, from PyPI (``pip install -e '.[bench]'``):

- ``webrtc``: webrtc-noise-gain, WebRTC's audio processing noise suppression (level 3 = most), 10 ms frames.
- ``speex``: speexdsp-ns, Speex's preprocessor noise suppression, 10 ms frames.
- ``rnnoise``: pyrnnoise, Xiph's RNNoise (a small recurrent network; resamples to 48 kHz internally).
- ``noisereduce``: noisereduce's spectral gating (non-stationary), estimated on the utterance itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.int16]
Denoiser = Callable[[Audio], Audio]
FRAME = 160
"""10 ms at 16 kHz."""


def _frames(audio: Audio) -> tuple[Audio, int]:
    """Audio zero-padded to whole 10 ms frames, and its original length."""
    size = audio.size
    padded = np.concatenate([audio, np.zeros((-size) % FRAME, dtype=np.int16)])
    return padded, size


def webrtc(audio: Audio) -> Audio:
    from webrtc_noise_gain import AudioProcessor

    processor: Any = AudioProcessor(0, 3)
    padded, size = _frames(audio)
    out = [
        np.frombuffer(processor.Process10ms(padded[i : i + FRAME].tobytes()).audio, dtype=np.int16)
        for i in range(0, padded.size, FRAME)
    ]
    return np.concatenate(out)[:size]


def speex(audio: Audio) -> Audio:
    from speexdsp_ns import NoiseSuppression

    suppressor: Any = NoiseSuppression.create(FRAME, 16_000)
    padded, size = _frames(audio)
    out = [
        np.frombuffer(suppressor.process(padded[i : i + FRAME].tobytes()), dtype=np.int16)
        for i in range(0, padded.size, FRAME)
    ]
    return np.concatenate(out)[:size]


def rnnoise(audio: Audio) -> Audio:
    from pyrnnoise import RNNoise

    model: Any = RNNoise(16_000)
    frames = [np.atleast_2d(frame)[0] for _, frame in model.denoise_chunk(audio[None, :], partial=True)]
    out = np.concatenate(frames).astype(np.int16) if frames else audio[:0]
    return np.concatenate([out, np.zeros(max(0, audio.size - out.size), dtype=np.int16)])[: audio.size]


def spectral_gate(audio: Audio) -> Audio:
    import noisereduce

    out = noisereduce.reduce_noise(y=audio.astype(np.float32), sr=16_000, stationary=False)
    return np.asarray(np.clip(np.round(out), -32768, 32767), dtype=np.int16)


DENOISERS: dict[str, Denoiser] = {
    "webrtc": webrtc,
    "speex": speex,
    "rnnoise": rnnoise,
    "noisereduce": spectral_gate,
}
