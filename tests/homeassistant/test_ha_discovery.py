"""Home Assistant's view over a real Mosquitto: every discovery message has the keys Home Assistant needs, states
follow the hub, and a broker login that is wrong is said in words."""

from __future__ import annotations

import json

from broker import PASSWORD
from ha_rig import PartRig
from waiting import wait_for

from device.core.topics import Topic
from device.core.values import Audience, Listener, NowPlaying, Track

COMMON = {"name", "unique_id", "device", "availability_topic", "payload_available", "payload_not_available"}
REQUIRED = {
    "sensor": COMMON | {"state_topic"},
    "binary_sensor": COMMON | {"state_topic", "payload_on", "payload_off"},
    "switch": COMMON | {"state_topic", "command_topic", "payload_on", "payload_off"},
    "button": COMMON | {"command_topic", "payload_press"},
    "number": COMMON | {"state_topic", "command_topic", "min", "max", "step"},
}
EXPECTED = {"sensor": {"listeners", "audience", "now_playing", "weather", "status"}, "binary_sensor": {"present"},
            "switch": {"explicit", "learning", "guest"}, "button": {"skip", "like"}, "number": {"volume"}}


def test_every_discovery_payload_has_the_keys_home_assistant_requires(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    try:
        ha = listener()
        wait_for(lambda: len(ha.all("homeassistant/")) >= 12, 10)
        configs = {t: json.loads(p) for _, t, p, _ in ha.all("homeassistant/")}
        found: dict[str, set[str]] = {}
        for topic, payload in configs.items():
            prefix, component, node, key, last = topic.split("/")
            assert (prefix, node, last) == ("homeassistant", "mirrorball_test1", "config"), topic
            found.setdefault(component, set()).add(key)
            missing = REQUIRED[component] - set(payload)
            assert not missing, f"{topic} lacks {sorted(missing)}"
            device = payload["device"]
            assert {"identifiers", "manufacturer", "model", "sw_version", "name"} <= set(device), device
            assert payload["availability_topic"] == "mirrorball/test1/availability"
            assert payload["default_entity_id"] == f"{component}.mirrorball_{key}"
            for k in ("state_topic", "command_topic", "json_attributes_topic"):
                if k in payload:
                    assert payload[k].startswith("mirrorball/test1/") and "+" not in payload[k] and "#" not in payload[k]
        assert found == EXPECTED
        ids = [p["unique_id"] for p in configs.values()]
        assert len(set(ids)) == len(ids) == 12
        assert wait_for(lambda: ha.latest("mirrorball/test1/availability") == "online", 5)
        # every state topic a discovery message names has a retained state on the broker
        states = [p["state_topic"] for p in configs.values() if "state_topic" in p]
        late = listener()
        assert wait_for(lambda: all(late.latest(t) is not None for t in states), 5), \
            [t for t in states if late.latest(t) is None]
        assert late.latest("mirrorball/test1/present/state") == "OFF"
        assert late.latest("mirrorball/test1/listeners/state") == "0"
    finally:
        rig.stop()
    ha.close()


def test_states_follow_the_hub_and_no_per_person_age_is_published(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    ha = listener()
    try:
        assert wait_for(lambda: ha.latest("mirrorball/test1/listeners/state") == "0", 10)
        people = (Listener(1, "30-39", 37.4, 0.0), Listener(2, "0-12", 8.6, 0.0), Listener(3, "30-39", 33.1, 0.0))
        rig.hub.publish(Topic.AUDIENCE, Audience(people, 1.0))
        track = Track("spotify:track:abc", "So What", ("Miles Davis",), source="genre:jazz")
        rig.hub.publish(Topic.NOW_PLAYING, NowPlaying("playing", track))
        assert wait_for(lambda: ha.latest("mirrorball/test1/listeners/state") == "3", 5)
        assert wait_for(lambda: ha.latest("mirrorball/test1/now_playing/state") == "So What – Miles Davis", 5)
        assert ha.latest("mirrorball/test1/audience/state") == "0-12, 30-39"
        assert ha.latest("mirrorball/test1/present/state") == "ON"
        attributes = json.loads(ha.latest("mirrorball/test1/now_playing/attributes"))
        assert attributes["source"] == "genre:jazz" and attributes["artist"] == "Miles Davis"
        text = "\n".join(p for _, _, p, _ in ha.all())
        for age in ("37.4", "8.6", "33.1", "37", "33"):
            assert age not in text, f"a per-person age ({age}) was published"
        assert PASSWORD not in text
    finally:
        rig.stop()
    assert wait_for(lambda: ha.latest("mirrorball/test1/availability") == "offline", 5), "stop says offline"
    ha.close()


def test_a_wrong_password_is_said_in_the_status_and_retried(tmp_path, broker):
    rig = PartRig(tmp_path, broker, password="not-the-password").start()
    try:
        assert wait_for(lambda: "refused the login" in rig.part.status(), 10), rig.part.status()
        assert "mqtt.username and the password" in rig.part.status()
        assert "not-the-password" not in rig.part.status()
        ups_before = rig.part.link.connection.ups
        assert ups_before == 0
    finally:
        rig.stop()


def test_home_assistant_coming_online_gets_discovery_and_states_again(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    ha = listener()
    try:
        assert wait_for(lambda: len(ha.all("homeassistant/sensor/")) >= 5, 10)
        before = len(ha.all("homeassistant/"))
        ha.send("homeassistant/status", "online")
        assert wait_for(lambda: len(ha.all("homeassistant/")) >= before + 12, 5)
        assert wait_for(lambda: len(ha.all("mirrorball/test1/listeners/state")) >= 2, 5), "the states came again"
    finally:
        rig.stop()
        ha.close()
