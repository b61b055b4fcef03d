"""Privacy proof: a whole session opens no network connection and writes nothing anywhere.

- In process: socket creation is made to fail, and a kiosk session still completes (and nothing tried a socket).
- In a subprocess: the kiosk runs in a fresh network namespace with no network at all (``unshare -rn``).
- In a subprocess under ``strace -f -e trace=network,file``: no socket is created, and no file is opened for writing,
  created, renamed or removed, anywhere; and HOME, TMPDIR and the working directory are unchanged afterwards.
- On a read-only and on a full disk (``unshare -rm`` with tmpfs mounts): a whole session works, since nothing is
  written. Speech output synthesizes and plays in memory, so a voice kiosk needs no writable TMPDIR either (see
  tests/test_tts.py, which traces speaking itself); nothing the person says or types is ever written.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI_TIMEOUT, cli_command, cli_env
from kiosk_helpers import Person, RecordingFrontend, SessionLog, rng, scripted_person
from speech import have_espeak
from spoken_session import Phrasebook, spoken_session

from voice_guide.content import Content
from voice_guide.kiosk import Kiosk, KioskSettings, Served, Station, keyboard_station_factory

REPO = Path(__file__).resolve().parent.parent


def repo_env(**values: str) -> dict[str, str]:
    """The CLI environment, importing this checkout's voice_guide whatever the working directory."""
    return cli_env() | {"PYTHONPATH": str(REPO)} | values


PERSON_SEED = 21
"""The scripted person of these tests (one who goes through the whole questionnaire)."""


def person_for(content: Content, seed: int = PERSON_SEED) -> Person:
    person = scripted_person(content, rng(seed))
    assert len(person.answers) > 10  # a whole questionnaire, not an early emergency stop
    return person


def typed(person: Person) -> str:
    return "".join(line + "\n" for line in person.lines)


# ---- network ---------------------------------------------------------------------------------------------------


