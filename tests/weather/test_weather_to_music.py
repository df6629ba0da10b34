"""Weather from the Open-Meteo stand-in, through the weather part and the context, into the director's choice."""

import random
from datetime import datetime

from device.config.schema import Config, DaemonConfig, WeatherConfig
from device.core.parts import Hub
from device.core.state import StateStore
from device.core.values import Audience, Listener
from device.devtools.simulate import demo_catalog
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.music.context import context_for
from device.music.director import MusicDirector
from device.weather.part import WeatherPart


def test_snow_then_an_outage_longer_than_the_stale_limit(tmp_path):
    local = datetime(2026, 1, 20, 19, 0)
    clock = [local.timestamp()]
    with OpenMeteoStandIn() as om, StateStore(tmp_path / "state.db", clock=lambda: clock[0]) as store:
        config = Config(weather=WeatherConfig(place="Utrecht", forecast_url=om.forecast_url,
                                              geocoding_url=om.geocoding_url, timeout_s=1),
                        daemon=DaemonConfig(state_dir=str(tmp_path)))
        hub = Hub()
        part = WeatherPart(config, hub, store, lambda: clock[0])
        director = MusicDirector(config, demo_catalog(), store, random.Random(1))
        audience = Audience((Listener(1, "30-39", 34.0, clock[0]),), clock[0])

        def decide():
            place = hub.latest("place")
            ctx = context_for(config, weather=hub.latest("weather"), latitude=place.latitude if place else None,
                              light=hub.latest("light"), now=clock[0], now_local=datetime.fromtimestamp(clock[0]))
            return director.plan(ctx, audience, clock[0], n=2)

        om.set_weather(weather_code=73, temperature_2m=-3.0, is_day=0)
        part.start()
        part.step(0)
        snowy = decide()
        assert snowy.context.condition == "snow" and snowy.context.season == "winter"
        assert {"cold: warm jazz", "snow: warm jazz"} <= set(snowy.brief.rules)
        assert len(snowy.tracks) == 2
        assert part.status() == "snow -3°C (just now)"

        om.fail(503, "Service Unavailable", times=1000)
        for _ in range(40):  # four hours of failed polls (the part backs off; it never raises)
            clock[0] += 360
            part.step(0)
        blind = decide()
        assert blind.context.condition == "unknown"
        assert blind.context.time_of_day == "night" and blind.brief.rules == ("night: calmer and quieter",)
        assert blind.brief.volume == config.music.night_volume
        assert part.status().startswith("weather unknown: last reading 4 h ago")
        assert len(om.requests("/v1/search")) == 1
        assert store.last_decision().payload["context"]["condition"] == "unknown"
