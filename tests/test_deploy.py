"""The systemd unit for the Raspberry Pi kiosk: the directives the README promises, and systemd's own check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "voice-guide.service"
SCREEN_UNIT = UNIT.with_name("voice-guide-screen.service")


def directives(unit: Path = UNIT) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_unit_runs_the_kiosk_unprivileged_hardened_offline_and_restarting() -> None:
    unit = directives()
    assert unit["User"] == ["voiceguide"]
    assert unit["SupplementaryGroups"] == ["audio"]
    assert unit["ExecStartPre"] == ["/opt/voice-guide/.venv/bin/voice-guide doctor"]
    assert unit["ExecStart"] == ["/opt/voice-guide/.venv/bin/voice-guide kiosk"]
    assert unit["Restart"] == ["on-failure"]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "read-only",
        "PrivateTmp": "yes",
        "PrivateNetwork": "yes",
        "NoNewPrivileges": "yes",
        "KillSignal": "SIGTERM",
    }.items():
        assert unit[key] == [value], key


def test_the_screen_unit_runs_the_screen_kiosk_with_the_same_hardening_plus_display_and_input() -> None:
    plain, screen = directives(), directives(SCREEN_UNIT)
    assert screen["ExecStart"] == ["/opt/voice-guide/.venv/bin/voice-guide kiosk --screen"]
    assert screen["ExecStartPre"] == plain["ExecStartPre"]
    assert "SDL_VIDEODRIVER=kmsdrm" in screen["Environment"][0].split()
    assert set(screen["SupplementaryGroups"][0].split()) == {"audio", "video", "render", "input"}
    assert set(screen["DeviceAllow"]) == {*plain["DeviceAllow"], "char-drm rw", "char-input r"}
    assert screen["RestrictAddressFamilies"] == ["AF_UNIX AF_NETLINK"]  # udev's device list; still no network
    assert "voice-guide.service" in screen["Conflicts"][0].split()
    for key in (
        "User",
        "ProtectSystem",
        "ProtectHome",
        "PrivateTmp",
        "PrivateNetwork",
        "IPAddressDeny",
        "NoNewPrivileges",
        "KillSignal",
        "Restart",
        "TTYPath",
        "SystemCallFilter",
        "UMask",
    ):
        assert screen[key] == plain[key], key


@pytest.mark.parametrize("unit", [UNIT, SCREEN_UNIT], ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit(tmp_path: Path, unit: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # Point the commands at this checkout's interpreter so that only the unit itself is checked.
    bin_dir = Path(sys.executable).parent
    (tmp_path / unit.name).write_text(
        unit.read_text(encoding="utf-8").replace("/opt/voice-guide/.venv/bin", str(bin_dir)), encoding="utf-8"
    )
    if not (bin_dir / "voice-guide").exists():
        pytest.skip("the voice-guide script is not installed next to this interpreter")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / unit.name)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if unit.name in line]
    assert problems == []
