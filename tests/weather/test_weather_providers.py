"""Open-Meteo and OpenWeatherMap providers against the loopback stand-in: readings, errors, 429, timeouts, bad JSON."""

import pytest
import requests

from device.config.schema import WeatherConfig
from device.core.state import StateStore
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.music.context import condition_of
from device.weather.openmeteo import CURRENT, OpenMeteoProvider, resolve_place
from device.weather.openweathermap import OWM_TO_WMO, OpenWeatherMapProvider, load_api_key, wmo_code
from device.weather.provider import Place, WeatherError


@pytest.fixture
def standin():
    with OpenMeteoStandIn() as s:
        yield s


@pytest.fixture
def session():
    with requests.Session() as s:
        yield s


def provider(standin, session, timeout=2.0):
    return OpenMeteoProvider(Place(52.09, 5.12), forecast_url=standin.forecast_url, timeout_s=timeout,
                             session=session, clock=lambda: 1_000_000.0)


def test_reading_asks_for_the_exact_current_fields(standin, session):
    standin.set_weather(weather_code=71, temperature_2m=-2.5, is_day=0, wind_speed_10m=20.0)
    reading = provider(standin, session).current()
    assert (reading.weather_code, reading.temperature_c, reading.is_day, reading.wind_kmh) == (71, -2.5, False, 20.0)
    assert reading.at == 1_000_000.0 and reading.source == "open-meteo"
    (request,) = standin.requests("/v1/forecast")
    assert request.params["current"] == CURRENT
    assert CURRENT == "temperature_2m,apparent_temperature,weather_code,is_day,precipitation,cloud_cover,wind_speed_10m"
    assert (request.params["latitude"], request.params["longitude"]) == ("52.0900", "5.1200")


@pytest.mark.parametrize("status, reason, expected", [
    (400, "Latitude must be in range of -90 to 90°. Given: 100.0.", "HTTP 400: Latitude must be in range"),
    (500, "Internal Server Error", "HTTP 500: Internal Server Error"),
    (503, "Service Unavailable", "HTTP 503"),
])
def test_error_bodies_become_readable_reasons(standin, session, status, reason, expected):
    standin.fail(status, reason)
    with pytest.raises(WeatherError, match=expected):
        provider(standin, session).current()
    provider(standin, session).current()  # the fault was one-off


def test_rate_limit_carries_retry_after(standin, session):
    standin.throttle(retry_after=120)
    with pytest.raises(WeatherError, match="rate limit.*429.*Minutely") as info:
        provider(standin, session).current()
    assert info.value.retry_after == 120


def test_timeout_is_a_weather_error(standin, session):
    standin.hang(1.5)
    with pytest.raises(WeatherError, match="no answer from Open-Meteo within 0.3 s"):
        provider(standin, session, timeout=0.3).current()


def test_malformed_json(standin, session):
    standin.malformed()
    with pytest.raises(WeatherError, match="malformed"):
        provider(standin, session).current()


def test_missing_or_wrongly_typed_fields(standin, session):
    standin.set_weather(weather_code="rain")
    with pytest.raises(WeatherError, match="weather_code"):
        provider(standin, session).current()


def test_unreachable_service(session):
    with OpenMeteoStandIn() as s:
        url = s.forecast_url
    p = OpenMeteoProvider(Place(1, 2), forecast_url=url, timeout_s=1, session=session)
    with pytest.raises(WeatherError, match="cannot reach Open-Meteo"):
        p.current()


def test_geocoding_once_then_cached_across_restarts(standin, session, tmp_path):
    config = WeatherConfig(place="Utrecht", geocoding_url=standin.geocoding_url, forecast_url=standin.forecast_url)
    with StateStore(tmp_path / "state.db") as store:
        place = resolve_place(config, store=store, session=session)
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (52.09, 5.12)
    assert "Netherlands" in place.name
    standin.fail(500, times=5)  # the service is down now; the cache must answer
    with StateStore(tmp_path / "state.db") as store:
        again = resolve_place(config, store=store, session=session)
    assert again == place
    assert len(standin.requests("/v1/search")) == 1


