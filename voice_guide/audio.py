"""Audio in and out: the microphone with endpointing, cutting speech out of recordings, short tones, playback.

Capture runs in sounddevice's callback thread, which only copies each 30 ms block (16 kHz mono int16) into a queue;
:meth:`Microphone.listen` reads the queue and decides where speech starts and ends with pocketsphinx's
``Endpointer`` (a WebRTC-style voice activity detector). :func:`segment` runs the very same endpointing over a whole
recording, so a WAV file and the live microphone are cut the same way.

The end of an answer is decided by trailing silence (``EndpointSettings.end_silence``), never by a fixed length: a
person who pauses briefly mid-answer is not cut off. Only an utterance longer than ``max_utterance`` is cut, and it
is flagged as truncated.

``sounddevice`` and ``pocketsphinx`` are imported lazily, so the keyboard mode never needs them; every failure to
open, or loss of, an audio device becomes an :class:`~voice_guide.errors.AudioError` with one clear line. A device
that stops delivering audio is detected by a watchdog (no block for ``stall_timeout`` seconds), so nothing hangs.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt

from voice_guide.asr import SAMPLE_RATE
from voice_guide.errors import AudioError

if TYPE_CHECKING:
    from pocketsphinx import Endpointer

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 480
"""Samples per captured block and per endpointer frame: 30 ms at 16 kHz."""
BLOCK_SECONDS = BLOCK_SAMPLES / SAMPLE_RATE
"""Seconds per block (0.03)."""

Device = int | str | None
"""A sounddevice device: index, (part of a) name, or None for the system default."""


def import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio or package into an AudioError that says what to install."""
    try:
        import sounddevice
    except OSError:
        raise AudioError(
            "the PortAudio library is missing: install libportaudio2 (e.g. sudo apt install libportaudio2)"
        ) from None
    except ImportError:
        raise AudioError("sounddevice is not installed: pip install 'voice-guide[voice]'") from None
    module: ModuleType = sounddevice
    return module


_Stream = TypeVar("_Stream")


def with_device_refresh(sd: ModuleType, open_stream: Callable[[], _Stream]) -> _Stream:
    """Open (or look up) a device; if PortAudio refuses, scan the devices again and try once more.

    PortAudio lists devices only when it starts, so a device plugged in (or a sound server restarted) since then
    is unknown to it, and a stale default can fail with "Illegal combination of I/O devices". Only called when no
    stream of ours is open, since re-scanning invalidates open streams.
    """
    try:
        return open_stream()
    except (ValueError, sd.PortAudioError) as error:  # ValueError: no such device (name or number) in the list
        log.info("opening an audio device failed (%s); scanning the devices again", error)
        sd._terminate()
        sd._initialize()
        return open_stream()


def _check_device(sd: ModuleType, device: Device, kind: str) -> None:
    """Raise AudioError unless ``device`` (None = default) exists and can do ``kind`` ("input" or "output")."""
    what = "microphone" if kind == "input" else "audio output"
    try:
        with_device_refresh(sd, lambda: sd.query_devices(device, kind=kind))
    except (ValueError, sd.PortAudioError) as error:
        name = "default" if device is None else repr(device)
        raise AudioError(f"no usable {what} ({name} device: {error})") from None


# --------------------------------------------------------------------------------------------------- endpointing


@dataclass(frozen=True)
class EndpointSettings:
    """How speech is told apart from silence. The defaults suit answers to spoken questions."""

    window: float = 0.3
    """Seconds of audio the voice activity detector looks at to decide a transition."""
    ratio: float = 0.9
    """Fraction of ``window`` that must be speech (or silence) to start (or end) a speech region."""
    vad_mode: int = 0
    """Aggressiveness of the detector, 0 (loose: keeps quiet speech) to 3 (strict: rejects more noise)."""
    end_silence: float = 0.7
    """Seconds, counted from where the detector ends a speech region (0-0.2 s after the last sound), within which
    resumed speech continues the same utterance: with the defaults, a pause of up to about 0.7 s between words
    never splits an answer. The utterance is returned ``window`` later: about 1-1.2 s after the last sound."""
    pre_roll: float = 0.1
    """Seconds kept before the detected start of speech, so soft onsets are not clipped."""


