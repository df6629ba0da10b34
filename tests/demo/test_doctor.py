"""`mirrorball doctor` against the loopback stand-ins: every row PASS when all is there, a clear FAIL when not."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from device.devtools.demo import CLIENT_ID, SPEAKER, log_in, write_config, write_frames
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn
from device.vision.detect import default_yunet_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def appliance(tmp_path):
    with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID) as spotify:
        weather.set_weather(weather_code=3, temperature_2m=18.0, is_day=1)
        write_frames(tmp_path / "frames")
        cfg = tmp_path / "config.yaml"
        write_config(cfg, frames=tmp_path / "frames", state=tmp_path / "state", weather=weather, spotify=spotify)
        yield cfg, spotify


def doctor(cfg: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, GPIOZERO_PIN_FACTORY="mock")
    return subprocess.run([sys.executable, "-m", "device", "--config", str(cfg), "doctor"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def rows(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        outcome, _, rest = line.partition("  ")
        if outcome in ("PASS", "FAIL", "SKIP", "WARN"):
            found[rest.strip().split("  ")[0]] = outcome
    return found


def test_all_pass_once_logged_in(appliance):
    cfg, spotify = appliance
    log_in(cfg, spotify)
    result = doctor(cfg)
    assert result.returncode == 0, result.stdout + result.stderr
    found = {name: outcome for name, outcome in rows(result.stdout).items() if not name.startswith("music: ")}
    # The detector passes where make models installed YuNet, and warns (Haar stands in) where it did not.
    assert found.pop("detector") == ("PASS" if default_yunet_path().is_file() else "WARN"), result.stdout
    assert found.pop("home assistant") == "SKIP"  # mqtt.enabled: false
    assert found == {name: "PASS" for name in (
        "config", "state", "clock", "model", "camera", "weather", "spotify login", "speaker", "gpio")}
    assert re.search(r"detector +(yunet \(|haar \(YuNet unavailable\))", result.stdout), result.stdout


def test_doctor_says_haar_stands_in_for_a_missing_yunet_model(appliance, tmp_path):
    cfg, spotify = appliance
    missing = tmp_path / "yunet.onnx"
    cfg.write_text(cfg.read_text().replace("vision:\n", f"vision:\n  yunet_model: {missing}\n", 1))
    result = doctor(cfg)
    assert rows(result.stdout)["detector"] == "WARN", result.stdout
    assert f"haar (YuNet unavailable): the YuNet face detector model {missing} does not exist" in result.stdout
    assert "fell back to Haar" in result.stdout and "make models" in result.stdout
    assert "fix: make models" in result.stdout


def test_missing_login_and_sleeping_speaker_fail_with_hints(appliance):
    cfg, spotify = appliance
    result = doctor(cfg)
    assert result.returncode == 1
    assert rows(result.stdout)["spotify login"] == "FAIL"
    assert "run: mirrorball auth" in result.stdout

    log_in(cfg, spotify)
    spotify.sleep_device(SPEAKER)
    result = doctor(cfg)
    assert result.returncode == 1
    assert rows(result.stdout)["speaker"] == "FAIL"
    assert "speaker 'living room' not found among Spotify Connect devices (asleep or not logged in; " \
           "seen: Kitchen Speaker, Office TV)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_music_sources_are_checked_one_small_read_each(appliance):
    cfg, spotify = appliance
    log_in(cfg, spotify)
    result = doctor(cfg)
    found = rows(result.stdout)
    music = {name: outcome for name, outcome in found.items() if name.startswith("music: ")}
    assert set(music) >= {"music: genre search", "music: genre artists", "music: artist albums",
                          "music: album tracks", "music: saved tracks", "music: top tracks", "music: top artists",
                          "music: recently played", "music: your playlists"}
    # which of the others PASS depends on what the stand-in serves (issue 15 makes it serve them all); a refused
    # one is a WARN with a fix, never a FAIL, while another source works
    assert music["music: genre search"] == "PASS" and set(music.values()) <= {"PASS", "WARN"}
    assert "Traceback" not in result.stdout + result.stderr
