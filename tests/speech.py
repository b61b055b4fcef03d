"""Synthesized speech for tests and benchmarks: espeak-ng speaks a phrase into memory as 16 kHz mono int16.

espeak-ng writes its WAV to stdout, so no audio file is created. Voices and speeds vary so that tests do not
depend on one voice.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from voice_guide.wav import decode_wav


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice setting."""

    name: str
    """espeak-ng voice, e.g. "en-us", "en-gb+f3"."""
    speed: int = 160
    """Words per minute."""
    pitch: int = 50
    """0-99."""

    @property
    def label(self) -> str:
        return f"{self.name}@{self.speed}wpm/p{self.pitch}"


VOICES = (
    Voice("en-us"),
    Voice("en-gb", 150, 40),
    Voice("en-us+f3", 170, 60),
    Voice("en-gb+m3", 140, 35),
    Voice("en-us+f2", 190, 70),
)
"""A spread of synthetic voices: accents, sexes, speeds and pitches."""


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


@cache
def synthesize(text: str, voice: Voice = VOICES[0], pad_ms: int = 300) -> npt.NDArray[np.int16]:
    """``text`` spoken by ``voice`` as 16 kHz mono int16, with ``pad_ms`` of silence either side."""
    result = subprocess.run(
        ["espeak-ng", "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    )
    # espeak-ng's streamed WAV header has unknown lengths; fix them before decoding.
    data = bytearray(result.stdout)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    data[40:44] = (len(data) - 44).to_bytes(4, "little")
    samples = decode_wav(bytes(data), f"espeak-ng {text!r}")
    pad = np.zeros(16 * pad_ms, dtype=np.int16)
    return np.concatenate([pad, samples, pad])


WITHOUT_LIBESPEAK = """
import ctypes
real = ctypes.cdll.LoadLibrary
def load(name, *args, **kwargs):
    if "espeak" in str(name):
        raise OSError(f"{name}: cannot open shared object file")
    return real(name, *args, **kwargs)
ctypes.cdll.LoadLibrary = load
"""
"""Python to run first in a fresh process (``python -c``) so that loading libespeak-ng fails as on a machine without
it (the real failure path: the import of the library, not a mock of the guide's code)."""
