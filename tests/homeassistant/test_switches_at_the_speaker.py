"""The household's switches as the real conductor applies them, judged at the speaker (the Spotify stand-in): guest
mode still skips but teaches nothing, paused learning learns nothing, explicit off keeps explicit tracks off the
speaker, and explicit on never overrides a child being present."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock
from faults.fault_rig import CLIENT_ID, conductor_rig

from device.core.overrides import Overrides
from device.core.topics import Topic
from device.core.values import Audience, ButtonEvent, Listener
from device.devtools.standins.spotify import SpotifyStandIn


@pytest.fixture
def rig(tmp_path):
    clock = FakeClock()
    with SpotifyStandIn(client_id=CLIENT_ID, clock=clock) as standin:
        r = conductor_rig(tmp_path, standin, clock)
        r.part.start()
        yield r
        r.part.stop()
        r.store.close()


def playing(rig, overrides: Overrides, *groups: str) -> None:
    rig.hub.publish(Topic.OVERRIDES, overrides)
    rig.arrive(*groups)
    rig.step()
    assert rig.standin.playing


def feedback(rig) -> list[str]:
    return [e.payload["kind"] for e in rig.store.events("feedback")]


@pytest.mark.parametrize("guest", [False, True])
def test_guest_mode_presses_skip_and_like_on_the_speaker_but_teach_nothing(rig, guest):
    playing(rig, Overrides(guest=guest))
    first = rig.standin.current()
    rig.hub.post(ButtonEvent("tap", 0.0))
    rig.step(1)
    assert rig.standin.current() != first, "the tap skipped on the speaker"
    rig.hub.post(ButtonEvent("hold", 0.0))
    rig.step(1)
    assert rig.standin.saved, "the hold saved the track on Spotify (a like)"
    assert [e.payload["kind"] for e in rig.store.events("button")] == ["tap", "hold"]  # recorded either way
    assert feedback(rig) == ([] if guest else ["early_skip", "like"])


@pytest.mark.parametrize("learning", [None, False])
def test_paused_learning_learns_nothing_from_a_play_through(rig, learning):
    playing(rig, Overrides(learning=learning))
    first = rig.standin.current()
    rig.step(first.duration_ms / 1000 + 1)  # the track ends on the speaker
    rig.step(rig.part.spotify.player.poll_interval())
    assert rig.standin.current() != first
    assert feedback(rig) == ([] if learning is False else ["play_through"])


def on_the_speaker(rig) -> list:
    ids = rig.standin.sequence[rig.standin.index:] + list(rig.standin.queue)
    return [rig.standin.playback.tracks[i] for i in ids]


@pytest.mark.parametrize("explicit, groups, allowed", [
    ("not_with_children", ("30-39",), True),
    ("never", ("30-39",), False),
    ("not_with_children", ("30-39", "0-12"), False),  # the switch never overrides a child being present
])
def test_the_explicit_switch_at_the_speaker(rig, explicit, groups, allowed):
    rig.hub.publish(Topic.OVERRIDES, Overrides(explicit=explicit))
    rig.hub.publish("audience", Audience(tuple(Listener(i, g, 35.0 if g != "0-12" else 8.0, rig.clock())
                                               for i, g in enumerate(groups)), rig.clock()))
    rig.step()
    assert rig.standin.playing
    assert rig.part.last_decision.brief.explicit is allowed
    if not allowed:
        assert not [t.name for t in on_the_speaker(rig) if t.explicit]
