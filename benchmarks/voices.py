"""Synthetic speakers for the benchmark, and the audio cache that makes re-runs fast.

Every voice turns text into 16 kHz mono int16 (resampled with :func:`voice_guide.wav.resample` when the synthesizer
speaks at another rate), trimmed of its own leading and trailing silence. Engines, all offline and from Debian or
PyPI: espeak-ng (accents, +f/+m variants, speeds, pitches), pyttsx3 (which drives espeak-ng's library here), flite
(its built-in voices) and festival (diphone and HTS voices from Debian's festvox packages). A voice whose engine is
not installed is reported as unavailable, never silently replaced.

Cache: ``<out>/cache/<voice key>/<sha256 of the text>.npy``; the voice key hashes the engine, its settings and
:data:`CACHE_VERSION`, so changing a voice or the trimming invalidates exactly what it should.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from voice_guide.wav import decode_wav

log = logging.getLogger(__name__)

CACHE_VERSION = 1
"""Bump when synthesis or trimming changes, so cached audio is regenerated."""

Audio = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker."""

    name: str
    """Short unique label used in tables ("espeak-us", "flite-slt")."""
    engine: str
    """"espeak-ng", "pyttsx3" (the guide's own speaker), "flite" or "festival"."""
    voice: str
    """The engine's voice: espeak-ng voice ("en-gb+f3"), flite voice ("slt"), festival voice ("ked_diphone")."""
    speed: int = 0
    """Words per minute (espeak-ng, pyttsx3); 0 = the engine's default."""
    pitch: int = -1
    """0-99 (espeak-ng); -1 = the engine's default."""
    split: str = "report"
    """"tune" (thresholds are tuned on it) or "report" (figures are reported on it)."""

    @property
    def key(self) -> str:
        spec = f"{CACHE_VERSION}|{self.engine}|{self.voice}|{self.speed}|{self.pitch}"
        return f"{self.name}-{hashlib.sha256(spec.encode()).hexdigest()[:10]}"


VOICES: tuple[Voice, ...] = (
    Voice("espeak-us", "espeak-ng", "en-us", 160, 50, "report"),
    Voice("espeak-gb-f3", "espeak-ng", "en-gb+f3", 150, 60, "tune"),
    Voice("espeak-us-m3-slow", "espeak-ng", "en-us+m3", 125, 35, "report"),
    Voice("espeak-scot-fast", "espeak-ng", "en-gb-scotland", 195, 45, "tune"),
    Voice("espeak-carib-f2", "espeak-ng", "en-029+f2", 170, 70, "report"),
    Voice("espeak-rp-m7", "espeak-ng", "en-gb-x-rp+m7", 145, 30, "tune"),
    Voice("pyttsx3-default", "pyttsx3", "", 170, -1, "report"),
    Voice("flite-slt", "flite", "slt", split="tune"),
    Voice("flite-rms", "flite", "rms", split="report"),
    Voice("flite-awb", "flite", "awb", split="report"),
    Voice("flite-kal16", "flite", "kal16", split="tune"),
    Voice("festival-kal", "festival", "kal_diphone", split="report"),
    Voice("festival-ked", "festival", "ked_diphone", split="tune"),
    Voice("festival-slt-hts", "festival", "cmu_us_slt_arctic_hts", split="report"),
)
"""The speakers: 6 espeak-ng settings, pyttsx3, 4 flite voices and 3 festival voices; 6 tune, 8 report."""

BABBLE_VOICES: tuple[Voice, ...] = (
    Voice("babble-1", "espeak-ng", "en-us+m1", 165, 40),
    Voice("babble-2", "espeak-ng", "en-gb+f4", 175, 65),
    Voice("babble-3", "espeak-ng", "en-us-nyc+m4", 150, 45),
    Voice("babble-4", "espeak-ng", "en-gb-x-gbclan+f1", 160, 55),
    Voice("babble-5", "flite", "kal"),
    Voice("babble-6", "espeak-ng", "en-gb-x-gbcwmd+m2", 180, 50),
)
"""Talkers of the multi-talker babble (none of them is a test voice)."""


def available(voice: Voice) -> bool:
    """Whether this voice's engine is installed."""
    if voice.engine == "espeak-ng":
        return shutil.which("espeak-ng") is not None
    if voice.engine == "flite":
        return shutil.which("flite") is not None
    if voice.engine == "festival":
        return shutil.which("festival") is not None and _festival_voice_dir(voice.voice) is not None
    if voice.engine == "pyttsx3":
        try:
            import pyttsx3  # noqa: F401
        except ImportError:
            return False
        return shutil.which("espeak-ng") is not None
    return False


def _festival_voice_dir(name: str) -> Path | None:
    for root in (Path("/usr/share/festival/voices"), Path("/usr/lib/festival/voices")):
        for found in root.glob(f"*/{name}"):
            return found
    return None


