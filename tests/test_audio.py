"""Capture, endpointing, tones and playback, through the real sounddevice path into a private PulseAudio server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from pulse import PulseServer, no_audio_devices, pulse_server
from speech import VOICES, Voice, have_espeak, synthesize

from voice_guide.errors import AudioError
from voice_guide.pcm import MAX_UTTERANCE, SAMPLE_RATE
from voice_guide.speech.endpoint import BLOCK_SAMPLES, EndpointSettings, answer_audio, segment, speech_regions
from voice_guide.speech.microphone import Microphone
from voice_guide.speech.playback import Player
from voice_guide.speech.tones import DONE_LISTENING_TONE, LISTENING_TONE, Tone, tone

needs_espeak = pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed")

PHRASE = "the pain is in my lower back"


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)


def trim(samples: np.ndarray) -> np.ndarray:
    """Only the audible part (espeak-ng adds quiet tails)."""
    loud = np.nonzero(np.abs(samples) > 300)[0]
    return samples[loud[0] : loud[-1] + 1]


def speech_span(samples: np.ndarray) -> float:
    """Seconds from the first to the last clearly audible sample."""
    loud = np.nonzero(np.abs(samples) > 300)[0]
    return float(loud[-1] - loud[0]) / SAMPLE_RATE


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    with pulse_server() as server:
        yield server


# ------------------------------------------------------------------------------------------------ live capture


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
@pytest.mark.parametrize("voice", VOICES[:3], ids=lambda v: v.label)
def test_listen_returns_the_phrase(pulse: PulseServer, voice: Voice) -> None:
    phrase = synthesize(PHRASE, voice, pad_ms=0)
    with Microphone() as mic:
        fed = pulse.feed(np.concatenate([silence(0.5), phrase]))
        utterance = mic.listen(no_input_timeout=5)
        returned = time.monotonic()
    assert utterance is not None
    assert not utterance.truncated
    expected = speech_span(phrase)
    assert expected - 0.15 <= utterance.duration <= expected + 0.6, (utterance.duration, expected)
    assert 0.3 <= utterance.start <= 1.0
    assert fed.finished.is_set()
    last_sound = fed.finished_at - (len(phrase) - np.nonzero(np.abs(phrase) > 300)[0][-1]) / SAMPLE_RATE
    after_feed = returned - last_sound
    assert after_feed < 1.6, after_feed
    assert utterance.end_delay is not None and utterance.end_delay < 1.5
    print(
        f"latency {mic.latency:.3f} s; returned {after_feed:.2f} s after the last sound was fed; "
        f"end_delay {utterance.end_delay:.2f} s"
    )


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_a_short_pause_does_not_end_the_answer(pulse: PulseServer) -> None:
    first, second = trim(synthesize("I think", pad_ms=0)), trim(synthesize("it started yesterday", pad_ms=0))
    answer = np.concatenate([first, silence(0.65), second])  # "I think ... it started yesterday"
    with Microphone() as mic:
        pulse.feed(np.concatenate([silence(0.3), answer]))
        utterance = mic.listen(no_input_timeout=5)
    assert utterance is not None
    assert utterance.duration >= len(answer) / SAMPLE_RATE - 0.15


@pytest.mark.audio
@pytest.mark.live_audio
def test_no_speech_returns_none_after_the_timeout(pulse: PulseServer) -> None:
    with Microphone() as mic:
        started = time.monotonic()
        assert mic.listen(no_input_timeout=1.0) is None
        elapsed = time.monotonic() - started
    assert 0.9 <= elapsed <= 2.5


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_an_overlong_utterance_is_cut_and_flagged(pulse: PulseServer) -> None:
    talk = np.concatenate([synthesize(PHRASE, voice, pad_ms=0) for voice in VOICES[:3]])
    with Microphone() as mic:
        pulse.feed(talk)
        utterance = mic.listen(no_input_timeout=5, max_utterance=2.0)
    assert utterance is not None
    assert utterance.truncated
    assert 1.9 <= utterance.duration <= 2.3


@pytest.mark.audio
@pytest.mark.live_audio
@needs_espeak
def test_a_complete_answer_ends_at_a_short_pause(pulse: PulseServer) -> None:
    """The end of an answer is decided from what was said: asked at the first short pause, "complete now" ends the
    turn there; "not complete" waits for the full end silence."""
    answer = np.concatenate([silence(0.3), synthesize("no", pad_ms=0), silence(2.0)])
    asked: list[float] = []

    def complete(samples: np.ndarray) -> float:
        asked.append(len(samples) / SAMPLE_RATE)
        return settings.quick_silence

    settings = EndpointSettings()
    with Microphone(settings=settings) as mic:
        pulse.feed(answer)
        quick = mic.listen(no_input_timeout=5, complete=complete)
        assert quick is not None and len(asked) == 1 and quick.end_delay is not None
        pulse.feed(answer)
        slow = mic.listen(no_input_timeout=5, complete=lambda samples: None)
        assert slow is not None and slow.end_delay is not None
    # Ended at the quick pause, with the answer's audio; otherwise only after the whole end silence.
    assert quick.duration == pytest.approx(slow.duration, abs=0.1)
    assert quick.end_delay < settings.end_silence
    assert slow.end_delay >= settings.end_silence


@pytest.mark.audio
@needs_espeak
@pytest.mark.parametrize("detector", ["silero", "pocketsphinx"])
def test_both_detectors_find_an_answer(detector: str) -> None:
    recording = np.concatenate([silence(0.5), synthesize("not sure", pad_ms=0), silence(1.5)])
    regions = speech_regions(recording, EndpointSettings(detector=detector))
    assert len(regions) == 1
    start, end = regions[0]
    loud = np.nonzero(np.abs(recording) > 300)[0] / SAMPLE_RATE
    # Silero marks speech from its first 32 ms chunk; pocketsphinx's detector decides over a 0.3 s window and can
    # start the region up to that late (the microphone keeps a pre-roll before it).
    late = 0.05 if detector == "silero" else EndpointSettings().window
    assert start <= loud[0] + late and end >= loud[-1] - 0.15, (regions, loud[0], loud[-1])


@pytest.mark.audio
@needs_espeak
@pytest.mark.parametrize("snr_db", [10, 5])
def test_silero_finds_an_answer_and_its_end_in_white_noise(snr_db: int) -> None:
    """Where the answer ends must still be found in a noisy room (BENCHMARKS.md: in white noise at 10 dB, the
    pocketsphinx detector calls nearly every frame speech, so answers ran to the length cap)."""
    speech = synthesize("not sure", pad_ms=0).astype(np.float64)
    quiet = np.zeros(round(0.5 * SAMPLE_RATE))
    clean = np.concatenate([quiet, speech, quiet, quiet, quiet])
    noise = np.random.default_rng(4).normal(0.0, 1.0, clean.size)
    noise *= np.sqrt(np.mean(speech**2) / 10 ** (snr_db / 10)) / np.sqrt(np.mean(noise**2))
    noisy = np.clip(clean + noise, -32768, 32767).astype(np.int16)
    regions = speech_regions(noisy, EndpointSettings(detector="silero"))
    assert len(regions) == 1, regions
    assert regions[0][0] <= 0.55 and regions[0][1] < 0.5 + len(speech) / SAMPLE_RATE + 0.3, regions


def test_an_unknown_detector_is_a_clear_error() -> None:
    with pytest.raises(AudioError, match="unknown voice activity detector"):
        speech_regions(silence(1.0), EndpointSettings(detector="webrtc"))


def _listen_while(pulse: PulseServer, action: str) -> float:
    """Listen, do ``action`` to the device 0.5 s in, and return how long listen() took to raise AudioError."""
    with Microphone() as mic:
        timer = threading.Timer(0.5, getattr(pulse, action))
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(AudioError, match="microphone"):
                mic.listen(no_input_timeout=30)
        finally:
            timer.join()
        return time.monotonic() - started


@pytest.mark.audio
@pytest.mark.live_audio
def test_unplugging_the_microphone_raises_promptly(pulse: PulseServer) -> None:
    assert _listen_while(pulse, "unplug") < 3.0


@pytest.mark.audio
@pytest.mark.live_audio
def test_a_microphone_that_stops_sending_raises_promptly(pulse: PulseServer) -> None:
    assert _listen_while(pulse, "stall") < 4.0


@pytest.mark.audio
def test_no_microphone_is_a_clear_error() -> None:
    with no_audio_devices(), pytest.raises(AudioError, match="no usable microphone"), Microphone():
        pass


# ----------------------------------------------------------------------------------------------------- segment


@pytest.mark.audio
@needs_espeak
def test_segment_finds_two_phrases_in_a_recording() -> None:
    yes, back = synthesize("yes", pad_ms=0), synthesize(PHRASE, VOICES[1], pad_ms=0)
    recording = np.concatenate([silence(0.8), yes, silence(1.5), back, silence(1.0)])
    pieces = segment(recording)
    assert len(pieces) == 2
    assert abs(len(pieces[0]) / SAMPLE_RATE - speech_span(yes)) < 0.5
    assert abs(len(pieces[1]) / SAMPLE_RATE - speech_span(back)) < 0.5


@pytest.mark.audio
@needs_espeak
def test_segment_keeps_speech_running_to_the_end_of_the_file() -> None:
    phrase = synthesize("no", pad_ms=0)
    recording = np.concatenate([silence(0.5), phrase])
    pieces = segment(recording)
    assert len(pieces) == 1
    # The piece covers every audible sample of the phrase (espeak-ng's quiet tail after it may be left out).
    at = recording.tobytes().find(pieces[0].tobytes()) // 2
    loud = np.nonzero(np.abs(recording) > 300)[0]
    assert at <= loud[0] and at + len(pieces[0]) > loud[-1]


@pytest.mark.audio
def test_segment_of_silence_is_empty() -> None:
    assert segment(silence(2.0)) == []
    assert segment(np.zeros(0, dtype=np.int16)) == []


@pytest.mark.audio
@needs_espeak
def test_a_longer_end_silence_joins_phrases() -> None:
    yes = synthesize("yes", pad_ms=0)
    recording = np.concatenate([silence(0.5), yes, silence(1.0), yes, silence(2.0)])
    assert len(segment(recording)) == 2
    assert len(segment(recording, EndpointSettings(end_silence=1.5))) == 1


# ------------------------------------------------------------------------------------------------------- tones


@pytest.mark.audio
@needs_espeak
def test_the_answer_in_a_long_recording_is_found_and_bounded() -> None:
    """A recording holds the answer and then minutes of other speech and noise: what a recognizer gets is the
    answer, never more than MAX_UTTERANCE seconds."""
    noise = np.random.default_rng(3).normal(0, 40, 16_000 * 60).astype(np.int16)  # a minute of faint background
    answer = synthesize("not sure", VOICES[1], pad_ms=0)
    chatter = np.concatenate([synthesize(PHRASE, VOICES[2], pad_ms=400)] * 12)
    recording = np.concatenate([silence(2.0), answer, silence(1.5), chatter, noise]).astype(np.int16)
    taken = answer_audio(recording)
    assert taken is not None and taken.truncated  # the chatter goes on past the cut
    assert len(taken.samples) <= MAX_UTTERANCE * SAMPLE_RATE
    at = taken.samples.tobytes().find(answer.tobytes())  # the whole answer is in what was taken...
    assert 0 < at <= 2 * round(0.3 * SAMPLE_RATE) * 2, at  # ...with no more than about 0.6 s before it
    # A short answer alone is kept whole, with its margins, and nothing is truncated.
    alone = np.concatenate([silence(1.0), answer, silence(3.0)])
    kept = answer_audio(alone)
    assert kept is not None and not kept.truncated
    assert 0 < len(kept.samples) - len(answer) <= round(2 * 0.3 * SAMPLE_RATE) + BLOCK_SAMPLES * 12


@pytest.mark.audio
def test_a_recording_of_silence_or_faint_noise_holds_no_answer() -> None:
    assert answer_audio(silence(30.0)) is None
    assert answer_audio(np.random.default_rng(5).normal(0, 30, 16_000 * 30).astype(np.int16)) is None


@pytest.mark.parametrize("spec", [LISTENING_TONE, DONE_LISTENING_TONE])
def test_tone_shape(spec: Tone) -> None:
    samples = spec.samples()
    frequency, ms, volume = spec.frequency_hz, spec.ms, spec.volume
    assert samples.dtype == np.int16
    assert len(samples) == SAMPLE_RATE * ms // 1000
    assert abs(int(np.abs(samples).max()) - volume * 32767) < 0.02 * 32767
    assert abs(int(samples[0])) < 50 and abs(int(samples[-1])) < 300  # faded: no click at either end
    # the sample-to-sample step never exceeds what a pure sine of this pitch and volume can do
    max_step = 2 * np.pi * frequency / SAMPLE_RATE * volume * 32767
    assert np.abs(np.diff(samples.astype(np.int32))).max() <= max_step * 1.05 + 2
    crossings = np.count_nonzero(np.diff(np.signbit(samples)))
    assert abs(crossings / 2 / (ms / 1000) - frequency) < 0.1 * frequency
    assert LISTENING_TONE.frequency_hz != DONE_LISTENING_TONE.frequency_hz


def test_tone_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="volume"):
        tone(440, 100, 1.5)
    with pytest.raises(ValueError, match="frequency"):
        tone(9000, 100, 0.5)


# ---------------------------------------------------------------------------------------------------- playback


@pytest.mark.audio
@pytest.mark.live_audio
def test_player_plays_all_of_it_at_its_own_rate(pulse: PulseServer) -> None:
    player = Player()
    with pulse.record_sink() as recorded:
        assert player.play(tone(440, 300, 0.2), 16_000)  # the first stream after the server starts is slow
        time.sleep(0.2)
        started = time.monotonic()
        assert player.play(tone(440, 1000, 0.5, rate=22_050), 22_050)
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed <= 1.6
    heard = recorded[0]
    loud = np.abs(heard) > 8000  # only the 0.5-volume tone
    expected = np.count_nonzero(np.abs(tone(440, 1000, 0.5)) > 8000)
    assert 0.9 * expected <= np.count_nonzero(loud) <= 1.1 * expected  # all of it reached the sink, once
    span = np.nonzero(loud)[0]
    assert 0.9 <= (span[-1] - span[0]) / SAMPLE_RATE <= 1.3  # (a scheduling hiccup may stretch it a little)


@pytest.mark.audio
@pytest.mark.live_audio
def test_player_stop_interrupts(pulse: PulseServer) -> None:
    player = Player()
    timer = threading.Timer(0.4, player.stop)
    started = time.monotonic()
    timer.start()
    completed = player.play(tone(440, 5000, 0.3), 16_000)
    elapsed = time.monotonic() - started
    timer.join()
    assert not completed
    assert elapsed < 1.5
    assert player.play(tone(440, 100, 0.3))  # a stop does not carry over to the next play


@pytest.mark.audio
def test_no_output_device_is_a_clear_error() -> None:
    with no_audio_devices(), pytest.raises(AudioError, match="no usable audio output"):
        Player()


def test_a_refused_stream_is_retried_once_after_scanning_the_devices_again() -> None:
    from voice_guide.speech.devices import with_device_refresh

    class FakeSd:
        class PortAudioError(Exception):
            pass

        def __init__(self) -> None:
            self.calls: list[str] = []

        def _terminate(self) -> None:
            self.calls.append("terminate")

        def _initialize(self) -> None:
            self.calls.append("initialize")

    sd = FakeSd()
    attempts: list[int] = []

    def open_stream() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise sd.PortAudioError("Illegal combination of I/O devices")
        return "stream"

    assert with_device_refresh(sd, open_stream) == "stream"  # type: ignore[arg-type]
    assert sd.calls == ["terminate", "initialize"]

    def always_refused() -> str:
        raise sd.PortAudioError("no device")

    with pytest.raises(sd.PortAudioError):
        with_device_refresh(sd, always_refused)  # type: ignore[arg-type]


@pytest.mark.audio
@needs_espeak
@pytest.mark.parametrize("detector", ["silero", "pocketsphinx"])
def test_a_detector_is_reused_and_finds_the_same_speech_each_time(detector: str) -> None:
    """Detectors are kept and reused (both kinds leak native memory when dropped), so a reused one must start each
    stream afresh: the same recording gives the same regions, however the last stream ended (here in speech)."""
    settings = EndpointSettings(detector=detector)
    recording = np.concatenate([silence(0.7), synthesize("not sure", pad_ms=0), silence(1.5)])
    first = speech_regions(recording, settings)
    speech_regions(synthesize(PHRASE, pad_ms=0), settings)  # ends while speaking
    again = speech_regions(recording, settings)
    assert len(again) == len(first) == 1
    assert again[0] == pytest.approx(first[0], abs=0.035)
    assert first[0][0] == pytest.approx(0.7, abs=0.35)
