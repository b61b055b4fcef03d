"""The keyboard front end: prints each event as plain lines and reads one answer per line.

Works the same whether stdin is a terminal or a pipe (answers piped in line by line make the conversation
scriptable); when stdin is not a terminal, each answer read is echoed after the prompt so the transcript reads like
the conversation. Lines are read by a :class:`LineReader`, which can wait with a timeout (the kiosk's idle watch:
a read that times out is a silent turn).

Bounds: bytes are decoded as UTF-8 with invalid bytes replaced (whatever the locale); a line keeps at most
:data:`MAX_LINE_BYTES` (the rest of it is read and dropped, so memory stays bounded however long the line); a line
longer than an answer can be (:data:`~voice_guide.matcher.MAX_ANSWER_CHARS`) is refused with a plain message and
read again; what is echoed has its control characters replaced, so typed escape sequences never reach the terminal.
"""

from __future__ import annotations

import io
import logging
import os
import re
import select
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.matcher import MAX_ANSWER_CHARS
from voice_guide.render import follow_rate_changes, printed_lines, spoken_words
from voice_guide.session import Heard, Typed, Unheard
from voice_guide.speech.speaker import say_shown

if TYPE_CHECKING:
    from voice_guide.speech.speaker import Speaker

log = logging.getLogger(__name__)

PROMPT = "Your answer: "

MAX_LINE_BYTES = 4096
"""Bytes of one line kept (the rest is dropped). More than four bytes per character of the longest answer
(MAX_ANSWER_CHARS), so a line cut here is always refused as too long, never taken as a shorter answer."""

if MAX_LINE_BYTES <= 4 * MAX_ANSWER_CHARS:  # pragma: no cover - a programming error, caught by any test
    raise RuntimeError("MAX_LINE_BYTES must exceed 4 * MAX_ANSWER_CHARS")

_READ_BYTES = 4096
"""Bytes asked of the operating system per read."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Control characters (C0 but tab and line feed, DEL, C1): replaced when echoing what was typed."""


def printable(text: str) -> str:
    """``text`` with control characters replaced by U+FFFD, safe to write to a terminal."""
    return _CONTROL.sub("\ufffd", text)


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
        """What was read of the current line (at most MAX_LINE_BYTES) and, after a line break, of the next."""
        self._dropping = False
        """The current line grew past MAX_LINE_BYTES: its rest is being read and dropped."""
        self._kept = b""
        """While dropping: the first MAX_LINE_BYTES of that line."""
        self._eof = False

    def readline(self, timeout: float | None) -> str | Unheard | None:
        """The next line without its line break (at most MAX_LINE_BYTES of it, invalid UTF-8 replaced);
        ``Unheard.SILENCE`` when ``timeout`` seconds pass; None at EOF."""
        if self._fd is None:
            return self._read_text_line()
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer and not self._eof:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                return Unheard.SILENCE
            try:
                chunk = os.read(self._fd, _READ_BYTES)
            except OSError:  # the terminal hung up (EIO) or went away: the end of input
                chunk = b""
            if not chunk:
                self._eof = True
            elif self._dropping:
                if b"\n" in chunk:  # the long line ends here; what follows is the next line
                    self._buffer += chunk.split(b"\n", 1)[1]
                    self._dropping = False
                    return self._line(self._kept)
            else:
                self._buffer += chunk
                if b"\n" not in self._buffer and len(self._buffer) > MAX_LINE_BYTES:
                    self._kept, self._buffer = self._buffer[:MAX_LINE_BYTES], b""
                    self._dropping = True
        if self._dropping:  # the input ended inside a long line
            self._dropping = False
            return self._line(self._kept)
        if b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
        elif self._buffer:
            raw, self._buffer = self._buffer, b""
        else:
            return None
        return self._line(raw[:MAX_LINE_BYTES])

    @staticmethod
    def _line(raw: bytes) -> str:
        return raw.decode("utf-8", errors="replace").rstrip("\r")

    def _read_text_line(self) -> str | None:
        """A line from a stream with no descriptor, keeping at most MAX_LINE_BYTES characters of it."""
        line = self._stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        if not line.endswith("\n") and len(line) > MAX_LINE_BYTES:
            rest = line
            while rest and not rest.endswith("\n"):  # drop the rest of the long line
                rest = self._stream.readline(_READ_BYTES)
        return line[:MAX_LINE_BYTES].rstrip("\r\n")

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

    @property
    def speaks(self) -> bool:
        return self.speaker is not None

    def show(self, events: Sequence[Event]) -> None:
        for event in events:
            for line in printed_lines(self.content, event):
                print(line, file=self.stdout)
        self.stdout.flush()
        if self.speaker is not None:
            follow_rate_changes(self.speaker, events)
        self._say(spoken_words(self.content, events))

    def _say(self, text: str) -> None:
        say_shown(self.speaker, text, "at the keyboard")

    def listen(self, dialog: Dialog) -> Heard:
        while True:
            self.stdout.write(PROMPT)
            self.stdout.flush()
            line = self.reader.readline(self.idle_timeout)
            if not isinstance(line, str):
                self.stdout.write("\n")
            elif self.echo:
                self.stdout.write(
                    printable(line[: MAX_ANSWER_CHARS + 1]) + ("..." if len(line) > MAX_ANSWER_CHARS else "") + "\n"
                )
            self.stdout.flush()
            if not isinstance(line, str):
                return line
            if len(line) <= MAX_ANSWER_CHARS:
                return Typed(line)
            self.notice(self.content.phrase("too_long", limit=MAX_ANSWER_CHARS))

    def notice(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)
        self._say(text)
