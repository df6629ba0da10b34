"""Time values from outside (Retry-After, token expiry, times in answers and in the state store) are bounded
before any use: none of them makes a player command raise, and the status says until when Mirrorball waits."""

from __future__ import annotations

import json
import math

import pytest

from device.core.history import HISTORY_KEY
from device.core.state import StateStore
from device.core.times import MAX_WAIT_S, UNKNOWN_TIME, clock_text
from device.core.values import Track
from device.spotify.answers import MAX_TRACK_MS, track_from_json
from device.spotify.auth import MAX_TOKEN_LIFETIME_S, TOKEN_LIFETIME_S, TokenCache, TokenManager
from device.spotify.errors import QuotaExceeded, RateLimited, SpeakerMissing
from device.spotify.memory import LINEUP_KEY
from device.spotify.player import SpotifyPlayer

HUGE = 10**20  # the Retry-After: time.localtime(now + HUGE) raised OverflowError / OSError (errno 75)


def picks(standin, n=4, genre="pop"):
    return [Track(uri=t.uri, name=t.name, artists=(t.artist,), duration_ms=t.duration_ms)
            for t in standin.tracks.values() if t.genre == genre][:n]


@pytest.mark.parametrize("retry_at", [1e20, -1e20, math.inf, -math.inf, math.nan, 1e11])
def test_errors_with_any_retry_at_have_a_status_line(retry_at):
    """errors._clock_text called time.localtime on the raw value: OverflowError, OSError, ValueError."""
    for error in (RateLimited(retry_at), QuotaExceeded(retry_at), SpeakerMissing("x", [], retry_at)):
        assert str(error) and (UNKNOWN_TIME in str(error)) == (retry_at != 1e11)


@pytest.mark.parametrize("reason", [None, "QUOTA_EXCEEDED"])
@pytest.mark.parametrize("path, command", [("/v1/me/player/next", "skip"), ("/v1/me/player/pause", "pause")])
def test_a_huge_retry_after_is_clamped_and_no_command_raises(rig, reason, path, command):
    """The crash of the issue: a 429 with Retry-After 10**20 on a skip (any command through _command)."""
    s, player = rig.standin, rig.player
    s.autoplay = False  # the picks end and the speaker stops (Autoplay on would play on all day, music not ours)
    assert player.play(picks(s))
    rig.advance(10)
    s.fail("*", path, 429, retry_after=HUGE, reason=reason)
    assert getattr(player, command)() in (None, False)
    until = rig.clock() + MAX_WAIT_S
    assert rig.client.rate_limited_until() == until
    status = player.status()
    assert f"until {clock_text(until, now=rig.clock())} (asked to wait 3168808781403 years; " \
           f"Mirrorball waits at most 24 h)" in status, status
    assert status.startswith("Spotify quota exceeded" if reason else "Spotify rate limited until ")
    for other in (player.skip, player.like, player.pause, player.resume, player.toggle, lambda: player.set_volume(3)):
        assert other() in (None, False)  # held back, never raised
    assert player.poll() == [] and isinstance(player.status(), str)
    rig.advance(MAX_WAIT_S + 1)  # the cap passed: Mirrorball asks again
    s.wake_device("Living Room")  # idle for most of a day, the speaker had fallen asleep: someone switched it on
    assert player.play(picks(s, 2, "jazz"))


def test_a_retry_after_within_the_cap_is_honoured_as_asked(rig):
    s, player = rig.standin, rig.player
    s.fail("PUT", "/v1/me/player/play", 429, retry_after=6 * 3600)
    assert not player.play(picks(s))
    assert rig.client.rate_limited_until() == rig.clock() + 6 * 3600
    assert "asked to wait" not in player.status()


def test_a_huge_retry_after_from_the_token_endpoint_is_clamped(rig):
    s = rig.standin
    s.expire_access_tokens()
    s.fail("POST", "/api/token", 429, retry_after=HUGE, oauth=True, reason="rate_limited")
    assert not rig.player.play(picks(s))
    assert rig.client.rate_limited_until() == rig.clock() + MAX_WAIT_S
    assert "Mirrorball waits at most 24 h" in rig.player.status()


@pytest.mark.parametrize("expires_in, lifetime", [
    (1e300, MAX_TOKEN_LIFETIME_S), (-5, 0.0), ("3600", TOKEN_LIFETIME_S), (None, TOKEN_LIFETIME_S),
    (1800, 1800.0)])
def test_token_lifetime_from_the_answer_is_bounded(standin, clock, tmp_path, expires_in, lifetime):
    """expires_in came straight from the accounts service into expires_at and then into time.localtime."""
    from spotify_rig import make_rig

    rig = make_rig(standin, clock, tmp_path)
    standin.token_lifetime_s = expires_in
    standin.expire_access_tokens()
    assert rig.player.play(picks(standin)) or rig.player.error is None
    assert rig.tokens._token["expires_at"] == clock() + lifetime


@pytest.mark.parametrize("saved", [1e300, -1e300, "tomorrow", None, [], 10**400])
def test_a_saved_expiry_that_is_no_time_means_refresh_now(standin, clock, tmp_path, saved):
    from spotify_rig import make_rig

    rig = make_rig(standin, clock, tmp_path)
    token = json.loads(rig.cache.path.read_text())
    token["expires_at"] = saved
    rig.cache.path.write_text(json.dumps(token))
    tokens = TokenManager(rig.cfg, TokenCache(rig.cache.path), clock=clock)
    mark = len(standin.accounts_requests)
    assert tokens.get_access_token()
    assert standin.accounts_requests[mark:] == ["POST /api/token"]  # refreshed, not believed valid forever
    assert clock() < tokens._token["expires_at"] <= clock() + MAX_TOKEN_LIFETIME_S


@pytest.mark.parametrize("at", [1e300, "noon", None, -1.0])
def test_a_lineup_saved_at_no_time_is_ignored(standin, clock, tmp_path, at):
    """The lineup's `at` read back from the state store went into float() unchecked (inf and NaN passed)."""
    from spotify_rig import make_rig

    with StateStore(tmp_path / "state.db").open() as store:
        rig = make_rig(standin, clock, tmp_path)
        before = SpotifyPlayer(rig.cfg, rig.client, clock=clock, store=store)
        assert before.play(picks(standin))
        lineup = store.get_json(LINEUP_KEY)
        store.set_json(LINEUP_KEY, {**lineup, "at": at})
        after = SpotifyPlayer(rig.cfg, rig.client, clock=clock, store=store)
        assert after.poll() == [] and after.state == "idle"  # not adopted: no time to judge it by


def test_play_history_times_that_are_no_numbers_are_dropped(standin, clock, tmp_path):
    from spotify_rig import make_rig

    with StateStore(tmp_path / "state.db").open() as store:
        tracks = picks(standin)
        store.set_json(HISTORY_KEY, {tracks[0].uri: "yesterday", tracks[1].uri: None, tracks[2].uri: [1],
                                     tracks[3].uri: clock() - 60})
        rig = make_rig(standin, clock, tmp_path)
        player = SpotifyPlayer(rig.cfg, rig.client, clock=clock, store=store)
        assert player.play(tracks)  # comparing "yesterday" with a number raised TypeError
        assert player.now_playing.uri == tracks[0].uri  # the last one was played a minute ago: not repeated


@pytest.mark.parametrize("duration, expected", [(1e300, MAX_TRACK_MS), (-5, 0), (210_000, 210_000)])
def test_track_durations_are_bounded(duration, expected):
    track = track_from_json({"uri": "spotify:track:x", "duration_ms": duration})
    assert track.duration_ms == expected
