"""Tune the decision thresholds on the tuning voices, report them on the report voices.

``python -m benchmarks.tune [--results benchmarks/out/results.jsonl]`` re-decides every recorded transcript of the
guide's pipeline (no audio is decoded again: the thresholds act on the transcript and its confidence) for a grid of
:class:`~voice_guide.matcher.MatchPolicy` values and, where the recognizer reports a confidence, a confidence gate:

- below ``accept_conf`` an accepted answer is confirmed instead ("I heard X. Is that right?"), and an accepted
  command is re-asked (commands are never confirmed);
- below ``reask_conf`` anything is re-asked.

The choice is made on the tuning split only: among the settings whose accept-wrong rate is at most 1% in every
noise condition, the one with the highest mean of (accuracy + off-topic rejection); if none qualifies, the one with
the lowest worst-case accept-wrong. Then the default and the chosen settings are both reported on the report split.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.pipelines import GUIDE, decided_from, turn_at
from voice_guide.content import Content, load_content
from voice_guide.engines.base import Hypothesis, Transcript
from voice_guide.matcher import Matcher, MatchPolicy
from voice_guide.understand import Understanding


@dataclass(frozen=True)
class Gate:
    """A confidence gate applied after the matcher's decision (None = off)."""

    accept_conf: float | None = None
    reask_conf: float | None = None

    def apply(self, decision: str, target: str | None, confidence: float | None) -> tuple[str, str | None]:
        if confidence is None or decision == "reask":
            return decision, target
        if self.reask_conf is not None and confidence < self.reask_conf:
            return "reask", None
        if self.accept_conf is not None and confidence < self.accept_conf and decision == "accept":
            if target is not None and target.startswith("command:"):
                return "reask", None
            return "confirm", target
        return decision, target


def redecide(
    content: Content, records: Sequence[report.Record], policy: MatchPolicy, gate: Gate
) -> list[report.Record]:
    """The guide's records decided again with ``policy`` and ``gate``."""
    understanding = Understanding(content, Matcher(content, policy))
    out = []
    for record in records:
        turn = turn_at(understanding, record["question"])
        transcript = Transcript(
            record["heard"],
            record.get("confidence"),
            hypotheses=(
                Hypothesis(record["heard"], record.get("confidence")),
                *(Hypothesis(a) for a in record.get("alternatives") or ()),
            ),
            unexplained=record.get("unexplained"),
            snr_db=record.get("snr_db"),
        )
        decided = decided_from(understanding.spoken(transcript, turn), 0.0, transcript)
        decision, target = gate.apply(decided.decision, decided.target, record.get("confidence"))
        out.append(record | {"decision": decision, "target": target})
    return out


def score(records: Sequence[report.Record]) -> tuple[float, float]:
    """(worst accept-wrong over conditions, mean of accuracy + rejection over conditions)."""
    worst, total, count = 0.0, 0.0, 0
    for items in report.group(records, lambda r: r["condition"]).values():
        s = report.stats(items)
        if s is None:
            continue
        worst = max(worst, s.accept_wrong)
        total += s.accuracy + (s.rejected if s.off_topic else 0.0)
        count += 1
    return worst, total / max(count, 1)


def grid(confidences: bool) -> tuple[list[MatchPolicy], list[Gate]]:
    policies = [MatchPolicy()] + [
        MatchPolicy(a, am, c, cm)
        for a, am, c, cm in itertools.product((80.0, 95.0), (6.0, 20.0), (55.0, 75.0), (2.0, 8.0))
        if c <= a
    ]
    gates = [Gate()]
    if confidences:
        levels = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        gates += [Gate(a, r) for a in (None, *levels) for r in (None, *levels) if a is None or r is None or r < a]
    return policies, gates


def gated(records: Sequence[report.Record], gate: Gate) -> list[report.Record]:
    out = []
    for record in records:
        decision, target = gate.apply(record["decision"], record["target"], record.get("confidence"))
        out.append(record | {"decision": decision, "target": target})
    return out


def tune(content: Content, records: Sequence[report.Record]) -> tuple[MatchPolicy, Gate, list[str]]:
    guide = [r for r in records if r["pipeline"] == GUIDE]
    tuning = [r for r in guide if r["split"] == "tune"]
    reporting = [r for r in guide if r["split"] == "report"]
    if not tuning or not reporting:
        raise SystemExit("tuning needs guide results on both splits (run the full benchmark first)")
    confidences = any(r.get("confidence") is not None for r in tuning)
    ranked = []
    policies, gates = grid(confidences)
    for policy in policies:
        decided = redecide(content, tuning, policy, Gate())
        for gate in gates:
            worst, mean = score(gated(decided, gate))
        ranked.append(
            (worst > report.ACCEPT_WRONG_MAX, worst if worst > report.ACCEPT_WRONG_MAX else -mean, policy, gate)
        )
    ranked.sort(key=lambda item: (item[0], item[1]))
    _, _, policy, gate = ranked[0]
    default = (MatchPolicy(), Gate())
    lines = [
        f"tuned on {len(tuning)} guide decisions (tune voices), reported on {len(reporting)} (report voices); "
        f"confidence {'available' if confidences else 'not reported by the recognizer: no gate tried'}",
        f"default: {default[0]}, {default[1]}",
        f"chosen:  {policy}, {gate}",
        "",
        f"{'condition':<13} {'split':<7} {'acc% def':>8} {'acc% new':>8} {'AW% def':>8} {'AW% new':>8} "
        f"{'rej% def':>8} {'rej% new':>8}",
    ]
    for split, items in (("tune", tuning), ("report", reporting)):
        before = report.group(redecide(content, items, *default), lambda r: r["condition"])
        after = report.group(redecide(content, items, policy, gate), lambda r: r["condition"])
        for condition in sorted(before, key=report.condition_order):
            b, a = report.stats(before[condition]), report.stats(after[condition])
            if a is None or b is None:
                continue
            lines.append(
                f"{condition:<13} {split:<7} {report.pct(b.accuracy):>8} {report.pct(a.accuracy):>8} "
                f"{report.pct(b.accept_wrong):>8} {report.pct(a.accept_wrong):>8} {report.pct(b.rejected):>8} "
                f"{report.pct(a.rejected):>8}"
            )
    return policy, gate, lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "out" / "results.jsonl")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.results.read_text(encoding="utf-8").splitlines() if line]
    _, _, lines = tune(load_content(), records)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