def refuse_sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every way of creating a socket raise; returns the list of attempts, filled as they happen."""
    attempts: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: object, **kwargs: object) -> Any:
            attempts.append(name)
            raise OSError(f"network use is forbidden in this test ({name})")

        return refused

    for name in ("socket", "create_connection", "create_server", "socketpair", "fromfd", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse(name))
    with pytest.raises(OSError, match="forbidden"):
        socket.create_connection(("192.0.2.1", 80))
    attempts.clear()
    return attempts


def test_a_whole_session_works_with_socket_creation_made_to_fail(
    content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = refuse_sockets(monkeypatch)
    person = person_for(content)
    log = SessionLog()
    base = keyboard_station_factory(content, io.StringIO(typed(person)), io.StringIO(), idle_timeout=5.0)

    def build() -> Station:
        station = base()
        return Station(RecordingFrontend(station.frontend, log), station.waiter)

    report = Kiosk(content, build, KioskSettings(error_pause=0.0)).run()

    assert report.served[Served.COMPLETED] == 1
    assert log.results == [person.assessment]
    assert attempts == []


@pytest.mark.audio
def test_a_spoken_session_works_with_socket_creation_made_to_fail(
    content: Content, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """WAV files through the real pocketsphinx recognizer, with no way to open a socket."""
    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    person = person_for(content)
    book = Phrasebook(tmp_path)
    spoken_session(content, person, book)  # make the WAV files first (espeak-ng runs in a subprocess)
    attempts = refuse_sockets(monkeypatch)

    report, log = spoken_session(content, person, book)

    assert report.served[Served.COMPLETED] == 1
    assert log.answers_at_result == person.answers
    assert log.results == [person.assessment]
    assert attempts == []


def _can(command: list[str]) -> bool:
    if shutil.which(command[0]) is None:
        return False
    probe = subprocess.run(command, capture_output=True, check=False, timeout=30)
    return probe.returncode == 0


def run_kiosk(
    person: Person, *, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``voice-guide kiosk --keyboard`` serving ``person`` (then input ends), optionally under a wrapper command."""
    return subprocess.run(
        [*prefix, *cli_command(["kiosk", "--keyboard"])],
        input=typed(person),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env or repo_env(),
        cwd=cwd,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def test_a_whole_session_works_in_a_network_namespace_with_no_network(content: Content) -> None:
    if not _can(["unshare", "-rn", "true"]):
        pytest.skip("unshare -rn (user and network namespaces) is not permitted here")
    person = person_for(content)
    result = run_kiosk(person, prefix=("unshare", "-rn"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(content.phrase("goodbye")) == 1
    assert content.urgency[person.assessment.urgency].title in result.stdout


# ---- file system -----------------------------------------------------------------------------------------------

WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
CHANGING_CALLS = re.compile(
    r"^\d+\s+(creat|mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat2?|link|linkat|symlink|symlinkat|"
    r"truncate|chmod|fchmodat|chown|fchownat|utimensat|mknod|mknodat)\("
)
NETWORK_CALLS = re.compile(r"^\d+\s+(socket|socketpair|connect|bind|listen|accept4?|sendto|sendmsg|recvfrom)\(")
OPEN_CALL = re.compile(r"^\d+\s+(open|openat|openat2)\((?:AT_FDCWD, )?\"([^\"]*)\", ([A-Z_|]+)")


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``roots`` with its size and modification time (ns)."""
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            info = path.lstat()
            found[str(path)] = (info.st_size, info.st_mtime_ns)
    return found


def traced(tmp_path: Path, command: list[str], stdin: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``command`` under strace with its own HOME, TMPDIR and working directory, and check it changed nothing.

    Returns the result and the trace's lines, after asserting that the trace saw no socket, no file opened for
    writing, created, renamed or removed anywhere (outside /dev), and that HOME, TMPDIR, the working directory and
    prompts/ are unchanged.
    """
    if not _can(["strace", "-f", "-qq", "-o", "/dev/null", "true"]):
        pytest.skip("strace is not installed or ptrace is not permitted (apt-get install strace)")
    home, tmpdir, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for folder in (home, tmpdir, cwd):
        folder.mkdir()
    trace = tmp_path / "trace.txt"
    env = repo_env(HOME=str(home), TMPDIR=str(tmpdir))
    before = snapshot(home, tmpdir, cwd, REPO / "prompts")

    result = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=network,file", "-o", str(trace), *command],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=CLI_TIMEOUT * 2,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = trace.read_text(encoding="utf-8", errors="replace").splitlines()
    opened = [m for m in (OPEN_CALL.match(line) for line in lines) if m]
    assert len(opened) > 50  # the trace did record the file activity (Python's own imports)
    writes = [m.group(0) for m in opened if WRITE_FLAGS.search(m.group(3)) and not m.group(2).startswith("/dev/")]
    assert writes == []
    assert [line for line in lines if CHANGING_CALLS.match(line)] == []
    assert [line for line in lines if NETWORK_CALLS.match(line)] == []
    assert snapshot(home, tmpdir, cwd, REPO / "prompts") == before
    return result, lines


def test_strace_sees_no_socket_and_no_write_anywhere(content: Content, tmp_path: Path) -> None:
    person = person_for(content)
    result, _ = traced(tmp_path, cli_command(["kiosk", "--keyboard"]), typed(person))
    assert result.stdout.count(content.phrase("goodbye")) == 1


@pytest.mark.audio
def test_strace_sees_a_spoken_session_read_its_audio_and_write_nothing(content: Content, tmp_path: Path) -> None:
    """A voice session from WAV files (real pocketsphinx) in a traced subprocess: audio is only ever read."""
    if not have_espeak():
        pytest.skip("espeak-ng is not installed")
    person = person_for(content)
    book = Phrasebook(tmp_path)
    spoken_session(content, person, book)  # make the WAV files the person needs, outside the trace
    book.save(tmp_path / "book.json")
    script = Path(__file__).resolve().parent / "spoken_session.py"

    result, lines = traced(tmp_path, [sys.executable, str(script), str(tmp_path / "book.json"), str(PERSON_SEED)], "")

    assert json.loads(result.stdout) == {"completed": 1, "understood": True}
    wav_reads = [line for line in lines if ".wav" in line and "O_RDONLY" in line]
    assert len(wav_reads) >= len(person.answers)


# ---- read-only and full disk -----------------------------------------------------------------------------------

MOUNTS = {
    "read-only": 'mount -t tmpfs -o ro,size=64k tmpfs "$SPACE"',
    "full": 'mount -t tmpfs -o size=4k tmpfs "$SPACE"; head -c 1048576 /dev/zero > "$SPACE/fill" 2>/dev/null || true',
}
"""Shell commands that put a read-only or a full file system at $SPACE."""

PROBES = (
    'if touch "$SPACE/probe" 2>/dev/null && echo x > "$SPACE/probe" 2>/dev/null; then exit 97; fi; '
    'if touch "$REPO/.write-probe" 2>/dev/null; then rm -f "$REPO/.write-probe"; exit 98; fi'
)
"""Exit 97 / 98 when $SPACE or the repository can still be written (the test would prove nothing)."""


@pytest.mark.parametrize("disk", sorted(MOUNTS))
def test_a_whole_session_works_when_the_disk_cannot_be_written(content: Content, tmp_path: Path, disk: str) -> None:
    """HOME, TMPDIR and the working directory on a read-only (or full) file system, and the repository read-only."""
    if not _can(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"]):
        pytest.skip("unshare -rm (user and mount namespaces, with mounts) is not permitted here")
    space = tmp_path / "space"
    space.mkdir()
    script = (
        f'set -e; {MOUNTS[disk]}; mount --bind "$REPO" "$REPO"; mount -o remount,bind,ro "$REPO"; {PROBES}; '
        'cd "$SPACE"; exec "$@"'
    )
    env = repo_env(HOME=str(space), TMPDIR=str(space), SPACE=str(space), REPO=str(REPO))
    person = person_for(content)

    result = run_kiosk(person, prefix=("unshare", "-rm", "sh", "-c", script, "sh"), env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.count(content.phrase("goodbye")) == 1
    assert content.urgency[person.assessment.urgency].title in result.stdout
    assert "Traceback" not in result.stderr
    assert list(space.iterdir()) == []  # the mounts were private to the session: nothing is left behind
