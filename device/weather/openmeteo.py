"""Open-Meteo (no key): current weather for a place, and place names resolved once by its geocoding API and cached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import requests

from device.config.schema import WeatherConfig
from device.core.state import StateError, StateStore
from device.core.values import WeatherReading
from device.weather.provider import Place, WeatherError, finite_number, get_json

log = logging.getLogger(__name__)

CURRENT = "temperature_2m,apparent_temperature,weather_code,is_day,precipitation,cloud_cover,wind_speed_10m"
SERVICE = "Open-Meteo"
GEOCODING_SERVICE = "Open-Meteo geocoding"
GEOCODE_KEY = "weather.geocode:"


def _reason(body: dict) -> str | None:
    reason = body.get("reason")
    return str(reason) if reason else None


def _number(current: dict, key: str, required: bool = False) -> float | None:
    return finite_number(current.get(key), SERVICE, f"current.{key}", required)


class OpenMeteoProvider:
    name = "open-meteo"

    def __init__(self, place: Place, *, forecast_url: str, timeout_s: float, session: requests.Session,
                 clock: Callable[[], float] = time.time):
        self.place = place
        self.url = forecast_url
        self.timeout_s = timeout_s
        self.session = session
        self.clock = clock

    def current(self) -> WeatherReading:
        params = {"latitude": f"{self.place.latitude:.4f}", "longitude": f"{self.place.longitude:.4f}",
                  "current": CURRENT}
        body = get_json(self.session, self.url, params, self.timeout_s, SERVICE, _reason)
        current = body.get("current")
        if not isinstance(current, dict):
            raise WeatherError(f"{SERVICE} sent a malformed answer (no 'current' object)")
        code = _number(current, "weather_code", required=True)
        if code != int(code):
            raise WeatherError(f"{SERVICE} sent a malformed answer (weather_code {code})")
        is_day = _number(current, "is_day")
        return WeatherReading(
            at=self.clock(),
            temperature_c=_number(current, "temperature_2m", required=True),
            weather_code=int(code),
            is_day=None if is_day is None else bool(is_day),
            apparent_c=_number(current, "apparent_temperature"),
            precipitation_mm=_number(current, "precipitation"),
            cloud_cover=_number(current, "cloud_cover"),
            wind_kmh=_number(current, "wind_speed_10m"),
            source=self.name,
        )


def geocode(name: str, *, url: str, timeout_s: float, session: requests.Session) -> Place:
    """The best match for a place name. Raises WeatherError when there is none or the service fails."""
    body = get_json(session, url, {"name": name, "count": 1, "language": "en", "format": "json"},
                    timeout_s, GEOCODING_SERVICE, _reason)
    results = body.get("results")
    if not results:
        raise WeatherError(f"{GEOCODING_SERVICE} knows no place called {name!r}; set weather.latitude and "
                           f"weather.longitude instead")
    first = results[0] if isinstance(results, list) else None
    try:
        lat, lon = float(first["latitude"]), float(first["longitude"])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("not a place on Earth")
    except (KeyError, TypeError, ValueError, OverflowError):
        raise WeatherError(f"{GEOCODING_SERVICE} sent a malformed answer for {name!r}") from None
    label = ", ".join(str(x) for x in (first.get("name"), first.get("admin1"), first.get("country")) if x)
    return Place(lat, lon, label)


def resolve_place(config: WeatherConfig, *, store: StateStore | None, session: requests.Session) -> Place:
    """The configured place: latitude/longitude as given, or the place name looked up once and then cached."""
    if config.latitude is not None and config.longitude is not None:
        return Place(config.latitude, config.longitude, config.place or "")
    if not config.place:
        raise WeatherError("no place configured: set weather.latitude and weather.longitude, or weather.place")
    key = GEOCODE_KEY + config.place.strip().lower()
    if store is not None:
        try:
            cached = store.get_json(key)
        except StateError:
            cached = None
        if cached:
            return Place(cached["latitude"], cached["longitude"], cached.get("name", ""))
    place = geocode(config.place, url=config.geocoding_url, timeout_s=config.timeout_s, session=session)
    log.info("weather: %r is %s (%.4f, %.4f)", config.place, place.name, place.latitude, place.longitude)
    if store is not None:
        try:
            store.set_json(key, {"latitude": place.latitude, "longitude": place.longitude, "name": place.name})
        except StateError as exc:
            log.warning("geocoding result not cached: %s", exc)
    return place
