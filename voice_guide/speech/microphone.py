"""The microphone: a 16 kHz mono int16 input stream in 30 ms blocks, cut into utterances by the endpointer.

Capture runs in sounddevice's callback thread, which only copies each 30 ms block into a queue;
:meth:`Microphone.listen` reads the queue and decides where speech starts and ends
(:class:`~voice_guide.speech.endpoint.Tracker`). Only an utterance longer than ``max_utterance`` is cut, and it is
flagged as truncated. A device that stops delivering audio is detected by a watchdog (no block for
``stall_timeout`` seconds), so nothing hangs.

Also here: the :class:`Listener` interface (where utterances come from) and its two implementations, the live
microphone (:class:`MicrophoneListener`) and recordings (:class:`WavFileListener`).
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from voice_guide.errors import AudioError
from voice_guide.pcm import MAX_UTTERANCE, NO_INPUT_SECONDS, SAMPLE_RATE
from voice_guide.speech.devices import Device, check_device, import_sounddevice, with_device_refresh
from voice_guide.speech.endpoint import (
    BLOCK_SAMPLES,
    BLOCK_SECONDS,
    EndpointSettings,
    Tracker,
    answer_audio,
    cut,
)
from voice_guide.wav import read_wav

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech heard by the microphone."""

    samples: Samples = field(repr=False)
    """16 kHz mono audio, from just before speech started to where it ended (silence trimmed)."""
    start: float
    """Seconds from the call to ``listen`` (stream time) to the start of speech."""
    truncated: bool = False
    """True when the speaker was still talking at ``max_utterance`` and the audio was cut there."""
    end_delay: float | None = None
    """Seconds from the detected end of speech to ``listen`` returning (endpointing plus queueing), if measured."""

    @property
    def duration(self) -> float:
        """Seconds of audio in ``samples``."""
        return len(self.samples) / SAMPLE_RATE


_Block = tuple[bytes, float, str]
"""A captured block: raw int16 bytes, time.monotonic() when the callback got it, status text ("" if fine)."""


class Microphone:
    """A 16 kHz mono int16 input stream in 30 ms blocks; use as a context manager, then call :meth:`listen`."""

    def __init__(
        self,
        device: Device = None,
        settings: EndpointSettings | None = None,
        stall_timeout: float = 2.0,
    ) -> None:
        self.device = device
        """The input device (None = the system default)."""
        self.settings = settings or EndpointSettings()
        """Endpointing settings used by :meth:`listen`."""
        self.stall_timeout = stall_timeout
        """Seconds without a block, while the stream should be running, after which the device counts as gone."""
        self.latency: float | None = None
        """Input latency reported by PortAudio once open (seconds)."""
        self._queue: queue.Queue[_Block] = queue.Queue()
        self._finished = threading.Event()
        self._stream: Any = None
        self._sd: ModuleType | None = None

    def __enter__(self) -> Microphone:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        """Open and start the input stream; AudioError if there is no usable microphone."""
        if self._stream is not None:
            return
        sd = import_sounddevice()
        check_device(sd, self.device, "input")
        self._finished.clear()
        try:
            stream = with_device_refresh(
                sd,
                lambda: sd.RawInputStream(
                    samplerate=SAMPLE_RATE,
                    channels=1,
                    dtype="int16",
                    blocksize=BLOCK_SAMPLES,
                    latency="low",
                    device=self.device,
                    callback=self._callback,
                    finished_callback=self._finished.set,
                ),
            )
        except sd.PortAudioError as error:
            raise AudioError(f"cannot open the microphone: {error}") from None
        try:
            stream.start()
        except sd.PortAudioError as error:
            stream.close(ignore_errors=True)
            raise AudioError(f"cannot start the microphone: {error}") from None
        self._sd, self._stream = sd, stream
        self.latency = float(stream.latency)
        log.debug("microphone open: device=%r latency=%.3f s", self.device, self.latency)

    def close(self) -> None:
        """Stop capturing. Uses abort(), because stop() waits for a device that may never deliver again."""
        stream, self._stream = self._stream, None
        if stream is None or self._sd is None:
            return
        try:
            stream.abort(ignore_errors=False)
        except self._sd.PortAudioError as error:
            log.debug("aborting the input stream failed: %s", error)
        stream.close(ignore_errors=True)

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # The audio thread: copy and hand over, nothing else (status is logged by the reader).
        self._queue.put((bytes(indata), time.monotonic(), str(status) if status else ""))

    def _next_block(self, last_block_at: float) -> _Block | None:
        """The next block, None if none arrived within 0.1 s; AudioError if the device is gone or stalled."""
        try:
            return self._queue.get(timeout=0.1)
        except queue.Empty:
            pass
        if self._stream is None:
            raise AudioError("the microphone is not open")
        if self._finished.is_set() or not self._stream.active:
            raise AudioError("the microphone stopped (was it unplugged?)")
        if time.monotonic() - last_block_at > self.stall_timeout:
            raise AudioError(
                f"the microphone sent no audio for {self.stall_timeout:.0f} s (unplugged, or taken by another program?)"
            )
        return None

    def drain(self) -> int:
        """Drop audio captured so far (e.g. while the guide was speaking); returns the number of blocks dropped."""
        dropped = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return dropped
            dropped += 1

    def listen(
        self,
        no_input_timeout: float | None = NO_INPUT_SECONDS,
        max_utterance: float = MAX_UTTERANCE,
        cancelled: threading.Event | None = None,
        complete: Completeness | None = None,
    ) -> Utterance | None:
        """Wait for one utterance and return it; None if no speech starts within ``no_input_timeout`` seconds, or
        as soon as ``cancelled`` is set (another thread: the person answered on the touch screen instead).

        Audio captured before the call is dropped. The utterance ends after ``settings.end_silence`` of silence, or
        sooner when ``complete``, asked after ``settings.quick_silence``, says the speech so far is a complete answer
        (after the silence it returns); one longer than ``max_utterance`` seconds is cut there and flagged
        ``truncated``. AudioError if the device fails.
        """
        if self._stream is None:
            raise AudioError("the microphone is not open")
        self.drain()
        tracker = Tracker(self.settings)
        keep = math.ceil((self.settings.window + self.settings.pre_roll) / BLOCK_SECONDS) + 2
        frames: list[bytes] = []
        first = 0  # frame index of frames[0]
        pending = b""
        checked = False  # whether the current pause was already checked for a complete answer
        enough: float | None = None  # the pause after which the answer checked is complete (None: not complete)
        held: Utterance | None = None  # that answer
        last_block_at = time.monotonic()

        def utterance(start: float, end: float, truncated: bool) -> Utterance:
            audio = np.frombuffer(b"".join(frames), dtype="<i2").astype(np.int16)
            offset = first * BLOCK_SECONDS
            samples = cut(audio, start - offset, end - offset, self.settings.pre_roll)
            delay = (tracker.now - end) + (time.monotonic() - last_block_at)
            log.debug(
                "utterance: %.2f s at %.2f s, truncated=%s, end delay %.2f s",
                len(samples) / SAMPLE_RATE,
                start,
                truncated,
                delay,
            )
            return Utterance(samples, start, truncated, delay)

        try:
            while True:
                if cancelled is not None and cancelled.is_set():
                    log.debug("listening cancelled")
                    return None
                block = self._next_block(last_block_at)
                if block is None:
                    continue
                data, last_block_at, status = block
                if status:
                    log.warning("microphone: %s", status)
                pending += data
                while len(pending) >= BLOCK_SAMPLES * 2:
                    frame, pending = pending[: BLOCK_SAMPLES * 2], pending[BLOCK_SAMPLES * 2 :]
                    frames.append(frame)
                    done = tracker.push(frame)
                    truncated = False
                    if done is None and tracker.start is not None and tracker.now - tracker.start >= max_utterance:
                        done, truncated = (tracker.start, tracker.now), True
                    if done is not None:
                        return utterance(*done, truncated)
                    pause = tracker.pause
                    if pause is None:
                        checked, enough, held = False, None, None
                    elif complete is not None and not checked and pause >= self.settings.quick_silence:
                        checked = True
                        so_far = tracker.so_far()
                        if so_far is not None:
                            held = utterance(*so_far, False)
                            enough = complete(held.samples)
                    if held is not None and enough is not None and pause is not None and pause >= enough:
                        tracker.close()
                        return held
                    if tracker.start is None:
                        if no_input_timeout is not None and tracker.now >= no_input_timeout:
                            log.debug("no speech within %.1f s", no_input_timeout)
                            return None
                        if len(frames) > 2 * keep:  # nothing to keep but the recent pre-roll
                            first += len(frames) - keep
                            del frames[: len(frames) - keep]
        finally:
            tracker.release()


