"""Speech output benchmark: ``.venv/bin/python -m benchmarks.tts`` prints one table row per voice.

Each voice is measured in a fresh process (so start-up and memory are its own) over the guide's real spoken text:
every question as the guide asks it ("Question 3 of about 26. <question> You can answer: yes, no, or not sure."), a
read-back, and every fixed phrase, red-flag advice and cause explanation in ``prompts/``, each synthesized once,
in memory, never played. Columns:

- start-up: importing the speaker and loading its voice (espeak-ng: starting the library; Piper: the ONNX model).
- first audio p50 / p95: from asking for a prompt to its first samples being ready to play (espeak-ng synthesizes a
  prompt whole; Piper hands over its first clause-bounded piece while the rest is synthesized).
- RTF: synthesis time / audio time over all prompts (wall clock; under 1 is faster than real time).
- CPU/audio: CPU seconds per second of audio, all threads: what a slower machine must supply (the figure to scale
  for a Raspberry Pi, since wall-clock RTF here also depends on the other work on the machine).
- RSS after start-up and peak RSS (VmHWM): resident memory of the whole process, Python and numpy included.

``--baseline`` adds the speech output this project had before: pyttsx3's espeak driver writing each prompt to a
temporary WAV file and reading it back (``save_to_file`` + ``runAndWait``), to compare per-prompt latency with the
in-memory path. The load average at the start of each measurement is printed with the table: these figures are
from a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python benchmarks/tts.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VOICES = ("espeak", "piper")
BASELINE = "espeak-tempfile"
LABELS = {
    "espeak": "espeak-ng, in memory",
    "piper": "Piper joe medium, in memory",
    BASELINE: "espeak-ng via pyttsx3 temp WAV (before)",
}


def guide_prompts() -> list[str]:
    """What the guide says aloud, from prompts/: the questions as asked, a read-back, and every fixed text."""
    from voice_guide.content import load_content
    from voice_guide.dialog import Ask, Confirm
    from voice_guide.render import spoken_text

    content = load_content()
    total = len(content.questions)
    texts = [
        spoken_text(content, Ask(question, number, total, read_options=True))
        for number, question in enumerate(content.questions, start=1)
    ]
    first = content.questions[0]
    texts.append(spoken_text(content, Confirm(first, first.options[0])))
    texts += [text for text in content.phrases.values() if "{" not in text and len(text.split()) > 1]
    for flag in content.red_flags:
        texts += [flag.explanation, *flag.advice.values()]
    for cause in content.causes:
        texts += [cause.explanation, *(care.text for care in cause.self_care), cause.who_can_help]
    return texts


def _vm(field: str) -> float:
    """A /proc/self/status memory field (VmRSS, VmHWM) in MB; 0 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tempfile_synthesizer() -> tuple[Callable[[str], Iterator[Any]], int]:
    """The old path, for comparison only: pyttsx3 save_to_file into a private temporary folder, read back, deleted."""
    import tempfile
    import threading
    import wave

    import numpy as np
    import pyttsx3

    engine = pyttsx3.init("espeak")
    espeak = sys.modules["pyttsx3.drivers._espeak"]

    def idle() -> None:  # the driver cancels a synthesis while espeak-ng still looks busy with the last one
        quiet, deadline = 0, time.monotonic() + 2
        while quiet < 3 and time.monotonic() < deadline:
            quiet = 0 if espeak.IsPlaying() else quiet + 1
            time.sleep(0.002)

    def synthesize(text: str) -> Iterator[Any]:
        with tempfile.TemporaryDirectory(prefix="tts-bench-") as folder:
            path = str(Path(folder) / "prompt.wav")
            finished = threading.Event()
            token = engine.connect("finished-utterance", lambda name=None, completed=True: finished.set())
            try:
                idle()
                with contextlib.redirect_stdout(io.StringIO()):  # the driver prints "Audio saved to ..."
                    engine.save_to_file(text, path)
                    engine.runAndWait()
                    finished.wait(30)
            finally:
                engine.disconnect(token)
            idle()
            with wave.open(path, "rb") as wav:
                yield np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")

    return synthesize, 22_050


