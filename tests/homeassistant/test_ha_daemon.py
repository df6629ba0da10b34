"""The whole daemon with Home Assistant on a real Mosquitto: a skip from Home Assistant reaches the speaker (the
Spotify stand-in) like a tap of the button, and a broker that goes away and comes back costs the music nothing."""

from __future__ import annotations

import json
import logging
import time

import pytest
from broker import PASSWORD, USER
from faults.fault_rig import CLIENT_ID, Appliance
from waiting import wait_for

from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn

POLL_S = 2


def mqtt_section(broker) -> dict:
    return {"mqtt": {"enabled": True, "host": "127.0.0.1", "port": broker.port, "username": USER,
                     "password": PASSWORD, "device_id": "daemon1", "reconnect_min_s": 0.5, "reconnect_max_s": 5},
            "spotify": {"poll_s": POLL_S}}


@pytest.fixture
def appliance(tmp_path, broker):
    with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID) as spotify:
        weather.set_weather(weather_code=61, temperature_2m=7.0, apparent_temperature=4.5, is_day=0)
        a = Appliance(tmp_path / "a", weather, spotify, extra=mqtt_section(broker))
        a.config_path.chmod(0o600)
        yield a
        a.stop()


def tap(a: Appliance) -> None:
    pin = a.factory.pin(17)
    pin.drive_low()
    time.sleep(0.05)
    pin.drive_high()


def test_a_skip_from_home_assistant_reaches_the_speaker_within_one_poll_like_a_tap(appliance, listener):
    a, spotify = appliance.start(), appliance.spotify
    ha = listener()
    a.wait_status("Home Assistant connected", 10)
    a.wait_status("playing", 10)
    assert wait_for(lambda: (ha.latest("mirrorball/daemon1/now_playing/state") or "nothing") != "nothing", 10)
    first = spotify.current()
    sent_at, requests_before = time.monotonic(), len(spotify.requests)
    ha.send("mirrorball/daemon1/skip/set", "PRESS")
    assert wait_for(lambda: spotify.current() != first, 10), "the speaker skipped"
    took = time.monotonic() - sent_at
    after = spotify.requests[requests_before:]
    polls_before_skip = after[:after.index("POST /v1/me/player/next")].count("GET /v1/me/player")
    print(f"skip from Home Assistant -> the speaker's next track: {took * 1000:.0f} ms (poll_s {POLL_S})")
    assert polls_before_skip <= 1, after  # carried out at the conductor's next step, not after a poll cycle
    # the speaker's new track shows in Home Assistant
    new = spotify.current()
    assert wait_for(lambda: (ha.latest("mirrorball/daemon1/now_playing/state") or "").startswith(new.name), 10)
    attributes = json.loads(ha.latest("mirrorball/daemon1/now_playing/attributes"))
    assert attributes["title"] == new.name and attributes["source"], attributes
    assert attributes["reason"].startswith("from "), attributes  # the pick's reason, from the recorded decision
    # recorded exactly like a tap of the physical button
    wait_for(lambda: a.daemon.store.events("button"), 5)
    time.sleep(0.6)  # the next tap must not fall in the button decoder's mashing window (its clock is real)
    tap(a)
    assert wait_for(lambda: len(a.daemon.store.events("button")) == 2, 10)
    via_ha, via_button = a.daemon.store.events("button")
    assert set(via_ha.payload) == set(via_button.payload) == {"kind", "uri"}
    assert via_ha.payload["kind"] == via_button.payload["kind"] == "tap"
    # a change made on the device (the physical tap) shows in Home Assistant, and so does the status sentence
    after_tap = wait_for(lambda: spotify.current() if spotify.current() != new else None, 10)
    assert wait_for(lambda: (ha.latest("mirrorball/daemon1/now_playing/state") or "").startswith(after_tap.name), 10)
    assert wait_for(lambda: (ha.latest("mirrorball/daemon1/status/state") or "").startswith("playing"), 10)
    # the volume number reaches the speaker, capped at music.max_volume (70)
    ha.send("mirrorball/daemon1/volume/set", "33")
    assert wait_for(lambda: spotify.device("Living Room").volume == 33, 10)
    ha.send("mirrorball/daemon1/volume/set", "100")
    assert wait_for(lambda: spotify.device("Living Room").volume == 70, 10)
    assert a.logs.unhandled() == []