def test_geocoding_unknown_place_and_coordinates_win(standin, session):
    with pytest.raises(WeatherError, match="no place called 'Atlantis'"):
        resolve_place(WeatherConfig(place="Atlantis", geocoding_url=standin.geocoding_url), store=None, session=session)
    place = resolve_place(WeatherConfig(latitude=1.5, longitude=2.5, place="Utrecht",
                                        geocoding_url=standin.geocoding_url), store=None, session=session)
    assert (place.latitude, place.longitude) == (1.5, 2.5)
    assert standin.requests("/v1/search") and len(standin.requests("/v1/search")) == 1  # only Atlantis


def test_openweathermap_maps_condition_ids(standin, session):
    standin.set_owm_condition(601, icon="13n")
    standin.set_weather(temperature_2m=-1.0, wind_speed_10m=36.0)
    p = OpenWeatherMapProvider(Place(52.09, 5.12), "owm-test-key", url=standin.openweathermap_url, timeout_s=2,
                               session=session)
    reading = p.current()
    assert (reading.weather_code, reading.temperature_c, reading.is_day, reading.wind_kmh) == (73, -1.0, False, 36.0)
    bad = OpenWeatherMapProvider(Place(1, 2), "wrong", url=standin.openweathermap_url, timeout_s=2, session=session)
    with pytest.raises(WeatherError, match="HTTP 401: Invalid API key"):
        bad.current()


@pytest.mark.parametrize("owm_id, condition", [
    (200, "thunderstorm"), (211, "thunderstorm"), (300, "drizzle"), (301, "drizzle"), (500, "rain"), (502, "rain"),
    (511, "rain"), (521, "rain"), (600, "snow"), (602, "snow"), (611, "snow"), (622, "snow"), (701, "fog"),
    (741, "fog"), (800, "clear"), (801, "clear"), (802, "partly cloudy"), (803, "partly cloudy"), (804, "overcast"),
])
def test_owm_ids_map_onto_expected_conditions(owm_id, condition):
    assert condition_of(wmo_code(owm_id)) == condition


def test_every_owm_id_maps_to_a_known_condition():
    assert all(condition_of(code) != "unknown" for code in OWM_TO_WMO.values())
    assert condition_of(wmo_code(599)) == "rain"  # unlisted id: its group's main code
    with pytest.raises(WeatherError):
        wmo_code(999)


def test_api_key_sources(tmp_path):
    assert load_api_key(WeatherConfig(api_key=" abc ")) == "abc"
    (tmp_path / "openweathermap_api_key").write_text("from-systemd\n")
    assert load_api_key(WeatherConfig(), {"CREDENTIALS_DIRECTORY": str(tmp_path)}) == "from-systemd"
    keyfile = tmp_path / "k"
    keyfile.write_text("from-file")
    assert load_api_key(WeatherConfig(api_key_file=str(keyfile)), {}) == "from-file"
    with pytest.raises(WeatherError, match="needs an API key"):
        load_api_key(WeatherConfig(), {})


def test_standin_latency_bad_parameters_and_request_log(standin, session):
    import time

    standin.set_latency(0.2)
    t0 = time.perf_counter()
    provider(standin, session).current()
    assert time.perf_counter() - t0 >= 0.2
    standin.set_latency(0)
    bad = OpenMeteoProvider(Place(52.0, 5.0), forecast_url=standin.forecast_url, timeout_s=1, session=session)
    response = session.get(standin.forecast_url, params={"latitude": "95", "longitude": "5", "current": "weather_code"})
    assert response.status_code == 400 and response.json() == {
        "error": True, "reason": "Latitude must be in range of -90 to 90°. Given: 95.0."}
    response = session.get(standin.forecast_url, params={"latitude": "1", "longitude": "5", "current": "foo"})
    assert "invalid String value foo" in response.json()["reason"]
    assert session.get(standin.url + "/v2/nothing").status_code == 404
    bad.current()
    assert [r.status for r in standin.requests("/v1/forecast")] == [200, 400, 400, 200]
