"""The real ``voice-guide --keyboard`` in a subprocess, with answers piped in line by line."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time

import pytest
from conftest import CLI_TIMEOUT, RunCli, cli_command, cli_env
from conversation import heard_until_result

from voice_guide.content import Content
from voice_guide.frontends.keyboard import PROMPT
from voice_guide.questionnaire import state

PROSTATE_PATH = {"body": "prostate", "pattern": "new"}
ANSI = re.compile(r"\x1b|\x9b")
"""Escape sequences (colour, cursor movement) that a screen reader would read out or choke on."""


def run_keyboard(run_cli: RunCli, heard: list[str]) -> tuple[int, str, str]:
    """Run the keyboard guide with ``heard`` as typed lines; checks the output is plain text."""
    code, out, err = run_cli(["--keyboard"], "".join(line + "\n" for line in heard))
    assert not ANSI.search(out), "stdout holds escape codes"
    assert not ANSI.search(err), "stderr holds escape codes"
    assert "Traceback" not in err
    return code, out, err


def lines_of(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip()]


def in_order(lines: list[str], expected: list[str]) -> bool:
    """Whether each expected line occurs, in this order, among ``lines``."""
    position = 0
    for line in expected:
        try:
            position = lines.index(line, position) + 1
        except ValueError:
            return False
    return True


def test_a_full_conversation_reaches_the_result(content: Content, run_cli: RunCli) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    code, out, err = run_keyboard(run_cli, heard)
    assert code == 0, err
    assert err == ""
    lines = lines_of(out)
    assert lines[:2] == [content.phrase("emergency_first"), content.phrase("welcome")]
    assert f"{PROMPT}{heard[0]}" in lines  # piped answers are echoed, so the transcript reads like the conversation
    assert content.phrase("readback", answer="A penis", topic=content.question("body").topic) in lines
    answered = len(heard) - 1  # one "yes" confirms the body answer's read-back
    assert content.phrase("result_intro", count=answered) in lines
    assert content.phrase("result_not_diagnosis") in lines
    assert content.phrase("not_understood_typed") not in out
    assert lines[-1].strip() == PROMPT.strip()  # input ended after the result: nothing more to say


def test_quit_after_the_result(content: Content, run_cli: RunCli) -> None:
    code, out, _ = run_keyboard(run_cli, [*heard_until_result(content, PROSTATE_PATH), "quit"])
    assert code == 0
    assert lines_of(out)[-1] == content.phrase("goodbye")


def test_an_emergency_answer_gives_the_result_at_once(content: Content, run_cli: RunCli) -> None:
    code, out, _ = run_keyboard(run_cli, ["yes", "quit"])
    assert code == 0
    lines = lines_of(out)
    assert in_order(
        lines, [content.phrase("emergency_stop"), content.phrase("result_red_flags"), content.phrase("goodbye")]
    )
    assert content.questions[1].text not in out


def test_unclear_input_is_reasked_with_the_options_listed(content: Content, run_cli: RunCli) -> None:
    first = content.questions[0]
    code, out, _ = run_keyboard(run_cli, ["purple", "yes no", "2"])
    lines = lines_of(out)
    again = [content.phrase("not_understood_typed"), first.text, "  1. Yes", "  2. No", "  3. Not sure",
             content.phrase("number_hint", count=3)]  # fmt: skip
    assert in_order(lines, [f"{PROMPT}purple", *again, f"{PROMPT}yes no", *again, f"{PROMPT}2"])
    # Never forced onto an option: only the typed "2" was taken as an answer.
    readbacks = [line for line in lines if line.endswith(first.topic + ".")]
    assert readbacks == [content.phrase("readback", answer="No", topic=first.topic)]
    assert code == 1


def test_an_unsure_answer_is_confirmed(content: Content, run_cli: RunCli) -> None:
    first = content.questions[0]
    _, out, _ = run_keyboard(run_cli, ["noo", "yes"])
    lines = lines_of(out)
    assert in_order(lines, [content.phrase("confirm", answer="No"), "  1. Yes", "  2. No", f"{PROMPT}yes",
                            content.phrase("readback", answer="No", topic=first.topic)])  # fmt: skip


def test_every_command(content: Content, run_cli: RunCli) -> None:
    first, second = content.questions[0], content.questions[1]
    heard = ["repeat", "help", "no", "back", "no", "slower", "faster", "keyboard", "start over", "no", "quit"]
    code, out, err = run_keyboard(run_cli, heard)
    assert code == 0, err
    expected = [
        f"{PROMPT}repeat", first.text,
        f"{PROMPT}help", content.phrase("help"), first.help, first.text,
        f"{PROMPT}no", second.text,
        f"{PROMPT}back", content.phrase("going_back", topic=first.topic), first.text,
        f"{PROMPT}no", second.text,
        f"{PROMPT}slower", content.phrase("rate_only_voice"), second.text,
        f"{PROMPT}faster", content.phrase("rate_only_voice"), second.text,
        f"{PROMPT}keyboard", content.phrase("already_keyboard"), second.text,
        f"{PROMPT}start over", content.phrase("restarted"), content.phrase("progress", number=1,
                                                                            total=state(content, {}).total),
        first.text,
        f"{PROMPT}no", second.text,
        f"{PROMPT}quit", content.phrase("goodbye"),
    ]  # fmt: skip
    assert in_order(lines_of(out), expected), out


def test_back_at_the_first_question(content: Content, run_cli: RunCli) -> None:
    _, out, _ = run_keyboard(run_cli, ["back"])
    assert in_order(lines_of(out), [f"{PROMPT}back", content.phrase("back_at_start"), content.questions[0].text])


def test_going_back_and_changing_an_answer_changes_the_result(content: Content, run_cli: RunCli) -> None:
    heard = heard_until_result(content, PROSTATE_PATH)
    lasting = next(f for f in content.red_flags if f.id == "lasting_or_severe")  # the last question's red flag
    code, out, _ = run_keyboard(run_cli, [*heard, "back", "yes", "quit"])
    assert code == 0
    lines = lines_of(out)
    intro = content.phrases["result_intro"].split("{count}")[0]
    first_result, second_result = (i for i, line in enumerate(lines) if line.startswith(intro))
    assert lines.index(f"{PROMPT}back") in range(first_result, second_result)
    assert not any(lasting.name in line for line in lines[first_result:second_result])
    assert any(lasting.name in line for line in lines[second_result:])


def test_end_of_input_in_the_middle(content: Content, run_cli: RunCli) -> None:
    code, out, err = run_keyboard(run_cli, ["no"])
    assert code == 1
    assert lines_of(out)[-1] == content.phrase("interrupted")
    assert err == ""


def test_no_input_at_all(content: Content, run_cli: RunCli) -> None:
    code, out, _ = run_keyboard(run_cli, [])
    assert code == 1
    assert lines_of(out)[-1] == content.phrase("interrupted")


def test_quit_before_the_result(content: Content, run_cli: RunCli) -> None:
    code, out, err = run_keyboard(run_cli, ["no", "stop"])
    assert code == 0
    assert lines_of(out)[-1] == content.phrase("goodbye")
    assert err == ""


def test_questions_lists_ids_and_options(content: Content, run_cli: RunCli) -> None:
    code, out, _ = run_cli(["questions"])
    assert code == 0
    assert not ANSI.search(out)
    for question in content.questions:
        assert f"{question.id}: {', '.join(o.id for o in question.options)}" in out
        assert f"    {question.text}" in out
    assert "[asked if body in (both, not_sure, womb)]" in out
    assert "[asked if any of urinary in (both, pee); rf_fever in (not_sure, yes)]" in out


def test_questions_json(content: Content, run_cli: RunCli) -> None:
    code, out, _ = run_cli(["questions", "--json"])
    assert code == 0
    data = json.loads(out)
    assert [q["id"] for q in data] == [q.id for q in content.questions]
    body = data[[q.id for q in content.questions].index("body")]
    assert [o["id"] for o in body["options"]] == ["womb", "penis", "both", "neither", "not_sure"]
    pregnant = data[[q.id for q in content.questions].index("rf_pregnant")]
    assert pregnant["red_flag"] is True
    assert pregnant["ask_if"] == [{"question": "body", "any_of": ["both", "not_sure", "womb"]}]
    assert pregnant["organs"] == ["womb"]
    side = data[[q.id for q in content.questions].index("side_pain")]
    assert side["ask_if_any"] == [{"question": "urinary", "any_of": ["both", "pee"]},
                                  {"question": "rf_fever", "any_of": ["not_sure", "yes"]}]  # fmt: skip


# ---- signals -----------------------------------------------------------------------------------------------------


def _read_until(process: subprocess.Popen[bytes], text: bytes, count: int) -> bytes:
    """Read stdout until ``text`` has appeared ``count`` times (prompts end without a newline, so read raw)."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    received = b""
    deadline = time.monotonic() + CLI_TIMEOUT
    while received.count(text) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(timeout=remaining):
            raise TimeoutError(f"no {text!r} x{count} in {received!r}")
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            raise EOFError(f"output ended before {text!r} x{count}: {received!r}")
        received += chunk
    selector.close()
    return received


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_waiting_for_an_answer_exits_cleanly(content: Content, signum: signal.Signals) -> None:
    process = subprocess.Popen(
        cli_command(["--keyboard"]),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    try:
        assert process.stdin is not None
        _read_until(process, PROMPT.encode(), 1)
        process.stdin.write(b"no\n")
        process.stdin.flush()
        before = _read_until(process, PROMPT.encode(), 1)
        process.send_signal(signum)
        out, err = process.communicate(timeout=CLI_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    stderr = err.decode()
    assert stderr.strip() == content.phrase("interrupted")
    assert "Traceback" not in stderr
    assert not ANSI.search(stderr)
    assert not ANSI.search((before + out).decode())


NO_AUDIO_LIBRARIES = """
import runpy, sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"numpy", "sounddevice", "pocketsphinx", "pyttsx3", "vosk", "soxr", "ctranslate2"}:
            raise ImportError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Missing())
sys.argv = ["voice-guide", *sys.argv[1:]]
runpy.run_module("voice_guide", run_name="__main__")
"""
"""Runs the guide as if only its one required package (rapidfuzz) were installed."""


@pytest.mark.parametrize("args", [["--keyboard"], []], ids=["keyboard", "default"])
def test_the_keyboard_needs_none_of_the_voice_packages(content: Content, args: list[str]) -> None:
    """`pip install voice-guide` alone (no voice extras) gives a working keyboard guide; by default it says why it
    types instead of listening."""
    completed = subprocess.run(
        [sys.executable, "-c", NO_AUDIO_LIBRARIES, *args],
        input="yes\nquit\n",
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert content.phrase("emergency_stop") in completed.stdout
    assert "Traceback" not in completed.stderr
    if not args:
        assert "pip install 'voice-guide[voice]'" in completed.stdout
