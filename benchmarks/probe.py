"""Cold start and peak memory of the guide, measured in a fresh process (``python -m benchmarks.probe``).

The parent notes the wall-clock time, then starts this module in a new interpreter, which: imports the guide, loads
the content, loads the recognizer, builds the first question's grammar, synthesizes the welcome with the guide's own
espeak-ng speaker (``EspeakSpeaker.synthesize`` in voice_guide.speech.speaker) and notes when that audio is ready: the
cold start
to the first spoken word. Then it recognizes the given utterances with the guide's pipeline and reports its peak
resident set size (VmHWM), so the figure covers a process that has loaded, spoken and listened.

Prints one JSON object on stdout; every time is in seconds from the parent's timestamp.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def measure(engine: str, model: Path | None, started: float, utterances: Path | None) -> dict[str, Any]:
    """Run the start-up sequence and the decodes; return the timings and peak RSS."""
    marks: dict[str, float] = {"python": time.time() - started}
    rss: dict[str, float] = {"python": _peak_rss_mb()}
    from benchmarks.pipelines import load_guide_recognizer as load_recognizer
    from voice_guide.content import load_content
    from voice_guide.understand import Understanding

    marks["imported"] = time.time() - started
    rss["imported"] = _peak_rss_mb()
    content = load_content()
    understanding = Understanding(content)
    marks["content"] = time.time() - started
    rss["content"] = _peak_rss_mb()
    recognizer = load_recognizer(engine, model)
    first = understanding.asking(content.questions[0])
    recognizer.missing_words(understanding.phrases(first))
    marks["recognizer"] = time.time() - started
    rss["recognizer"] = _peak_rss_mb()
    result: dict[str, Any] = {"engine": engine, "marks": marks, "rss_mb": rss}
    try:
        from voice_guide.speech.speaker import EspeakSpeaker

        speaker = EspeakSpeaker(None)  # synthesis only: the audio is ready to play, not played
        samples, _ = speaker.synthesize(content.phrase("welcome"))
    except Exception as error:  # pyttsx3 or espeak-ng missing or broken: say so instead of a figure
        result["tts"] = f"pyttsx3 unavailable: {error}"
    else:
        marks["first_word"] = time.time() - started
        rss["first_word"] = _peak_rss_mb()
        result["tts"] = "pyttsx3" if samples.size else "pyttsx3 gave no audio"
    if utterances is not None:
        import numpy as np

        spec = json.loads(utterances.read_text(encoding="utf-8"))
        decoded = []
        for item in spec:
            audio = np.load(item["audio"])
            question = item["question"]
            turn = understanding.asking(content.question(question)) if question else understanding.confirming()
            begin = time.perf_counter()
            transcript = recognizer.recognize(audio, understanding.phrases(turn))
            decision = understanding.spoken(transcript, turn).action.value
            decoded.append({"seconds": time.perf_counter() - begin, "heard": transcript.text, "decision": decision})
        result["decoded"] = decoded
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB.

    Linux's ``VmHWM`` (/proc/self/status) is per address space. ``ru_maxrss`` is not used where VmHWM exists:
    Linux carries it across exec, so a child started from a big parent reports the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_probe(
    engine: str, model: Path | None, utterances: Path | None = None, timeout: float = 300.0
) -> dict[str, Any]:
    """Start a fresh interpreter running :func:`measure`; return its result (or {"error": ...})."""
    command: Sequence[str] = [sys.executable, "-m", "benchmarks.probe", "--engine", engine]
    if model is not None:
        command = [*command, "--model", str(model)]
    if utterances is not None:
        command = [*command, "--utterances", str(utterances)]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    started = time.time()
    try:
        done = subprocess.run(
            [*command, "--started", repr(started)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"timed out after {timeout:g} s"}
    if done.returncode != 0:
        return {
            "engine": engine,
            "error": (done.stderr.strip().splitlines() or ["exit code " + str(done.returncode)])[-1],
        }
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--started", type=float, default=None, help="the parent's time.time() before starting us")
    parser.add_argument("--utterances", type=Path, help="JSON list of {audio: .npy path, question: id or null}")
    args = parser.parse_args(argv)
    started = args.started if args.started is not None else time.time()
    result = measure(args.engine, args.model, started, args.utterances)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
