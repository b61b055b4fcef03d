"""Run the speech benchmark: ``.venv/bin/python -m benchmarks.run`` (or ``python benchmarks/run.py``).

Synthesizes the corpus (cached under ``--out``/cache), mixes each utterance with every noise condition, runs the
guide's pipeline and the baselines on the same audio (in ``--jobs`` worker processes), measures cold start and peak
RSS in fresh processes, then prints the tables and writes ``results.jsonl``, ``summary.txt``, ``summary.json`` and
``benchmark.png`` to ``--out``. ``--quick`` is a small smoke run (one voice, a few phrases, clean and 10 dB).

Headline figures use the report voices only; the tuning voices are listed per voice and in results.jsonl (see
``benchmarks/tune.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python benchmarks/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks import report
from benchmarks.corpus import Utterance, build_corpus, sample
from benchmarks.denoise import DENOISERS
from benchmarks.noise import CONDITIONS, Condition, build_babble, conditions_named, mix, non_speech
from benchmarks.pipelines import GUIDE, TEXT_ORACLE, Pipelines, load_freeform, load_guide_recognizer, turn_at
from benchmarks.probe import run_probe
from benchmarks.voices import VOICES, SpeechCache, Voice, available
from voice_guide.content import load_content
from voice_guide.understand import Turn

log = logging.getLogger("benchmarks")

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Settings:
    """One benchmark run."""

    engines: tuple[str, ...] = ("pocketsphinx",)
    model: Path | None = None
    """Model directory for vosk."""
    voices: tuple[Voice, ...] = VOICES
    conditions: tuple[Condition, ...] = CONDITIONS
    phrases: int | None = None
    """Utterances per voice (a stable sample proportional by kind); None = the whole corpus."""
    baseline_share: float = 0.06
    """Share of each headline voice's utterances also decoded free-form for the baselines (free-form is 10-40x
    slower than the grammar); the same utterances in every condition."""
    out: Path = DEFAULT_OUT
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    plot: bool = True
    probe_runs: int = 3
    """Cold-start/RSS probe runs per engine (0 = skip)."""
    split: str = "report"
    """Voices whose figures make the headline tables: "report", "tune" or "all"."""
    denoise: tuple[str, ...] = ()
    """Noise suppressors (benchmarks.denoise) to try before the guide's recognizer, each an extra pipeline."""


# ---------------------------------------------------------------------------------------------------------------
# Work items, run in worker processes


@dataclass(frozen=True)
class Task:
    engine: str
    voice: Voice
    condition: Condition
    utterances: tuple[Utterance, ...]
    baseline: frozenset[str]
    """uids also decoded by the baselines."""


_STATE: dict[str, Any] = {}


