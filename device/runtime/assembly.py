"""Builds the daemon's parts from the config: vision, weather, button, the conductor (music + speaker) and Home Assistant."""

from __future__ import annotations

import random

from device.core.overrides import Overrides
from device.core.parts import Part
from device.core.topics import Topic
from device.hardware.button import ButtonPart
from device.runtime.conductor import ConductorPart
from device.vision.part import VisionPart
from device.weather.part import WeatherPart


def build_parts(runtime, *, rng: random.Random | None = None) -> list[Part]:
    """The parts in the order their status is shown: what plays, the weather, the camera, the button (rng: the music's
    draws, seeded where a run must repeat, as in the demo; unseeded by default)."""
    config, hub = runtime.config, runtime.hub
    parts: list[Part] = [ConductorPart(runtime, rng=rng), WeatherPart(config, hub, runtime.store)]
    parts.append(VisionPart(config, hub))
    if config.button.enabled:
        parts.append(ButtonPart(config.button, hub, pin_factory=runtime.pin_factory))
    if config.mqtt.enabled:
        from device.homeassistant.part import HomeAssistantPart

        parts.append(HomeAssistantPart(runtime))  # it publishes the saved switches on the hub
    else:
        hub.publish(Topic.OVERRIDES, Overrides())  # no Home Assistant: the config alone decides
    return parts
