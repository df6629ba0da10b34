"""Plain values that cross part boundaries: listeners and audiences, weather readings, tracks, button events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Listener:
    """One person the camera has confirmed; nothing else about them (no image) leaves the vision module."""

    id: int
    group: str  # age group name from the config, e.g. "30-39"
    age: float  # smoothed expected age, years
    since: float  # when they arrived (monotonic or simulated clock seconds)
    child_p: float = 0.0  # smoothed probability of an age under 13 (from the age model's whole distribution)
    minor_p: float = 0.0  # smoothed probability of an age under 18


@dataclass(frozen=True)
class Audience:
    listeners: tuple[Listener, ...] = ()
    at: float = 0.0

    @property
    def present(self) -> bool:
        return bool(self.listeners)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(sorted({listener.group for listener in self.listeners}))


@dataclass(frozen=True)
class WeatherReading:
    """Current weather at the configured place, as observed at `at` (Unix time)."""

    at: float
    temperature_c: float
    weather_code: int  # WMO code (OpenWeatherMap readings are mapped onto WMO codes)
    is_day: bool | None = None
    apparent_c: float | None = None
    precipitation_mm: float | None = None
    cloud_cover: float | None = None
    wind_kmh: float | None = None
    source: str = "open-meteo"


@dataclass(frozen=True)
class Track:
    uri: str  # spotify:track:...
    name: str
    artists: tuple[str, ...] = ()
    explicit: bool = False
    duration_ms: int = 0
    year: int | None = None
    source: str = ""  # which candidate source (query template, playlist, top tracks) produced it


@dataclass(frozen=True)
class ButtonEvent:
    kind: Literal["tap", "hold", "double_tap"]
    at: float
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NowPlaying:
    """What the conductor's player has on the speaker: its state (playing, paused, idle, backoff) and the track."""

    state: str = "idle"
    track: Track | None = None


@dataclass(frozen=True)
class VolumeRequest:
    """A hub event: a person asked for this speaker volume (Home Assistant's volume number), percent."""

    percent: int
    at: float = 0.0
