"""The player against the stand-in: speaker selection, starting picks, queue refill, no-repeat, app skips, back-off."""

from __future__ import annotations

import pytest

from device.core.values import Track
from device.spotify.answers import track_from_json
from device.spotify.errors import NoActiveDevice, SpeakerAmbiguous, SpeakerMissing
from device.spotify.speaker import select_speaker


def picks(standin, n, genre=None) -> list[Track]:
    tracks = [t for t in standin.tracks.values() if genre is None or t.genre == genre][:n]
    assert len(tracks) == n, f"the stand-in has too few {genre} tracks"
    return [Track(uri=t.uri, name=t.name, artists=(t.artist,), duration_ms=t.duration_ms, year=t.year)
            for t in tracks]


DEVICES = [{"id": "a", "name": "Living Room", "is_active": False}, {"id": "b", "name": "Living Room TV"},
           {"id": "c", "name": "Kitchen Speaker", "is_active": True}, {"id": "d", "name": "kitchen radio"}]


def test_speaker_selection_rules():
    assert select_speaker(DEVICES, "living room")["id"] == "a"  # exact (any case) beats the longer prefix match
    assert select_speaker(DEVICES, "KITCHEN S")["id"] == "c"  # unique prefix
    assert select_speaker(DEVICES, "Living Room TV")["id"] == "b"
    with pytest.raises(SpeakerAmbiguous, match="matches several devices"):
        select_speaker(DEVICES, "kitchen")
    with pytest.raises(SpeakerAmbiguous):
        select_speaker(DEVICES, "liv")
    with pytest.raises(SpeakerMissing, match="'Bedroom' not found .*Living Room, Living Room TV"):
        select_speaker(DEVICES, "Bedroom")
    assert select_speaker(DEVICES, None)["id"] == "c"  # no name: the active device
    with pytest.raises(NoActiveDevice):
        select_speaker([{"id": "a", "name": "x", "is_active": False}], None)


def test_play_transfers_then_plays_sets_volume(rig):
    tracks = picks(rig.standin, 6, "jazz")
    assert rig.player.play(tracks, volume=35)
    reqs = rig.standin.requests
    assert reqs == ["GET /v1/me/player/devices", "GET /v1/me/player", "PUT /v1/me/player",
                    "PUT /v1/me/player/play", "PUT /v1/me/player/volume"]
    s = rig.standin
    assert s.device("Living Room").id == s.active_id and s.device("Living Room").volume == 35
    assert s.current().uri == tracks[0].uri and s.playing
    assert s.sequence == [t.id for t in rig.standin.tracks.values() if t.genre == "jazz"][:3]  # 1 + queue_ahead
    assert rig.player.state == "playing"
    assert rig.player.status().startswith(f"playing {tracks[0].name!r}")
    # the speaker is looked up on each use: it answers to another name casing and is found again
    assert rig.player.set_volume(35) and rig.standin.requests[-1] == "GET /v1/me/player/devices"


def test_queue_is_refilled_before_it_runs_out_and_nothing_repeats(rig):
    s, player = rig.standin, rig.player
    tracks = picks(s, 7, "rock")
    assert player.play(tracks)
    rig.line_up()
    played = [s.current().uri]
    for _ in range(6):
        rig.advance(s.current().duration_ms / 1000 + 1)
        events = rig.poll()
        assert [e.kind for e in events] == ["finished", "started"]
        played.append(s.current().uri)
        # at least one more pick is lined up on the speaker (Spotify's queue or the list) while picks remain
        remaining = len(tracks) - len(played)
        if remaining:
            ahead = len(s.queue) + len(s.sequence) - s.index - 1
            assert ahead >= min(remaining, 1)
    assert sorted(played) == sorted(t.uri for t in tracks)  # every pick exactly once
    assert s.requests.count("POST /v1/me/player/queue") == 4  # 7 picks: 3 in the play call, 4 queued
    assert player.wants() == rig.cfg.queue_ahead  # nothing held back any more: it asks for picks
    # the same tracks again are refused: they were played within the no-repeat window
    assert player.extend(tracks) == 0
    assert not player.play(tracks[:3])
    fresh = picks(s, 3, "soul")
    assert player.extend(tracks[:2] + fresh) == 3


