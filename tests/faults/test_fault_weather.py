"""Fault matrix, weather rows: the real WeatherPart (and the conductor's context) against the Open-Meteo stand-in."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock

from device.config import load_config
from device.core.parts import Hub
from device.core.state import StateStore
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.music.context import context_for
from device.weather.part import WeatherPart


@pytest.fixture
def weather_rig(tmp_path):
    clock = FakeClock()
    with OpenMeteoStandIn() as om:
        om.set_weather(weather_code=61, temperature_2m=7.0)
        cfg = tmp_path / "config.yaml"
        cfg.write_text(f"weather:\n  latitude: 52.52\n  longitude: 13.41\n  forecast_url: {om.forecast_url}\n"
                       f"  geocoding_url: {om.geocoding_url}\n  timeout_s: 1\n"
                       f"daemon:\n  state_dir: {tmp_path}\n  require_time_sync: false\n")
        config = load_config(cfg)
        store = StateStore(tmp_path / "state.db", clock=clock).open()
        hub = Hub()
        part = WeatherPart(config, hub, store, clock=clock)
        part.start()
        yield part, om, hub, store, clock, config
        part.stop()
        store.close()


def run_for(part, clock, seconds: float) -> None:
    """Step the part as the supervisor does, for `seconds` of simulated time."""
    end = clock() + seconds
    while clock() < end:
        pause = part.step(clock())
        clock.advance(min(pause, end - clock()) if end > clock() else pause)


def test_down_for_six_hours_uses_the_cache_then_says_weather_unknown(weather_rig):
    part, om, hub, store, clock, config = weather_rig
    run_for(part, clock, 1)
    assert part.status().startswith("rain 7°C (just now")
    om.fail(503, "Service unavailable", times=10_000)
    asked = len(om.requests("/v1/forecast"))
    run_for(part, clock, 2 * 3600)
    status = part.status()
    assert status.startswith("rain 7°C (2 h ago; last try: Open-Meteo answered HTTP 503"), status
    assert hub.latest("weather").temperature_c == 7.0
    run_for(part, clock, 4 * 3600)  # six hours down in all: older than weather.stale_after_hours (3)
    status = part.status()
    assert status.startswith("weather unknown: last reading 6 h ago; Open-Meteo answered HTTP 503"), status
    ctx = context_for(config, weather=hub.latest("weather"), latitude=52.52, light=None, now=clock(), now_local=None)
    assert ctx.condition == "unknown" and not ctx.weather_known
    tries = len(om.requests("/v1/forecast")) - asked
    assert 20 <= tries <= 6 * 4 + 4, tries  # back-off to the 15-minute poll interval, no hammering
    om.clear_faults()
    run_for(part, clock, 16 * 60)
    assert part.status().startswith("rain 7°C (")


def test_cached_reading_survives_a_restart_while_the_service_is_down(weather_rig, tmp_path):
    part, om, hub, store, clock, config = weather_rig
    run_for(part, clock, 1)
    om.fail(503, times=100)
    again = WeatherPart(config, Hub(), store, clock=clock)
    again.start()
    again.step(clock())
    assert again.status().startswith("rain 7°C (just now; last try: Open-Meteo answered HTTP 503")


def test_malformed_json_keeps_the_last_reading(weather_rig):
    part, om, hub, store, clock, config = weather_rig
    run_for(part, clock, 1)
    om.malformed(times=3)
    run_for(part, clock, 16 * 60)
    assert "Open-Meteo sent a malformed answer (not a JSON object)" in part.status()
    assert part.status().startswith("rain 7°C")
    assert hub.latest("weather").weather_code == 61


def test_malformed_json_before_any_reading(weather_rig):
    part, om, hub, store, clock, config = weather_rig
    om.malformed()
    part.step(clock())
    assert part.status() == "weather unknown: Open-Meteo sent a malformed answer (not a JSON object)"


def test_400_with_an_error_body_shows_the_reason(weather_rig):
    part, om, hub, store, clock, config = weather_rig
    om.fail(400, "Latitude must be in range of -90 to 90°. Given: 123.0.")
    part.step(clock())
    assert part.status() == ("weather unknown: Open-Meteo answered HTTP 400: "
                             "Latitude must be in range of -90 to 90°. Given: 123.0.")
    run_for(part, clock, 61)
    assert part.status().startswith("rain 7°C (just now")
