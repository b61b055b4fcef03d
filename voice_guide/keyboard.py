"""The keyboard front end: prints each event as plain lines and reads one answer per line.

Works the same whether stdin is a terminal or a pipe (answers piped in line by line make the conversation
scriptable); when stdin is not a terminal, each answer read is echoed after the prompt so the transcript reads like
the conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from voice_guide.content import Content
from voice_guide.dialog import Dialog, Event, Mode
from voice_guide.render import printed_lines

PROMPT = "Your answer: "


class KeyboardFrontend:
    """Reads answers from ``stdin`` and prints to ``stdout``."""

    mode = Mode.KEYBOARD

    def __init__(self, content: Content, stdin: TextIO, stdout: TextIO, *, echo: bool | None = None) -> None:
        self.content = content
        self.stdin = stdin
        self.stdout = stdout
        self.echo = (not stdin.isatty()) if echo is None else echo
        """Echo what was read (when input is piped, it does not appear on screen otherwise)."""

    def show(self, events: Sequence[Event]) -> None:
        for event in events:
            for line in printed_lines(self.content, event):
                print(line, file=self.stdout)
        self.stdout.flush()

    def listen(self, dialog: Dialog) -> str | None:
        self.stdout.write(PROMPT)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            return None
        if self.echo:
            self.stdout.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\r\n")

    def notice(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)
