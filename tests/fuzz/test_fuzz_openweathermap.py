"""Any OpenWeatherMap answer (status, JSON, bytes, `Retry-After`) gives a WeatherReading or a WeatherError."""

from __future__ import annotations

import math

import pytest
from fuzz_http import Answer, fuzz_session, json_values, numbers, objects
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_settings import examples

from device.core.values import WeatherReading
from device.music.context import condition_of
from device.weather.openweathermap import OWM_TO_WMO, OpenWeatherMapProvider
from device.weather.provider import Place, WeatherError

CONDITIONS = {"clear", "partly cloudy", "overcast", "fog", "drizzle", "rain", "snow", "thunderstorm", "unknown"}
KEYS = ["weather", "main", "wind", "rain", "snow", "clouds", "id", "icon", "temp", "feels_like", "speed", "1h",
        "all", "message", "cod", "dt", "name"]
extreme = st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**400, -10**400, 1e308, True, "12", "x"])
plausible = st.one_of(st.integers(-50, 100), st.floats(-60, 60), extreme, numbers)
condition_ids = st.one_of(st.sampled_from(sorted(OWM_TO_WMO)), st.integers(0, 1000), extreme, numbers)
condition = objects({"id": condition_ids, "main": st.text(max_size=8),
                     "icon": st.sampled_from(["10d", "10n", "", "d", 3])}, KEYS)
optional = {"wind": objects({"speed": plausible}, KEYS), "rain": objects({"1h": plausible}, KEYS),
            "snow": objects({"1h": plausible}, KEYS), "clouds": objects({"all": plausible}, KEYS),
            "message": st.text(max_size=12), "cod": st.one_of(st.integers(), st.text(max_size=4))}
# Most answers carry a usable `weather` and `main`, so that the optional fields after them are reached too.
usable = st.fixed_dictionaries(
    {"weather": st.lists(st.fixed_dictionaries({"id": condition_ids}, optional={"icon": st.sampled_from(
        ["10d", "10n", "", "d", 3]), "main": st.text(max_size=8)}), min_size=1, max_size=2),
     "main": st.fixed_dictionaries({"temp": plausible}, optional={"feels_like": plausible})},
    optional={k: v | json_values(KEYS) for k, v in optional.items()})
bodies = st.one_of(
    json_values(KEYS),
    objects({"weather": st.lists(condition | json_values(KEYS), max_size=2),
             "main": objects({"temp": plausible, "feels_like": plausible}, KEYS), **optional}, KEYS),
    usable, usable)
statuses = st.sampled_from([200, 200, 200, 200, 400, 401, 404, 429, 500, 503])
headers = st.fixed_dictionaries({}, optional={"Retry-After": st.one_of(st.text(max_size=8), numbers.map(str))})
raw = st.one_of(st.none(), st.none(), st.binary(max_size=40), st.just(b'{"weather": [{"id": 500'))
GOOD = {"weather": [{"id": 500, "main": "Rain", "icon": "10d"}], "main": {"temp": 7.1, "feels_like": 4.3},
        "wind": {"speed": 4.1}, "clouds": {"all": 100}, "rain": {"1h": 0.4}, "cod": 200}


def _number_or_none(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))


def fetch(status, body, hdrs=None, raw_bytes=None):
    session, adapter = fuzz_session()
    adapter.answer = Answer(status, body, hdrs, raw_bytes)
    provider = OpenWeatherMapProvider(Place(52.5, 13.4), "fuzz-key", url="https://fuzz.invalid/data/2.5/weather",
                                      timeout_s=1, session=session, clock=lambda: 1_800_000_000.0)
    return provider.current()


