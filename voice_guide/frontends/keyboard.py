"""The keyboard front end: prints each event as plain lines and reads one answer per line.

Works the same whether stdin is a terminal or a pipe (answers piped in line by line make the conversation
scriptable); when stdin is not a terminal, each answer read is echoed after the prompt so the transcript reads like
the conversation. Lines are read by a :class:`LineReader`, which can wait with a timeout (the kiosk's idle watch:
a read that times out is a silent turn).
"""

from __future__ import annotations

import io
import logging
import os
import select
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.errors import AudioError, SpeechError
from voice_guide.render import printed_lines, spoken_text
from voice_guide.session import Heard, Typed, Unheard

if TYPE_CHECKING:
    from voice_guide.speech.speaker import Speaker

log = logging.getLogger(__name__)

PROMPT = "Your answer: "


class LineReader:
    """Reads lines from a stream, with an optional timeout when the stream has a file descriptor.

    It reads the descriptor itself (``select`` + ``os.read``) and keeps its own buffer, so a line already read from
    the operating system is never hidden in a Python buffer where ``select`` cannot see it. A stream with no
    descriptor (``io.StringIO`` in tests) is read line by line with no timeout: it never blocks anyway.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._fd: int | None
        try:
            self._fd = stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            self._fd = None
        self._buffer = b""
        self._eof = False

    def readline(self, timeout: float | None) -> str | Unheard | None:
        """The next line without its line break; ``Unheard.SILENCE`` when ``timeout`` seconds pass; None at EOF."""
        if self._fd is None:
            line = self._stream.readline()
            return line.rstrip("\r\n") if line else None
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer and not self._eof:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                return Unheard.SILENCE
            chunk = os.read(self._fd, 4096)
            if chunk:
                self._buffer += chunk
            else:
                self._eof = True
        if b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
        elif self._buffer:
            raw, self._buffer = self._buffer, b""
        else:
            return None
        return raw.decode("utf-8", errors="replace").rstrip("\r")

    def ready(self) -> bool:
        """Whether a line (or the end of input) can be read without waiting."""
        if self._fd is None or b"\n" in self._buffer or self._eof:
            return True
        ready, _, _ = select.select([self._fd], [], [], 0)
        return bool(ready)


class KeyboardFrontend:
    """Reads answers from ``stdin`` and prints to ``stdout``.

    ``idle_timeout`` (seconds, None for no limit) makes a read that waits longer a silent turn
    (``Unheard.SILENCE``), for the kiosk's idle watch. ``reader`` lets several front ends share one
    :class:`LineReader` (the kiosk's, so that no typed-ahead line is lost between people). ``speaker`` (optional)
    also speaks what is shown: after a microphone fallback the guide keeps talking while the person types.
    """

    mode = Mode.KEYBOARD

    def __init__(
        self,
        content: Content,
        stdin: TextIO,
        stdout: TextIO,
        *,
        echo: bool | None = None,
        idle_timeout: float | None = None,
        reader: LineReader | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        self.content = content
        self.stdout = stdout
        self.reader = reader or LineReader(stdin)
        self.echo = (not stdin.isatty()) if echo is None else echo
        """Echo what was read (when input is piped, it does not appear on screen otherwise)."""
        self.idle_timeout = idle_timeout
        self.speaker = speaker
        """Also speaks what is shown (None: print only)."""

    def show(self, events: Sequence[Event]) -> None:
        for event in events:
            for line in printed_lines(self.content, event):
                print(line, file=self.stdout)
        self.stdout.flush()
        self._say(" ".join(text for text in (spoken_text(self.content, event) for event in events) if text))

    def _say(self, text: str) -> None:
        """Speak ``text`` when there is a speaker; a failure is logged only (everything is on screen anyway)."""
        if self.speaker is None or not text:
            return
        try:
            self.speaker.say(text)
        except (AudioError, SpeechError) as error:
            log.warning("could not speak at the keyboard: %s", error)

    def listen(self, dialog: Dialog) -> Heard:
        self.stdout.write(PROMPT)
        self.stdout.flush()
        line = self.reader.readline(self.idle_timeout)
        if not isinstance(line, str):
            self.stdout.write("\n")
        elif self.echo:
            self.stdout.write(line + "\n")
        self.stdout.flush()
        return Typed(line) if isinstance(line, str) else line

    def notice(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)
        self._say(text)
