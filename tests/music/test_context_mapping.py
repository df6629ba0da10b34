"""Context (pure): every WMO code, temperature bands, time of day, seasons by hemisphere, staleness, no clock."""

from datetime import datetime

import pytest

from device.config.schema import TemperatureBands
from device.core.values import WeatherReading
from device.music.context import (
    CONDITIONS,
    UNKNOWN,
    WMO_CONDITIONS,
    build_context,
    condition_of,
    season,
    temperature_band,
    time_of_day,
)

# Open-Meteo's documented codes (WMO 4677 subset), one row each.
OPEN_METEO = [
    (0, "clear"), (1, "clear"), (2, "partly cloudy"), (3, "overcast"), (45, "fog"), (48, "fog"),
    (51, "drizzle"), (53, "drizzle"), (55, "drizzle"), (56, "drizzle"), (57, "drizzle"),
    (61, "rain"), (63, "rain"), (65, "rain"), (66, "rain"), (67, "rain"),
    (71, "snow"), (73, "snow"), (75, "snow"), (77, "snow"),
    (80, "rain"), (81, "rain"), (82, "rain"), (85, "snow"), (86, "snow"),
    (95, "thunderstorm"), (96, "thunderstorm"), (99, "thunderstorm"),
]
# The rest of WMO 4677, by range.
OTHER_WMO = ([(c, "fog") for c in range(4, 13)] + [(13, "thunderstorm"), (17, "thunderstorm"), (19, "thunderstorm")]
             + [(c, "overcast") for c in (14, 15, 16, 18)]
             + [(20, "drizzle"), (21, "rain"), (22, "snow"), (23, "snow"), (24, "rain"), (25, "rain"),
                (26, "snow"), (27, "snow"), (28, "fog"), (29, "thunderstorm")]
             + [(c, "fog") for c in range(30, 36)] + [(c, "snow") for c in range(36, 40)]
             + [(c, "fog") for c in range(40, 50) if c not in (45, 48)]
             + [(c, "drizzle") for c in (50, 52, 54)] + [(58, "rain"), (59, "rain")]
             + [(c, "rain") for c in (60, 62, 64)] + [(c, "snow") for c in (68, 69, 70, 72, 74, 76, 78, 79)]
             + [(83, "snow"), (84, "snow"), (87, "snow"), (88, "snow"), (89, "rain"), (90, "rain"),
                (91, "rain"), (92, "rain"), (93, "snow"), (94, "snow"), (97, "thunderstorm"), (98, "thunderstorm")])


@pytest.mark.parametrize("code, condition", OPEN_METEO + OTHER_WMO)
def test_wmo_code_to_condition(code, condition):
    assert condition_of(code) == condition


def test_the_table_covers_every_wmo_code_exactly_once():
    codes = [c for c, _ in OPEN_METEO + OTHER_WMO]
    assert sorted(codes) == list(range(100))
    assert set(WMO_CONDITIONS) == set(range(100))
    assert set(WMO_CONDITIONS.values()) == set(CONDITIONS)


@pytest.mark.parametrize("code", [None, -1, 100, 255])
def test_codes_outside_the_table_are_unknown(code):
    assert condition_of(code) == UNKNOWN


BANDS = TemperatureBands()


@pytest.mark.parametrize("celsius, band", [
    (-12.0, "freezing"), (-0.1, "freezing"), (0.0, "cold"), (9.9, "cold"), (10.0, "mild"), (19.9, "mild"),
    (20.0, "warm"), (26.9, "warm"), (27.0, "hot"), (41.0, "hot"), (None, UNKNOWN),
])
def test_temperature_bands_from_config_thresholds(celsius, band):
    assert temperature_band(celsius, BANDS) == band


def test_temperature_bands_follow_the_config():
    tropical = TemperatureBands(freezing_below=5, cold_below=18, mild_below=25, warm_below=31)
    assert [temperature_band(t, tropical) for t in (4, 17, 24, 30, 31)] == ["freezing", "cold", "mild", "warm", "hot"]


@pytest.mark.parametrize("hour, part", [
    (0, "night"), (4, "night"), (5, "morning"), (11, "morning"), (12, "afternoon"), (16, "afternoon"),
    (17, "evening"), (21, "evening"), (22, "night"), (23, "night"),
])
def test_time_of_day(hour, part):
    assert time_of_day(datetime(2026, 3, 1, hour, 30)) == part


@pytest.mark.parametrize("month, north, south", [
    (1, "winter", "summer"), (3, "spring", "autumn"), (6, "summer", "winter"), (9, "autumn", "spring"),
    (11, "autumn", "spring"), (12, "winter", "summer"),
])
def test_season_by_date_and_hemisphere(month, north, south):
    moment = datetime(2026, month, 15, 12)
    assert season(moment, 52.1) == north
    assert season(moment, -33.9) == south
    assert season(moment, None) == UNKNOWN
    assert season(None, 52.1) == UNKNOWN


def reading(at, code=63, temp=6.0, is_day=False):
    return WeatherReading(at=at, temperature_c=temp, weather_code=code, is_day=is_day)


def ctx(weather, now, local=datetime(2026, 1, 10, 19, 0), light="dim"):
    return build_context(weather=weather, now=now, now_local=local, latitude=52.1, light=light, bands=BANDS,
                         stale_after_hours=3.0)


def test_fresh_weather_builds_the_whole_context():
    c = ctx(reading(1000.0), 1000.0 + 600)
    assert (c.condition, c.temperature, c.daylight, c.time_of_day, c.season, c.light, c.year) == \
        ("rain", "cold", False, "evening", "winter", "dim", 2026)
    assert c.weather_age_s == 600
    assert c.describe() == "rain 6°C (cold), evening, winter, room dim"


def test_weather_older_than_the_limit_is_unknown():
    at = 1000.0
    assert ctx(reading(at), at + 3 * 3600).condition == "rain"  # exactly at the limit: still usable
    stale = ctx(reading(at), at + 3 * 3600 + 1)
    assert (stale.condition, stale.temperature, stale.daylight, stale.temperature_c) == (UNKNOWN, UNKNOWN, None, None)
    assert stale.weather_age_s == 3 * 3600 + 1
    assert stale.describe().startswith("weather unknown")
    assert ctx(None, at).condition == UNKNOWN and ctx(None, at).weather_age_s is None


def test_unsynchronised_clock_gives_unknown_time_and_season():
    c = ctx(reading(1000.0), 1000.0, local=None, light=None)
    assert (c.time_of_day, c.season, c.year, c.light) == (UNKNOWN, UNKNOWN, None, UNKNOWN)
    assert c.condition == "rain"


def test_context_for_takes_thresholds_and_place_from_the_config():
    from device.config.schema import Config, WeatherConfig
    from device.music.context import context_for

    config = Config(weather=WeatherConfig(latitude=-33.9, longitude=151.2, stale_after_hours=1.0,
                                          temperature=TemperatureBands(5, 12, 18, 22)))
    local = datetime(2026, 1, 10, 14, 0)
    c = context_for(config, weather=reading(1000.0, temp=21.0), latitude=None, light="bright", now=1000.0,
                    now_local=local)
    assert (c.temperature, c.season, c.time_of_day) == ("warm", "summer", "afternoon")
    assert context_for(config, weather=reading(1000.0), latitude=52.0, light=None, now=1000.0,
                       now_local=local).season == "winter"
    assert context_for(config, weather=reading(1000.0), latitude=None, light=None, now=1000.0 + 3601,
                       now_local=local).condition == UNKNOWN
