"""The listening context (pure): weather condition and temperature band, day/night, time of day, season, light."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from device.config.schema import TemperatureBands
from device.core.values import WeatherReading

UNKNOWN = "unknown"
CONDITIONS = ("clear", "partly cloudy", "overcast", "fog", "drizzle", "rain", "snow", "thunderstorm")
TEMPERATURE_BANDS = ("freezing", "cold", "mild", "warm", "hot")
TIMES_OF_DAY = ("morning", "afternoon", "evening", "night")
SEASONS = ("spring", "summer", "autumn", "winter")
LIGHT_LEVELS = ("dark", "dim", "bright")

# Local hour at which each part of the day begins (night runs from 22:00 to 05:00).
DAY_PARTS = ((5, "morning"), (12, "afternoon"), (17, "evening"), (22, "night"))

# Meteorological seasons by month in the northern hemisphere; the southern hemisphere is shifted by half a year.
_NORTH_SEASON = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                 6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
_OPPOSITE = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}


def _wmo_table() -> dict[int, str]:
    """WMO code table 4677 (present weather, 00-99) onto our eight conditions.

    Open-Meteo reports a subset (0-3, 45, 48, 51-57, 61-67, 71-77, 80-86, 95-99); the rest can arrive from
    other providers mapped onto WMO codes, so every code has a condition.
    """
    table: dict[int, str] = {}

    def put(codes, condition):
        for code in codes:
            table[code] = condition

    put([0, 1], "clear")                  # clear sky, mainly clear (4677: no cloud development, dissolving)
    put([2], "partly cloudy")
    put([3], "overcast")
    put(range(4, 13), "fog")              # smoke, haze, dust, mist, shallow fog
    put([13, 17, 19], "thunderstorm")     # lightning, thunder without precipitation, funnel cloud
    put([14, 15, 16], "overcast")         # precipitation in sight, not reaching the ground here
    put([18], "overcast")                 # squalls
    put([20], "drizzle")                  # in the past hour: drizzle
    put([21, 24, 25], "rain")             # ... rain, freezing rain or drizzle, rain showers
    put([22, 23, 26, 27], "snow")         # ... snow, rain and snow, snow showers, hail showers
    put([28], "fog")                      # ... fog
    put([29], "thunderstorm")             # ... thunderstorm
    put(range(30, 36), "fog")             # duststorm, sandstorm
    put(range(36, 40), "snow")            # drifting and blowing snow
    put(range(40, 50), "fog")             # fog, freezing fog (45, 48 in Open-Meteo)
    put(range(50, 58), "drizzle")         # drizzle, freezing drizzle (51-57)
    put(range(58, 60), "rain")            # drizzle and rain
    put(range(60, 68), "rain")            # rain, freezing rain (61-67)
    put(range(68, 80), "snow")            # rain and snow, snow, snow grains, ice pellets (71-77)
    put(range(80, 83), "rain")            # rain showers (80-82)
    put(range(83, 89), "snow")            # rain-and-snow, snow (85, 86), snow-pellet showers
    put(range(89, 91), "rain")            # hail showers
    put([91, 92], "rain")                 # rain, thunderstorm in the past hour
    put([93, 94], "snow")                 # snow or hail, thunderstorm in the past hour
    put(range(95, 100), "thunderstorm")   # thunderstorm (95), with hail (96, 99)
    return table


WMO_CONDITIONS: dict[int, str] = _wmo_table()


@dataclass(frozen=True)
class Context:
    """Everything about the moment that the policy may use (all words, so rules and `why` can name them)."""

    condition: str = UNKNOWN
    temperature: str = UNKNOWN
    temperature_c: float | None = None
    daylight: bool | None = None
    time_of_day: str = UNKNOWN
    season: str = UNKNOWN
    light: str = UNKNOWN
    year: int | None = None  # the local calendar year, for listeners' eras; None when the clock is unknown
    weather_age_s: float | None = None  # how old the weather reading is; None when there is none

    @property
    def weather_known(self) -> bool:
        return self.condition != UNKNOWN

    def describe(self) -> str:
        """A short phrase, e.g. "rain, cold, evening, winter, lights dim"."""
        parts = []
        if self.weather_known:
            temp = f" {self.temperature_c:.0f}°C" if self.temperature_c is not None else ""
            parts.append(f"{self.condition}{temp} ({self.temperature})")
        else:
            parts.append("weather unknown")
        parts.append(self.time_of_day if self.time_of_day != UNKNOWN else "time unknown")
        if self.season != UNKNOWN:
            parts.append(self.season)
        if self.light != UNKNOWN:
            parts.append(f"room {self.light}")
        return ", ".join(parts)


def condition_of(code: int | None) -> str:
    """The condition for a WMO weather code; "unknown" for None or a code outside 0-99."""
    if code is None:
        return UNKNOWN
    return WMO_CONDITIONS.get(int(code), UNKNOWN)


def temperature_band(celsius: float | None, bands: TemperatureBands) -> str:
    if celsius is None:
        return UNKNOWN
    if celsius < bands.freezing_below:
        return "freezing"
    if celsius < bands.cold_below:
        return "cold"
    if celsius < bands.mild_below:
        return "mild"
    if celsius < bands.warm_below:
        return "warm"
    return "hot"


def time_of_day(now_local: datetime | None) -> str:
    """morning from 05:00, afternoon from 12:00, evening from 17:00, night from 22:00; unknown without a clock."""
    if now_local is None:
        return UNKNOWN
    hour = now_local.hour
    part = DAY_PARTS[-1][1]
    for start, name in DAY_PARTS:
        if hour >= start:
            part = name
    return part


def season(now_local: datetime | None, latitude: float | None) -> str:
    """Meteorological season; southern latitudes flip it. Unknown without a clock or a place."""
    if now_local is None or latitude is None:
        return UNKNOWN
    north = _NORTH_SEASON[now_local.month]
    return north if latitude >= 0 else _OPPOSITE[north]


def light_level(light: str | None) -> str:
    return light if light in LIGHT_LEVELS else UNKNOWN


def build_context(*, weather: WeatherReading | None, now: float, now_local: datetime | None,
                  latitude: float | None, light: str | None, bands: TemperatureBands,
                  stale_after_hours: float) -> Context:
    """The context at Unix time `now`. `now_local` is the local wall-clock time, or None while the clock is
    not synchronised; a reading older than `stale_after_hours` counts as no weather at all."""
    age = None
    fresh = None
    if weather is not None:
        age = max(0.0, now - weather.at)
        if age <= stale_after_hours * 3600:
            fresh = weather
    return Context(
        condition=condition_of(fresh.weather_code) if fresh else UNKNOWN,
        temperature=temperature_band(fresh.temperature_c, bands) if fresh else UNKNOWN,
        temperature_c=fresh.temperature_c if fresh else None,
        daylight=fresh.is_day if fresh else None,
        time_of_day=time_of_day(now_local),
        season=season(now_local, latitude),
        light=light_level(light),
        year=now_local.year if now_local is not None else None,
        weather_age_s=age,
    )


def context_for(config, *, weather: WeatherReading | None, latitude: float | None, light: str | None, now: float,
                now_local: datetime | None) -> Context:
    """build_context with the thresholds from the config (a device.config.schema.Config); what the conductor calls
    with the hub's "weather", "place" (or weather.latitude) and "light" values."""
    if latitude is None:
        latitude = config.weather.latitude
    return build_context(weather=weather, now=now, now_local=now_local, latitude=latitude, light=light,
                         bands=config.weather.temperature, stale_after_hours=config.weather.stale_after_hours)
