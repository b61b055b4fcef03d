"""The speech benchmark's harness, end to end on a tiny corpus (not its targets: benchmarks are not timed tests).

One espeak-ng voice, a few utterances, clean speech and 10 dB white noise, pocketsphinx only: synthesis, noise,
the guide's pipeline, the baselines, the cold-start/RSS probe and the tables all run for real.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pocketsphinx", reason="needs the voice extras: pip install -e '.[voice]'")
if shutil.which("espeak-ng") is None:
    pytest.skip("needs espeak-ng (apt-get install espeak-ng)", allow_module_level=True)

from benchmarks import run
from benchmarks.corpus import build_corpus
from benchmarks.noise import conditions_named, mix, pad, power
from voice_guide.content import Content

pytestmark = pytest.mark.audio


def test_corpus_covers_every_phrase_and_enough_off_topic(content: Content) -> None:
    corpus = build_corpus(content)
    kinds = {u.kind for u in corpus}
    assert {"answer", "confirm", "ordinal", "command", "off_topic", "non_speech"} <= kinds
    assert sum(u.kind in ("off_topic", "non_speech") for u in corpus) >= 40
    assert len({u.uid for u in corpus}) == len(corpus)
    assert build_corpus(content) == corpus  # reproducible


def test_smoke_run_produces_the_tables(tmp_path: Path) -> None:
    args = ["--quick", "--engine", "pocketsphinx", "--phrases", "8", "--conditions", "clean,white10", "--no-plot"]
    settings = run.parse_args([*args, "--out", str(tmp_path)])
    summary = run.run(settings)
    text = "\n".join(summary["lines"])
    for pipeline in ("guide (grammar + Matcher)", "a: free-form + exact", "b: free-form + fuzzy"):
        for condition in ("clean", "white 10 dB"):
            assert any(line.startswith(pipeline) and condition in line for line in summary["lines"]), (
                pipeline,
                condition,
                text,
            )
    assert "guide acc%" in text  # the ratio table
    assert "first spoken word" in text and "peak RSS" in text, text
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    guide = [r for r in records if r["pipeline"] == "guide" and r["engine"] == "pocketsphinx"]
    assert len(guide) == 2 * 8
    assert {r["condition"] for r in guide} == {"clean", "white 10 dB"}
    assert all(r["seconds"] > 0 and r["audio_seconds"] > 0 for r in guide)
    assert (tmp_path / "summary.txt").read_text().startswith("voice-guide speech benchmark")


def test_noise_is_seeded_and_at_the_asked_snr() -> None:
    speech = (np.sin(np.arange(16_000) / 5) * 8000).astype(np.int16)
    babble = np.random.default_rng(1).standard_normal(16_000 * 5).astype(np.float32)
    for condition in conditions_named(["white10", "babble5"]):
        first = mix(speech, condition, "u1", babble)
        assert np.array_equal(first, mix(speech, condition, "u1", babble))
        assert not np.array_equal(first, mix(speech, condition, "u2", babble))
        noise = first.astype(np.float64) - pad(speech).astype(np.float64)
        snr = 10 * np.log10(power(speech) / power(noise))
        assert snr == pytest.approx(condition.snr_db, abs=0.3)


def test_off_topic_heard_as_repeat_counts_as_asked_again_and_other_commands_as_accepted() -> None:
    from benchmarks import report

    def off_topic(decision: str, target: str | None) -> dict[str, object]:
        return {"expected": None, "decision": decision, "target": target, "seconds": 0.01, "audio_seconds": 1.0}

    records = [
        off_topic("reask", None),
        off_topic("accept", "command:repeat"),
        off_topic("accept", "command:help"),
        off_topic("accept", "command:back"),
        off_topic("accept", "no"),
        off_topic("confirm", "yes"),
    ]
    assert [report.outcome(r) for r in records] == [
        "rejected",
        "repeated",
        "repeated",
        "accepted",
        "accepted",
        "confirmed",
    ]
    s = report.stats(records)
    assert s is not None
    assert (s.rejected, s.repeated, s.off_accepted) == (3 / 6, 2 / 6, 2 / 6)


def test_an_answer_heard_as_repeat_counts_as_asked_again_not_as_accepted_wrong() -> None:
    from benchmarks import report

    def answer(decision: str, target: str | None, expected: str = "yes") -> dict[str, object]:
        return {"expected": expected, "decision": decision, "target": target}

    assert report.outcome(answer("accept", "command:repeat")) == "reask"
    assert report.outcome(answer("accept", "command:help")) == "reask"
    assert report.outcome(answer("accept", "command:keyboard")) == "accept_wrong"
    assert report.outcome(answer("accept", "no")) == "accept_wrong"
    assert report.outcome(answer("accept", "command:repeat", expected="command:repeat")) == "accept_right"


def test_the_live_benchmarks_people_fit_the_questions_and_get_their_urgency(content: Content) -> None:
    """benchmarks/live.py plays a person by their answers: every question id they name exists, every option is one
    of that question's, and answering so gives the urgency the benchmark expects (a stale person, written for old
    questions, once made the live run report the wrong urgency)."""
    from benchmarks.live import PERSONS, option_for
    from voice_guide.questionnaire import state

    for name, (answers, expected) in PERSONS.items():
        for question_id, option_id in answers.items():
            assert option_id in [o.id for o in content.question(question_id).options], (name, question_id)
        given = {question.id: option_for(question, answers) for question in content.questions}
        assert state(content, given).assessment.urgency is expected, name
