"""Fault matrix, Spotify rows: the real conductor, client and player against the stand-in, stepped on a fake clock."""

from __future__ import annotations

import pytest
from fault_rig import SCOPES, conductor_rig

from device.spotify.auth import TokenCache, token_path

PLAY = "PUT /v1/me/player/play"


def started(rig) -> bool:
    return rig.standin.playing and rig.part.spotify.player.state == "playing"


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_status_then_recovery(rig, status):
    rig.part.start()
    rig.standin.fail("PUT", "/v1/me/player/play", status, times=None)
    rig.arrive()
    rig.step()
    assert not started(rig)
    assert f"Spotify server error {status}" in rig.part.status() and "will retry" in rig.part.status()
    assert rig.standin.requests.count(PLAY) == 3  # one try and two retries, then the conductor waits
    rig.standin.clear_faults()
    rig.step(10)
    assert rig.standin.requests.count(PLAY) == 3, "no new start before the conductor's retry time"
    rig.step(25)
    assert started(rig) and rig.part.status().startswith("playing")


def test_timeout_status_then_recovery(rig):
    rig.part.start()
    rig.standin.fail("PUT", "/v1/me/player/play", None, latency=1.6)  # request_timeout_s is 1
    rig.arrive()
    rig.step()
    assert not started(rig)
    assert "Spotify did not answer within 1 s; will retry" in rig.part.status()
    rig.step(31)
    assert started(rig)


def test_connection_refused_is_a_status_not_a_crash(rig):
    rig.part.start()
    rig.standin.stop()  # nothing listens on the port any more
    rig.arrive()
    rig.step()
    rig.step(31)
    assert "cannot reach Spotify: connection refused" in rig.part.status()
    assert not rig.part.spotify.player.state == "playing"


def test_429_retry_after_1_blocks_one_second_only(rig):
    rig.part.start()
    rig.standin.fail("PUT", "/v1/me/player/play", 429, retry_after=1)
    rig.arrive()
    rig.step()
    assert rig.part.status().startswith("Spotify rate limited until ")
    assert rig.standin.requests.count(PLAY) == 1  # a 429 is never retried at once
    rig.step(2)
    assert rig.part.spotify.client.rate_limited_until() is None  # the block is over after Retry-After
    rig.step(30)
    assert started(rig)


def test_429_retry_after_3600_sends_nothing_for_an_hour(rig):
    rig.standin.device("Living Room").sleep_after_s = None  # a speaker that stays on (most sleep within the hour)
    rig.part.start()
    rig.standin.fail("PUT", "/v1/me/player/play", 429, retry_after=3600)
    rig.arrive()
    rig.step()
    mark = len(rig.standin.requests)
    for _ in range(20):  # an hour less a minute of steps: not one request reaches Spotify
        rig.step(177)
    assert rig.standin.requests[mark:] == []
    assert rig.part.status().startswith("Spotify rate limited until ")
    rig.step(120)
    assert started(rig)


def test_quota_exceeded_says_so_and_waits(rig):
    rig.standin.device("Living Room").sleep_after_s = None  # a speaker that stays on (most sleep within the hour)
    rig.part.start()
    rig.standin.fail("PUT", "/v1/me/player/play", 429, retry_after=3600, reason="QUOTA_EXCEEDED",
                     message="Quota exceeded")
    rig.arrive()
    rig.step()
    assert "Spotify quota exceeded (QUOTA_EXCEEDED" in rig.part.status()
    mark = len(rig.standin.requests)
    rig.step(1800)
    assert rig.standin.requests[mark:] == []
    rig.step(1801)
    assert started(rig)


def test_401_refreshes_once_and_keeps_playing(rig):
    rig.part.start()
    rig.arrive()
    rig.step()
    assert started(rig)
    rig.standin.expire_access_tokens()
    rig.step(11)  # the next poll (spotify.poll_s = 10) meets a 401
    assert rig.standin.accounts_requests == ["POST /api/token"]
    assert rig.part.status().startswith("playing")


def test_revoked_refresh_token_asks_for_auth_and_a_new_login_is_picked_up(tmp_path, standin, clock):
    rig = conductor_rig(tmp_path, standin, clock)
    rig.part.start()
    rig.arrive()
    rig.step()
    assert started(rig)
    standin.revoke()
    rig.step(11)
    assert "Spotify login needed: run mirrorball auth" in rig.part.status()
    # `mirrorball auth` again: the part reads the new token from the cache without a restart
    token = standin.issue_token(SCOPES)
    token["expires_at"] = clock() + token["expires_in"]
    TokenCache(token_path(tmp_path)).save(token)
    rig.step(31)
    rig.step(31)
    assert started(rig), rig.part.status()
    rig.store.close()


def test_speaker_vanishing_mid_track_and_coming_back(rig):
    rig.part.start()
    rig.arrive()
    rig.step()
    assert started(rig)
    rig.standin.sleep_device("Living Room")
    rig.step(11)
    assert rig.part.spotify.player.state != "playing"
    rig.step(31)
    assert "speaker 'living room' not found" in rig.part.status()
    rig.standin.wake_device("Living Room")
    for _ in range(12):
        rig.step(31)
        if started(rig):
            break
    assert started(rig), rig.part.status()


def test_restricted_speaker_says_so(tmp_path, standin, clock):
    rig = conductor_rig(tmp_path, standin, clock, speaker="office tv")
    rig.part.start()
    rig.arrive()
    rig.step()
    assert "speaker 'Office TV' is restricted: it accepts no Web API commands" in rig.part.status()
    assert rig.part.spotify.player.needs_attention
    assert PLAY not in standin.requests
    rig.store.close()
