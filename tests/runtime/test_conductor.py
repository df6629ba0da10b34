"""The conductor against the Spotify stand-in: arrivals start music, feedback is learned, idle behaviours."""

from __future__ import annotations

import dataclasses
import random

import pytest
from fake_clock import FakeClock

from device.config.schema import Config, MusicConfig, SpotifyConfig
from device.core.clock import SystemClock
from device.core.parts import Hub, Unavailable
from device.core.state import StateStore
from device.core.values import Audience, ButtonEvent, Listener
from device.devtools.standins.spotify import SpotifyStandIn
from device.runtime.conductor import ConductorPart
from device.runtime.daemon import Runtime
from device.spotify.auth import SCOPES, TokenCache, token_path


@pytest.fixture
def rig(tmp_path):
    clock = FakeClock()
    with SpotifyStandIn(client_id="conductor-test", clock=clock) as standin:
        config = Config(
            spotify=SpotifyConfig(client_id=standin.client_id, api_url=standin.api_url,
                                  accounts_url=standin.accounts_url, speaker="living room", queue_ahead=2),
            music=MusicConfig(idle="pause", pause_after_minutes=1))
        config = dataclasses.replace(config, daemon=dataclasses.replace(config.daemon, state_dir=str(tmp_path)))
        token = standin.issue_token(" ".join(SCOPES))  # what the daemon's log-in asks for
        token["expires_at"] = clock() + token["expires_in"]
        TokenCache(token_path(tmp_path)).save(token)
        store = StateStore(tmp_path / "state.db").open()
        hub = Hub()
        runtime = Runtime(config, hub, store, SystemClock(require_sync=False))
        part = ConductorPart(runtime, rng=random.Random(4), wall=clock, mono=clock)
        yield part, standin, hub, store, clock
        store.close()


def arrive(hub, clock, *groups):
    listeners = tuple(Listener(i, g, 35.0, clock()) for i, g in enumerate(groups))
    hub.publish("audience", Audience(listeners, clock()))


def test_without_a_client_id_it_says_what_to_do(tmp_path):
    runtime = Runtime(Config(), Hub(), StateStore(tmp_path / "s.db").open(), SystemClock(require_sync=False))
    with pytest.raises(Unavailable, match="set spotify.client_id"):
        ConductorPart(runtime).start()


def test_without_a_login_it_asks_for_mirrorball_auth(rig):
    part, standin, hub, store, clock = rig
    token_path(part.config.daemon.state_dir).unlink()
    with pytest.raises(Unavailable, match="run mirrorball auth"):
        part.start()


def test_arrival_plays_tap_dislikes_hold_likes(rig):
    part, standin, hub, store, clock = rig
    part.start()
    part.step(clock())
    assert "PUT /v1/me/player/play" not in standin.requests  # nobody there yet
    arrive(hub, clock, "30-39")
    part.step(clock())
    assert standin.playing and standin.current() is not None
    assert "for 30-39" in part.status()
    first = standin.current().uri

    hub.post(ButtonEvent("tap", clock()))
    part.step(clock())
    assert standin.current().uri != first
    hub.post(ButtonEvent("hold", clock()))
    part.step(clock())
    assert standin.saved == [standin.current().uri]

    buttons = [e.payload["kind"] for e in store.events(kind="button")]
    assert buttons == ["tap", "hold"]
    learned = [(e.payload["kind"], e.payload["uri"]) for e in store.events(kind="feedback")]
    assert learned[0] == ("early_skip", first) and learned[1][0] == "like"  # a tap at once: an early skip
    assert store.last_decision() is not None


def test_nobody_for_the_configured_time_pauses_and_a_return_resumes(rig):
    part, standin, hub, store, clock = rig
    part.start()
    arrive(hub, clock, "20-29")
    part.step(clock())
    assert standin.playing
    hub.publish("audience", Audience((), clock()))
    part.step(clock())
    clock.t += 30
    part.step(clock())
    assert standin.playing, "not before music.pause_after_minutes"
    clock.t += 31
    part.step(clock())
    assert not standin.playing
    arrive(hub, clock, "20-29")
    part.step(clock())
    assert standin.playing


def test_new_listeners_line_up_picks_for_them(rig, caplog):
    part, standin, hub, store, clock = rig
    part.start()
    arrive(hub, clock, "40-49")
    part.step(clock())
    decisions = len(store.decisions())
    arrive(hub, clock, "40-49", "0-12")
    with caplog.at_level("INFO"):
        part.step(clock())
    assert len(store.decisions()) > decisions
    assert store.last_decision().payload["brief"]["family_safe"] is True
    assert "listeners changed to 0-12, 40-49" in caplog.text