def test_the_player_asks_for_more_picks_and_goes_on_without(rig):
    """The player says what it needs; the conductor (here: the rig) plans and hands over picks."""
    s, player = rig.standin, rig.player
    pool = picks(s, 12, "electronic")
    asked = []

    def refill(n):
        asked.append(n)
        return [pool.pop(0) for _ in range(min(n, len(pool)))]

    assert player.play([pool.pop(0)])
    rig.line_up(refill)
    for _ in range(4):
        rig.advance(s.current().duration_ms / 1000 + 1)
        rig.poll(refill)
    assert asked and all(n > 0 for n in asked)

    rig.advance(s.current().duration_ms / 1000 + 1)
    # the conductor could not get picks (e.g. the catalog is rate limited): the player goes on with what is lined up
    assert [e.kind for e in rig.poll(lambda n: [])] == ["finished", "started"]
    uris = [s.sequence[i] for i in range(s.index + 1)]
    assert len(uris) == len(set(uris)) == 6  # six different tracks played, none twice


def test_app_skip_within_30s_is_a_dislike_later_skip_is_not(rig):
    s, player = rig.standin, rig.player
    tracks = picks(s, 5, "pop")
    assert player.play(tracks)
    rig.advance(12)
    s.app_skip()  # someone skipped in the Spotify app on their phone
    rig.advance(3)
    events = player.poll()
    assert [e.kind for e in events] == ["app_skip", "started"]
    assert events[0].track.uri == tracks[0].uri and events[1].track.uri == tracks[1].uri
    assert events[0].played_s == pytest.approx(12, abs=0.01)
    assert player.played_s() == pytest.approx(3, abs=0.01)
    assert player.state == "playing"  # a skip within our picks is feedback, not a takeover
    rig.advance(60)
    s.app_skip()
    rig.advance(2)
    assert [e.kind for e in player.poll()] == ["skipped", "started"]


def test_own_skip_and_like_are_not_app_skips(rig):
    s, player = rig.standin, rig.player
    tracks = picks(s, 5, "indie folk")
    assert player.play(tracks)
    rig.advance(4)
    assert player.skip().uri == tracks[0].uri
    assert "POST /v1/me/player/next" in s.requests
    rig.advance(5)
    assert player.poll() == []  # the change was ours
    liked = player.like()
    assert liked.uri == tracks[1].uri == s.current().uri
    assert s.saved == [tracks[1].uri] and s.requests[-1] == "PUT /v1/me/library"


def test_pause_resume_toggle(rig):
    s, player = rig.standin, rig.player
    assert player.play(picks(s, 3, "soul"))
    assert player.toggle() and not s.playing and player.state == "paused"
    assert player.pause()  # already paused: Spotify says ALREADY_PAUSED, that is fine
    assert player.toggle() and s.playing and player.state == "playing"
    rig.advance(10)
    assert player.poll() == []


def test_takeover_from_another_app_backs_off(rig):
    s, player = rig.standin, rig.player
    assert player.play(picks(s, 3, "jazz"))
    rig.advance(20)
    theirs = [t for t in s.tracks.values() if t.genre in ("metal", "hip-hop")]  # more than 15 minutes of it
    s.app_play([t.uri for t in theirs])
    events = player.poll()
    assert [e.kind for e in events] == ["takeover"]
    assert player.state == "backoff"
    assert "another Spotify app; leaving it alone until" in player.status()
    mark = len(s.requests)
    assert not player.play(picks(s, 3, "country"))
    assert player.poll() == [] and s.requests[mark:] == []  # hands off: not even polling
    rig.advance(15 * 60 + 1)
    assert player.state == "idle"
    assert not player.play(picks(s, 3, "country"))  # their music still plays: leave it alone
    assert player.status().startswith(f"Spotify is already playing {s.current().name!r} on Living Room")
    s.app_pause()
    assert player.play(picks(s, 3, "country"))


def test_double_tap_during_back_off_pauses_and_resumes_their_music(rig):
    s, player = rig.standin, rig.player
    assert player.play(picks(s, 3, "jazz"))
    rig.advance(20)
    s.app_play([t.uri for t in s.tracks.values() if t.genre == "metal"])
    assert [e.kind for e in player.poll()] == ["takeover"]
    assert player.toggle() and not s.playing
    assert player.state == "backoff"
    assert player.toggle() and s.playing
    assert player.state == "backoff"  # their music: still hands off
    rig.advance(10)
    assert player.poll() == []


