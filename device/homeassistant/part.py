"""The Home Assistant part: publishes discovery and states to an MQTT broker, and turns Home Assistant's commands
into the same hub events the button posts and into the household's switches (device/core/overrides.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from pathlib import Path

from device import __version__
from device.core.overrides import (
    OVERRIDES_KEY,
    Overrides,
    current,
    overrides_from_json,
    overrides_to_json,
    switch_states,
)
from device.core.parts import Hub, Part, Unavailable
from device.core.state import StateError
from device.core.topics import Topic
from device.core.values import Audience, ButtonEvent, NowPlaying, VolumeRequest
from device.homeassistant.entities import OFF, ON, PRESS, Topics, discovery_messages
from device.homeassistant.link import Link
from device.homeassistant.states import (
    audience_states,
    now_playing_attributes,
    now_playing_states,
    reason_line,
    switch_payloads,
)

log = logging.getLogger(__name__)

STEP_S = 0.1  # how often the hub's values are compared with what the broker has (the latency floor)
BUTTONS = {"skip": "tap", "like": "hold"}  # Home Assistant's buttons are the physical button's tap and hold


def device_id(configured: str, machine_id: Path = Path("/etc/machine-id")) -> str:
    """The configured id, else 12 hex digits hashed from the machine id (never the id itself), else the host name."""
    if configured:
        return configured
    try:
        seed = machine_id.read_text().strip()
    except OSError:
        seed = ""
    seed = seed or socket.gethostname()
    return hashlib.sha256(f"mirrorball:{seed}".encode()).hexdigest()[:12]


def load_overrides(store) -> Overrides:
    try:
        return overrides_from_json(store.get_json(OVERRIDES_KEY))
    except (StateError, ValueError) as exc:
        log.warning("the Home Assistant switches were not loaded (%s); the config decides", exc)
        return Overrides()


class HomeAssistantPart(Part):
    """Connects to the broker (reconnecting with the back-off), republishes discovery and every state on each new
    connection and when Home Assistant announces itself, publishes a state when its hub value changes, and carries out
    commands. Only this part's thread and paho's network thread touch the broker: the camera, music and button paths
    only ever publish on the hub."""

    name = "home assistant"

    def __init__(self, runtime, *, mono=time.monotonic):
        self.config = runtime.config
        self.cfg = runtime.config.mqtt
        self.hub: Hub = runtime.hub
        self.store = runtime.store
        self.clock = runtime.clock
        self.mono = mono
        self.hub.publish(Topic.OVERRIDES, load_overrides(self.store))  # before any part starts: survives restarts
        self.topics = Topics(self.cfg.discovery_prefix, "", "")
        self.link: Link | None = None
        self._sent: dict[str, str] = {}
        self._now_playing: NowPlaying | None = None
        self._reason = ""
        self._volume = self.config.music.volume  # the volume Mirrorball last asked the speaker for
        self._volume_at = 0.0  # when (Unix time)
        self._was_connected = False
        self.published = 0  # messages handed to the broker connection

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        try:
            import paho.mqtt.client  # noqa: F401
        except ImportError:
            raise Unavailable("Home Assistant: paho-mqtt is not installed (sudo make install installs it)") from None
        from device.config.secrets import SecretError, read_secret

        try:
            password = read_secret("mqtt_password", self.cfg.password, self.cfg.password_file)
        except SecretError as exc:
            raise Unavailable(f"Home Assistant: {exc}") from None
        ident = device_id(self.cfg.device_id)
        self.topics = Topics(self.cfg.discovery_prefix, self.cfg.base_topic or f"mirrorball/{ident}", ident)
        self.link = Link(self.cfg, client_id=f"mirrorball-{ident}", password=password,
                         will_topic=self.topics.availability,
                         subscriptions=[self.topics.ha_status, self.topics.commands_wildcard()], clock=self.mono)
        self._sent = {}

    def stop(self) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.publish(self.topics.availability, "offline")
            link.close()

    def status(self) -> str:
        if self.link is None:
            return ""
        c = self.link.connection
        if c.state == "up":
            return f"Home Assistant connected (MQTT {self.link.where})"
        if c.state == "connecting":
            return f"Home Assistant connecting to MQTT {self.link.where}"
        wait = max(0.0, c.next_try - self.mono())
        return f"Home Assistant not connected: {c.reason} (retrying in {wait:.0f} s)"

    # ------------------------------------------------------------ the loop

    def step(self, now: float) -> float:
        link = self.link
        now = self.mono()
        link.check(now)
        if link.connection.due(now):
            link.connect(now)
        self._say_connection()
        if link.fresh.is_set():
            link.fresh.clear()
            self._republish()
        while not link.inbox.empty():
            message = link.inbox.get_nowait()
            if message.topic == self.topics.ha_status:
                if message.payload.strip().lower() == "online":
                    log.info("Home Assistant announced itself: discovery and states sent again")
                    self._republish()
            else:
                self._command(message.topic, message.payload)
        self._publish_changes()
        return STEP_S

    def _say_connection(self) -> None:
        connected = self.link.connected
        if connected and not self._was_connected:
            log.info("Home Assistant: connected to the MQTT broker at %s", self.link.where)
        elif not connected and self._was_connected:
            log.warning("Home Assistant: %s", self.link.connection.reason)
        self._was_connected = connected

    def _republish(self) -> None:
        for topic, payload in discovery_messages(self.topics, __version__, max_volume=self.config.music.max_volume):
            self._send(topic, json.dumps(payload, sort_keys=True))
        self._send(self.topics.availability, "online")
        self._sent = {}  # every state again
        self._publish_changes()

    def _send(self, topic: str, payload: str) -> bool:
        sent = self.link.publish(topic, payload)
        self.published += sent
        return sent

    def _publish_changes(self) -> None:
        for topic, payload in self._states().items():
            if self._sent.get(topic) != payload and self._send(topic, payload):
                self._sent[topic] = payload

    # ------------------------------------------------------------ states

    def _states(self) -> dict[str, str]:
        t = self.topics
        found = audience_states(self.hub.latest(Topic.AUDIENCE, Audience()),
                                [g.name for g in self.config.vision.age_groups])
        now_playing = self.hub.latest(Topic.NOW_PLAYING, NowPlaying())
        if now_playing != self._now_playing:
            self._now_playing = now_playing
            self._reason, volume, chosen_at = self._decision_facts(now_playing)
            if volume is not None and chosen_at > self._volume_at:  # a choice newer than a volume command
                self._volume, self._volume_at = volume, chosen_at
        found.update(now_playing_states(now_playing, self._reason))
        found["weather"] = self._weather()
        found["status"] = self.hub.latest(Topic.STATUS, "starting")[:255]
        found.update(switch_payloads(switch_states(current(self.hub), self.config)))
        found["volume"] = str(self._volume)
        out = {t.state(key): value for key, value in found.items()}
        out[t.attributes("now_playing")] = json.dumps(now_playing_attributes(now_playing, self._reason), sort_keys=True)
        return out

    def _decision_facts(self, now_playing: NowPlaying) -> tuple[str, int | None, float]:
        """The one-line reason for the track playing, and the volume of the last choice and when it was made, from
        the recorded decisions."""
        try:
            decisions = self.store.decisions(limit=30)
        except StateError:
            return "", None, 0.0
        volume = (decisions[-1].payload.get("brief") or {}).get("volume") if decisions else None
        chosen_at = decisions[-1].at if decisions else 0.0
        reason = ""
        if now_playing.track is not None:
            for d in reversed(decisions):
                reason = reason_line(d.payload, now_playing.track.uri)
                if reason:
                    break
        return reason, volume, chosen_at

    def _weather(self) -> str:
        from device.music.context import context_for

        place = self.hub.latest(Topic.PLACE)
        context = context_for(self.config, weather=self.hub.latest(Topic.WEATHER),
                              latitude=getattr(place, "latitude", None), light=self.hub.latest(Topic.LIGHT),
                              now=time.time(), now_local=self.clock.local_now())
        return context.describe()

    # ------------------------------------------------------------ commands

    def _command(self, topic: str, payload: str) -> None:
        key = topic.removeprefix(self.topics.base + "/").removesuffix("/set")
        value = payload.strip()
        if key in BUTTONS:
            if value.upper() != PRESS:
                log.warning("Home Assistant sent %r to %s: expected %s; ignored", value[:20], key, PRESS)
                return
            event = ButtonEvent(BUTTONS[key], self.mono())
            if self.hub.post(event):  # the same event, and so the same path, as the physical button
                log.info("button %s (Home Assistant %s)", event.kind, key)
            else:
                log.warning("button %s from Home Assistant dropped: the event queue is full", event.kind)
        elif key in ("explicit", "learning", "guest"):
            if value.upper() not in (ON, OFF):
                log.warning("Home Assistant sent %r to the %s switch: expected ON or OFF; ignored", value[:20], key)
                return
            self._switch(key, value.upper() == ON)
        elif key == "volume":
            try:
                percent = round(float(value))
            except ValueError:
                log.warning("Home Assistant sent %r to volume: expected a number; ignored", value[:20])
                return
            percent = max(0, min(percent, self.config.music.max_volume))
            self.hub.post(VolumeRequest(percent, self.mono()))
            self._volume, self._volume_at = percent, time.time()
            log.info("volume %d%% (Home Assistant)", percent)
        else:
            log.info("Home Assistant sent a command to %s, which Mirrorball does not have; ignored", topic[:80])

    def _switch(self, key: str, on: bool) -> None:
        now = current(self.hub)
        if key == "explicit":
            new = now.changed(explicit="not_with_children" if on else "never")
        elif key == "learning":
            if on and not self.config.music.learning:
                log.warning("the learning switch cannot turn learning on: the config turns it off (music.learning)")
                self._sent.pop(self.topics.state("learning"), None)  # show Home Assistant the switch is still off
                return
            new = now.changed(learning=None if on else False)
        else:
            new = now.changed(guest=on)
        try:
            self.store.set_json(OVERRIDES_KEY, overrides_to_json(new))
        except StateError as exc:
            log.warning("the %s switch is applied but not saved: %s", key, exc)
        self.hub.publish(Topic.OVERRIDES, new)
        log.info("%s switched %s (Home Assistant)", key, "on" if on else "off")
