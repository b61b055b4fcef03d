"""A private PulseAudio server with a virtual microphone and a null sink, so audio tests run with no sound card.

Usage from a test module (tests/ is on sys.path under pytest's default import mode, like ``speech``)::

    from pulse import PulseServer, pulse_server

    @pytest.fixture
    def pulse() -> Iterator[PulseServer]:
        with pulse_server() as server:  # skips the test when pulseaudio/pactl are not installed
            yield server

    def test_hears(pulse: PulseServer) -> None:
        with Microphone() as mic:
            pulse.feed(synthesize("yes"))  # played into the virtual mic in real time
            utterance = mic.listen()

The server runs ``pulseaudio --daemonize=no --exit-idle-time=-1 --disable-shm=yes -n -F CONFIG`` with a private HOME and
XDG_RUNTIME_DIR (mode 700) in a temporary directory. CONFIG loads the native protocol (anonymous auth) and
``module-null-sink sink_name=nullsink rate=16000 channels=1`` (the output device); ``module-pipe-source
source_name=pipemic`` reading a FIFO is loaded with pactl and made the default source. A feeder thread writes into
the FIFO in real time: the audio given to :meth:`PulseServer.feed`, otherwise silence (a source that is not fed
makes ``stream.stop()`` hang). While the server runs, this process's PULSE_SERVER points at it (ALSA's pulse plugin,
and so sounddevice's "default" and "pulse" devices, use it) and PortAudio is re-initialized so it sees the devices.
On exit the daemon is killed, the directory removed, the environment restored and PortAudio re-initialized again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

RATE = 16_000
"""Hz of the virtual microphone and the null sink."""
CHUNK = 160
"""Samples written to the FIFO at a time (10 ms)."""
FIFO_BYTES = 4096
"""Capacity of the FIFO behind the virtual microphone (the smallest Linux allows: 128 ms of audio)."""
LATE = 0.05
"""Seconds behind real time after which the feeder stops trying to catch up (its write blocked)."""
START_TIMEOUT = 10.0
"""Seconds the daemon may take to accept connections."""

_ENV_KEYS = ("PULSE_SERVER", "PULSE_COOKIE", "PULSE_CLIENTCONFIG")


def have_pulseaudio() -> bool:
    return shutil.which("pulseaudio") is not None and shutil.which("pactl") is not None


def reinit_sounddevice() -> None:
    """Make PortAudio enumerate devices again (it does so only at initialization), if sounddevice is importable."""
    try:
        import sounddevice as sd
    except (ImportError, OSError):
        return
    sd._terminate()
    sd._initialize()


@contextlib.contextmanager
def _client_env(values: dict[str, str]) -> Iterator[None]:
    """Set the PulseAudio client variables of this process (and so of ALSA's pulse plugin), then restore them."""
    saved = {key: os.environ.get(key) for key in _ENV_KEYS}
    os.environ.update(values)
    reinit_sounddevice()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reinit_sounddevice()


@contextlib.contextmanager
def no_audio_devices() -> Iterator[None]:
    """No sound server at all (like a machine with no sound card): sounddevice lists no devices inside."""
    with tempfile.TemporaryDirectory(prefix="no-pulse-") as root:
        client_conf = Path(root) / "client.conf"
        client_conf.write_text("autospawn = no\n")
        with _client_env(
            {
                "PULSE_SERVER": f"unix:{root}/no-such-socket",
                "PULSE_COOKIE": f"{root}/cookie",
                "PULSE_CLIENTCONFIG": str(client_conf),
            }
        ):
            yield


@dataclass
class Feed:
    """Audio queued for the virtual microphone."""

    samples: npt.NDArray[np.int16]
    started: threading.Event = field(default_factory=threading.Event)
    """Set when its first sample is written into the FIFO."""
    finished: threading.Event = field(default_factory=threading.Event)
    """Set when its last sample has been written."""
    finished_at: float = 0.0
    """time.monotonic() when the last sample was written."""

    def wait(self, timeout: float) -> bool:
        """Wait until all of it has been written; False on timeout."""
        return self.finished.wait(timeout)


class PulseServer:
    """A running private PulseAudio daemon with ``pipemic`` (default source) and ``nullsink`` (default sink)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fifo = root / "pipemic.fifo"
        self.env = dict(os.environ)
        home, runtime = root / "home", root / "runtime"
        home.mkdir()
        runtime.mkdir(mode=0o700)
        # No shared memory between client and server: PulseAudio 16 aborted in CI with "Assertion
        # 'pa_atomic_load(&b->pool->stat.n_imported) > 0' failed at memblock.c:780, memblock_replace_import()" when the
        # guide opened and closed one short playback stream per prompt. Audio copied over the socket avoids that path.
        (home / "client.conf").write_text("autospawn = no\nenable-shm = no\nenable-memfd = no\n")
        self.socket = runtime / "pulse" / "native"
        self.client_env = {
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_COOKIE": str(home / "cookie"),
            "PULSE_CLIENTCONFIG": str(home / "client.conf"),
        }
        self.env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), **self.client_env)
        config = root / "server.pa"
        config.write_text(
            "load-module module-native-protocol-unix auth-anonymous=1\n"
            f"load-module module-null-sink sink_name=nullsink rate={RATE} channels=1\n"
        )
        self.log = (root / "pulseaudio.log").open("wb")
        self.process = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                # As root (CI), PulseAudio takes real-time scheduling itself and installs a CPU limiter that ends the
                # daemon when it thinks it uses too much CPU: neither is wanted on a loaded test machine.
                "--realtime=no",
                "--high-priority=no",
                "--no-cpu-limit",
                "--disable-shm=yes",
                "--log-level=info",
                "--log-time=yes",
                "-n",
                "-F",
                str(config),
            ],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._pending: list[Feed] = []
        self._lock = threading.Lock()
        self._stalled = threading.Event()
        self._closing = threading.Event()
        self._feeder: threading.Thread | None = None
        self.mic_module = ""
        self.sink_module = ""
        self.killed = False
        """The test killed the server on purpose (:meth:`kill`): its exit is then no failure."""

    # -- control -------------------------------------------------------------------------------------------------

    def pactl(self, *args: str) -> str:
        """Run pactl against this server; returns its stdout."""
        done = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pulseaudio exited with {self.process.returncode}: {self.log_text()}")
            with contextlib.suppress(RuntimeError):
                self.pactl("info")
                return
            time.sleep(0.05)
        raise RuntimeError(f"pulseaudio did not start within {START_TIMEOUT} s: {self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return (self.root / "pulseaudio.log").read_text(errors="replace")[-2000:]

    def start(self) -> None:
        self._wait_ready()
        for line in self.pactl("list", "short", "modules").splitlines():
            if "module-null-sink" in line:
                self.sink_module = line.split()[0]
        self.mic_module = self.pactl(
            "load-module",
            "module-pipe-source",
            "source_name=pipemic",
            f"file={self.fifo}",
            "format=s16le",
            f"rate={RATE}",
            "channels=1",
        ).strip()
        self.pactl("set-default-source", "pipemic")
        self.pactl("set-default-sink", "nullsink")
        self._feeder = threading.Thread(target=self._feed_loop, name="pulse-feeder", daemon=True)
        self._feeder.start()

    def kill(self) -> None:
        """Kill the sound server now (SIGKILL), as a crashing PulseAudio or PipeWire would die."""
        self.killed = True
        self.process.kill()
        self.process.wait(10)

    def close(self) -> None:
        self._closing.set()
        # The server goes first: while nothing records, the feeder can be blocked writing to a full FIFO, and only
        # the pipe's reader going away (EPIPE) frees it at once (joining first cost 5 s a test).
        self.process.kill()
        self.process.wait(10)
        if self._feeder is not None:
            self._feeder.join(5)
        self.log.close()

    @contextlib.contextmanager
    def record_sink(self) -> Iterator[list[npt.NDArray[np.int16]]]:
        """Record what is played to the null sink (through its monitor, with parec); the list holds the audio after
        the block exits."""
        recorded: list[npt.NDArray[np.int16]] = []
        parec = subprocess.Popen(
            [
                "parec",
                "-d",
                "nullsink.monitor",
                f"--rate={RATE}",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
            ],
            env=self.env,
            stdout=subprocess.PIPE,
        )
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: parec.stdout.read(3200), b"")), daemon=True)  # type: ignore[union-attr]
        reader.start()
        time.sleep(0.3)  # let parec connect before anything is played
        try:
            yield recorded
            time.sleep(0.3)
        finally:
            parec.terminate()
            parec.wait(5)
            reader.join(5)
            if parec.stdout is not None:
                parec.stdout.close()
            raw = b"".join(chunks)
            recorded.append(np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16))

    # -- the virtual microphone ----------------------------------------------------------------------------------

    def feed(self, samples: npt.NDArray[np.int16]) -> Feed:
        """Queue 16 kHz mono audio for the microphone; it is written in real time after anything queued before."""
        item = Feed(np.ascontiguousarray(samples, dtype=np.int16))
        with self._lock:
            self._pending.append(item)
        return item

    def stall(self) -> None:
        """Stop writing anything into the FIFO: the source stops producing audio, as a hung device would."""
        self._stalled.set()

    def unplug(self) -> None:
        """Remove the microphone mid-session: unload the null sink (whose monitor PulseAudio would otherwise move
        capture streams to) and then the pipe source, so open capture streams lose their device."""
        if self.sink_module:
            self.pactl("unload-module", self.sink_module)
        self.pactl("unload-module", self.mic_module)

    def _feed_loop(self) -> None:
        silence = np.zeros(CHUNK, dtype=np.int16)
        fd = os.open(self.fifo, os.O_WRONLY)  # the source holds the FIFO open, so this does not block
        # While nothing records, the pipe source stops reading and the FIFO fills. A real microphone loses what
        # nobody records, so keep the FIFO small (stale audio is at most FIFO_BYTES) and never catch up later.
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, FIFO_BYTES)
        try:
            written = 0
            clock = time.monotonic()
            current: Feed | None = None
            position = 0
            while not self._closing.is_set():
                if self._stalled.is_set():
                    time.sleep(0.01)
                    clock, written = time.monotonic(), 0
                    continue
                if current is None:
                    with self._lock:
                        current = self._pending.pop(0) if self._pending else None
                    position = 0
                if current is not None:
                    chunk = current.samples[position : position + CHUNK]
                    current.started.set()
                    position += len(chunk)
                    if len(chunk) < CHUNK:
                        chunk = np.concatenate([chunk, silence[: CHUNK - len(chunk)]])
                else:
                    chunk = silence
                try:
                    os.write(fd, chunk.astype("<i2").tobytes())
                except OSError:  # the source was unloaded
                    return
                if current is not None and position >= len(current.samples):
                    current.finished_at = time.monotonic()
                    current.finished.set()
                    current = None
                written += CHUNK
                delay = clock + written / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -LATE:  # the write blocked: start the real-time clock again rather than burst
                    clock, written = time.monotonic(), 0
        finally:
            os.close(fd)


@contextlib.contextmanager
def pulse_server() -> Iterator[PulseServer]:
    """Start a private PulseAudio server for this process (see the module docstring); skip if not installed."""
    if not have_pulseaudio():
        pytest.skip(
            "pulseaudio and pactl are not installed (apt install pulseaudio pulseaudio-utils libasound2-plugins)"
        )
    if sys.platform != "linux":
        pytest.skip("the PulseAudio harness is Linux-only")
    root = Path(tempfile.mkdtemp(prefix="voice-guide-pulse-"))
    server = PulseServer(root)
    try:
        server.start()
        with _client_env(server.client_env):
            yield server
        # Under a pytest fixture this runs at teardown even when the test failed, so the reason is always shown.
        if server.process.poll() is not None and not server.killed:
            # A test that failed because the sound server went away must say so, with the server's own last words.
            pytest.fail(f"pulseaudio exited with {server.process.returncode} during the test:\n{server.log_text()}")
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)