def check(status, body, hdrs=None, raw_bytes=None) -> None:
    """A reading the music rules and the status can use, or a WeatherError with a reason: nothing else."""
    try:
        reading = fetch(status, body, hdrs, raw_bytes)
    except WeatherError as exc:
        assert str(exc)
        assert exc.retry_after is None or isinstance(exc.retry_after, float)
        return
    assert isinstance(reading, WeatherReading)
    assert isinstance(reading.weather_code, int) and condition_of(reading.weather_code) in CONDITIONS
    assert isinstance(reading.temperature_c, float) and math.isfinite(reading.temperature_c), reading
    assert reading.is_day in (True, False, None)
    for name in ("apparent_c", "precipitation_mm", "cloud_cover", "wind_kmh"):
        assert _number_or_none(getattr(reading, name)), f"{name}={getattr(reading, name)!r}"


def test_a_good_answer_is_a_reading():
    """The property below is not vacuous: a well-formed answer passes it as a reading, not as an error."""
    reading = fetch(200, GOOD)
    assert reading.weather_code == 61 and reading.temperature_c == 7.1 and reading.is_day is True
    assert reading.wind_kmh == 14.8 and reading.precipitation_mm == 0.4
    check(200, GOOD)


# Found by the fuzzer below (device/weather/openweathermap.py, OpenWeatherMapProvider.current), fixed since: each
# was an AttributeError/TypeError/ValueError/OverflowError or an unusable reading. A present field that is not a
# finite number (or an object that is not an object) is a malformed answer naming the field, as with Open-Meteo;
# an absent or null optional field is None. The second value: the field the WeatherError names, or None: a reading.
FOUND = [
    pytest.param({**GOOD, "wind": []}, r"\(wind is not an object", id="wind-not-an-object"),
    pytest.param({**GOOD, "wind": None}, None, id="wind-null"),
    pytest.param({**GOOD, "rain": {"1h": "0.4"}}, r"\(rain\.1h = '0\.4'\)", id="rain-1h-a-string"),
    pytest.param({**GOOD, "wind": {"speed": "fast"}}, r"\(wind\.speed = 'fast'\)", id="wind-speed-not-a-number"),
    pytest.param({**GOOD, "wind": {"speed": 1e308}}, r"\(wind\.speed = inf\)", id="wind-speed-overflows-in-kmh"),
    pytest.param({**GOOD, "rain": {"1h": 1e308}, "snow": {"1h": 1e308}}, r"\(rain\.1h \+ snow\.1h = inf\)",
                 id="precipitation-overflows"),
    pytest.param({**GOOD, "weather": [{"id": 1e308 * 10}]}, r"\(weather\[0\]\.id = inf\)", id="condition-id-infinite"),
    pytest.param({**GOOD, "weather": [{"id": 500.5}]}, r"\(weather\[0\]\.id = 500\.5\)", id="condition-id-fraction"),
    pytest.param({**GOOD, "main": {"temp": float("nan")}}, r"\(main\.temp = nan\)", id="temperature-nan"),
    pytest.param({**GOOD, "main": {"temp": float("inf")}}, r"\(main\.temp = inf\)", id="temperature-infinite"),
    pytest.param({**GOOD, "main": {"feels_like": 4.3}}, r"\(no main\.temp\)", id="temperature-missing"),
    pytest.param({**GOOD, "main": {"temp": 7.1, "feels_like": "cold"}}, r"\(main\.feels_like = 'cold'\)",
                 id="feels-like-a-string"),
]


@pytest.mark.parametrize("body, field", FOUND)
def test_found_malformed_answers(body, field):
    check(200, body)
    if field is None:
        assert fetch(200, body).temperature_c == GOOD["main"]["temp"]
    else:
        with pytest.raises(WeatherError, match=r"^OpenWeatherMap sent a malformed answer " + field):
            fetch(200, body)


@settings(max_examples=examples(400), suppress_health_check=[HealthCheck.too_slow])
@given(statuses, bodies, headers, raw)
def test_any_answer_is_a_reading_or_a_weather_error(status, body, hdrs, raw_bytes):
    check(status, body, hdrs, raw_bytes)