def _init_worker(settings: Settings, babble_path: Path | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    content = load_content()
    _STATE["content"] = content
    _STATE["cache"] = SpeechCache(settings.out / "cache")
    _STATE["babble"] = np.load(babble_path) if babble_path is not None else None
    _STATE["denoise"] = settings.denoise
    _STATE["pipelines"] = {
        engine: Pipelines(
            content,
            load_guide_recognizer(engine, settings.model),
            load_freeform(engine, settings.model),
        )
        for engine in settings.engines
    }


def speech_for(cache: SpeechCache, voice: Voice, utterance: Utterance) -> np.ndarray[Any, np.dtype[np.int16]]:
    """The utterance as spoken by ``voice`` (non-speech sounds are generated, seeded by the voice)."""
    if utterance.kind == "non_speech":
        return non_speech(utterance.text, voice.name)
    return cache.get(voice, utterance.text)


def _run_task(task: Task) -> list[report.Record]:
    pipelines: Pipelines = _STATE["pipelines"][task.engine]
    records = []
    for utterance in task.utterances:
        speech = speech_for(_STATE["cache"], task.voice, utterance)
        audio = mix(speech, task.condition, f"{task.voice.name}|{utterance.uid}", _STATE["babble"])
        turn = turn_at(pipelines.understanding, utterance.question)
        base = {
            "engine": task.engine,
            "voice": task.voice.name,
            "split": task.voice.split,
            "condition": task.condition.label,
            "uid": utterance.uid,
            "kind": utterance.kind,
            "question": utterance.question,
            "text": utterance.text,
            "expected": utterance.expected,
            "audio_seconds": audio.size / 16_000,
        }
        for name in (GUIDE, *(f"{GUIDE}+{d}" for d in _STATE["denoise"])):
            records.append(base | _guide_record(pipelines, name, audio, turn))
        if utterance.uid in task.baseline:
            for name, result in pipelines.run_baselines(audio, turn).items():
                records.append(
                    base
                    | {
                        "pipeline": name,
                        "decision": result.decision,
                        "target": result.target,
                        "heard": result.heard,
                        "seconds": result.seconds,
                        "confidence": None,
                    }
                )
    return records


def _guide_record(
    pipelines: Pipelines, name: str, audio: np.ndarray[Any, np.dtype[np.int16]], turn: Turn
) -> report.Record:
    """The guide's pipeline, after the named noise suppressor when ``name`` is "guide+<suppressor>"."""
    denoiser = DENOISERS[name.split("+", 1)[1]] if "+" in name else None
    try:
        decided, transcript = pipelines.run_guide(audio, turn, denoiser)
    except Exception as error:  # a recognizer crash is a finding: count it (as a re-ask) and go on
        log.warning("%s crashed: %r", name, error)
        return {
            "pipeline": name,
            "decision": "reask",
            "target": None,
            "heard": "",
            "seconds": 0.0,
            "confidence": None,
            "error": repr(error),
        }
    return {
        "pipeline": name,
        "decision": decided.decision,
        "target": decided.target,
        "heard": decided.heard,
        "seconds": decided.seconds,
        "confidence": transcript.confidence,
        "alternatives": list(transcript.alternatives),
        "rejected": transcript.rejected,
        "unexplained": transcript.unexplained,
        "snr_db": transcript.snr_db,
        "other": transcript.other,
        "speech": transcript.speech,
        "free_text": transcript.free_text,
        "hypotheses": [[h.phrase, h.probability] for h in transcript.hypotheses[:5]],
    }


def _synthesize(args: tuple[Path, Voice, tuple[str, ...]]) -> str:
    root, voice, texts = args
    SpeechCache(root).get_many(voice, texts)
    return voice.name


# ---------------------------------------------------------------------------------------------------------------
# The run


def plan(settings: Settings, corpus: Sequence[Utterance]) -> list[Task]:
    """One task per engine, voice and condition; the same utterances (and baseline subset) in every condition."""
    tasks = []
    for voice in settings.voices:
        chosen = sample(corpus, settings.phrases, voice.name) if settings.phrases else tuple(corpus)
        share = settings.baseline_share
        baseline = frozenset(u.uid for u in sample(chosen, round(share * len(chosen)), f"baseline|{voice.name}"))
        if share <= 0 or settings.split not in ("all", voice.split):
            baseline = frozenset()  # baselines only feed the headline tables: skip them on the other split
        for engine in settings.engines:
            for condition in settings.conditions:
                tasks.append(Task(engine, voice, condition, chosen, baseline))
    return tasks


def oracle_records(settings: Settings, corpus: Sequence[Utterance]) -> list[report.Record]:
    """The text oracle: each utterance's exact words through the matcher (engine- and voice-independent)."""
    content = load_content()

    class _NoRecognizer:
        name = "none"

    records = []
    pipelines = Pipelines(content, _NoRecognizer(), None)  # type: ignore[arg-type]
    for engine in settings.engines:
        for utterance in corpus:
            if utterance.kind == "non_speech":
                continue
            result = pipelines.run_oracle(utterance.text, turn_at(pipelines.understanding, utterance.question))
            records.append(
                {
                    "engine": engine,
                    "pipeline": TEXT_ORACLE,
                    "voice": "-",
                    "split": settings.split,
                    "condition": "text",
                    "uid": utterance.uid,
                    "kind": utterance.kind,
                    "question": utterance.question,
                    "text": utterance.text,
                    "expected": utterance.expected,
                    "decision": result.decision,
                    "target": result.target,
                    "heard": result.heard,
                    "seconds": result.seconds,
                    "audio_seconds": 0.0,
                    "confidence": None,
                }
            )
    return records


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def probes(settings: Settings, corpus: Sequence[Utterance]) -> list[dict[str, Any]]:
    """Cold start and peak RSS per engine, each in a fresh process, after the decoding pool has finished."""
    if settings.probe_runs <= 0:
        return []
    content = load_content()
    folder = settings.out / "probe"
    folder.mkdir(parents=True, exist_ok=True)
    cache = SpeechCache(settings.out / "cache")
    voice = settings.voices[0]
    spec = []
    for index, utterance in enumerate(u for u in corpus if u.kind in ("answer", "confirm", "command")):
        if index >= 10:
            break
        path = folder / f"{index}.npy"
        np.save(path, mix(speech_for(cache, voice, utterance), CONDITIONS[0], utterance.uid, None))
        question = None if utterance.question not in {q.id for q in content.questions} else utterance.question
        spec.append({"audio": str(path), "question": question})
    spec_path = folder / "utterances.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    results = []
    for engine in settings.engines:
        runs = [run_probe(engine, settings.model, spec_path) for _ in range(settings.probe_runs)]
        failed = [r for r in runs if "error" in r]
        results.append(failed[0] if failed else {"engine": engine, "label": engine, "runs": runs})
    return results


def run(settings: Settings) -> dict[str, Any]:
    """Run everything; return the summary (also written to ``settings.out``)."""
    started = time.perf_counter()
    settings.out.mkdir(parents=True, exist_ok=True)
    content = load_content()
    corpus = build_corpus(content)
    voices = tuple(v for v in settings.voices if available(v))
    unavailable = [v.name for v in settings.voices if not available(v)]
    if not voices:
        raise SystemExit("no synthetic voice is available: install espeak-ng")
    settings = Settings(**{**settings.__dict__, "voices": voices})
    tasks = plan(settings, corpus)
    cache_root = settings.out / "cache"

    # 1. Speech, synthesized once per voice and cached.
    texts: dict[Voice, set[str]] = {}
    for task in tasks:
        texts.setdefault(task.voice, set()).update(u.text for u in task.utterances if u.kind != "non_speech")
    jobs = max(1, settings.jobs)
    work = [(cache_root, voice, tuple(sorted(t))) for voice, t in texts.items()]
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            list(pool.imap_unordered(_synthesize, work))
    else:
        for item in work:
            _synthesize(item)
    synthesized = time.perf_counter()

    # 2. Babble, if any condition needs it.
    babble_path = None
    if any(c.noise == "babble" for c in settings.conditions):
        babble_path = cache_root / "babble.npy"
        if not babble_path.exists():
            np.save(babble_path, build_babble(SpeechCache(cache_root)))

    # 3. Decoding.
    records: list[report.Record] = []
    done = 0
    if jobs > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(jobs, initializer=_init_worker, initargs=(settings, babble_path)) as pool:
            for result in pool.imap_unordered(_run_task, tasks):
                records.extend(result)
                done += 1
                log.info("decoded %d/%d tasks", done, len(tasks))
    else:
        _init_worker(settings, babble_path)
        for task in tasks:
            records.extend(_run_task(task))
    decoded = time.perf_counter()
    records.extend(oracle_records(settings, corpus))

    # 4. Start-up and memory, in fresh processes, with nothing else running.
    probe_results = probes(settings, corpus)

    with (settings.out / "results.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    summary = summarize(settings, records, probe_results, corpus, unavailable)
    summary["timing"] = {
        "synthesis_s": round(synthesized - started, 1),
        "decoding_s": round(decoded - synthesized, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }
    (settings.out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    text = "\n".join([*summary["lines"], "", f"timing: {summary['timing']}"]) + "\n"
    (settings.out / "summary.txt").write_text(text, encoding="utf-8")
    if settings.plot:
        try:
            for engine in settings.engines:
                shown = [r for r in records if settings.split == "all" or r["split"] == settings.split]
                path = report.plot(shown, engine, settings.out / f"benchmark-{engine}.png")
                summary["lines"].append(f"plot: {path}")
            if len(settings.engines) > 1:  # the guide's pipeline, one line per engine
                side = [r | {"pipeline": r["engine"], "engine": "engines"} for r in shown if r["pipeline"] == GUIDE]
                path = report.plot(side, "engines", settings.out / "benchmark-engines.png")
                summary["lines"].append(f"plot: {path}")
        except ImportError:
            summary["lines"].append("plot: skipped (matplotlib missing: pip install -e '.[bench]')")
    return summary


def summarize(
    settings: Settings,
    records: Sequence[report.Record],
    probe_results: Sequence[dict[str, Any]],
    corpus: Sequence[Utterance],
    unavailable: Sequence[str],
) -> dict[str, Any]:
    shown = [r for r in records if settings.split == "all" or r["split"] == settings.split]
    voices = sorted({r["voice"] for r in shown if r["voice"] != "-"})
    kinds: dict[str, int] = {}
    for utterance in corpus:
        kinds[utterance.kind] = kinds.get(utterance.kind, 0) + 1
    lines = [
        f"voice-guide speech benchmark: {machine()}",
        f"corpus: {len(corpus)} utterances ({', '.join(f'{k} {n}' for k, n in kinds.items())})"
        + (f", {settings.phrases} sampled per voice" if settings.phrases else ", all per voice"),
        f"voices in these tables ({settings.split} split): {', '.join(voices)}",
        f"voices unavailable: {', '.join(unavailable) or 'none'}",
        f"baselines decode {100 * settings.baseline_share:g}% of each voice's utterances (the same in every condition)",
        "",
    ]
    for engine in settings.engines:
        lines += [f"== {engine}: outcomes per pipeline and condition (% of answers; rej% of off-topic) ==", ""]
        lines += report.main_table(shown, engine)
        lines += [f"== {engine}: the guide's figures as ratios to the baselines (same utterances) ==", ""]
        lines += report.ratio_table(shown, engine)
        lines += ["", f"== {engine}: guide accuracy % (accept-wrong %) per voice, every split ==", ""]
        lines += report.voice_table(records, engine)
        lines.append("")
    if len(settings.engines) > 1:
        lines += [
            "== engines side by side: the guide's pipeline (CR% = read back; noiseAcc = noise-only, silence and "
            "non-speech files taken or read back as an answer; p95/ps = p95 over pocketsphinx's, same run) ==",
            "",
            *report.engine_table(shown),
        ]
    lines += ["== cold start and memory (fresh process per run) ==", *report.probe_lines(probe_results)]
    table = {}
    for engine in settings.engines:
        for (pipeline, condition), items in report.group(
            (r for r in shown if r["engine"] == engine), lambda r: (r["pipeline"], r["condition"])
        ).items():
            s = report.stats(items)
            if s is not None:
                table[f"{engine}|{pipeline}|{condition}"] = s.__dict__ | {"accuracy": s.accuracy}
    return {"lines": lines, "table": table, "probes": list(probe_results), "settings": str(settings)}


def git_revision() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, timeout=10
        )
    except OSError:
        return "?"
    return done.stdout.strip() or "?"


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run: 1 voice, 12 utterances, 3 conditions")
    parser.add_argument(
        "--engine", action="append", choices=["pocketsphinx", "vosk", "whisper", "plain-jsgf"], help="repeatable"
    )
    parser.add_argument("--model", type=Path, help="vosk model directory (only the vosk engine uses it)")
    parser.add_argument("--voices", help="comma-separated voice names, or a number (the first N available)")
    parser.add_argument("--conditions", help="comma-separated: clean,white20,white10,white5,babble20,babble10,babble5")
    parser.add_argument("--phrases", type=int, help="utterances per voice (stable sample); default all")
    parser.add_argument("--baseline-share", type=float, help="share of utterances decoded by the baselines")
    parser.add_argument("--jobs", type=int, help="worker processes (default: all cores)")
    parser.add_argument("--split", choices=["report", "tune", "all"], default="report")
    parser.add_argument("--probe-runs", type=int, help="cold-start/RSS runs per engine (0 = skip)")
    parser.add_argument("--denoise", help=f"noise suppressors to try too: {','.join(DENOISERS)}")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    settings = Settings(out=args.out, split=args.split, plot=not args.no_plot)
    if args.quick:
        settings = Settings(
            voices=VOICES[:1],
            conditions=conditions_named(["clean", "white10", "babble10"]),
            phrases=12,
            baseline_share=1.0,
            jobs=1,
            probe_runs=1,
            out=args.out,
            split="all",
            plot=not args.no_plot,
        )
    changes: dict[str, Any] = {}
    if args.engine:
        changes["engines"] = tuple(dict.fromkeys(args.engine))
    if args.model:
        changes["model"] = args.model
    if args.voices:
        if args.voices.isdigit():
            changes["voices"] = tuple(v for v in VOICES if available(v))[: int(args.voices)]
        else:
            names = {v.name: v for v in VOICES}
            unknown = [n for n in args.voices.split(",") if n not in names]
            if unknown:
                parser.error(f"unknown voices {unknown}; known: {', '.join(names)}")
            changes["voices"] = tuple(names[n] for n in args.voices.split(","))
    if args.conditions:
        try:
            changes["conditions"] = conditions_named(args.conditions.split(","))
        except ValueError as error:
            parser.error(str(error))
    if args.denoise:
        unknown = [n for n in args.denoise.split(",") if n not in DENOISERS]
        if unknown:
            parser.error(f"unknown noise suppressors {unknown}; known: {', '.join(DENOISERS)}")
        changes["denoise"] = tuple(args.denoise.split(","))
    for name in ("phrases", "baseline_share", "jobs", "probe_runs"):
        if getattr(args, name) is not None:
            changes[name] = getattr(args, name)
    return Settings(**{**settings.__dict__, **changes})


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    # On SIGTERM, unwind normally so the worker pool is terminated with us.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    settings = parse_args(argv)
    summary = run(settings)
    print("\n".join(summary["lines"]))
    print(f"\ntiming: {summary['timing']} (git {git_revision()})")
    print(f"written: {settings.out}/summary.txt, results.jsonl, summary.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
