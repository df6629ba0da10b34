"""Secrets come from systemd credentials, the environment or a file before the YAML; the clock's trust."""

from __future__ import annotations

import time

import pytest

from device.config.secrets import SecretError, read_secret
from device.core import clock as clock_module
from device.core.clock import SystemClock


def test_secret_lookup_order(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    monkeypatch.delenv("MIRRORBALL_SPOTIFY_CLIENT_SECRET", raising=False)
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    assert read_secret("spotify_client_secret", "inline", None) == "inline"
    assert read_secret("spotify_client_secret", "inline", str(secret_file)) == "from-file"
    monkeypatch.setenv("MIRRORBALL_SPOTIFY_CLIENT_SECRET", "from-env")
    assert read_secret("spotify_client_secret", "inline", str(secret_file)) == "from-env"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "spotify_client_secret").write_text("from-systemd\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert read_secret("spotify_client_secret", "inline", str(secret_file)) == "from-systemd"
    assert read_secret("openweathermap_api_key") is None


def test_unreadable_secret_file_names_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SecretError, match=r"cannot read secret file .*/missing"):
        read_secret("spotify_client_secret", None, str(tmp_path / "missing"))


def test_time_of_day_is_unknown_until_synchronised(monkeypatch):
    monkeypatch.setattr(clock_module, "kernel_says_synchronised", lambda: False)
    monkeypatch.setattr(clock_module, "TIMESYNC_FLAG", clock_module.Path("/nonexistent/synchronized"))
    clock = SystemClock(require_sync=True)
    assert not clock.synchronised() and clock.local_now() is None
    monkeypatch.setattr(clock_module, "kernel_says_synchronised", lambda: True)
    assert clock.synchronised() and clock.local_now() is not None
    monkeypatch.setattr(clock_module, "kernel_says_synchronised", lambda: False)
    assert clock.synchronised(), "once synchronised, it stays trusted"


def test_a_1970_clock_is_never_trusted(monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 86400.0)
    clock = SystemClock(require_sync=False)
    assert not clock.synchronised() and clock.local_now() is None


def test_kernel_verdict_is_a_bool_or_none():
    assert clock_module.kernel_says_synchronised() in (True, False, None)
