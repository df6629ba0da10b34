"""Fault matrix on the whole daemon (Daemon + build_parts, stand-ins, mock pins): model, config, Spotify, weather."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import pytest
from fault_rig import wait_for

from device.vision.age import default_model_path

MODEL = default_model_path()


def healthy_apart_from(a, *names) -> None:
    """The daemon runs, nothing raised an unexpected exception, and every other part still works."""
    assert a.alive(), "the daemon stopped"
    assert a.logs.unhandled() == [], a.logs.unhandled()[:1]
    assert a.daemon.supervisor.healthy()
    others = [r for r in a.daemon.supervisor.runners if r.part.name not in names]
    wait_for(lambda: all(r.running for r in others), 15)  # the model loads slowly on a busy machine
    for runner in others:
        assert runner.running, f"{runner.part.name} is down: {runner.reason}"


# ------------------------------------------------------------ model

def _model_copy(tmp: Path, damage) -> Path:
    if not MODEL.is_file():
        pytest.skip(f"the age model {MODEL} is not there")
    folder = tmp / "model"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(MODEL, folder / "age.tflite")
    shutil.copyfile(MODEL.with_suffix(".json"), folder / "age.json")
    damage(folder / "age.tflite", folder / "age.json")
    return folder / "age.tflite"


def _truncate(model: Path, sidecar: Path) -> None:
    model.write_bytes(model.read_bytes()[:20000])


def _wrong_shape(model: Path, sidecar: Path) -> None:
    meta = json.loads(sidecar.read_text())
    meta["input"]["size"] = meta["crop"]["size"] = meta["input"]["size"] * 2
    sidecar.write_text(json.dumps(meta))


@pytest.mark.parametrize("damage, sentence", [
    (lambda m, s: m.unlink(), "does not exist"),
    (_truncate, "is not a valid TFLite model"),
    (_wrong_shape, "takes input of shape"),
])
def test_bad_model_is_one_sentence_and_no_restart_storm(appliance, tmp_path, damage, sentence):
    model = _model_copy(tmp_path, damage)
    a = appliance(extra={"vision": {"model": str(model)}}).start()
    status = a.wait_status("vision unavailable")
    assert f"vision unavailable: the age model {model} {sentence}" in status, status
    wait_for(lambda: "rain 7°C" in a.status(), 5)
    tried = a.runner("vision").failures
    time.sleep(2.5)  # an observation window: a loaded machine can only see fewer retries in it
    assert a.runner("vision").failures - tried <= 2, "start-up retries back off (1 s, 2 s, 4 s...)"
    assert len(a.logs.lines(logging.WARNING, "vision unavailable")) == 1, "one sentence, not one per retry"
    healthy_apart_from(a, "vision")
    assert a.rc is None, "the service keeps running (no exit, so no systemd restart storm)"


# ------------------------------------------------------------ config

def _invalid(a):
    a.config_path.write_text(a.config_path.read_text().replace("latitude: 52.52", "latitude: 123"))
    return "weather.latitude: must be between -90 and 90, got 123"


def _deleted(a):
    a.config_path.unlink()
    return "file not found"


def _a_directory(a):
    a.config_path.unlink()
    a.config_path.mkdir()
    return "cannot read: [Errno 21] Is a directory"


def _not_utf8(a):
    a.config_path.write_bytes(b"music:\n  volume: \xff\xfe\n")
    return "cannot read: 'utf-8' codec can't decode"


@pytest.mark.parametrize("break_it", [_invalid, _deleted, _a_directory, _not_utf8])
def test_config_broken_then_reloaded_keeps_the_last_good_one(appliance, break_it):
    a = appliance().start()
    a.wait_status("rain 7°C")
    config, supervisor = a.daemon.config, a.daemon.supervisor
    problem = break_it(a)
    a.daemon.request_reload()
    wait_for(lambda: a.logs.lines(logging.ERROR, "config reload rejected"), 5)
    assert any(problem in line for line in a.logs.lines(logging.ERROR)), a.logs.lines(logging.ERROR)
    assert a.daemon.config is config and a.daemon.supervisor is supervisor, "last good config, parts untouched"
    healthy_apart_from(a)


def test_config_unreadable_by_the_service_user(appliance, monkeypatch):
    """Root reads any file whatever its mode, so EACCES is raised where the loader reads the file."""
    a = appliance().start()
    a.wait_status("rain 7°C")
    config = a.daemon.config
    real_read = Path.read_text

    def read_text(self, *args, **kw):
        if self == a.config_path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self, *args, **kw)

    monkeypatch.setattr(Path, "read_text", read_text)
    a.daemon.request_reload()
    wait_for(lambda: a.logs.lines(logging.ERROR, "config reload rejected"), 5)
    assert a.logs.lines(logging.ERROR, "permission denied (is it readable by the mirrorball user?)")
    assert a.daemon.config is config
    healthy_apart_from(a)


# ------------------------------------------------------------ Spotify and weather through the whole daemon

@pytest.mark.parametrize("status", [500, 502, 503])
def test_spotify_5xx_everywhere(appliance, status):
    a = appliance()
    a.spotify.fail("*", r"/v1/.*", status, times=None)
    a.start()
    text = a.wait_status(f"Spotify server error {status}", 10)
    assert f"Spotify server error {status}" in text and "rain 7°C" in text, text
    healthy_apart_from(a)
    a.spotify.clear_faults()


def test_spotify_connection_refused(appliance):
    a = appliance(extra={"spotify": {"api_url": "http://127.0.0.1:9/v1"}})  # discard port: nothing listens
    a.start()
    text = a.wait_status("cannot reach Spotify: connection refused", 10)
    assert "cannot reach Spotify: connection refused" in text and "camera ok" in text, text
    healthy_apart_from(a)


def test_spotify_login_revoked_while_playing(appliance):
    a = appliance(extra={"spotify": {"poll_s": 2}})
    a.start()
    a.wait_status("playing", 10)
    a.spotify.revoke()
    text = a.wait_status("Spotify login needed: run mirrorball auth", 10)
    assert "Spotify login needed: run mirrorball auth" in text and "rain 7°C" in text, text
    assert a.alive() and a.logs.unhandled() == []


def test_weather_down_at_start(appliance):
    a = appliance()
    a.weather.fail(503, "Service unavailable", times=1000)
    a.start()
    a.wait_status("weather unknown", 10)
    assert "weather unknown: Open-Meteo answered HTTP 503: Service unavailable" in a.wait_status("playing", 10)
    healthy_apart_from(a)
    a.weather.clear_faults()
