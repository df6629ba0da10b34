"""Every failure the Web API can throw at the player ends in a clear status line, never in an exception."""

from __future__ import annotations

import socket

import pytest
from spotify_rig import make_rig

from device.config.schema import SpotifyConfig
from device.core.values import Track
from device.spotify.auth import TokenCache, TokenManager
from device.spotify.client import SpotifyClient
from device.spotify.errors import (
    DeviceNotFound,
    LoginNeeded,
    NetworkError,
    NoActiveDevice,
    QuotaExceeded,
    RateLimited,
    ServerError,
    Timeout,
)


def some_picks(standin, n=4, genre="pop"):
    return [Track(uri=t.uri, name=t.name, artists=(t.artist,), duration_ms=t.duration_ms)
            for t in standin.tracks.values() if t.genre == genre][:n]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_persistent_5xx_is_retried_then_reported(rig, status):
    rig.standin.fail("GET", "/v1/me/player/devices", status, times=None)
    assert rig.player.play(some_picks(rig.standin)) is False
    assert rig.player.status() == f"Spotify server error {status}: {_msg(status)}; will retry"
    assert rig.standin.requests.count("GET /v1/me/player/devices") == 3  # one try and two retries
    assert isinstance(rig.player.error, ServerError)


def _msg(status):
    return {500: "Server error", 502: "Bad gateway", 503: "Service unavailable"}[status]


def test_one_502_is_absorbed_by_a_retry(rig):
    rig.standin.fail("GET", "/v1/me/player/devices", 502)
    assert rig.player.play(some_picks(rig.standin))
    assert rig.player.error is None


def test_503_retry_after_is_not_slept_through(rig, sleeps):
    rig.standin.fail("GET", "/v1/me/player/devices", 503, retry_after=3600, times=None)
    assert not rig.player.play(some_picks(rig.standin))
    assert sum(sleeps) < 5, sleeps  # urllib3's quick back-off only (backoff_factor 0 here), never the hour


def test_429_returns_at_once_and_blocks_until_retry_after(rig, sleeps):
    s = rig.standin
    s.fail("PUT", "/v1/me/player/play", 429, retry_after=120)
    assert not rig.player.play(some_picks(s))
    assert sleeps == [], "a 429 is never slept through"
    assert rig.player.status().startswith("Spotify rate limited until ")
    assert isinstance(rig.player.error, RateLimited)
    assert s.requests.count("PUT /v1/me/player/play") == 1  # 429 is never retried by urllib3
    mark = len(s.requests)
    assert not rig.player.play(some_picks(s))  # still blocked: no request at all
    assert rig.player.poll() == []
    assert s.requests[mark:] == []
    rig.advance(121)
    assert rig.player.play(some_picks(s))
    assert rig.player.status().startswith("playing")


def test_quota_exceeded_is_reported_as_such(rig):
    rig.standin.fail("GET", "/v1/me/player/devices", 429, retry_after=3600, reason="QUOTA_EXCEEDED",
                     message="Quota exceeded")
    assert not rig.player.play(some_picks(rig.standin))
    assert isinstance(rig.player.error, QuotaExceeded)
    assert "Spotify quota exceeded (QUOTA_EXCEEDED" in rig.player.status()


def test_401_refreshes_the_token_once(rig):
    rig.standin.expire_access_tokens()
    assert rig.player.play(some_picks(rig.standin))
    assert rig.standin.accounts_requests == ["POST /api/token"]
    assert rig.cache.load()["access_token"] != ""


def test_revoked_refresh_token_means_login_needed_and_no_crash(rig):
    rig.standin.revoke()
    assert not rig.player.play(some_picks(rig.standin))
    assert rig.player.status() == ("Spotify login needed: run mirrorball auth (Spotify refused the saved login: "
                                   "Refresh token revoked)")
    assert rig.player.needs_attention
    assert rig.player.poll() == []
    rig.player.play(some_picks(rig.standin))
    assert rig.standin.accounts_requests == ["POST /api/token"]  # not hammered with a dead refresh token


def test_not_premium(standin, clock, tmp_path):
    standin.premium = False
    rig = make_rig(standin, clock, tmp_path)
    assert not rig.player.play(some_picks(standin))
    assert rig.player.status().startswith("Spotify refused playback control: the account owner needs Spotify Premium")


def test_restricted_device(standin, clock, tmp_path):
    rig = make_rig(standin, clock, tmp_path, speaker="office tv")
    assert not rig.player.play(some_picks(standin))
    assert rig.player.status() == "speaker 'Office TV' is restricted: it accepts no Web API commands"
    assert "PUT /v1/me/player/play" not in standin.requests


def test_restricted_reply_from_spotify(rig):
    rig.standin.fail("PUT", "/v1/me/player/play", 403, message="Player command failed: Restriction violated",
                     reason="DEVICE_NOT_CONTROLLABLE")
    assert not rig.player.play(some_picks(rig.standin))
    assert rig.player.status() == "speaker 'Living Room' is restricted: it accepts no Web API commands"


