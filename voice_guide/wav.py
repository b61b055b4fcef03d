"""Reading WAV files for recognition: checked, and converted to 16 kHz mono int16 when that is safe.

Safe conversions: other sample rates (resampled with soxr), stereo or multichannel (averaged), 8/24/32-bit integer
PCM. Refused with a clear message: not a WAV file, compressed or float WAV, truncated data, empty or silent audio.
Audio is read into memory only; nothing is written.

Bounds, checked from the header before the audio is read: a sample rate within :data:`MIN_RATE`..:data:`MAX_RATE`
(resampling from 1 Hz would multiply the audio 16,000 times), at most :data:`MAX_CHANNELS` channels, at most
:data:`MAX_SECONDS` of audio and :data:`MAX_AUDIO_BYTES` of audio data; only that much is ever read from a file, so a
huge or lying file costs no more than a long answer. Any malformed header, whatever the ``wave`` module makes of it,
is an :class:`~voice_guide.errors.AudioFileError` (the WAV fuzz tests hold it to that).
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from voice_guide.errors import AudioFileError
from voice_guide.pcm import SAMPLE_RATE, SILENCE_RMS, rms

MIN_RATE = 8_000
"""Hz: the lowest sample rate accepted (telephone audio; speech below it is not intelligible)."""
MAX_RATE = 192_000
"""Hz: the highest sample rate accepted (the highest common recording rate)."""
MAX_CHANNELS = 8
"""Channels accepted (7.1 surround; a recording of one answer is mono or stereo)."""
MAX_SECONDS = 600.0
"""Seconds of audio accepted in one file: ten minutes (a recording of one answer takes seconds; the answer in it
is then cut as the microphone would cut it, at most pcm.MAX_UTTERANCE)."""
MAX_AUDIO_BYTES = 64 * 1024 * 1024
"""Bytes of audio data read at most: ten minutes of 48 kHz 16-bit stereo is 115 MB, so such a file must be at
most about five minutes long; at 16 kHz mono, ten minutes is 19 MB."""

_MALFORMED = (wave.Error, EOFError, RuntimeError, struct.error, ValueError, OverflowError)
"""What the wave module raises on malformed input (RuntimeError: a chunk it cannot seek past)."""


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
    return _decode(io.BytesIO(data), name)


def _bounded_header(wav: wave.Wave_read, name: str) -> tuple[int, int, int, int]:
    """(channels, width, rate, frames) of an open WAV, refused unless within the bounds (see module docstring)."""
    channels, width, rate, frames = wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes()
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioFileError(f"{name} has a sample rate of {rate} Hz; record at {MIN_RATE} to {MAX_RATE} Hz (16 kHz)")
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioFileError(f"{name} has {channels} channels; record mono (at most {MAX_CHANNELS} channels)")
    if frames / rate > MAX_SECONDS:
        raise AudioFileError(
            f"{name} is {frames / rate / 60:.0f} minutes long; a recording of one answer may be at most "
            f"{MAX_SECONDS / 60:.0f} minutes"
        )
    if frames * channels * width > MAX_AUDIO_BYTES:
        raise AudioFileError(
            f"{name} holds {frames * channels * width / 1e6:.0f} MB of audio; at most {MAX_AUDIO_BYTES / 1e6:.0f} MB "
            "is read (record 16 kHz mono 16-bit)"
        )
    return channels, width, rate, frames


def _decode(source: BinaryIO, name: str) -> npt.NDArray[np.int16]:
    try:
        with wave.open(source, "rb") as wav:
            channels, width, rate, frames = _bounded_header(wav, name)
            raw = wav.readframes(frames)
    except _MALFORMED as error:
        raise AudioFileError(
            f"{name} is not a usable WAV file ({error or 'malformed'}); record 16 kHz mono 16-bit PCM"
        ) from None
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
        with path.open("rb") as source:  # read as it is decoded: only as much as the header's bounds allow
            return _decode(source, str(path))
    except OSError as error:
        raise AudioFileError(f"cannot read {path}: {error.strerror}") from None


def encode_wav(samples: npt.NDArray[np.int16], rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono WAV bytes (in memory) for these samples."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()
