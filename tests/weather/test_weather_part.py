"""The weather part: polling, the cached last reading, staleness, status lines, and never raising."""

import pytest
import requests
from fake_clock import FakeClock

from device.config.schema import Config, WeatherConfig
from device.core.parts import Hub, Unavailable
from device.core.state import StateStore
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.weather.part import WeatherPart


@pytest.fixture
def standin():
    with OpenMeteoStandIn() as s:
        yield s


def make(standin, store, clock, **weather):
    config = Config(weather=WeatherConfig(forecast_url=standin.forecast_url, geocoding_url=standin.geocoding_url,
                                          timeout_s=0.5, **({"latitude": 52.1, "longitude": 5.1} | weather)))
    hub = Hub()
    return WeatherPart(config, hub, store, clock, requests.Session()), hub


def test_polls_every_poll_minutes_and_publishes(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock)
        part.start()
        assert part.step(0) == pytest.approx(15 * 60)
        assert hub.latest("weather").weather_code == 61
        assert part.status() == "rain 7°C (just now)"
        clock.t += 12 * 60
        assert part.step(0) == pytest.approx(3 * 60)  # not due yet: no request
        assert len(standin.requests("/v1/forecast")) == 1
        assert part.status() == "rain 7°C (12 min ago)"
        clock.t += 3 * 60
        standin.set_weather(weather_code=0, temperature_2m=24.0)
        part.step(0)
        assert len(standin.requests("/v1/forecast")) == 2
        assert part.status() == "clear 24°C (just now)"


def test_failures_back_off_keep_last_reading_and_never_raise(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock)
        part.start()
        part.step(0)
        clock.t += 15 * 60
        standin.malformed(times=10)
        assert part.step(0) == pytest.approx(60)  # first retry after a minute
        assert "rain 7°C (15 min ago; last try: Open-Meteo sent a malformed answer" in part.status()
        clock.t += 60
        assert part.step(0) == pytest.approx(120)  # then doubling
        clock.t += 120
        standin.clear_faults()
        standin.throttle(retry_after=600)
        assert part.step(0) == pytest.approx(600)  # Retry-After honoured
        assert hub.latest("weather").weather_code == 61  # the last good reading stays published


def test_stale_reading_means_weather_unknown(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock)
        part.start()
        part.step(0)
        standin.fail(503, "Service Unavailable", times=1000)
        clock.t += 3 * 3600 + 60
        part.step(0)
        assert part.fresh_reading() is None
        assert part.status().startswith("weather unknown: last reading 3 h ago; Open-Meteo answered HTTP 503")


def test_last_reading_survives_a_restart(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, _ = make(standin, store, clock)
        part.start()
        part.step(0)
    clock.t += 600
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock)
        standin.fail(500, times=5)
        part.start()
        assert hub.latest("weather").temperature_c == 7.1  # published from the cache before any request
        assert part.status() == "rain 7°C (10 min ago)"


def test_place_name_is_geocoded_and_published(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock, latitude=None, longitude=None, place="Sydney")
        part.start()
        part.step(0)
        assert hub.latest("place").latitude < 0
        assert standin.requests("/v1/forecast")[0].params["latitude"] == "-33.8678"


def test_no_place_is_unavailable_with_a_reason(standin):
    part, _ = make(standin, None, FakeClock(1_700_000_000.0), latitude=None, longitude=None)
    with pytest.raises(Unavailable, match="weather unknown: no place configured"):
        part.start()


def test_unexpected_errors_do_not_escape(standin, tmp_path):
    clock = FakeClock(1_700_000_000.0)
    part, _ = make(standin, None, clock)
    part.start()

    class Broken:
        def current(self):
            raise KeyError("boom")

    part.provider = Broken()
    part.step(0)
    assert "unexpected KeyError" in part.status()


def test_own_session_is_closed_on_stop_and_remade_on_start(standin):
    clock = FakeClock(1_700_000_000.0)
    config = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1, forecast_url=standin.forecast_url))
    part = WeatherPart(config, Hub(), None, clock)
    part.start()
    part.step(0)
    part.stop()
    assert part.session is None and part.provider is None
    part.start()
    clock.t += 15 * 60
    part.step(0)
    assert len(standin.requests("/v1/forecast")) == 2 and part.reason is None


@pytest.mark.parametrize("retry_after", [10**20, 2 * 86400])
def test_a_retry_after_beyond_the_cap_is_clamped(standin, tmp_path, retry_after):
    """A Retry-After of 10**20 s put the next poll out of reach for good (step() slept "inf"); now it waits the
    cap, MAX_WAIT_S, and says so."""
    from device.core.times import MAX_WAIT_S

    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        part, hub = make(standin, store, clock)
        part.start()
        standin.throttle(retry_after=retry_after)
        assert part.step(0) == pytest.approx(MAX_WAIT_S)
        assert "Mirrorball waits at most 24 h" in part.status()
        clock.t += MAX_WAIT_S
        assert part.step(0) == pytest.approx(15 * 60)  # polled again after the cap, and read
        assert hub.latest("weather").weather_code == 61


@pytest.mark.parametrize("bad", [{"at": 1e300}, {"at": "noon"}, {"at": None}, {"at": float("nan")},
                                 {"temperature_c": "warm"}, {"temperature_c": None}])
def test_a_cached_reading_with_no_usable_time_is_ignored(standin, tmp_path, bad):
    """The cached reading's `at` (read back from the state store) went unchecked into clock() - at."""
    from dataclasses import asdict

    from device.core.values import WeatherReading

    clock = FakeClock(1_700_000_000.0)
    with StateStore(tmp_path / "s.db", clock=clock) as store:
        store.set_json("weather.last", {**asdict(WeatherReading(at=clock.t - 60, temperature_c=3.0, weather_code=3)),
                                        **bad})
        part, hub = make(standin, store, clock)
        standin.fail(500, times=5)
        part.start()
        assert hub.latest("weather") is None
        assert part.status() == "weather unknown: no reading yet"
