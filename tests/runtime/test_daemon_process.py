"""`mirrorball run` as systemd runs it: a real child process, a real notify socket, real signals."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from waiting import PATIENCE_S

ROOT = Path(__file__).resolve().parents[2]


def config_text(state_dir: Path, volume: int) -> str:
    # Nothing outside is reachable: no Spotify app, no weather place, a camera folder without photos, no GPIO.
    return (f"daemon:\n  state_dir: {state_dir}\n  require_time_sync: false\n  tick_s: 0.2\n"
            f"camera:\n  source: images\n  images: {state_dir}/no-photos-here\n"
            f"music:\n  volume: {volume}\n")


def collect(sock: socket.socket, until: str, timeout: float = PATIENCE_S) -> list[str]:
    """The notify messages up to one containing `until`, waiting at least PATIENCE_S (a loaded machine is slow)."""
    messages: list[str] = []
    deadline = time.monotonic() + max(timeout, PATIENCE_S)
    while time.monotonic() < deadline:
        try:
            messages.append(sock.recv(65536).decode())
        except TimeoutError:
            continue
        if until in messages[-1]:
            return messages
    raise AssertionError(f"no {until!r} within {timeout} s; got {messages}")


@pytest.fixture
def service(tmp_path, notify_listener):
    sock_path, sock = notify_listener(0.2)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(config_text(tmp_path / "state", 30))
    env = dict(os.environ, NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="2000000", PYTHONUNBUFFERED="1")
    env.pop("WATCHDOG_PID", None)
    log = (tmp_path / "stderr.log").open("w")
    child = subprocess.Popen([sys.executable, "-m", "device", "--config", str(cfg), "run"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=log)
    yield child, sock, cfg, tmp_path
    if child.poll() is None:
        child.kill()
        child.wait()
    log.close()


def test_starts_without_network_camera_or_login_then_reloads_and_stops(service):
    child, sock, cfg, tmp_path = service
    messages = collect(sock, "READY=1")
    messages += collect(sock, "WATCHDOG=1")
    status = collect(sock, "Spotify not configured")[-1]
    assert "weather unknown: no place configured" in status
    assert "camera unavailable" in status

    cfg.write_text("music:\n  volume: [loud]\n")
    child.send_signal(signal.SIGHUP)
    reload_messages = collect(sock, "READY=1")
    assert any(m.startswith("RELOADING=1") for m in reload_messages)
    cfg.write_text(config_text(tmp_path / "state", 45))
    child.send_signal(signal.SIGHUP)
    collect(sock, "READY=1")

    child.send_signal(signal.SIGTERM)
    assert child.wait(PATIENCE_S) == 0  # stopped, cleanly (how fast is no verdict: timing belongs in benchmarks)
    log = (tmp_path / "stderr.log").read_text()
    assert "music.volume: must be a whole number, got a list" in log
    assert "config reload rejected" in log
    assert "config reloaded: applying changes to music" in log
    assert "Traceback" not in log


def test_invalid_config_exits_78_with_every_problem(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("weather:\n  latitude: 123\n  longitude: 0\ncamera:\n  width: 1\n")
    result = subprocess.run([sys.executable, "-m", "device", "--config", str(cfg), "run"], cwd=ROOT,
                            capture_output=True, text=True, timeout=PATIENCE_S)
    assert result.returncode == 78
    assert f"{cfg}:2:13: weather.latitude: must be between -90 and 90, got 123" in result.stderr
    assert f"{cfg}:5:10: camera.width: must be between 160 and 4096, got 1" in result.stderr
    assert "Traceback" not in result.stderr