def test_extend_first_replaces_held_back_picks(rig):
    s, player = rig.standin, rig.player
    old, new = picks(s, 6, "rock"), picks(s, 2, "children's music")
    assert player.play(old)  # 3 sent, 3 held back
    rig.line_up()
    assert player.extend(new, first=True) == 2
    rig.advance(s.current().duration_ms / 1000 + 1)
    rig.poll()  # one pick ended: the first new pick is queued
    assert s.queue == [new[0].uri.rsplit(":", 1)[-1]]
    assert player.wants() == rig.cfg.queue_ahead - 1


def test_new_play_replaces_held_back_picks(rig):
    s, player = rig.standin, rig.player
    tracks = picks(s, 8, "funk")
    assert player.play(tracks[:6])  # 3 sent, 3 held back
    assert player.play(tracks[4:8])  # a new decision may reuse picks that never played
    assert s.sequence[:3] == [t.uri.rsplit(":", 1)[-1] for t in tracks[4:7]]


def test_picks_running_out_is_an_end_not_a_takeover(rig):
    s, player = rig.standin, rig.player
    s.autoplay = False  # the listener turned Autoplay off: the speaker stops after our last pick
    assert player.play(picks(s, 1, "piano"))
    rig.advance(s.current().duration_ms / 1000 + 2)
    events = player.poll()
    assert [e.kind for e in events] == ["finished", "stopped"] and player.state == "idle" and not s.playing
    s.autoplay = True  # with Spotify's Autoplay on, something else follows our last pick
    assert player.play(picks(s, 2, "ambient"))
    for _ in range(2):
        rig.advance(s.current().duration_ms / 1000 + 2)
        events = player.poll()
    assert [e.kind for e in events] == ["finished", "stopped"]
    assert "autoplay" in events[-1].detail
    assert player.state == "idle" and player.play(picks(s, 2, "lo-fi"))  # no back-off


def test_pause_from_another_app_backs_off(rig):
    s, player = rig.standin, rig.player
    assert player.play(picks(s, 3, "jazz"))
    rig.advance(30)
    s.app_pause()
    assert [e.kind for e in player.poll()] == ["takeover"]


def test_does_not_start_over_someone_elses_music(rig):
    s, player = rig.standin, rig.player
    theirs = next(t for t in s.tracks.values() if t.genre == "metal")
    s.app_play([theirs.uri], device="Kitchen Speaker")  # someone plays from their phone on another speaker
    mark = len(s.requests)
    assert not player.play(picks(s, 3, "jazz"))
    assert s.requests[mark:] == ["GET /v1/me/player/devices", "GET /v1/me/player"]  # looked, did not touch
    assert player.status() == (f"Spotify is already playing {theirs.name!r} on Kitchen Speaker (another app); "
                               "not taking over")
    assert player.error is None and not player.needs_attention
    s.app_pause()
    assert player.play(picks(s, 3, "jazz"))
    assert s.active_id == s.device("Living Room").id


def test_track_from_json_reads_year_and_artists(rig):
    item = rig.standin._track_obj(next(iter(rig.standin.tracks.values())))
    t = track_from_json(item)
    assert t.uri.startswith("spotify:track:") and t.year and t.artists and t.duration_ms > 0


def test_a_sped_up_stand_in_still_gives_played_through_tracks(clock, tmp_path):
    from spotify_rig import make_rig

    from device.devtools.standins.spotify import SpotifyStandIn

    with SpotifyStandIn(clock=clock, speed=10) as s:
        rig = make_rig(s, clock, tmp_path)
        tracks = picks(s, 4, "pop")
        assert max(t.duration_ms for t in tracks) <= 30_000  # songs of seconds
        assert rig.player.play(tracks)
        kinds = []
        for _ in range(3):
            rig.advance(s.current().duration_ms / 1000 + 1)
            kinds += [e.kind for e in rig.poll()]
        assert kinds == ["finished", "started"] * 3