class _Tracker:
    """Feeds 30 ms frames to pocketsphinx's Endpointer and joins speech regions separated by short pauses."""

    def __init__(self, settings: EndpointSettings) -> None:
        try:
            from pocketsphinx import Endpointer
        except ImportError:
            raise AudioError("pocketsphinx is not installed: pip install 'voice-guide[voice]'") from None
        self.settings = settings
        self._endpointer: Endpointer = Endpointer(
            window=settings.window,
            ratio=settings.ratio,
            vad_mode=settings.vad_mode,
            sample_rate=SAMPLE_RATE,
            frame_length=BLOCK_SECONDS,
        )
        if self._endpointer.frame_bytes != BLOCK_SAMPLES * 2:  # pragma: no cover - fixed by pocketsphinx for 16 kHz
            raise AudioError(f"pocketsphinx wants {self._endpointer.frame_bytes}-byte frames, not {BLOCK_SAMPLES * 2}")
        self.frames = 0
        """Frames processed so far."""
        self.start: float | None = None
        """Start (seconds into the stream) of the utterance in progress, None when there is none."""
        self._end: float | None = None
        """End of the last speech region while waiting to see whether speech resumes."""

    @property
    def now(self) -> float:
        """Seconds of audio processed so far."""
        return self.frames * BLOCK_SECONDS

    def push(self, frame: bytes) -> tuple[float, float] | None:
        """Process one frame of exactly BLOCK_SAMPLES samples; return (start, end) when an utterance is complete."""
        endpointer = self._endpointer
        was_speech = endpointer.in_speech
        endpointer.process(frame)
        self.frames += 1
        if not was_speech and endpointer.in_speech:
            start = float(endpointer.speech_start)
            if self.start is None:
                self.start = start
            elif self._end is not None and start - self._end > self.settings.end_silence:
                found = (self.start, self._end)  # a new utterance began (only possible at the decision's edge)
                self.start, self._end = start, None
                return found
            self._end = None
        elif was_speech and not endpointer.in_speech:
            self._end = float(endpointer.speech_end)
        # Speech resuming at end + end_silence is only detected a window later: wait that long before deciding.
        if self._end is not None and self.now - self._end >= self.settings.end_silence + self.settings.window:
            found = (self.start if self.start is not None else self._end, self._end)
            self.start = self._end = None
            return found
        return None

    def finish(self) -> tuple[float, float] | None:
        """End of the stream: the utterance in progress, if any, ending now (or where its speech ended)."""
        if self.start is None:
            return None
        end = self._end if self._end is not None else self.now
        found = (self.start, end)
        self.start = self._end = None
        return found


def _frames(samples: npt.NDArray[np.int16]) -> list[bytes]:
    """Cut audio into BLOCK_SAMPLES frames, zero-padding the last one."""
    data = np.asarray(samples, dtype=np.int16)
    padded = np.zeros(math.ceil(len(data) / BLOCK_SAMPLES) * BLOCK_SAMPLES, dtype=np.int16)
    padded[: len(data)] = data
    raw = padded.astype("<i2").tobytes()
    step = BLOCK_SAMPLES * 2
    return [raw[i : i + step] for i in range(0, len(raw), step)]


def _slice(samples: npt.NDArray[np.int16], start: float, end: float, pre_roll: float) -> npt.NDArray[np.int16]:
    first = max(0, round((start - pre_roll) * SAMPLE_RATE))
    last = min(len(samples), round(end * SAMPLE_RATE))
    return samples[first:last].copy()