def test_the_broker_stopped_and_back_under_a_running_daemon(appliance, broker, listener):
    a, spotify = appliance.start(), appliance.spotify
    a.wait_status("Home Assistant connected", 10)
    a.wait_status("playing", 10)
    events_before = len(a.daemon.store.events())
    decisions_before = len(a.daemon.store.decisions())
    broker.stop()
    assert "not connected" in a.wait_status("Home Assistant not connected", 10)
    assert "cannot reach the MQTT broker" in a.wait_status("cannot reach", 15)
    down_since = time.monotonic()
    while time.monotonic() - down_since < 2.5:  # a few reconnect attempts fail meanwhile; the music goes on
        assert a.alive() and spotify.playing, a.status()
        time.sleep(0.5)
    assert a.daemon.hub.dropped_events == 0
    broker.start()
    back = time.monotonic()
    a.wait_status("Home Assistant connected", 30)
    took = time.monotonic() - back
    print(f"reconnected {took:.2f} s after the broker came back (reconnect_max_s 5)")
    assert took < 30
    ha = listener()  # the restarted broker kept nothing (persistence false): all of it is what the daemon sent again
    assert wait_for(lambda: len({t for _, t, _, _ in ha.all("homeassistant/")}) == 12, 10)
    assert wait_for(lambda: ha.latest("mirrorball/daemon1/availability") == "online", 5)
    assert wait_for(lambda: ha.latest("mirrorball/daemon1/present/state") == "ON", 5)
    assert wait_for(lambda: (ha.latest("mirrorball/daemon1/now_playing/state") or "nothing") != "nothing", 5)
    assert spotify.playing and a.alive()
    assert len(a.daemon.store.events()) >= events_before and len(a.daemon.store.decisions()) >= decisions_before
    # no secret in any log line or published message
    assert PASSWORD not in a.logs.text()
    assert all(PASSWORD not in repr(r.args) for r in a.logs.records)
    assert PASSWORD not in "".join(p for _, _, p, _ in ha.all())
    assert a.logs.lines(logging.WARNING, "lost the connection") or a.logs.lines(logging.WARNING, "Home Assistant")
    assert a.logs.unhandled() == []
    ha.close()


def test_the_daemon_starts_and_plays_with_the_broker_down(appliance, broker, listener):
    broker.stop()
    a, spotify = appliance.start(), appliance.spotify
    a.wait_status("playing", 10)
    assert "Home Assistant not connected: cannot reach the MQTT broker" in a.wait_status("cannot reach", 10)
    assert spotify.playing
    broker.start()
    a.wait_status("Home Assistant connected", 30)
    ha = listener()
    assert wait_for(lambda: ha.latest("mirrorball/daemon1/present/state") == "ON", 10)
    assert a.logs.unhandled() == []
    ha.close()


def test_a_frozen_broker_blocks_neither_the_music_nor_the_home_assistant_part(appliance, broker):
    import os
    import signal

    a, spotify = appliance.start(), appliance.spotify
    a.wait_status("Home Assistant connected", 10)
    a.wait_status("playing", 10)
    os.kill(broker.process.pid, signal.SIGSTOP)  # the broker's socket stays open but nothing answers
    try:
        runner = a.runner("home assistant")
        first = spotify.current()
        tap(a)
        longest, start = 0.0, time.monotonic()
        while time.monotonic() - start < 3 or spotify.current() == first:
            busy = runner._busy_since
            longest = max(longest, time.monotonic() - busy if busy is not None else 0.0)
            assert time.monotonic() - start < 20, "the tap did not skip on the speaker"
            time.sleep(0.01)
        assert spotify.current() != first and spotify.playing
        assert longest < 1.0, f"a Home Assistant step took {longest:.2f} s against a frozen broker"
        assert runner.healthy() and a.alive()
    finally:
        os.kill(broker.process.pid, signal.SIGCONT)
