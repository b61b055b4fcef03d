"""Property tests of the WAV reader (voice_guide/wav.py): any bytes, and any header a WAV writer can produce, give
16 kHz mono int16 audio or an AudioFileError with a message, never another exception and never audio of a length
the header does not explain. The coverage-guided fuzz target for the same reader is fuzz/wav_target.py."""

from __future__ import annotations

import io
import struct
import wave

import pytest
from fuzzing import fuzz
from hypothesis import given
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

from voice_guide.errors import AudioFileError  # noqa: E402 - after the numpy check
from voice_guide.pcm import SAMPLE_RATE  # noqa: E402
from voice_guide.wav import MAX_CHANNELS, MAX_RATE, MIN_RATE, decode_wav, encode_wav  # noqa: E402

FUZZ = fuzz(300)

TONE = encode_wav((np.sin(np.arange(1600) / 3) * 8000).astype(np.int16))
"""A valid 0.1 s WAV, mutated below."""


def decoded_or_refused(data: bytes) -> object:
    try:
        samples = decode_wav(data, "answer.wav")
    except AudioFileError as error:
        message = str(error)
        assert message.startswith(("answer.wav ", "unsupported sample width")), message
        assert "\n" not in message and len(message) < 300
        return error
    assert samples.dtype == np.int16 and samples.ndim == 1 and len(samples) > 0
    return samples


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_are_audio_or_a_clear_error(data: bytes) -> None:
    decoded_or_refused(data)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(TONE) - 1), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, len(TONE)),
)
def test_a_mutated_wav_is_audio_or_a_clear_error(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(TONE)
    for position, value in changes:
        data[position % 64 if position % 3 else position] = value  # mostly the header
    decoded_or_refused(bytes(data[: max(cut, 12)]))


@FUZZ
@given(
    channels=st.integers(1, 12),
    width=st.integers(1, 4),
    rate=st.one_of(st.integers(1, 400_000), st.sampled_from([8_000, 11_025, 16_000, 22_050, 44_100, 48_000])),
    frames=st.integers(0, 3000),
    lie=st.integers(-3000, 3000),
)
def test_any_pcm_header_is_converted_or_refused(channels: int, width: int, rate: int, frames: int, lie: int) -> None:
    """Real PCM of any shape, with a header that may lie about its length."""
    rng = np.random.default_rng(frames)
    raw = rng.integers(0, 256, frames * channels * width, dtype=np.uint8).tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(raw)
    data = bytearray(buffer.getvalue())
    if lie:
        struct.pack_into("<I", data, 40, max(0, len(raw) + lie))  # the data chunk's size
    result = decoded_or_refused(bytes(data))
    claimed = max(0, len(raw) + lie) // (channels * width)  # whole frames the header claims
    usable = MIN_RATE <= rate <= MAX_RATE and channels <= MAX_CHANNELS and 0 < claimed <= frames
    if isinstance(result, np.ndarray):
        # Converted audio is as long as the frames claimed, at 16 kHz (the resampler may round by a sample or two).
        assert claimed <= frames  # a header claiming more frames than are there is refused as truncated
        assert abs(len(result) - claimed * SAMPLE_RATE / rate) <= 2 + SAMPLE_RATE / rate
        assert MIN_RATE <= rate <= MAX_RATE and channels <= MAX_CHANNELS
    elif usable:  # refused although well-formed: only because it is silent
        assert "silent" in str(result), result
