"""Shared fixtures: the real content, a disposable copy of prompts/, and a runner for the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from voice_guide.content import Content, default_prompts_dir, load_content

CLI_TIMEOUT = 60.0
"""Seconds a CLI run may take before the test fails (a hang is a bug, not a slow machine)."""

CliResult = tuple[int, str, str]
"""(exit code, stdout, stderr) of one CLI run."""

RunCli = Callable[..., CliResult]
"""``run_cli(args, input_text="")``: run ``python -m voice_guide *args`` with ``input_text`` on stdin."""


def cli_command(args: Sequence[str]) -> list[str]:
    """The command line that runs the guide's CLI with this interpreter."""
    return [sys.executable, "-m", "voice_guide", *args]


def cli_env() -> dict[str, str]:
    """The environment for CLI subprocesses: the real content, UTF-8 output, no inherited content override."""
    env = dict(os.environ)
    env.pop("VOICE_GUIDE_PROMPTS", None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def content() -> Content:
    """The real, validated content of prompts/ (loaded once per test session)."""
    return load_content()


@pytest.fixture
def prompts_copy(tmp_path: Path) -> Path:
    """A private copy of prompts/ that a test may break; returns its path."""
    target = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), target)
    return target


@pytest.fixture
def run_cli() -> RunCli:
    """Run the real CLI in a subprocess; returns (exit code, stdout, stderr)."""

    def run(args: Sequence[str], input_text: str = "") -> CliResult:
        completed = subprocess.run(
            cli_command(args),
            input=input_text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=cli_env(),
            timeout=CLI_TIMEOUT,
            check=False,
        )
        return completed.returncode, completed.stdout, completed.stderr

    return run
