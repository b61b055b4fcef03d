"""Hypothesis settings shared by the property tests (tests/test_fuzz_*.py).

Each property runs a few seconds in CI. ``FUZZ_SCALE=20 pytest tests/test_fuzz_*.py`` runs twenty times the
examples, for a deeper search before a release; a failure prints the example and its reproduction blob.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def fuzz(examples: int) -> settings:
    """Settings for a property worth ``examples`` examples in CI (scaled by $FUZZ_SCALE), with no per-example
    deadline (the machine is shared and loaded; a hang is caught by the CI time-out, not by Hypothesis)."""
    scale = float(os.environ.get("FUZZ_SCALE", "1"))
    return settings(
        max_examples=max(1, round(examples * scale)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        print_blob=True,
    )