def test_asleep_speaker_is_retried_with_back_off(rig):
    s = rig.standin
    s.sleep_device("Living Room")
    assert not rig.player.play(some_picks(s))
    assert "speaker 'living room' not found among Spotify Connect devices (asleep or not logged in; " \
           "seen: Kitchen Speaker, Office TV); next try at" in rig.player.status()
    mark = len(s.requests)
    rig.advance(2)
    assert not rig.player.play(some_picks(s))
    assert s.requests[mark:] == []  # backing off
    rig.advance(4)
    assert not rig.player.play(some_picks(s))
    assert s.requests[mark:] == ["GET /v1/me/player/devices"]
    s.wake_device("Living Room")
    rig.advance(11)  # the second failure doubled the wait to 10 s
    assert rig.player.play(some_picks(s))
    assert rig.player.error is None


def test_device_dropped_during_play_is_looked_up_again(rig):
    s = rig.standin
    s.fail("PUT", "/v1/me/player/play", 404, message="Device not found", drop_device="Living Room")
    assert not rig.player.play(some_picks(s))
    assert s.requests.count("GET /v1/me/player/devices") == 2  # looked for the speaker again
    assert "speaker 'living room' not found" in rig.player.status()


def test_404_device_not_found_twice(rig):
    rig.standin.fail("PUT", "/v1/me/player/play", 404, message="Device not found", times=2)
    assert not rig.player.play(some_picks(rig.standin))
    assert isinstance(rig.player.error, DeviceNotFound)
    assert rig.player.status() == "Spotify says the speaker is gone (404: Device not found)"


def test_no_active_device(rig):
    rig.standin.fail("POST", "/v1/me/player/next", 404, message="Player command failed: No active device found",
                     reason="NO_ACTIVE_DEVICE")
    assert rig.player.skip() is None
    assert isinstance(rig.player.error, NoActiveDevice)
    assert rig.player.status().startswith("no active Spotify device (NO_ACTIVE_DEVICE)")


def test_timeout(standin, clock, tmp_path, sleeps):
    rig = make_rig(standin, clock, tmp_path, request_timeout_s=1)
    standin.fail("GET", "/v1/me/player/devices", latency=1.6)
    assert not rig.player.play(some_picks(standin))
    assert isinstance(rig.player.error, Timeout)  # requests gave up after request_timeout_s: a Timeout, not an answer
    assert rig.player.status() == "Spotify did not answer within 1 s; will retry"
    assert sleeps == [] and standin.requests.count("GET /v1/me/player/devices") == 1, "a timed-out read is not retried"


def test_network_down(tmp_path, clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = SpotifyConfig(client_id="x", api_url=f"http://127.0.0.1:{port}/v1",
                        accounts_url=f"http://127.0.0.1:{port}")
    cache = TokenCache(tmp_path / "t.json")
    cache.save({"access_token": "a", "refresh_token": "r", "expires_at": clock() + 3600, "scope": ""})
    client = SpotifyClient(cfg, TokenManager(cfg, cache, clock=clock), clock=clock, backoff_factor=0)
    with pytest.raises(NetworkError, match="cannot reach Spotify: connection refused"):
        client.devices()


def test_no_login_at_all(tmp_path, clock, standin):
    cfg = SpotifyConfig(client_id="x", api_url=standin.api_url, accounts_url=standin.accounts_url)
    client = SpotifyClient(cfg, TokenManager(cfg, TokenCache(tmp_path / "none.json"), clock=clock), clock=clock)
    with pytest.raises(LoginNeeded, match=r"^Spotify login needed: run mirrorball auth \(no saved login in "):
        client.devices()
    assert standin.requests == []
    assert client.status().startswith("Spotify login needed: run mirrorball auth")


def test_rate_limited_token_endpoint_blocks_api_calls_too(rig):
    s = rig.standin
    s.expire_access_tokens()
    s.fail("POST", "/api/token", 429, retry_after=300, oauth=True, reason="rate_limited", message="slow down")
    assert not rig.player.play(some_picks(s))
    assert rig.player.status().startswith("Spotify rate limited until")
    mark_api, mark_accounts = len(s.requests), len(s.accounts_requests)
    assert not rig.player.play(some_picks(s))
    assert s.requests[mark_api:] == [] and s.accounts_requests[mark_accounts:] == []
    rig.advance(301)
    assert rig.player.play(some_picks(s))


def test_token_endpoint_outage(rig):
    s = rig.standin
    s.expire_access_tokens()
    s.fail("POST", "/api/token", 503, oauth=True, times=None)
    assert not rig.player.play(some_picks(s))
    assert rig.player.status() == "Spotify server error 503: token endpoint; will retry"
    assert not rig.player.needs_attention  # nothing for a person to do
    s.clear_faults()
    assert rig.player.play(some_picks(s))