def measure(voice: str) -> dict[str, Any]:
    """Run in a fresh process: start the voice, synthesize every prompt once, report the figures."""
    load_average = os.getloadavg()[0]
    started = time.perf_counter()
    if voice == BASELINE:
        synthesize, rate = _tempfile_synthesizer()
    else:
        from voice_guide.speech.speaker import EspeakSpeaker, PiperSpeaker

        speaker = PiperSpeaker(None) if voice == "piper" else EspeakSpeaker(None)
        rate = speaker.sample_rate
        synthesize = speaker.chunks
    startup = time.perf_counter() - started
    rss_after_start = _vm("VmRSS")
    texts = guide_prompts()
    first: list[float] = []
    busy = audio = 0.0
    cpu_before = time.process_time()
    for text in texts:
        begin = time.perf_counter()
        samples = 0
        for index, chunk in enumerate(synthesize(text)):
            if index == 0:
                first.append(time.perf_counter() - begin)
            samples += len(chunk)
        busy += time.perf_counter() - begin
        audio += samples / rate
    cpu = time.process_time() - cpu_before
    first.sort()
    return {
        "voice": voice,
        "prompts": len(texts),
        "audio_s": audio,
        "startup_s": startup,
        "first_p50_ms": 1000 * first[len(first) // 2],
        "first_p95_ms": 1000 * first[min(len(first) - 1, round(0.95 * (len(first) - 1)))],
        "rtf": busy / audio,
        "cpu_per_audio": cpu / audio,
        "rss_start_mb": rss_after_start,
        "rss_peak_mb": _vm("VmHWM"),
        "load_average": load_average,
    }


def run(voice: str) -> dict[str, Any] | str:
    """Measure ``voice`` in a fresh interpreter; the figures, or why they could not be had."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.tts", "--worker", voice],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["failed"])[-1]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def table(results: list[dict[str, Any] | str], voices: list[str]) -> str:
    header = (
        "| voice | start-up | first audio p50 / p95 | RTF | CPU/audio | RSS after start-up | peak RSS |\n"
        "|---|---|---|---|---|---|---|"
    )
    rows = [header]
    for voice, result in zip(voices, results, strict=True):
        if isinstance(result, str):
            rows.append(f"| {LABELS[voice]} | not measured: {result} | | | | | |")
            continue
        rows.append(
            f"| {LABELS[voice]} | {result['startup_s']:.2f} s | {result['first_p50_ms']:.1f} / "
            f"{result['first_p95_ms']:.1f} ms | {result['rtf']:.3f} | {result['cpu_per_audio']:.3f} | "
            f"{result['rss_start_mb']:.0f} MB | {result['rss_peak_mb']:.0f} MB |"
        )
    measured = [r for r in results if not isinstance(r, str)]
    if measured:
        speech = ", ".join(f"{r['audio_s']:.0f} s ({r['voice']})" for r in measured)
        loads = ", ".join(f"{r['load_average']:.1f}" for r in measured)
        rows.append(
            f"\n{measured[0]['prompts']} prompts at --rate 175, speech: {speech}; {os.cpu_count()} cores; "
            f"load average at the start of each: {loads}."
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default=",".join(VOICES), help="comma-separated: espeak, piper")
    parser.add_argument("--baseline", action="store_true", help="also the old temp-file path (pyttsx3 save_to_file)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(measure(args.worker)))
        return 0
    voices = [v for v in args.voices.split(",") if v] + ([BASELINE] if args.baseline else [])
    unknown = [v for v in voices if v not in LABELS]
    if unknown:
        parser.error(f"unknown voice(s): {', '.join(unknown)} (choose from {', '.join(VOICES)})")
    print(table([run(voice) for voice in voices], voices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
