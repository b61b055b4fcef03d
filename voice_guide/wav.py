"""Reading WAV files for recognition: checked, and converted to 16 kHz mono int16 when that is safe.

Safe conversions: other sample rates (resampled with soxr), stereo or multichannel (averaged), 8/24/32-bit integer
PCM. Refused with a clear message: not a WAV file, compressed or float WAV, truncated data, empty or silent audio.
Audio is read into memory only; nothing is written.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voice_guide.errors import AudioFileError
from voice_guide.pcm import SAMPLE_RATE, SILENCE_RMS, rms


def resample(samples: npt.NDArray[np.int16], rate: int, target: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
    """Resample int16 audio from ``rate`` to ``target`` Hz."""
    if rate == target:
        return samples
    import soxr  # a small, well-kept resampler; imported here so the keyboard mode never needs it

    out: npt.NDArray[np.float32] = soxr.resample(samples.astype(np.float32), rate, target)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def _to_int16(raw: bytes, width: int) -> npt.NDArray[np.int16]:
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.int16)
    if width == 1:  # unsigned 8-bit
        return ((np.frombuffer(raw, dtype=np.uint8).astype(np.int16) - 128) << 8).astype(np.int16)
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8
        return (value >> 16).astype(np.int16)
    if width == 4:
        return (np.frombuffer(raw, dtype="<i4") >> 16).astype(np.int16)
    raise AudioFileError(f"unsupported sample width of {width} bytes")


def decode_wav(data: bytes, name: str = "audio") -> npt.NDArray[np.int16]:
    """Decode WAV bytes to 16 kHz mono int16, converting rate and channels; raise AudioFileError if unusable."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
            raw = wav.readframes(frames)
    except (wave.Error, EOFError) as error:
        raise AudioFileError(f"{name} is not a usable WAV file ({error}); record 16 kHz mono 16-bit PCM") from None
    if frames == 0 or not raw:
        raise AudioFileError(f"{name} holds no audio")
    frame_size = channels * width
    if len(raw) < frames * frame_size:
        if len(raw) < frame_size:
            raise AudioFileError(f"{name} is truncated: no complete audio frame")
        raise AudioFileError(
            f"{name} is truncated: the header promises {frames} frames but only {len(raw) // frame_size} are there"
        )
    samples = _to_int16(raw, width)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    samples = resample(samples, rate)
    if rms(samples) < SILENCE_RMS:
        raise AudioFileError(f"{name} is silent: nothing to recognize")
    return samples


def read_wav(path: Path) -> npt.NDArray[np.int16]:
    """Read a WAV file as 16 kHz mono int16 (see :func:`decode_wav`)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AudioFileError(f"cannot read {path}: {error.strerror}") from None
    return decode_wav(data, str(path))


def encode_wav(samples: npt.NDArray[np.int16], rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono WAV bytes (in memory) for these samples."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()
