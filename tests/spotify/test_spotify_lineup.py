"""The lineup's judge on its own: playback answers in, events out, no request and no state store."""

from __future__ import annotations

import pytest

from device.core.saved import SavedLineup, lineup_from_json, lineup_to_json, track_from_json, track_to_json
from device.core.values import Track
from device.spotify.lineup import Lineup

A = Track("spotify:track:a", "A", ("X",), duration_ms=200_000)
B = Track("spotify:track:b", "B", ("Y",), duration_ms=180_000, year=1999, source="search:jazz")


def playing(track: Track, progress_s: float, *, device: str = "spk", is_playing: bool = True) -> dict:
    return {"is_playing": is_playing, "progress_ms": int(progress_s * 1000), "device": {"id": device, "name": device},
            "item": {"uri": track.uri, "name": track.name, "type": "track"}}


def started(lineup: Lineup, now: float) -> Lineup:
    lineup.state, lineup.sent, lineup.pos = "playing", [A, B], 0
    lineup.ours = {A.uri: A, B.uri: B}
    lineup.start(A, now)
    return lineup


def test_played_through_then_the_next_starts():
    lineup = started(Lineup(), 1000.0)
    assert lineup.judge(playing(A, 100), 1100.0, "spk") == []
    events = lineup.judge(playing(B, 5), 1205.0, "spk")
    assert [(e.kind, e.track) for e in events] == [("finished", A), ("started", B)]
    assert events[0].played_s == pytest.approx(200) and events[1].at == pytest.approx(1200)
    assert lineup.current == B and lineup.state == "playing"


@pytest.mark.parametrize("after_s, kind", [(20, "app_skip"), (90, "skipped")])
def test_a_skip_in_another_app_early_is_a_dislike_later_a_skip(after_s, kind):
    lineup = started(Lineup(skip_window_s=30), 1000.0)
    events = lineup.judge(playing(B, 1), 1000.0 + after_s + 1, "spk")
    assert [e.kind for e in events] == [kind, "started"] and events[0].played_s == pytest.approx(after_s)


def test_someone_elses_music_or_another_device_backs_off():
    other = Track("spotify:track:zz", "Theirs")
    lineup = started(Lineup(backoff_s=900), 1000.0)
    lineup.sent.append(Track("spotify:track:c", "C"))  # picks still lined up: not Spotify's autoplay after our last
    assert [e.kind for e in lineup.judge(playing(other, 3), 1010.0, "spk")] == ["takeover"]
    assert lineup.state == "backoff" and lineup.backoff_until == 1910.0 and lineup.current is None
    moved = started(Lineup(), 1000.0)
    assert [e.kind for e in moved.judge(playing(A, 10), 1010.0, "kitchen")] == ["takeover"]


def test_nothing_is_judged_during_the_grace_of_our_own_command():
    lineup = started(Lineup(), 1000.0)
    lineup.grace_until = 1005.0
    assert lineup.judge(None, 1004.0, "spk") == [] and lineup.state == "playing"
    assert [e.kind for e in lineup.judge(None, 1006.0, "spk")] == ["stopped"] and lineup.state == "idle"


def test_saved_shapes_round_trip_and_carry_a_version():
    assert track_from_json(track_to_json(B)) == B
    assert track_from_json({"uri": B.uri, "name": "B", "artists": ["Y"]}).source == ""  # written before "source"
    saved = SavedLineup(at=5.0, device="spk", paused=True, current=A, queued=(B,))
    record = lineup_to_json(saved)
    assert record["version"] == 1 and lineup_from_json(record) == saved
    assert lineup_from_json({k: v for k, v in record.items() if k != "version"}) == saved  # an older release's
    assert lineup_from_json(None) is None and lineup_from_json({"device": None}) is None
    with pytest.raises(ValueError, match="version 2"):
        lineup_from_json({**record, "version": 2})
