"""What Mirrorball shows in Home Assistant: the entities, their topics and their MQTT discovery messages (pure).

>>> t = Topics("homeassistant", "mirrorball/abc", "abc")
>>> topic, payload = discovery_messages(t, "0.1.0", max_volume=70)[0]
>>> topic, payload["unique_id"], payload["state_topic"], payload["availability_topic"]
('homeassistant/sensor/mirrorball_abc/listeners/config', 'mirrorball_abc_listeners', 'mirrorball/abc/listeners/state', 'mirrorball/abc/availability')
>>> t.command("skip"), [e.key for e in ENTITIES if e.component == "switch"]
('mirrorball/abc/skip/set', ['explicit', 'learning', 'guest'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

ONLINE, OFFLINE = "online", "offline"
ON, OFF = "ON", "OFF"
PRESS = "PRESS"


@dataclass(frozen=True)
class Entity:
    component: str  # sensor, binary_sensor, switch, button, number
    key: str  # the object id: topics and unique_id
    name: str
    icon: str = ""
    extra: dict = field(default_factory=dict)  # further discovery keys (device_class, unit, min/max...)

    @property
    def commands(self) -> bool:
        return self.component in ("switch", "button", "number")

    @property
    def has_state(self) -> bool:
        return self.component != "button"


ENTITIES: tuple[Entity, ...] = (
    Entity("sensor", "listeners", "Listeners", "mdi:account-group",
           {"state_class": "measurement", "unit_of_measurement": "listeners"}),
    Entity("sensor", "audience", "Audience", "mdi:account-multiple"),
    Entity("sensor", "now_playing", "Now playing", "mdi:music"),
    Entity("sensor", "weather", "Weather context", "mdi:weather-partly-rainy"),
    Entity("sensor", "status", "Status", "mdi:information-outline", {"entity_category": "diagnostic"}),
    Entity("binary_sensor", "present", "Someone present", "", {"device_class": "occupancy"}),
    Entity("switch", "explicit", "Explicit music allowed", "mdi:alert-octagon-outline", {"entity_category": "config"}),
    Entity("switch", "learning", "Learning", "mdi:school", {"entity_category": "config"}),
    Entity("switch", "guest", "Guest mode", "mdi:account-question"),
    Entity("button", "skip", "Skip", "mdi:skip-next"),
    Entity("button", "like", "Like", "mdi:heart"),
    Entity("number", "volume", "Volume", "mdi:volume-high",
           {"min": 0, "step": 1, "unit_of_measurement": "%", "mode": "slider"}),
)
BY_KEY = {e.key: e for e in ENTITIES}


@dataclass(frozen=True)
class Topics:
    """The topic names: discovery under `prefix`, states and commands under `base`."""

    prefix: str  # Home Assistant's discovery prefix
    base: str  # mirrorball/<device id> unless configured
    device_id: str

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def ha_status(self) -> str:
        """Where Home Assistant announces itself ("online" after it starts)."""
        return f"{self.prefix}/status"

    @property
    def node(self) -> str:
        return f"mirrorball_{self.device_id}"

    def config(self, e: Entity) -> str:
        return f"{self.prefix}/{e.component}/{self.node}/{e.key}/config"

    def state(self, key: str) -> str:
        return f"{self.base}/{key}/state"

    def attributes(self, key: str) -> str:
        return f"{self.base}/{key}/attributes"

    def command(self, key: str) -> str:
        return f"{self.base}/{key}/set"

    def commands_wildcard(self) -> str:
        return f"{self.base}/+/set"


def device_block(t: Topics, version: str) -> dict:
    return {"identifiers": [t.node], "name": "Mirrorball", "manufacturer": "Mirrorball",
            "model": "Mirrorball music appliance", "sw_version": version}


def discovery_payload(t: Topics, e: Entity, version: str, *, max_volume: int) -> dict:
    """One entity's retained discovery config (full key names, never abbreviations). default_entity_id (which replaced
    object_id in Home Assistant 2025.10; object_id stopped working in 2026.4) makes e.g. switch.mirrorball_explicit
    (Home Assistant adds _2 for a second Mirrorball); unique_id holds the device id."""
    payload = {"name": e.name, "unique_id": f"{t.node}_{e.key}", "default_entity_id": f"{e.component}.mirrorball_{e.key}",
               "device": device_block(t, version), "availability_topic": t.availability,
               "payload_available": ONLINE, "payload_not_available": OFFLINE, **e.extra}
    if e.icon:
        payload["icon"] = e.icon
    if e.has_state:
        payload["state_topic"] = t.state(e.key)
    if e.key == "now_playing":
        payload["json_attributes_topic"] = t.attributes(e.key)
    if e.component in ("switch", "binary_sensor"):
        payload.update(payload_on=ON, payload_off=OFF)
    if e.commands:
        payload["command_topic"] = t.command(e.key)
    if e.component == "button":
        payload["payload_press"] = PRESS
    if e.component == "number":
        payload["max"] = max_volume
    return payload


def discovery_messages(t: Topics, version: str, *, max_volume: int) -> list[tuple[str, dict]]:
    return [(t.config(e), discovery_payload(t, e, version, max_volume=max_volume)) for e in ENTITIES]
