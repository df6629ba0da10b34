"""The unit file passes systemd-analyze verify and keeps its security exposure at 2.0 or less."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "mirrorball.service"
needs_systemd = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                   reason="systemd-analyze is not installed on this machine")


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_unit_keeps_camera_and_gpio_reachable():
    s = unit_settings()
    assert s["Type"] == ["notify"]
    assert "PrivateDevices" not in s, "PrivateDevices= hides the camera"
    assert s["DevicePolicy"] == ["closed"]
    allowed = " ".join(s["DeviceAllow"])
    for device_class in ("char-video4linux", "char-media", "char-dma_heap", "char-gpiochip"):
        assert device_class in allowed
    assert "video gpio" in s["SupplementaryGroups"][0]
    assert "AF_INET" in s["RestrictAddressFamilies"][0] and "AF_INET6" in s["RestrictAddressFamilies"][0]
    assert "Requires" not in s, "a device offline at boot must still start"
    assert "network-online.target" in s["Wants"][0] and "time-sync.target" in s["Wants"][0]
    assert s["RestartPreventExitStatus"] == ["78"]


@needs_systemd
def test_verify(tmp_path):
    # verify checks that ExecStart exists; point it at an executable that does (the layout is tested above).
    unit = tmp_path / "mirrorball.service"
    unit.write_text(UNIT.read_text().replace("/opt/mirrorball/venv/bin/mirrorball", shutil.which("true")))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@needs_systemd
def test_security_exposure_at_most_2():
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                            capture_output=True, text=True)
    match = re.search(r"Overall exposure level for mirrorball.service: ([0-9.]+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0
