"""End to end through the real recognizer: synthesized speech -> WAV -> `voice-guide listen` / `converse`.

Every option phrase, synonym, ordinal and command of the questionnaire is spoken by several espeak-ng voices and run
through the same code path as ``voice-guide listen`` (``voice.listen_once``); off-topic speech must be re-asked.
A whole conversation, one WAV file per turn, runs through the real CLI (``voice-guide converse``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import RunCli
from speech import VOICES, Voice, have_espeak, synthesize

from voice_guide.content import Content, Option, Question
from voice_guide.engines.base import Recognizer
from voice_guide.understand import Understanding, listen_once
from voice_guide.wav import encode_wav

pytestmark = [
    pytest.mark.audio,
    pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed (apt-get install espeak-ng)"),
]

OFF_TOPIC = (
    "what time is it",
    "my back hurts",
    "i had a sandwich for lunch",
    "can you call the doctor",
    "the weather is nice today",
    "i was going to",
)


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    from voice_guide.engines.loader import load_recognizer

    return load_recognizer("pocketsphinx", None)


def distinct_option_sets(content: Content) -> list[Question]:
    """One question per distinct set of options (the yes/no questions all share one)."""
    seen: dict[tuple[Option, ...], Question] = {}
    for question in content.questions:
        seen.setdefault(question.options, question)
    return list(seen.values())


def expected_targets(content: Content, question: Question) -> list[tuple[str, str]]:
    """(phrase to say, expected option id or "command:<id>") for everything that can be said at ``question``."""
    targets = [(phrase, option.id) for option in question.options for phrase in option.phrases]
    for index, option in enumerate(question.options):
        if index < len(content.ordinals):
            targets += [(word, option.id) for word in content.ordinals[index]]
    targets += [(word, f"command:{command.id}") for command in content.commands for word in command.words]
    return targets


REASKING_COMMANDS = ("command:repeat", "command:help")
"""Commands that only ask the question again: hearing one by mistake costs a turn, nothing more."""


def outcome(result: dict[str, object], expected: str) -> str:
    """take-right, read_back-right, ask_again, read_back-wrong or take-wrong (the harmful one)."""
    match = result["match"]
    if result["decision"] == "ask_again" or not isinstance(match, dict):
        return "ask_again"
    got = match.get("option") or f"command:{match.get('command')}"
    if got != expected and got in REASKING_COMMANDS:
        return "ask_again"
    right = "right" if got == expected else "wrong"
    return f"{result['decision']}-{right}"


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.label)
def test_every_phrase_lands_on_its_option_or_is_reasked(content: Content, recognizer: Recognizer, voice: Voice) -> None:
    understanding = Understanding(content)
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    for question in distinct_option_sets(content):
        for phrase, expected in expected_targets(content, question):
            result = listen_once(recognizer, understanding, synthesize(phrase, voice), question)
            kind = outcome(result, expected)
            tally[kind] += 1
            if kind == "take-wrong":
                wrong.append(f"{question.id}: said {phrase!r}, heard {result['transcript']!r}, took {result['match']}")
    total = sum(tally.values())
    right = tally["take-right"] + tally["read_back-right"]
    print(f"\n{voice.label}: {dict(tally)} right {right}/{total} = {right / total:.1%}")
    # Floors set just under what pocketsphinx achieves on these synthetic voices (75-90% right, 0-2 of 294 accepted
    # wrong, after the unexplained-speech and rival-hypothesis doubts; 64-84% and 1-4 before): they catch
    # regressions; the targets themselves are the benchmark's job (see BENCHMARKS.md).
    # Accepting a wrong answer without asking is the harmful error: it must stay rare.
    assert tally["take-wrong"] <= 0.015 * total, wrong
    assert right >= 0.70 * total, dict(tally)


def test_off_topic_speech_is_reasked(content: Content, recognizer: Recognizer) -> None:
    understanding = Understanding(content)
    question = content.question("rf_fever")
    results = {
        (text, voice.label): listen_once(recognizer, understanding, synthesize(text, voice), question)
        for text in OFF_TOPIC
        for voice in VOICES[:3]
    }
    taken = {key: r["match"] for key, r in results.items() if outcome(r, "off-topic") == "take-wrong"}
    assert len(taken) <= 0.1 * len(results), taken


def write_turns(directory: Path, phrases: list[str], voice: Voice = VOICES[0]) -> list[Path]:
    paths = []
    for index, phrase in enumerate(phrases):
        path = directory / f"turn{index:02d}.wav"
        path.write_bytes(encode_wav(synthesize(phrase, voice)))
        paths.append(path)
    return paths


def test_listen_command_prints_the_decision(tmp_path: Path, run_cli: RunCli) -> None:
    (path,) = write_turns(tmp_path, ["not sure"])
    code, out, err = run_cli(["listen", str(path), "--question", "rf_fever", "--engine", "pocketsphinx"])
    assert code == 0, err
    result = json.loads(out)
    assert result["question"] == "rf_fever"
    assert result["engine"] == "pocketsphinx"
    assert result["match"] == {"option": "not_sure", "text": "Not sure"}
    assert result["decision"] in ("take", "read_back")
    assert result["why"] and result["hypotheses"][0]["phrase"] == result["transcript"]


def test_listen_command_rejects_a_file_that_is_not_wav(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("not audio")
    code, _, err = run_cli(["listen", str(path)])
    assert code == 2
    assert "not a usable WAV file" in err


def test_a_whole_spoken_conversation_from_wav_files(tmp_path: Path, run_cli: RunCli) -> None:
    turns = [
        "no",  # numbness, weak legs, trouble with pee or poo
        "no",  # sepsis signs
        "what time is it",  # off topic: asked again
        "no",  # chest pain or breathing
        "no",  # sudden severe pain, fainting or heavy bleeding
        "I have a penis",  # body
        "yes",  # "I heard: A penis. Is that right?" (the body answer is always read back)
        "no",  # penis or testicle pain or swelling
        "yes",  # fever
        "go back",  # back to the fever question
        "yes",  # fever, again
        "no",  # blood in pee
        "no",  # pressure on the neck during sex
        "burning when I pee",  # urinary
        "no",  # side pain
        "no",  # back
        "yes",  # "You said no to ... Is that right?": every warning sign answered no is checked before the result
    ]
    paths = write_turns(tmp_path, turns)
    # --confirm-below 0: no read-back confirmations, so the scripted turns stay in step with the questions.
    code, out, err = run_cli(
        ["converse", "--json", "--engine", "pocketsphinx", "--confirm-below", "0", *map(str, paths)]
    )
    assert code == 0, err + out
    data = json.loads(out)
    assert data["answers"]["rf_fever"] == "yes"
    assert data["answers"]["body"] == "penis"
    assessment = data["assessment"]
    assert assessment["urgency"] == "urgent"
    top3 = [cause["id"] for cause in assessment["causes"][:3]]
    assert "prostatitis" in top3
    # Nothing that needs a womb is ever suggested to someone who said they have a penis.
    assert not {"endometriosis", "ovarian_cyst", "ectopic_pregnancy"} & {c["id"] for c in assessment["causes"]}


def test_listen_on_long_recordings_finishes_and_finds_the_answer(tmp_path: Path, run_cli: RunCli) -> None:
    """A 10-minute recording (the answer, then faint background) and 30 s of loud white noise: each is cut as the
    microphone would cut it, so neither makes a decode run for minutes (the CLI runner fails a run over 60 s)."""
    import numpy as np

    long_file = tmp_path / "ten-minutes.wav"
    background = np.random.default_rng(1).normal(0, 30, 16_000 * 600).astype(np.int16)
    background[16_000 : 16_000 + 32_000] = 0
    answer = synthesize("not sure", VOICES[0], pad_ms=0)
    background[16_000 : 16_000 + len(answer)] = answer
    long_file.write_bytes(encode_wav(background))
    code, out, err = run_cli(["listen", str(long_file), "--question", "rf_fever", "--engine", "pocketsphinx"])
    assert code == 0, err
    result = json.loads(out)
    assert result["match"] == {"option": "not_sure", "text": "Not sure"}, result
    assert result["audio_seconds"] <= 10.0

    noise_file = tmp_path / "noise.wav"
    noise_file.write_bytes(encode_wav(np.random.default_rng(2).normal(0, 3000, 16_000 * 30).astype(np.int16)))
    code, out, err = run_cli(["listen", str(noise_file), "--question", "rf_fever", "--engine", "pocketsphinx"])
    assert code == 0, err
    assert json.loads(out)["audio_seconds"] <= 10.0