@pytest.mark.parametrize("reason", [None, "QUOTA_EXCEEDED"])
def test_status_stops_claiming_a_rate_limit_once_retry_after_has_passed(rig, reason):
    """The RateLimited (or QuotaExceeded) error stayed in the status, with a time already past, until a command
    happened to succeed: `systemctl status` said "rate limited until 23:05:00" at 23:40."""
    s, player = rig.standin, rig.player
    s.fail("PUT", "/v1/me/player/play", 429, retry_after=120, reason=reason)
    assert not player.play(picks(s, 3, "jazz"))
    blocked = player.status()
    assert blocked.startswith("Spotify quota exceeded" if reason else "Spotify rate limited until ")
    rig.advance(60)
    assert player.status() == blocked  # still blocked: still says so
    rig.advance(61)
    assert rig.client.rate_limited_until() is None
    after = player.status()
    assert "rate limited until" not in after and "quota exceeded" not in after and "waiting until" not in after
    assert after.startswith("Spotify quota wait over at " if reason else "Spotify rate limit over at ")
    assert player.play(picks(s, 3, "jazz"))  # the next command goes through; the status is the music again
    assert player.status().startswith("playing ")


def test_status_after_a_lifted_rate_limit_while_playing_shows_the_music(rig):
    s, player = rig.standin, rig.player
    assert player.play(picks(s, 4, "rock"))
    rig.advance(10)
    s.fail("GET", "/v1/me/player", 429, retry_after=30)
    assert player.poll() == [] and player.status().startswith("Spotify rate limited until ")
    rig.advance(31)
    assert player.status().startswith(f"playing {s.current().name!r}")  # nothing is held back any more


def _restarted(standin, clock, tmp_path, store):
    """What a reload or a restart builds: a new client and a new player on the same state store."""
    from spotify_rig import make_rig

    from device.spotify.player import SpotifyPlayer

    rig = make_rig(standin, clock, tmp_path)
    rig.player = SpotifyPlayer(rig.cfg, rig.client, clock=clock, no_repeat_hours=24, store=store)
    return rig


def test_after_a_restart_its_own_picks_are_adopted_not_taken_for_another_app(standin, clock, tmp_path):
    """A reload built a new player that knew nothing of the picks lined up on the speaker: the first of them to
    start was "another app started ...", and Mirrorball left its own music alone for manual_backoff_minutes."""
    from device.core.state import StateStore

    s = standin
    with StateStore(tmp_path / "state.db").open() as store:
        before = _restarted(s, clock, tmp_path, store)
        tracks = picks(s, 6, "rock")
        assert before.player.play(tracks)  # 3 sent with play, 3 held back
        before.line_up()
        before.advance(s.current().duration_ms / 1000 + 1)
        assert [e.kind for e in before.poll()] == ["finished", "started"]  # and one more is queued
        assert s.queue, "a pick sits in Spotify's queue across the restart"
        before.advance(20)
        playing = s.current().uri

        after = _restarted(s, clock, tmp_path, store)  # the reload: new client, new player, same store
        mark = len(s.requests)
        assert after.poll() == []
        assert after.player.state == "playing" and after.player.now_playing.uri == playing
        assert after.player.now_playing.duration_ms == tracks[1].duration_ms  # the pick itself, from the store
        assert after.player.played_s() == pytest.approx(20, abs=1)
        assert after.requests_since(mark) == ["GET /v1/me/player"]  # looked; did not start anything over it
        assert after.player.status().startswith(f"playing {s.current().name!r} by ")
        events = []
        for _ in range(3):  # the picks lined up before the restart play out: ours, not a takeover
            after.advance(s.current().duration_ms / 1000 + 1)
            events += after.poll()
        # Spotify's queue first, then the rest of the play list; the held-back picks went with the old player;
        # then Spotify's Autoplay (on, as the apps have it) goes on with a track of its own choice
        assert [(e.kind, e.track.uri if e.track else None) for e in events] == [
            ("finished", tracks[1].uri), ("started", tracks[3].uri), ("finished", tracks[3].uri),
            ("started", tracks[2].uri), ("finished", tracks[2].uri), ("stopped", None)]
        assert "autoplay" in events[-1].detail and s.current().id == s.playback.autoplayed[-1]
        assert after.player.state == "idle" and after.player.play(picks(s, 2, "soul"))  # no back-off


