"""OpenWeatherMap (needs a key): current weather, its condition ids mapped onto WMO codes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import requests

from device.config.schema import WeatherConfig
from device.core.values import WeatherReading
from device.weather.provider import Place, WeatherError, finite_number, get_json

SERVICE = "OpenWeatherMap"
KEY_CREDENTIAL = "openweathermap_api_key"
KMH_PER_M_S = 3.6  # OpenWeatherMap gives metric wind speeds in m/s

# OpenWeatherMap condition id (openweathermap.org/weather-conditions) -> WMO 4677 code.
OWM_TO_WMO: dict[int, int] = {
    # thunderstorm
    200: 95, 201: 95, 202: 95, 210: 17, 211: 95, 212: 95, 221: 95, 230: 95, 231: 95, 232: 95,
    # drizzle
    300: 51, 301: 53, 302: 55, 310: 58, 311: 58, 312: 59, 313: 80, 314: 81, 321: 80,
    # rain
    500: 61, 501: 63, 502: 65, 503: 65, 504: 65, 511: 66, 520: 80, 521: 81, 522: 82, 531: 81,
    # snow and sleet
    600: 71, 601: 73, 602: 75, 611: 68, 612: 68, 613: 69, 615: 68, 616: 69, 620: 85, 621: 85, 622: 86,
    # atmosphere
    701: 10, 711: 4, 721: 5, 731: 7, 741: 45, 751: 6, 761: 6, 762: 4, 771: 18, 781: 19,
    # clear and clouds
    800: 0, 801: 1, 802: 2, 803: 2, 804: 3,
}


def wmo_code(owm_id: int) -> int:
    """The WMO code for an OpenWeatherMap condition id; unknown ids fall back to their group's main code."""
    if owm_id in OWM_TO_WMO:
        return OWM_TO_WMO[owm_id]
    group = {2: 95, 3: 53, 5: 63, 6: 73, 7: 45, 8: 3}.get(owm_id // 100)
    if group is None:
        raise WeatherError(f"{SERVICE} sent an unknown condition id {owm_id}")
    return group


def load_api_key(config: WeatherConfig, environ: Mapping[str, str] = os.environ) -> str:
    """The key from api_key, api_key_file or $CREDENTIALS_DIRECTORY/openweathermap_api_key (systemd credentials)."""
    if config.api_key:
        return config.api_key.strip()
    candidates = []
    if config.api_key_file:
        candidates.append(Path(config.api_key_file))
    if environ.get("CREDENTIALS_DIRECTORY"):
        candidates.append(Path(environ["CREDENTIALS_DIRECTORY"]) / KEY_CREDENTIAL)
    for path in candidates:
        try:
            key = path.read_text().strip()
        except OSError:
            continue
        if key:
            return key
    raise WeatherError("OpenWeatherMap needs an API key: set weather.api_key_file (or use provider: open-meteo)")


def _reason(body: dict) -> str | None:
    message = body.get("message")
    return str(message) if message else None


def _object(body: dict, key: str, required: bool = False) -> dict:
    """body[key] as an object: {} when absent or null (unless required), a WeatherError when anything else."""
    value = body.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise WeatherError(f"{SERVICE} sent a malformed answer ({key} is not an object: {value!r:.40})")
    return value


def _number(obj: dict, field: str, required: bool = False) -> float | None:
    """obj's `field` (named as `main.temp`) as a finite float, None when absent: see finite_number."""
    return finite_number(obj.get(field.rpartition(".")[2]), SERVICE, field, required)


class OpenWeatherMapProvider:
    name = "openweathermap"

    def __init__(self, place: Place, api_key: str, *, url: str, timeout_s: float, session: requests.Session,
                 clock: Callable[[], float] = time.time):
        self.place = place
        self.api_key = api_key
        self.url = url
        self.timeout_s = timeout_s
        self.session = session
        self.clock = clock

    def current(self) -> WeatherReading:
        params = {"lat": f"{self.place.latitude:.4f}", "lon": f"{self.place.longitude:.4f}",
                  "appid": self.api_key, "units": "metric"}
        body = get_json(self.session, self.url, params, self.timeout_s, SERVICE, _reason)
        conditions = body.get("weather")
        condition = conditions[0] if isinstance(conditions, list) and conditions else None
        if not isinstance(condition, dict):
            raise WeatherError(f"{SERVICE} sent a malformed answer (no weather[0] object)")
        owm_id = _number(condition, "weather[0].id", required=True)
        if owm_id != int(owm_id):
            raise WeatherError(f"{SERVICE} sent a malformed answer (weather[0].id = {owm_id})")
        main = _object(body, "main", required=True)
        temperature = _number(main, "main.temp", required=True)
        icon = str(condition.get("icon", ""))
        is_day = True if icon.endswith("d") else False if icon.endswith("n") else None
        speed = _number(_object(body, "wind"), "wind.speed")
        rain = _number(_object(body, "rain"), "rain.1h") or 0.0
        snow = _number(_object(body, "snow"), "snow.1h") or 0.0
        return WeatherReading(
            at=self.clock(), temperature_c=temperature, weather_code=wmo_code(int(owm_id)), is_day=is_day,
            apparent_c=_number(main, "main.feels_like"),
            precipitation_mm=finite_number(rain + snow, SERVICE, "rain.1h + snow.1h"),
            cloud_cover=_number(_object(body, "clouds"), "clouds.all"),
            wind_kmh=None if speed is None else finite_number(round(speed * KMH_PER_M_S, 1), SERVICE, "wind.speed"),
            source=self.name)