def segment(samples: npt.NDArray[np.int16], settings: EndpointSettings | None = None) -> list[npt.NDArray[np.int16]]:
    """The speech segments of a whole 16 kHz mono recording, silence trimmed, in order (as the microphone cuts)."""
    settings = settings or EndpointSettings()
    tracker = _Tracker(settings)
    found: list[tuple[float, float]] = []
    for frame in _frames(samples):
        done = tracker.push(frame)
        if done is not None:
            found.append(done)
    last = tracker.finish()
    if last is not None:
        found.append(last)
    return [_slice(samples, start, end, settings.pre_roll) for start, end in found]


# ---------------------------------------------------------------------------------------------------- microphone


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech heard by the microphone."""

    samples: npt.NDArray[np.int16] = field(repr=False)
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
        _check_device(sd, self.device, "input")
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

    def listen(self, no_input_timeout: float | None = 8.0, max_utterance: float = 15.0) -> Utterance | None:
        """Wait for one utterance and return it; None if no speech starts within ``no_input_timeout`` seconds.

        Audio captured before the call is dropped. The utterance ends after ``settings.end_silence`` of silence; one
        longer than ``max_utterance`` seconds is cut there and flagged ``truncated``. AudioError if the device fails.
        """
        if self._stream is None:
            raise AudioError("the microphone is not open")
        self.drain()
        tracker = _Tracker(self.settings)
        keep = math.ceil((self.settings.window + self.settings.pre_roll) / BLOCK_SECONDS) + 2
        frames: list[bytes] = []
        first = 0  # frame index of frames[0]
        pending = b""
        last_block_at = time.monotonic()
        while True:
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
                    start, end = done
                    audio = np.frombuffer(b"".join(frames), dtype="<i2").astype(np.int16)
                    offset = first * BLOCK_SECONDS
                    samples = _slice(audio, start - offset, end - offset, self.settings.pre_roll)
                    delay = (tracker.now - end) + (time.monotonic() - last_block_at)
                    log.debug(
                        "utterance: %.2f s at %.2f s, truncated=%s, end delay %.2f s",
                        len(samples) / SAMPLE_RATE,
                        start,
                        truncated,
                        delay,
                    )
                    return Utterance(samples, start, truncated, delay)
                if tracker.start is None:
                    if no_input_timeout is not None and tracker.now >= no_input_timeout:
                        log.debug("no speech within %.1f s", no_input_timeout)
                        return None
                    if len(frames) > 2 * keep:  # nothing to keep but the recent pre-roll
                        first += len(frames) - keep
                        del frames[: len(frames) - keep]


# ------------------------------------------------------------------------------------------------------ tones


@dataclass(frozen=True)
class Tone:
    """A short beep."""

    frequency_hz: float
    """Pitch in Hz."""
    ms: int
    """Length in milliseconds."""
    volume: float
    """Peak amplitude, 0..1 of full scale."""

    def samples(self) -> npt.NDArray[np.int16]:
        """The beep as 16 kHz mono int16."""
        return tone(self.frequency_hz, self.ms, self.volume)


FADE_MS = 8
"""Raised-cosine fade in and out, so a tone starts and ends without a click."""

LISTENING_TONE = Tone(880.0, 120, 0.3)
"""Played when the guide starts listening (a high A)."""
DONE_LISTENING_TONE = Tone(587.33, 120, 0.3)
"""Played when the guide stops listening (a lower D: a falling interval means "got it")."""


def tone(frequency_hz: float, ms: int, volume: float, rate: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
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


# ----------------------------------------------------------------------------------------------------- playback


class Player:
    """Plays int16 audio through sounddevice at its own sample rate; :meth:`stop` from any thread interrupts it."""

    def __init__(self, device: Device = None, stall_margin: float = 3.0) -> None:
        self.device = device
        """The output device (None = the system default)."""
        self.stall_margin = stall_margin
        """Seconds beyond the audio's own length after which unfinished playback counts as a failed device."""
        self._sd = import_sounddevice()
        _check_device(self._sd, device, "output")
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Interrupt the current playback (no effect when idle)."""
        self._stopping.set()

    def play(self, samples: npt.NDArray[np.int16], rate: int = SAMPLE_RATE) -> bool:
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
