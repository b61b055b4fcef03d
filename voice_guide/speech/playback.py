"""Playback: int16 audio to the speaker through sounddevice, stoppable from any thread, and hard to knock over.

:meth:`Player.play_stream` plays chunks as they are produced (Piper synthesizes a sentence at a time, so the first
sentence is heard while the next is computed); :meth:`Player.play` plays one array. The audio goes from memory to
PortAudio's callback: nothing is written anywhere.

What counts as a fault, and what does not:

- **A slow moment is not a fault.** On a busy CPU, or in a process stopped for a while (SIGSTOP), the callback and
  this thread simply run late: the sound server plays silence meanwhile (an underrun, counted in
  :attr:`Player.underruns`) and playback goes on where it was. No deadline is measured in wall-clock time: the
  watchdog only counts time during which *this* thread ran and PortAudio did not call back. A gap in this thread's
  own 10 ms polling longer than :data:`STARVED_GAP` means the process was not running, and restarts the watchdog.
- **A stream that stalls or stops by itself is reopened.** If PortAudio makes no callback for ``stall_timeout``
  seconds of running time, or the stream stops, it is closed, the device list is scanned again (a sound server that
  restarted has new devices), a new stream is opened and playback resumes :data:`REWIND` seconds before where it
  was (what sat in the buffers may not have been heard): at most ``reopen_attempts`` times per playback.
- **Only a device that is really gone is an error**: :class:`~voice_guide.errors.AudioError`, when no stream can be
  opened or the reopen attempts are used up. Nothing is remembered: the next playback tries again from scratch, so
  speech comes back by itself when the device (or the sound server) does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from voice_guide.errors import AudioError, SpeechError
from voice_guide.pcm import SAMPLE_RATE
from voice_guide.speech.devices import (
    Device,
    check_device,
    describe_error,
    import_sounddevice,
    native_stderr_filtered,
    rescan,
    with_device_refresh,
)

if TYPE_CHECKING:
    from voice_guide.pcm import Samples

log = logging.getLogger(__name__)

POLL = 0.01
"""Seconds between the playing thread's checks (stop, end, stall)."""
STARVED_GAP = 0.25
"""A gap this long (25 polls) between two of the playing thread's checks means the process was not scheduled (a busy
CPU, SIGSTOP): the watchdog's clock restarts instead of counting it against the device. Far above the polling period,
far below any stall_timeout worth having."""
REWIND = 0.3
"""Seconds replayed after a stream was reopened: about one low-latency buffer chain plus a syllable, so that the
person hears the word that was cut rather than its end."""


