"""The headless PKCE login against the stand-in: the happy path, state mismatch, denial, revocation, `mirrorball auth`."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from waiting import PATIENCE_S, wait_for

from device.config.schema import SpotifyConfig
from device.spotify.auth import SCOPES, LoginError, LoginFlow, TokenCache, TokenManager
from device.spotify.client import SpotifyClient
from device.spotify.errors import LoginNeeded

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cfg(standin):
    return SpotifyConfig(client_id=standin.client_id, api_url=standin.api_url, accounts_url=standin.accounts_url,
                         redirect_uri="http://127.0.0.1:8765/callback")


def log_in(standin, cfg, cache, clock) -> LoginFlow:
    """What `mirrorball auth` and the person at the browser do together."""
    flow = LoginFlow(cfg, cache, clock=clock)
    flow.finish(standin.approve(flow.authorize_url()))
    return flow


def test_login_saves_a_private_token_and_the_client_works(standin, cfg, tmp_path, clock):
    cache = TokenCache(tmp_path / "state" / "spotify-token.json")
    flow = LoginFlow(cfg, cache, clock=clock)
    url = flow.authorize_url()
    q = parse_qs(urlsplit(url).query)
    assert q["code_challenge_method"] == ["S256"] and q["redirect_uri"] == [cfg.redirect_uri]
    assert set(q["scope"][0].split()) == set(SCOPES)
    redirected = standin.approve(url)
    assert redirected.startswith("http://127.0.0.1:8765/callback?code=")
    token = flow.finish(redirected)
    assert set(token["scope"].split()) == set(SCOPES)
    mode = stat.S_IMODE(os.stat(cache.path).st_mode)
    assert mode == 0o600
    assert [p.name for p in cache.path.parent.iterdir()] == ["spotify-token.json"]  # no temp file left behind
    client = SpotifyClient(cfg, TokenManager(cfg, cache, clock=clock), clock=clock)
    assert [d["name"] for d in client.devices()] == ["Living Room", "Kitchen Speaker", "Office TV"]


def test_state_mismatch_is_refused(standin, cfg, tmp_path):
    cache = TokenCache(tmp_path / "t.json")
    old = LoginFlow(cfg, cache)
    new = LoginFlow(cfg, cache)
    redirected = standin.approve(old.authorize_url())
    with pytest.raises(LoginError, match="state mismatch"):
        new.finish(redirected)
    assert not cache.path.exists()
    assert standin.accounts_requests == ["GET /authorize"]  # the code was never traded


def test_denied_login_and_missing_code(standin, cfg, tmp_path):
    cache = TokenCache(tmp_path / "t.json")
    flow = LoginFlow(cfg, cache)
    standin.deny_login = True
    with pytest.raises(LoginError, match="did not grant access: access_denied"):
        flow.finish(standin.approve(flow.authorize_url()))
    with pytest.raises(LoginError, match="state mismatch"):
        flow.finish("http://127.0.0.1:8765/callback")


def test_wrong_code_verifier_is_refused_by_spotify(standin, cfg, tmp_path):
    flow = LoginFlow(cfg, TokenCache(tmp_path / "t.json"))
    redirected = standin.approve(flow.authorize_url())
    flow.verifier = "x" * 64
    with pytest.raises(LoginError, match="code_verifier was incorrect"):
        flow.finish(redirected)


def test_client_secret_is_optional_but_checked_when_given(cfg, tmp_path, clock):
    from device.devtools.standins.spotify import SpotifyStandIn

    with SpotifyStandIn(client_secret="s3cret", clock=clock) as s:
        c = SpotifyConfig(client_id=s.client_id, api_url=s.api_url, accounts_url=s.accounts_url)
        flow = LoginFlow(c, TokenCache(tmp_path / "a.json"), secret="wrong")
        with pytest.raises(LoginError, match="Invalid client secret"):
            flow.finish(s.approve(flow.authorize_url()))
        flow = LoginFlow(c, TokenCache(tmp_path / "b.json"), secret="s3cret")
        assert flow.finish(s.approve(flow.authorize_url()))["access_token"]
        flow = LoginFlow(c, TokenCache(tmp_path / "c.json"))  # PKCE without the secret
        assert flow.finish(s.approve(flow.authorize_url()))["access_token"]


def test_expiring_token_refreshes_itself(standin, cfg, tmp_path, clock):
    cache = TokenCache(tmp_path / "t.json")
    log_in(standin, cfg, cache, clock)
    first = cache.load()
    tokens = TokenManager(cfg, cache, clock=clock)
    assert tokens.get_access_token() == first["access_token"]
    clock.advance(3600 - 30)  # inside the refresh margin
    fresh = tokens.get_access_token()
    assert fresh != first["access_token"]
    assert cache.load()["access_token"] == fresh and cache.load()["refresh_token"] == first["refresh_token"]
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600


def test_revoked_token_needs_login_then_a_new_login_is_picked_up(standin, cfg, tmp_path, clock):
    cache = TokenCache(tmp_path / "t.json")
    log_in(standin, cfg, cache, clock)
    client = SpotifyClient(cfg, TokenManager(cfg, cache, clock=clock), clock=clock)
    client.devices()
    standin.revoke()
    with pytest.raises(LoginNeeded, match=r"^Spotify login needed: run mirrorball auth"):
        client.devices()
    with pytest.raises(LoginNeeded):
        client.devices()
    assert standin.accounts_requests.count("POST /api/token") == 2  # the login, one refused refresh
    # the person runs `mirrorball auth` again; the running client picks the new login up without a restart
    log_in(standin, cfg, cache, clock)
    assert len(client.devices()) == 3


def _write_config(tmp_path, standin, port=8766) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(f"""\
        spotify:
          client_id: {standin.client_id}
          api_url: {standin.api_url}
          accounts_url: {standin.accounts_url}
          redirect_uri: http://127.0.0.1:{port}/callback
          speaker: kitchen
        daemon:
          state_dir: {tmp_path / 'state'}
        """))
    return path


def _run_auth(config: Path, extra=()):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-m", "device", "--config", str(config), "auth", *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO, env=env)


def _read_url(proc) -> str:
    for line in proc.stdout:
        m = re.search(r"(http://127\.0\.0\.1:\d+/authorize\?\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError("no authorize URL printed")


def test_mirrorball_auth_command_with_pasted_url(standin, tmp_path):
    config = _write_config(tmp_path, standin)
    proc = _run_auth(config)
    url = _read_url(proc)
    out, err = proc.communicate(standin.approve(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Logged in. Token saved to" in out
    assert "Configured speaker 'kitchen' -> 'Kitchen Speaker'" in out
    token_file = tmp_path / "state" / "spotify-token.json"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert token_file.read_text().count("access_token") == 1
    assert "access_token" not in out + err  # the token is never printed


def test_mirrorball_auth_command_refuses_a_stale_url(standin, tmp_path):
    config = _write_config(tmp_path, standin)
    stale = LoginFlow(SpotifyConfig(client_id=standin.client_id, accounts_url=standin.accounts_url,
                                    redirect_uri="http://127.0.0.1:8766/callback"), TokenCache(tmp_path / "x"))
    proc = _run_auth(config)
    _read_url(proc)
    out, err = proc.communicate(standin.approve(stale.authorize_url()) + "\n", timeout=60)
    assert proc.returncode == 1
    assert "state mismatch" in err
    assert not (tmp_path / "state" / "spotify-token.json").exists()


def test_mirrorball_auth_listen_mode(standin, tmp_path):
    import socket

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = _write_config(tmp_path, standin, port=port)
    proc = _run_auth(config, ["--listen", "--timeout", "30"])
    url = _read_url(proc)
    redirected = standin.approve(url)  # the browser, via `ssh -L`, follows the redirect to the device

    def follow():
        try:
            return requests.get(redirected, timeout=PATIENCE_S)
        except requests.ConnectionError:  # its listener is not up yet
            return None

    resp = wait_for(follow, every=0.1)
    assert resp is not None and resp.status_code == 200 and "login received" in resp.text
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Logged in." in out


def test_tokens_never_reach_the_logs(standin, cfg, tmp_path, clock, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    cache = TokenCache(tmp_path / "t.json")
    flow = log_in(standin, cfg, cache, clock)
    client = SpotifyClient(cfg, TokenManager(cfg, cache, clock=clock), clock=clock)
    client.devices()
    standin.expire_access_tokens()
    client.devices()  # 401, refresh, repeat
    clock.advance(3600)
    client.search("genre:jazz", "track")  # refresh on expiry
    secrets_seen = {v for k, v in cache.load().items() if k in ("access_token", "refresh_token")}
    secrets_seen |= set(standin._access) | set(standin._refresh)
    assert any("spotipy" in r.name for r in caplog.records)  # spotipy did log at debug level
    assert "Bearer <redacted>" in caplog.text
    leaked = [s for s in secrets_seen if s in caplog.text]
    assert leaked == []
    assert flow.verifier not in caplog.text


def test_unusable_token_files_say_why(tmp_path, cfg, clock, monkeypatch):
    path = tmp_path / "spotify-token.json"
    tokens = TokenManager(cfg, TokenCache(path), clock=clock)
    assert tokens.status().endswith(f"(no saved login in {path})")
    path.write_text("{not json")
    assert tokens.status().endswith(f"({path} is unreadable (JSONDecodeError))")
    path.write_text('{"access_token": "a"}')
    assert tokens.status().endswith(f"({path} holds no refresh token)")
    real_read = Path.read_text

    def read_as_another_user(self, *args, **kwargs):  # (tests may run as root, who reads any file)
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_as_another_user)
    assert "is not readable by this user: run mirrorball auth as the service user " \
           "(sudo -u mirrorball mirrorball auth)" in tokens.status()