# ------------------------------------------------------------------------------------------------- listeners


Completeness = Callable[["Samples"], float | None]
"""Asked at a short pause: after how many seconds of silence the speech so far is a complete answer (None: it is
not one yet; the answer then ends after the full end silence, or goes on)."""


class Listener(Protocol):
    """Where utterances come from."""

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        """One utterance (16 kHz mono int16); None when nobody spoke in time. ``complete``, where the listener can
        use it (the live microphone), lets a complete answer end at a short pause.

        Raises EOFError when there is no more input, and VoiceGuideError (AudioError) when the device fails.
        """


class WavFileListener:
    """Utterances from WAV files, one file per turn (``voice-guide converse``, tests, benchmarks).

    Each file is cut the way the microphone would cut it (:func:`~voice_guide.speech.endpoint.answer_audio`): a
    file with no speech is a silent turn, and speech longer than ``max_utterance`` is cut, so a long recording or
    one full of noise costs no more to decode than a long answer.
    """

    def __init__(self, paths: Iterable[Path], max_utterance: float = MAX_UTTERANCE) -> None:
        self._paths = list(paths)
        self.max_utterance = max_utterance

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        if not self._paths:
            raise EOFError
        path = self._paths.pop(0)
        answer = answer_audio(read_wav(path), self.max_utterance)
        if answer is None:
            log.info("no speech in %s", path.name)
            return None
        if answer.truncated:
            log.info("%s: speech cut at %.0f s", path.name, self.max_utterance)
        return answer.samples


class MicrophoneListener:
    """The live microphone. The input stream is opened only while listening, never while the guide speaks."""

    def __init__(
        self, device: Device = None, no_input_timeout: float = NO_INPUT_SECONDS, max_utterance: float = MAX_UTTERANCE
    ) -> None:
        self.device = device
        """The input device (None = the system default)."""
        self.no_input_timeout = no_input_timeout
        """Seconds to wait for speech to start before the turn counts as silent."""
        self.max_utterance = max_utterance
        """Seconds after which a long answer is cut."""
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """End a listen() in progress (from another thread): it returns None within about 0.1 s."""
        self._cancelled.set()

    def listen(self, complete: Completeness | None = None) -> Samples | None:
        self._cancelled.clear()
        with Microphone(self.device) as microphone:
            utterance = microphone.listen(self.no_input_timeout, self.max_utterance, self._cancelled, complete)
        if utterance is None:
            return None
        if utterance.truncated:
            log.info("a long answer was cut at %.0f s", self.max_utterance)
        return utterance.samples