@dataclass
class _Feed:
    """Audio handed from the producer thread to PortAudio's callback (``lock`` held for every access)."""

    rate: int
    chunks: list[Samples] = field(default_factory=list)
    """Every chunk produced so far, in order (kept whole, so that playback can rewind after a stall)."""
    chunk: int = 0
    """Index of the chunk being played."""
    offset: int = 0
    """Next sample within that chunk."""
    done: bool = False
    """The producer has no more chunks."""
    error: BaseException | None = None
    """What the producer raised; the playing thread raises it as a SpeechError."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def produced(self) -> int:
        return sum(len(c) for c in self.chunks)

    def position(self) -> int:
        return sum(len(c) for c in self.chunks[: self.chunk]) + self.offset

    def take(self, count: int) -> Samples:
        """Up to ``count`` samples from the current position (fewer when the producer is behind, or at the end)."""
        taken: list[Samples] = []
        wanted = count
        while wanted > 0 and self.chunk < len(self.chunks):
            current = self.chunks[self.chunk]
            piece = current[self.offset : self.offset + wanted]
            taken.append(piece)
            wanted -= len(piece)
            self.offset += len(piece)
            if self.offset >= len(current):
                self.chunk, self.offset = self.chunk + 1, 0
        return np.concatenate(taken) if taken else np.zeros(0, dtype=np.int16)

    def finished(self) -> bool:
        """Everything produced has been taken, and nothing more will come."""
        return self.done and self.chunk >= len(self.chunks)

    def rewind(self, samples: int) -> None:
        target = max(0, self.position() - samples)
        self.chunk = 0
        while self.chunk < len(self.chunks) and target >= len(self.chunks[self.chunk]):
            target -= len(self.chunks[self.chunk])
            self.chunk += 1
        self.offset = target


class Player:
    """Plays int16 mono audio through sounddevice at its own sample rate; :meth:`stop` from any thread interrupts."""

    def __init__(self, device: Device = None, stall_timeout: float = 5.0, reopen_attempts: int = 2) -> None:
        self.device = device
        """The output device (None = the system default)."""
        self.stall_timeout = stall_timeout
        """Seconds of this thread's running time without a callback from PortAudio (counted from the stream's start
        for the first one) after which the stream is reopened. PortAudio calls back every few milliseconds once
        running, but the first callback of a stream through PulseAudio took up to 2 s on a loaded 2-core machine
        (and longer under strace), so 5 s: a device that is gone usually fails faster than that anyway (the stream
        stops, or PortAudio reports an error, within a second)."""
        self.reopen_attempts = reopen_attempts
        """How many times one playback may reopen a stalled or stopped stream before giving up."""
        self.underruns = 0
        """Callbacks that reported an output underflow (the audio ran dry: a busy CPU), over this player's life."""
        self.reopened = 0
        """Streams reopened after a stall, over this player's life."""
        self._sd = import_sounddevice()
        check_device(self._sd, device, "output")
        self._stopping = threading.Event()
        """The current playback's stop signal: a new one per playback, or the caller's own."""
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Interrupt the current playback (no effect when idle)."""
        self._stopping.set()

    def play(self, samples: Samples, rate: int = SAMPLE_RATE, stopping: threading.Event | None = None) -> bool:
        """Play mono ``samples`` at ``rate`` Hz and wait; True if played to the end, False if stopped."""
        return self.play_stream([samples], rate, stopping)

    def play_stream(self, chunks: Iterable[Samples], rate: int, stopping: threading.Event | None = None) -> bool:
        """Play chunks of mono audio as ``chunks`` yields them (iterated in a worker thread) and wait for the end.

        True if everything was played; False if stopped, by :meth:`stop` or by ``stopping`` (the caller's own
        signal, so that a stop that comes just before playback starts is not lost). AudioError when the output
        device is gone; SpeechError when producing the chunks failed.
        """
        with self._lock:
            signal = self._stopping = stopping if stopping is not None else threading.Event()
            if signal.is_set():
                return False
            feed = _Feed(rate)
            halt = threading.Event()
            producer = threading.Thread(
                target=_produce, args=(iter(chunks), feed, halt, signal), name="speech-synthesis", daemon=True
            )
            producer.start()
            try:
                return self._play(feed, signal)
            finally:
                halt.set()  # the producer stops before its next chunk (it may be inside a synthesis call still)
                producer.join(0.05)

    def _play(self, feed: _Feed, signal: threading.Event) -> bool:
        while True:  # wait for something to play (or for nothing at all)
            if signal.wait(POLL):
                return False
            with feed.lock:
                _raise_producer_error(feed)
                if feed.chunks or feed.done:
                    if feed.done and feed.produced() == 0:
                        return True
                    break
        attempts = 0
        while True:
            with native_stderr_filtered:  # PortAudio's ALSA thread prints when the sound server goes away under it
                outcome = self._play_once(feed, signal)
            if outcome is not None:
                return outcome
            attempts += 1
            if attempts > self.reopen_attempts:
                raise AudioError("the speaker stopped playing and did not come back")
            with feed.lock:
                feed.rewind(round(REWIND * feed.rate))
            self.reopened += 1
            log.warning("audio output stopped; reopening it (attempt %d of %d)", attempts, self.reopen_attempts)
            rescan(self._sd)

    def _play_once(self, feed: _Feed, signal: threading.Event) -> bool | None:
        """One stream: True at the end, False if stopped, None if it stalled or stopped (the caller reopens it)."""
        sd = self._sd
        called = [time.monotonic()]
        end: list[float] = []  # stream time at which the last sample reaches the speaker

        def callback(outdata: Any, frames: int, time_info: Any, status: Any) -> None:
            called[0] = time.monotonic()
            if status.output_underflow:
                self.underruns += 1
            with feed.lock:
                chunk = feed.take(frames)
                last = feed.finished()
            outdata[: len(chunk), 0] = chunk
            outdata[len(chunk) :, 0] = 0
            if last and not end:
                end.append(float(time_info.outputBufferDacTime) + len(chunk) / feed.rate)

        try:
            stream = with_device_refresh(
                sd,
                lambda: sd.OutputStream(
                    samplerate=feed.rate,
                    channels=1,
                    dtype="int16",
                    device=self.device,
                    latency="low",
                    callback=callback,
                ),
            )
            stream.start()
        except (ValueError, sd.PortAudioError) as error:
            raise AudioError(f"cannot play audio: {describe_error(error)}") from None
        # Ending with CallbackStop makes PortAudio drain the buffers, which takes seconds through ALSA's pulse plugin;
        # instead keep writing silence until the stream clock passes the last sample, then abort.
        margin = max(float(stream.latency), 0.05)
        tick = watched = called[0] = time.monotonic()
        try:
            while not signal.wait(POLL):
                now = time.monotonic()
                if now - tick > STARVED_GAP:
                    log.info("playback thread did not run for %.2f s (busy CPU?); carrying on", now - tick)
                    watched = now
                tick = now
                with feed.lock:
                    _raise_producer_error(feed)
                try:
                    if end and stream.time >= end[0] + margin:
                        return True
                    active = stream.active
                except sd.PortAudioError as error:  # the device went away under the stream
                    log.info("the output stream failed: %s", error)
                    return None
                if not active:
                    log.info("the output stream stopped by itself")
                    return None
                if now - max(called[0], watched) > self.stall_timeout:
                    log.info("no audio callback for %.1f s", self.stall_timeout)
                    return None
            return False
        finally:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)


def _produce(chunks: Iterator[Samples], feed: _Feed, halt: threading.Event, signal: threading.Event) -> None:
    """The producer thread: pull chunks (synthesizing them) into ``feed`` until the end, a stop or an error."""
    try:
        for chunk in chunks:
            if halt.is_set() or signal.is_set():
                break
            audio = np.ascontiguousarray(chunk, dtype=np.int16).reshape(-1)
            with feed.lock:
                feed.chunks.append(audio)
    except Exception as error:  # handed to the playing thread, which raises it as a SpeechError
        with feed.lock:
            feed.error = error
    finally:
        with feed.lock:
            feed.done = True


def _raise_producer_error(feed: _Feed) -> None:
    if feed.error is not None:
        if isinstance(feed.error, SpeechError | AudioError):
            raise feed.error
        raise SpeechError(f"speech synthesis failed: {feed.error}") from feed.error