def test_after_a_restart_another_apps_track_still_backs_off(standin, clock, tmp_path):
    from device.core.state import StateStore

    s = standin
    with StateStore(tmp_path / "state.db").open() as store:
        before = _restarted(s, clock, tmp_path, store)
        assert before.player.play(picks(s, 3, "jazz"))
        before.advance(20)
        theirs = [t for t in s.tracks.values() if t.genre == "metal"]
        s.app_play([t.uri for t in theirs])  # someone took over while Mirrorball was restarting

        after = _restarted(s, clock, tmp_path, store)
        events = after.player.poll()
        assert [e.kind for e in events] == ["takeover"] and after.player.state == "backoff"
        assert "another Spotify app; leaving it alone until" in after.player.status()
        mark = len(s.requests)
        assert not after.player.play(picks(s, 3, "country"))
        assert after.requests_since(mark) == []  # hands off


def test_after_a_restart_an_old_pick_played_again_from_another_app_is_not_adopted(standin, clock, tmp_path):
    """The store only vouches for the picks while they can still be playing (their durations since lined up)."""
    from device.core.state import StateStore

    s = standin
    with StateStore(tmp_path / "state.db").open() as store:
        before = _restarted(s, clock, tmp_path, store)
        mine = picks(s, 1, "piano")
        assert before.player.play(mine)
        before.advance(2 * 3600)  # long over; nobody polled (the service was stopped)
        s.app_play([mine[0].uri])  # somebody plays that same track from their phone

        after = _restarted(s, clock, tmp_path, store)
        assert after.player.poll() == []
        assert after.player.state == "idle" and after.player.now_playing is None


def test_after_a_restart_its_own_paused_picks_are_adopted_and_resume(standin, clock, tmp_path):
    """Music Mirrorball paused (nobody there) and a reload in the night: a return in the morning resumes it."""
    from device.core.state import StateStore

    s = standin
    with StateStore(tmp_path / "state.db").open() as store:
        before = _restarted(s, clock, tmp_path, store)
        tracks = picks(s, 3, "soul")
        assert before.player.play(tracks)
        before.advance(30)
        assert before.player.pause() and not s.playing
        s.device("Living Room").sleep_after_s = None  # a speaker that stays on all night (most fall asleep)
        before.advance(8 * 3600)

        after = _restarted(s, clock, tmp_path, store)
        assert after.player.poll() == []
        assert after.player.state == "paused" and after.player.now_playing.uri == tracks[0].uri
        assert after.player.resume() and s.playing and after.player.state == "playing"
        after.advance(s.current().duration_ms / 1000 - 30 + 1)
        assert [e.kind for e in after.player.poll()] == ["finished", "started"]


def test_paused_playback_does_not_run_on_and_a_track_change_before_the_pause_is_timed_right(rig, caplog):
    """The demo's 'paused, then 7 s later played through and the next track starting': the pause caught the next
    track just after the last poll saw the old one. The speaker stays paused; the player must not read the pause as
    playing time (progress stops while paused)."""
    s, player = rig.standin, rig.player
    tracks = picks(s, 3, "jazz")
    assert player.play(tracks)
    first, second = tracks[0].duration_ms / 1000, tracks[1].duration_ms / 1000
    started = rig.clock()
    while rig.clock() + 5 < started + first - 1:
        rig.advance(5)
        assert player.poll() == []
    rig.advance(started + first + 0.5 - rig.clock())  # the first track ends between two polls
    assert s.current().uri == tracks[1].uri
    assert player.pause() and player.state == "paused" and not s.playing
    paused_at = rig.clock()
    rig.advance(600)
    assert s.current().uri == tracks[1].uri and not s.playing and abs(s.position_s() - 0.5) < 0.01
    caplog.set_level("INFO", logger="device.spotify.player")
    events = player.poll()
    assert [(e.kind, e.track.uri) for e in events] == [("finished", tracks[0].uri), ("started", tracks[1].uri)]
    assert abs(events[0].played_s - first) < 0.01 and abs(events[0].at - (started + first)) < 0.01
    assert abs(events[1].at - (paused_at - 0.5)) < 0.01
    assert "next up, paused" in caplog.text and player.state == "paused"
    assert abs(player.played_s() - 0.5) < 0.01  # ten minutes of pause are not time played
    rig.advance(300)
    assert player.poll() == [] and player.state == "paused"
    assert player.resume() and s.playing
    rig.advance(second - 0.5 + 1)
    rig.advance(5)
    events = player.poll()
    assert [e.kind for e in events][:1] == ["finished"] and abs(events[0].played_s - second) < 0.01
