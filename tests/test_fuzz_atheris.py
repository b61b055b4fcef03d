"""The coverage-guided fuzz targets (fuzz/*_target.py, atheris on libFuzzer), run briefly on every test run.

Each target starts from its committed corpus (fuzz/corpus/<target>/, read only) and fuzzes for FUZZ_SECONDS (20 s by
default; $FUZZ_SECONDS changes it), writing what it finds to a temporary folder. An input that raises anything but
the target's own clear error, crashes, runs over 10 s (``-timeout``: issue 11's "no hang over 10 s") or takes over
2 GB fails the test, with libFuzzer's report and the input saved under the temporary folder.

atheris has wheels for CPython on x86-64 Linux only (the dev extra installs it there): elsewhere these tests are
skipped, saying so; the Hypothesis property tests of the same code (test_fuzz_wav.py, test_fuzz_assess.py) still run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
FUZZ_SECONDS = int(os.environ.get("FUZZ_SECONDS", "20"))
HANG_SECONDS = 10
"""libFuzzer's per-input time-out: an input that takes longer is a hang."""

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (it has wheels for x86-64 Linux only: pip install -e '.[dev]' there)",
)


@pytest.mark.parametrize("target", ["wav", "answers"])
def test_the_fuzz_target_finds_nothing(target: str, tmp_path: Path) -> None:
    corpus = FUZZ / "corpus" / target
    assert len(list(corpus.iterdir())) >= 5, "the committed corpus is missing"
    found = tmp_path / "found"
    found.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            str(FUZZ / f"{target}_target.py"),
            f"-max_total_time={FUZZ_SECONDS}",
            f"-timeout={HANG_SECONDS}",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
            f"-artifact_prefix={tmp_path}/",
            str(found),
            str(corpus),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(FUZZ.parent)),
        cwd=tmp_path,
        timeout=FUZZ_SECONDS + 120,
        check=False,
    )
    report = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("INFO: Instrumenting"))
    assert done.returncode == 0, report[-4000:]
    assert "Done " in report, report[-4000:]
    runs = int(
        next(line for line in report.splitlines() if line.startswith("stat::number_of_executed_units")).split()[-1]
    )
    assert runs > 1000, report[-2000:]  # it did fuzz, not just start
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-", "leak-"))]
