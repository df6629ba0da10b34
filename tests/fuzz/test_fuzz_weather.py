"""Any Open-Meteo answer (status, JSON, bytes) gives a WeatherReading or a WeatherError, never another exception."""

from __future__ import annotations

import math

from fuzz_http import Answer, fuzz_session, json_values, numbers, objects
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_settings import examples

from device.config.schema import WeatherConfig
from device.core.values import WeatherReading
from device.music.context import condition_of
from device.weather.openmeteo import CURRENT, OpenMeteoProvider, geocode
from device.weather.provider import Place, WeatherError

FIELDS = CURRENT.split(",")
CONDITIONS = {"clear", "partly cloudy", "overcast", "fog", "drizzle", "rain", "snow", "thunderstorm", "unknown"}
KEYS = FIELDS + ["current", "reason", "error", "results", "latitude", "longitude", "name", "time"]
extreme = st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**400, -10**400, 1e308, True])
plausible = st.one_of(st.integers(-50, 100), st.floats(-60, 60), extreme, numbers)
current = objects({f: plausible for f in FIELDS}, KEYS)
forecast_bodies = st.one_of(json_values(KEYS), objects({"current": current, "reason": st.text(max_size=20)}, KEYS))
statuses = st.sampled_from([200, 200, 200, 400, 404, 429, 500, 503])
headers = st.fixed_dictionaries({}, optional={"Retry-After": st.one_of(st.text(max_size=8), numbers.map(str))})
raw = st.one_of(st.none(), st.binary(max_size=40), st.just(b'{"current": {"temperature_2m": 1'))


def answer(status, body, hdrs, raw_bytes) -> Answer:
    return Answer(status, body, hdrs, raw_bytes)


@settings(max_examples=examples(400), suppress_health_check=[HealthCheck.too_slow])
@given(statuses, forecast_bodies, headers, raw)
def test_forecast_answers(status, body, hdrs, raw_bytes):
    session, adapter = fuzz_session()
    adapter.answer = answer(status, body, hdrs, raw_bytes)
    provider = OpenMeteoProvider(Place(52.5, 13.4), forecast_url="https://fuzz/v1/forecast", timeout_s=1,
                                 session=session, clock=lambda: 1_800_000_000.0)
    try:
        reading = provider.current()
    except WeatherError as exc:
        assert str(exc)
        assert exc.retry_after is None or isinstance(exc.retry_after, float)
        return
    assert isinstance(reading, WeatherReading)
    assert isinstance(reading.weather_code, int)
    assert condition_of(reading.weather_code) in CONDITIONS  # codes outside WMO 0-99 are "unknown"
    assert math.isfinite(reading.temperature_c), "a reading the music rules cannot use is a malformed answer"


place = objects({"latitude": plausible, "longitude": plausible, "name": st.text(max_size=8),
                 "country": st.text(max_size=8)}, KEYS)
geocode_bodies = st.one_of(json_values(KEYS),
                           objects({"results": st.lists(place | json_values(KEYS), max_size=3)}, KEYS))


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(statuses, geocode_bodies)
def test_geocoding_answers(status, body):
    session, adapter = fuzz_session()
    adapter.answer = Answer(status, body)
    try:
        found = geocode("Berlin", url=WeatherConfig().geocoding_url, timeout_s=1, session=session)
    except WeatherError as exc:
        assert str(exc)
        return
    assert isinstance(found, Place)
