"""The short tones that say "speak now" (rising) and "got it" (falling), and playing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voice_guide.pcm import SAMPLE_RATE
from voice_guide.speech.devices import Device

if TYPE_CHECKING:
    from voice_guide.pcm import Samples


@dataclass(frozen=True)
class Tone:
    """A short beep."""

    frequency_hz: float
    """Pitch in Hz."""
    ms: int
    """Length in milliseconds."""
    volume: float
    """Peak amplitude, 0..1 of full scale."""

    def samples(self) -> Samples:
        """The beep as 16 kHz mono int16."""
        return tone(self.frequency_hz, self.ms, self.volume)


FADE_MS = 8
"""Raised-cosine fade in and out, so a tone starts and ends without a click."""

LISTENING_TONE = Tone(880.0, 120, 0.3)
"""Played when the guide starts listening (a high A)."""
DONE_LISTENING_TONE = Tone(587.33, 120, 0.3)
"""Played when the guide stops listening (a lower D: a falling interval means "got it")."""


def tone(frequency_hz: float, ms: int, volume: float, rate: int = SAMPLE_RATE) -> Samples:
    """A sine beep of ``ms`` milliseconds at ``volume`` (0..1), faded in and out, as int16 at ``rate`` Hz."""
    if not 0.0 <= volume <= 1.0:
        raise ValueError(f"volume must be within 0..1, not {volume}")
    if frequency_hz <= 0 or frequency_hz >= rate / 2:
        raise ValueError(f"frequency must be within 0..{rate / 2:.0f} Hz, not {frequency_hz}")
    count = round(rate * ms / 1000)
    t = np.arange(count) / rate
    wave = np.sin(2 * np.pi * frequency_hz * t) * volume
    fade = min(round(rate * FADE_MS / 1000), count // 2)
    if fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        wave[:fade] *= ramp
        wave[count - fade :] *= ramp[::-1]
    return np.round(wave * 32767).astype(np.int16)


class ToneCue:
    """Plays the "listening" and "done listening" tones."""

    def __init__(self, output_device: Device) -> None:
        from voice_guide.speech.playback import Player

        self._player = Player(output_device)
        self._tones = {"start": LISTENING_TONE, "stop": DONE_LISTENING_TONE}

    def __call__(self, which: str) -> None:
        self._player.play(self._tones[which].samples())