def trim(samples: Audio, threshold: float = 0.01, frame: int = 160) -> Audio:
    """Cut leading and trailing frames (10 ms) whose peak is below ``threshold`` of the loudest peak."""
    if samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples.astype(np.int32))))
    if peak == 0:
        return samples[:0]
    frames = np.abs(samples[: samples.size // frame * frame].astype(np.int32)).reshape(-1, frame).max(axis=1)
    loud = np.nonzero(frames >= threshold * peak)[0]
    if loud.size == 0:
        return samples[:0]
    return samples[max(0, (loud[0] - 2) * frame) : min(samples.size, (loud[-1] + 3) * frame)]


class SpeechCache:
    """Synthesizes texts with voices, caching each result as .npy under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, voice: Voice, text: str) -> Path:
        return self.root / voice.key / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.npy"

    def get(self, voice: Voice, text: str) -> Audio:
        """``text`` spoken by ``voice`` (from the cache, or synthesized and cached)."""
        return self.get_many(voice, [text])[0]

    def get_many(self, voice: Voice, texts: Sequence[str]) -> list[Audio]:
        """Each text spoken by ``voice``; missing ones are synthesized in one batch where the engine allows."""
        result: dict[str, Audio] = {}
        missing = []
        for text in dict.fromkeys(texts):
            path = self.path(voice, text)
            if path.exists():
                result[text] = np.load(path)
            else:
                missing.append(text)
        if missing:
            log.info("synthesizing %d utterances with %s", len(missing), voice.name)
            for text, audio in zip(missing, synthesize_many(voice, missing), strict=True):
                audio = trim(audio)
                path = self.path(voice, text)
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, audio)
                result[text] = audio
        return [result[text] for text in texts]


def synthesize_many(voice: Voice, texts: Sequence[str]) -> list[Audio]:
    """Speak each text with ``voice`` (not cached, not trimmed)."""
    if voice.engine == "espeak-ng":
        return [_espeak(voice, text) for text in texts]
    if voice.engine == "flite":
        return [_flite(voice, text) for text in texts]
    if voice.engine == "festival":
        return _festival(voice, texts)
    if voice.engine == "pyttsx3":
        return _pyttsx3(voice, texts)
    raise ValueError(f"unknown speech engine {voice.engine!r}")


def _espeak(voice: Voice, text: str) -> Audio:
    command = ["espeak-ng", "-v", voice.voice, "--stdout"]
    if voice.speed:
        command += ["-s", str(voice.speed)]
    if voice.pitch >= 0:
        command += ["-p", str(voice.pitch)]
    result = subprocess.run([*command, text], capture_output=True, check=True, timeout=60)
    # espeak-ng streams its WAV with unknown lengths in the header; fill them in before decoding.
    data = bytearray(result.stdout)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    data[40:44] = (len(data) - 44).to_bytes(4, "little")
    return _decode(bytes(data), voice, text)


def _decode(data: bytes, voice: Voice, text: str) -> Audio:
    return decode_wav(data, f"{voice.name} {text!r}")


def _flite(voice: Voice, text: str) -> Audio:
    with tempfile.TemporaryDirectory(prefix="vg-flite-") as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(
            ["flite", "-voice", voice.voice, "-t", text, "-o", str(wav)], capture_output=True, check=True, timeout=60
        )
        return _decode(wav.read_bytes(), voice, text)


def _festival(voice: Voice, texts: Sequence[str]) -> list[Audio]:
    """One festival process for the whole batch (festival takes about a second to start)."""
    with tempfile.TemporaryDirectory(prefix="vg-festival-") as tmp:
        lines = [f"(voice_{voice.voice})"]
        for index, text in enumerate(texts):
            quoted = text.replace("\\", " ").replace('"', " ")
            lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{quoted}")) "{tmp}/{index}.wav" \'riff)')
        script = Path(tmp) / "batch.scm"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        subprocess.run(["festival", "--batch", str(script)], capture_output=True, check=True, timeout=600)
        return [_decode((Path(tmp) / f"{i}.wav").read_bytes(), voice, t) for i, t in enumerate(texts)]


def _pyttsx3(voice: Voice, texts: Sequence[str]) -> list[Audio]:
    """The guide's own espeak-ng synthesis (:class:`voice_guide.speech.speaker.EspeakSpeaker`, never played)."""
    from voice_guide.speech.speaker import EspeakSpeaker, SpeechSettings
    from voice_guide.wav import resample

    speaker = EspeakSpeaker(None, SpeechSettings(rate=voice.speed or 175, voice=voice.voice or None))
    result = []
    for text in texts:
        samples, rate = speaker.synthesize(text)
        result.append(resample(samples, rate))
    return result
