"""Coverage-guided fuzz target (atheris / libFuzzer) for the WAV reader, voice_guide/wav.py.

Any bytes must decode to 16 kHz mono int16 audio or raise AudioFileError; anything else (another exception, a
crash, an input taking over libFuzzer's -timeout, memory over -rss_limit_mb) is a finding.

    python fuzz/wav_target.py -max_total_time=60 NEW_CORPUS_DIR fuzz/corpus/wav

New interesting inputs go to the first folder given (keep the committed corpus as the second, read-only). Run
briefly in CI by tests/test_fuzz_atheris.py.
"""

from __future__ import annotations

import sys

import atheris
import numpy  # noqa: F401 - imported before instrumenting: only the guide's code and the wave module are fuzzed
import soxr  # noqa: F401

with atheris.instrument_imports():
    import wave  # noqa: F401 - instrumented here so that coverage reaches the header parser

    from voice_guide.errors import AudioFileError
    from voice_guide.wav import decode_wav


def test_one_input(data: bytes) -> None:
    try:
        samples = decode_wav(data, "fuzz.wav")
    except AudioFileError:
        return
    if samples.ndim != 1 or str(samples.dtype) != "int16" or len(samples) == 0:
        raise AssertionError(f"decode_wav returned {samples.dtype} audio of shape {samples.shape}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