def test_the_conductor_keeps_the_queue_lined_up_and_the_music_goes_on_without_picks(rig, caplog):
    """The player asks (needs()); only the conductor plans. When it cannot get picks, what is lined up plays on."""
    from device.core.catalog import CatalogError

    part, standin, hub, store, clock = rig
    part.start()
    arrive(hub, clock, "30-39")
    part.step(clock())
    planned = len(store.decisions())
    assert planned == 2, "the start, then the picks held back behind the queue"
    played = [standin.current().uri]
    for _ in range(2):  # each track that ends: one held-back pick is queued and one more is planned
        clock.t += standin.current().duration_ms / 1000 + 1
        standin.advance(0)
        part.step(clock())
        played.append(standin.current().uri)
    assert len(store.decisions()) > planned

    def unreachable(*args, **kwargs):
        raise CatalogError("Spotify unreachable")

    part.director.plan = unreachable
    with caplog.at_level("WARNING"):
        for _ in range(2):
            clock.t += standin.current().duration_ms / 1000 + 1
            standin.advance(0)
            part.step(clock())
            played.append(standin.current().uri)
    assert "could not get more picks: Spotify unreachable" in caplog.text
    assert standin.playing and len(set(played)) == len(played) == 5


@pytest.mark.parametrize("idle", ["fade_out", "keep_playing"])
def test_other_idle_behaviours(rig, idle):
    part, standin, hub, store, clock = rig
    part.config = dataclasses.replace(part.config, music=dataclasses.replace(part.config.music, idle=idle))
    part.start()
    arrive(hub, clock, "50-59")
    part.step(clock())
    device = standin.device("Living Room")
    start_volume = device.volume
    hub.publish("audience", Audience((), clock()))
    part.step(clock())
    volumes = []
    for _ in range(12):
        clock.t += 61 if not volumes else 3.5
        part.step(clock())
        volumes.append(device.volume)
    if idle == "keep_playing":
        assert standin.playing and volumes == [start_volume] * 12
    else:
        assert not standin.playing
        steps = sorted(set(volumes), reverse=True)
        assert steps[0] < start_volume and len(steps) >= 4, volumes


def _connections_to(port: int) -> int:
    """This process's open TCP sockets whose peer is 127.0.0.1:port (its client side of kept-alive connections)."""
    import os
    import re

    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[2].split(":")[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(fields[9])
    mine = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            match = re.match(r"socket:\[(\d+)\]", os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
        mine += bool(match and match.group(1) in inodes)
    return mine


@pytest.mark.skipif(not __import__("os").path.exists("/proc/net/tcp"), reason="needs Linux's /proc/net/tcp")
def test_stop_closes_spotify_connections_so_reloads_do_not_pile_them_up(rig):
    """A config reload stops and starts the conductor: each start opened new kept-alive connections, and the old
    ones stayed open for the life of the process (the 24 h soak saw two more after one reload)."""
    part, standin, hub, store, clock = rig
    port = int(standin.base_url.rsplit(":", 1)[1])
    counts, held = [], []
    for _ in range(4):
        part.start()
        arrive(hub, clock, "30-39")
        part.step(clock())
        assert _connections_to(port) >= 1, "the conductor talked to Spotify over a kept-alive connection"
        held.append(part.spotify)  # as anything that still refers to the old client does (no help from the GC)
        part.stop()
        counts.append(_connections_to(port))
    assert counts == [0, 0, 0, 0]


def test_after_a_reload_the_new_conductor_carries_on_with_its_own_picks(rig):
    """The daemon's reload stops the conductor and starts a new one (new client, new player, same state store).
    The new player took the music it found for another app's: it started new picks over the track playing, then
    the pick left in Spotify's queue from before the reload was "another app started ...": a 15 min back-off."""
    part, standin, hub, store, clock = rig
    part.start()
    arrive(hub, clock, "30-39")
    part.step(clock())
    for _ in range(60):  # ten minutes: picks played through, more queued
        clock.t += 10
        part.step(clock())
    assert standin.queue, "a pick sits in Spotify's queue across the reload"
    playing, starts = standin.current().uri, standin.requests.count("PUT /v1/me/player/play")
    part.stop()

    reloaded = ConductorPart(Runtime(part.config, hub, store, part.clock), rng=random.Random(5), wall=clock,
                             mono=clock)
    reloaded.start()
    reloaded.step(clock())
    assert standin.current().uri == playing and reloaded.spotify.player.state == "playing"
    states, tracks = set(), {playing}
    for _ in range(90):  # fifteen minutes: what was lined up plays out and new picks follow
        clock.t += 10
        reloaded.step(clock())
        states.add(reloaded.spotify.player.state)
        tracks.add(standin.current().uri)
    assert states == {"playing"}, "no back-off from its own picks"
    assert standin.requests.count("PUT /v1/me/player/play") == starts  # nothing started over its own music
    assert len(tracks) >= 3 and reloaded.status().startswith("playing ")  # its picks run 3-11 minutes
