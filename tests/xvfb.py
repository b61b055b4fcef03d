"""A virtual X server for the screen tests, real synthetic input with xdotool, and screenshots kept in memory.

``xvfb`` (a pytest fixture; import it into a test module) starts Xvfb on a free display (``-displayfd`` lets the
server pick one, so tests never collide with each other or with a real desktop), with ``-nolisten tcp`` so the X
server itself opens no network socket. :class:`Display` clicks, presses keys and types with xdotool, which sends real
X input events (the same path a touch screen's emulated pointer takes), and grabs the whole screen into a Pillow
image in memory (``ImageGrab.grab(xdisplay=...)``: XCB, no file).

Install: ``apt-get install xvfb xdotool fonts-dejavu-core`` and ``pip install pillow`` (extra ``test-screen``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from PIL.Image import Image

SIZE = (1280, 800)
"""The virtual screen: a common 10-inch touch display (and wide enough for the result's two columns)."""

T = TypeVar("T")


@dataclass
class Display:
    """One running Xvfb."""

    name: str
    """The X display, e.g. ":3"."""
    size: tuple[int, int]
    process: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        """The environment for programs that should use this display (and nothing else graphical)."""
        env = dict(os.environ)
        for key in ("WAYLAND_DISPLAY", "SDL_VIDEODRIVER", "XAUTHORITY"):
            env.pop(key, None)
        env["DISPLAY"] = self.name
        return env

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=20, capture_output=True)

    def click(self, x: int, y: int) -> None:
        """Move the pointer to (x, y) and click the first button, as a real X event."""
        # No --sync: it waits for the pointer to move, and stalls when the pointer is already there. XTest events
        # are handled in order, so the click still lands where the pointer was moved to.
        self.xdotool("mousemove", str(x), str(y), "click", "1")

    def key(self, *keys: str) -> None:
        """Press keys by X keysym name ("2", "Return", "BackSpace")."""
        self.xdotool("key", "--delay", "30", *keys)

    def type(self, text: str) -> None:
        """Type text, one key press per character."""
        self.xdotool("type", "--delay", "30", text)

    def screenshot(self) -> Image:
        """The whole screen, in memory."""
        from PIL import ImageGrab

        return ImageGrab.grab(xdisplay=self.name)

    def wait_for(self, check: Callable[[Image], T | None], timeout: float = 15.0, what: str = "the screen") -> T:
        """Grab the screen until ``check`` returns something other than None (or False); that value."""
        deadline = time.monotonic() + timeout
        while True:
            found = check(self.screenshot())
            if found is not None and found is not False:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.05)


def have_xvfb() -> bool:
    return shutil.which("Xvfb") is not None and shutil.which("xdotool") is not None


def start_xvfb(size: tuple[int, int] = SIZE) -> Display:
    """Start Xvfb on a free display; raises RuntimeError if it does not come up."""
    read, write = os.pipe()
    process = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    number = b""
    deadline = time.monotonic() + 20
    try:
        while not number.endswith(b"\n"):
            if time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not report its display within 20 s")
            chunk = os.read(read, 16)
            if not chunk:
                raise RuntimeError(f"Xvfb exited with code {process.wait()}")
            number += chunk
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        os.close(read)
    return Display(f":{number.decode().strip()}", size, process)


def stop_xvfb(display: Display) -> None:
    display.process.terminate()
    try:
        display.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        display.process.kill()
        display.process.wait()


@pytest.fixture
def xvfb() -> Iterator[Display]:
    """A fresh virtual X server of SIZE for one test (skipped when Xvfb or xdotool is not installed)."""
    if not have_xvfb():
        pytest.skip("Xvfb and xdotool are not installed (apt-get install xvfb xdotool)")
    pytest.importorskip("PIL", reason="Pillow is not installed (pip install -e '.[test-screen]')")
    display = start_xvfb()
    try:
        yield display
    finally:
        stop_xvfb(display)
