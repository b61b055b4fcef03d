"""Faults survived through the real code paths: signals in every state, the sound server dying, and no writable disk.

- **Signals** (the real CLI in a subprocess): SIGINT, SIGTERM and SIGHUP while the guide asks, while it reads an
  answer back, at the result, and (voice, on a private PulseAudio server) while it speaks; the same for the kiosk,
  also while it waits for a person. The guide stops saying so (exit 130); the kiosk clears the person interrupted
  by Ctrl-C or a hang-up and serves the next one, stops on SIGTERM (exit 0), and stops when interrupted while
  nobody is being served (exit 130, so systemd restarts it). A guide started in the background by a shell (SIGINT
  inherited ignored, SIGHUP ignored by nohup) still stops on Ctrl-C, and nohup's SIGHUP stays ignored.
- **The sound server dying** (tests/pulse.py's PulseAudio, killed): while the guide listens or speaks, the person
  is told and carries on at the keyboard with every answer kept; a kiosk whose sound server died serves the next
  people at the keyboard.
- **No writable disk** (a mount namespace: HOME, TMPDIR, /tmp, /var/tmp and the working directory read-only or
  full, the program read-only): a spoken kiosk session, speech output included, still works and writes nothing.

No run may hang: every wait here is bounded by :data:`HANG` seconds (issue 11: zero hangs over 10 s).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import cli_command, cli_env
from conversation import heard_until_result

from voice_guide.content import Content
from voice_guide.frontends.keyboard import PROMPT

REPO = Path(__file__).resolve().parent.parent
HANG = 10.0
"""Seconds within which the guide must react to a signal or a fault (issue 11: zero hangs over 10 s)."""
START = 30.0
"""Seconds a subprocess may take to reach the state under test (imports and, by voice, loading the recognizer)."""
PROSTATE_PATH = {"body": "prostate", "pattern": "new"}
"""A whole questionnaire (as in test_cli_keyboard)."""

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
SIGNAL_IDS = ["SIGINT", "SIGTERM", "SIGHUP"]


class Running:
    """The real CLI in a subprocess, with its output read as it comes (prompts end without a line break)."""

    def __init__(self, args: list[str], *, wrapper: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*wrapper, *cli_command(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env or cli_env(),
        )
        self.out = b""
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def type(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines).encode())
        self.process.stdin.flush()

    def wait_for(self, text: str, count: int = 1, timeout: float = START) -> None:
        """Read stdout until ``text`` has appeared ``count`` times in all."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        wanted = text.encode()
        while self.out.count(wanted) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(timeout=remaining):
                raise TimeoutError(f"no {text!r} x{count} within {timeout} s in {self.out.decode(errors='replace')}")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError(f"output ended before {text!r} x{count}: {self.out.decode(errors='replace')}")
            self.out += chunk

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = HANG) -> tuple[int, str, str]:
        """Close stdin, wait (bounded) and return (exit code, all stdout, stderr)."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(
                f"hung: no exit within {timeout} s; stdout: {(self.out + out).decode()[-2000:]}"
            ) from None
        finally:
            self._selector.close()
        return self.process.returncode, (self.out + out).decode(errors="replace"), err.decode(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def reach(content: Content, running: Running, state: str, answers: list[str], *, kiosk: bool) -> None:
    """Bring a keyboard guide (or kiosk) to ``state``: waiting, asking, confirming or result."""
    if kiosk:
        running.wait_for(content.phrase("kiosk_ready_keyboard"))
        if state == "waiting":
            return
        running.type("")
    running.wait_for(PROMPT)
    if state == "confirming":
        running.type("noo")  # a typo: read back, "I heard: No. Is that right?"
        running.wait_for(content.phrase("confirm", answer="No"))
        running.wait_for(PROMPT, 2)
    elif state == "result":
        running.type(*answers)
        running.wait_for(content.phrase("result_after"))
        running.wait_for(PROMPT, len(answers) + 1)


@pytest.mark.parametrize("state", ["asking", "confirming", "result"])
@pytest.mark.parametrize("signum", SIGNALS, ids=SIGNAL_IDS)
def test_a_signal_stops_the_keyboard_guide_in_every_state(content: Content, signum: int, state: str) -> None:
    running = Running(["--keyboard"])
    try:
        reach(content, running, state, heard_until_result(content, PROSTATE_PATH), kiosk=False)
        running.signal(signum)
        code, _, err = running.finish()
    finally:
        running.kill()
    assert code == 130
    assert err.strip() == content.phrase("interrupted")


@pytest.mark.parametrize("state", ["asking", "confirming", "result"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_ctrl_c_or_a_hang_up_in_a_kiosk_session_clears_it_and_the_next_person_is_served(
    content: Content, signum: int, state: str
) -> None:
    answers = heard_until_result(content, PROSTATE_PATH)
    running = Running(["-v", "kiosk", "--keyboard"])
    try:
        reach(content, running, state, answers, kiosk=True)
        running.signal(signum)
        running.wait_for(content.phrase("interrupted"), timeout=HANG)
        running.wait_for(content.phrase("kiosk_ready_keyboard"), 2, timeout=HANG)
        running.type("", *answers, "stop")  # the next person, from the first question
        code, out, err = running.finish(START)
    finally:
        running.kill()
    assert code == 0, err
    assert "Traceback" not in err
    assert "session 1 interrupted" in err and "session 2 ended: completed" in err
    people = out.split(content.phrase("kiosk_ready_keyboard"))  # [before, person 1, person 2, waiting again]
    after = people[2]
    assert "Question 1 of" in after  # the next person starts at the beginning, with nothing of the person before
    assert after.count(content.phrase("result_intro")) == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_ctrl_c_or_a_hang_up_while_the_kiosk_waits_stops_it_for_a_restart(content: Content, signum: int) -> None:
    running = Running(["kiosk", "--keyboard"])
    try:
        reach(content, running, "waiting", [], kiosk=True)
        running.signal(signum)
        code, _, err = running.finish()
    finally:
        running.kill()
    assert code == 130  # non-zero: systemd's Restart=on-failure starts it again
    assert err.strip() == f"voice-guide kiosk: {content.phrase('kiosk_stopped')}"


@pytest.mark.parametrize("state", ["waiting", "asking", "confirming", "result"])
def test_sigterm_stops_the_kiosk_at_once_in_every_state(content: Content, state: str) -> None:
    running = Running(["kiosk", "--keyboard"])
    try:
        reach(content, running, state, heard_until_result(content, PROSTATE_PATH), kiosk=True)
        running.signal(signal.SIGTERM)
        code, _, err = running.finish()
    finally:
        running.kill()
    assert code == 0
    assert err.strip() == f"voice-guide kiosk: {content.phrase('kiosk_stopped')}"


BACKGROUND = 'exec 3<&0; nohup "$@" <&3 3<&- & echo "$!" > "$PIDFILE"; wait "$!"'
"""A background start as a shell script makes it: SIGINT (and SIGQUIT) inherited ignored, SIGHUP ignored by nohup."""


def ignored_signals(pid: int) -> int:
    """The mask of signals ``pid`` ignores (SigIgn in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no SigIgn for {pid}")


def background_pid(pidfile: Path) -> int:
    deadline = time.monotonic() + HANG
    while not pidfile.exists() or not pidfile.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError("the background start wrote no pid")
        time.sleep(0.05)
    return int(pidfile.read_text())


def test_a_guide_started_in_the_background_still_stops_on_ctrl_c_and_ignores_hang_ups(
    content: Content, tmp_path: Path
) -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read which signals a process ignores")
    # The setting itself: a command started like this really has SIGINT and SIGHUP ignored.
    probe = subprocess.run(
        ["sh", "-c", BACKGROUND, "sh", "sh", "-c", "grep SigIgn /proc/self/status"],
        env={**os.environ, "PIDFILE": str(tmp_path / "probe.pid")},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=HANG,
        check=True,
    )
    mask = int(probe.stdout.split()[1], 16)
    assert mask & (1 << (signal.SIGINT - 1)) and mask & (1 << (signal.SIGHUP - 1)), probe.stdout

    pidfile = tmp_path / "guide.pid"
    answers = heard_until_result(content, PROSTATE_PATH)
    running = Running(
        ["--keyboard"], wrapper=("sh", "-c", BACKGROUND, "sh"), env={**cli_env(), "PIDFILE": str(pidfile)}
    )
    try:
        running.wait_for(PROMPT)
        pid = background_pid(pidfile)
        assert not ignored_signals(pid) & (1 << (signal.SIGINT - 1))  # the guide took SIGINT back
        assert ignored_signals(pid) & (1 << (signal.SIGHUP - 1))  # and left nohup's SIGHUP alone
        os.kill(pid, signal.SIGHUP)
        running.type(answers[0])
        running.wait_for(PROMPT, 2, timeout=HANG)  # still answering
        os.kill(pid, signal.SIGINT)
        code, _, err = running.finish()
    finally:
        running.kill()
    assert code == 130
    assert err.strip() == content.phrase("interrupted")
