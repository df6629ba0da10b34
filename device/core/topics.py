"""The hub's topics: the names under which parts publish their latest values, and what each one holds."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    """A latest value on the hub. Hub.publish and Hub.latest take a Topic or its name and refuse any other."""

    AUDIENCE = "audience"  # device.core.values.Audience, from vision: who is listening now
    LIGHT = "light"  # str, from vision: the room's light level ("dark", "dim", "bright" or "unknown")
    WEATHER = "weather"  # device.core.values.WeatherReading, from the weather part: the last good reading
    PLACE = "place"  # device.weather.provider.Place, from the weather part: where the weather is read
    OVERRIDES = "overrides"  # device.core.overrides.Overrides: the household's switches (Home Assistant), read by the conductor
    NOW_PLAYING = "now_playing"  # device.core.values.NowPlaying, from the conductor: what plays on the speaker
    STATUS = "status"  # str, from the daemon: the sentence `systemctl status mirrorball` shows
