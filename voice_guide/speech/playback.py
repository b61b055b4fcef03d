"""Playback: int16 audio through sounddevice at its own sample rate, stoppable from any thread."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_guide.errors import AudioError
from voice_guide.pcm import SAMPLE_RATE
from voice_guide.speech.devices import Device, check_device, import_sounddevice, with_device_refresh

if TYPE_CHECKING:
    from voice_guide.pcm import Samples


class Player:
    """Plays int16 audio through sounddevice at its own sample rate; :meth:`stop` from any thread interrupts it."""

    def __init__(self, device: Device = None, stall_margin: float = 3.0) -> None:
        self.device = device
        """The output device (None = the system default)."""
        self.stall_margin = stall_margin
        """Seconds beyond the audio's own length after which unfinished playback counts as a failed device."""
        self._sd = import_sounddevice()
        check_device(self._sd, device, "output")
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Interrupt the current playback (no effect when idle)."""
        self._stopping.set()

    def play(self, samples: Samples, rate: int = SAMPLE_RATE) -> bool:
        """Play mono ``samples`` at ``rate`` Hz and wait; True if played to the end, False if stopped."""
        sd = self._sd
        audio = np.ascontiguousarray(samples, dtype=np.int16).reshape(-1)
        if len(audio) == 0:
            return True
        with self._lock:
            self._stopping.clear()
            position = 0
            end_time: float | None = None  # stream time at which the last sample reaches the speaker

            def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
                nonlocal position, end_time
                chunk = audio[position : position + frames]
                outdata[: len(chunk), 0] = chunk
                outdata[len(chunk) :, 0] = 0
                position += len(chunk)
                if position >= len(audio) and end_time is None:
                    end_time = float(time_info.outputBufferDacTime) + len(chunk) / rate

            try:
                stream = with_device_refresh(
                    sd,
                    lambda: sd.OutputStream(
                        samplerate=rate, channels=1, dtype="int16", device=self.device, latency="low", callback=callback
                    ),
                )
                stream.start()
            except sd.PortAudioError as error:
                raise AudioError(f"cannot play audio: {error}") from None
            # Ending with CallbackStop makes PortAudio drain the buffers, which takes seconds through ALSA's pulse
            # plugin; instead keep writing silence until the stream clock passes the last sample, then abort.
            margin = max(float(stream.latency), 0.05)
            deadline = time.monotonic() + len(audio) / rate + margin + self.stall_margin
            try:
                while not self._stopping.wait(0.01):
                    if not stream.active:
                        raise AudioError("audio output stopped (was the device unplugged?)")
                    if end_time is not None and stream.time >= end_time + margin:
                        break
                    if time.monotonic() > deadline:
                        raise AudioError("audio output stopped playing (was the device unplugged?)")
            finally:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            return position >= len(audio) and not self._stopping.is_set()
