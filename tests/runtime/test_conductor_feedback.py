"""Feedback through the real conductor and player against the Spotify stand-in: what a skip means depends on how long
the track had played (a tap or a skip in another app), and only a track that started on the speaker counts as played."""

from __future__ import annotations

import pytest
from test_conductor import arrive, rig  # noqa: F401 (the fixture)

from device.core.feedback import Feedback

DAY = 86400.0


def _level(part) -> str:
    return part.last_decision.levels[0]


def _start(part, standin, hub, clock):
    part.start()
    arrive(hub, clock, "30-39")
    part.step(clock())
    first = standin.current()
    assert standin.playing and first is not None
    assert first.duration_ms / 1000 > 130, "the first pick outlasts the later tap"
    return first


@pytest.mark.parametrize(("seconds", "kind"), [(10, Feedback.EARLY_SKIP), (120, Feedback.LATE_SKIP)])
def test_a_tap_at_10_s_is_a_dislike_and_a_tap_at_120_s_is_not(rig, seconds, kind):  # noqa: F811
    part, standin, hub, store, clock = rig
    first = _start(part, standin, hub, clock)
    for _ in range(seconds // 10):  # the music plays on, watched as the daemon watches it
        clock.t += 10
        standin.advance(0)
        part.step(clock())
    assert standin.current().uri == first.uri and round(standin.position_s()) == seconds
    from device.core.values import ButtonEvent

    hub.post(ButtonEvent("tap", clock()))
    part.step(clock())
    assert standin.current().uri != first.uri, "the tap skipped the track at the speaker"

    (event,) = [e.payload for e in store.events(kind="feedback") if e.payload["uri"] == first.uri]
    assert event["kind"] == kind and event["played_s"] == pytest.approx(seconds, abs=1)
    learner = part.director.learner
    tally = learner.tally(_level(part), event["arm"])
    blocked = learner.blocked(first.uri, _level(part), clock() + 2 * DAY,  # past the 24 h no-repeat window
                              block_s=part.config.music.dislike_block_days * DAY)
    if kind is Feedback.EARLY_SKIP:
        assert blocked and tally.dislikes == 1 and tally.late == 0
    else:  # the listener moved on: counted apart, and the track (and its artist) stay free
        assert not blocked and tally.dislikes == 0 and tally.late == 1
        assert first.uri not in "".join(learner.disliked)


@pytest.mark.parametrize(("seconds", "kind"), [(10, Feedback.EARLY_SKIP), (120, Feedback.LATE_SKIP)])
def test_a_skip_in_another_app_follows_the_same_rule(rig, seconds, kind):  # noqa: F811
    part, standin, hub, store, clock = rig
    first = _start(part, standin, hub, clock)
    clock.t += seconds
    standin.app_skip()  # "next" in the phone's Spotify app
    clock.t += 1
    part.step(clock())
    assert standin.current().uri != first.uri
    (event,) = [e.payload for e in store.events(kind="feedback") if e.payload["uri"] == first.uri]
    assert event["kind"] == kind and event["played_s"] == pytest.approx(seconds, abs=1)
    blocked = part.director.learner.blocked(first.uri, _level(part), clock() + 2 * DAY, block_s=30 * DAY)
    assert blocked == (kind is Feedback.EARLY_SKIP)


def test_a_speaker_that_will_not_play_for_an_hour_marks_no_track_played(rig):  # noqa: F811
    """One listener, the speaker asleep for a simulated hour: however often the conductor plans, nothing counts as
    played (no-repeat window, learning). Once the speaker wakes, the tracks that start, and only those, are."""
    part, standin, hub, store, clock = rig
    standin.sleep_device("Living Room")
    part.start()
    arrive(hub, clock, "30-39")
    for _ in range(6):  # an hour, a look every 10 minutes: each one plans and tries to start (the test's time goes
        part.step(clock())  # on planning; what it asserts holds however often the conductor plans)
        clock.t += 600
        standin.advance(0)
    assert len(store.decisions(limit=10**6)) >= 1, "it planned, and tried to play"
    history = part.spotify.player.history
    assert not standin.playing and "PUT /v1/me/player/play" not in standin.requests
    assert len(history) == 0, "no track marked played while nothing played"
    assert store.get_json("music.learner") is None or "played" not in store.get_json("music.learner")["sources"]
    planned = {p["uri"] for d in store.decisions(limit=10**6) for p in d.payload["picks"]}

    standin.wake_device("Living Room")
    started = []
    for _ in range(60):  # ten minutes of music
        part.step(clock())
        if standin.current() is not None and (not started or started[-1] != standin.current().uri):
            started.append(standin.current().uri)
        clock.t += 10
        standin.advance(0)
    assert standin.playing and started
    marked = {uri for uri in started if history.recent(uri, clock())}
    assert marked == set(started) and len(history) == len(started), "exactly the tracks that started"
    if planned:  # picks planned while the speaker slept and dropped before they started were free again
        assert all(not history.recent(uri, clock()) for uri in planned - set(started))
