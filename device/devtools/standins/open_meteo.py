"""A loopback stand-in for Open-Meteo's forecast and geocoding APIs (and OpenWeatherMap's current weather), scriptable."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The `current=` variables this stand-in knows, with their units (as Open-Meteo reports them by default).
UNITS = {
    "temperature_2m": "°C", "apparent_temperature": "°C", "relative_humidity_2m": "%", "weather_code": "wmo code",
    "is_day": "", "precipitation": "mm", "rain": "mm", "showers": "mm", "snowfall": "cm", "cloud_cover": "%",
    "wind_speed_10m": "km/h", "wind_direction_10m": "°", "pressure_msl": "hPa",
}
DEFAULT_WEATHER = {
    "temperature_2m": 7.1, "apparent_temperature": 4.3, "relative_humidity_2m": 87, "weather_code": 61,
    "is_day": 1, "precipitation": 0.4, "rain": 0.4, "showers": 0.0, "snowfall": 0.0, "cloud_cover": 100,
    "wind_speed_10m": 14.8, "wind_direction_10m": 230, "pressure_msl": 1008.2,
}
DEFAULT_PLACES = [
    {"id": 2745912, "name": "Utrecht", "latitude": 52.09083, "longitude": 5.12222, "elevation": 13.0,
     "feature_code": "PPLA", "country_code": "NL", "timezone": "Europe/Amsterdam", "country": "Netherlands",
     "admin1": "Utrecht", "population": 290529},
    {"id": 2147714, "name": "Sydney", "latitude": -33.86785, "longitude": 151.20732, "elevation": 58.0,
     "feature_code": "PPLA", "country_code": "AU", "timezone": "Australia/Sydney", "country": "Australia",
     "admin1": "New South Wales", "population": 4627345},
]


@dataclass
class Fault:
    kind: str  # "status" | "malformed" | "hang"
    status: int = 500
    reason: str = ""
    path: str | None = None  # only requests to this path ("/v1/forecast", "/v1/search"); None: any
    retry_after: float | None = None
    seconds: float = 0.0


@dataclass
class Request:
    at: float
    path: str
    params: dict[str, str]
    status: int = 0


@dataclass
class _State:
    weather: dict = field(default_factory=lambda: dict(DEFAULT_WEATHER))
    places: list = field(default_factory=lambda: [dict(p) for p in DEFAULT_PLACES])
    faults: list = field(default_factory=list)
    latency_s: float = 0.0
    time: float | None = None  # the observation time reported; None: now, rounded down to 15 minutes
    owm_key: str = "owm-test-key"  # the OpenWeatherMap key /data/2.5/weather accepts
    owm: dict = field(default_factory=lambda: {"id": 500, "main": "Rain", "description": "light rain", "icon": "10d"})
    log: list = field(default_factory=list)


class OpenMeteoStandIn:
    """`with OpenMeteoStandIn() as om:` serves http://127.0.0.1:<port>/v1/forecast and /v1/search."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._lock = threading.Lock()
        self._state = _State()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def forecast_url(self) -> str:
        return self.url + "/v1/forecast"

    @property
    def geocoding_url(self) -> str:
        return self.url + "/v1/search"

    def start(self) -> OpenMeteoStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="open-meteo-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenMeteoStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ scripting

    def set_weather(self, **values) -> None:
        """e.g. set_weather(weather_code=71, temperature_2m=-2.5, is_day=0)."""
        unknown = set(values) - set(UNITS)
        if unknown:
            raise ValueError(f"unknown variables {sorted(unknown)}")
        with self._lock:
            self._state.weather.update(values)

    @property
    def openweathermap_url(self) -> str:
        return self.url + "/data/2.5/weather"

    def set_owm_condition(self, condition_id: int, icon: str = "01d") -> None:
        """The OpenWeatherMap condition id (and icon; "d" by day, "n" by night) /data/2.5/weather reports."""
        with self._lock:
            self._state.owm = {"id": condition_id, "main": "", "description": "", "icon": icon}

    def set_time(self, unix: float | None) -> None:
        with self._lock:
            self._state.time = unix

    def add_place(self, name: str, latitude: float, longitude: float, **extra) -> None:
        place = {"id": 1000 + len(self._state.places), "name": name, "latitude": latitude, "longitude": longitude,
                 "elevation": 0.0, "feature_code": "PPL", "country_code": "", "timezone": "GMT", "country": ""}
        place.update(extra)
        with self._lock:
            self._state.places.append(place)

    def fail(self, status: int = 500, reason: str = "Internal Server Error", *, times: int = 1,
             path: str | None = None, retry_after: float | None = None) -> None:
        """The next `times` requests answer `status` with Open-Meteo's {"error": true, "reason": ...} body."""
        with self._lock:
            self._state.faults += [Fault("status", status, reason, path, retry_after) for _ in range(times)]

    def throttle(self, *, times: int = 1, path: str | None = None, retry_after: float | None = None) -> None:
        """The next requests answer 429 as Open-Meteo does when its free limits are exceeded."""
        self.fail(429, "Minutely API request limit exceeded. Please try again in one minute.",
                  times=times, path=path, retry_after=retry_after)

    def malformed(self, *, times: int = 1, path: str | None = None) -> None:
        """The next requests answer 200 with a body that is not JSON (cut off mid-way)."""
        with self._lock:
            self._state.faults += [Fault("malformed", 200, "", path) for _ in range(times)]

    def hang(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """The next requests wait this long before answering (to trip client timeouts)."""
        with self._lock:
            self._state.faults += [Fault("hang", 200, "", path, seconds=seconds) for _ in range(times)]

    def clear_faults(self) -> None:
        """Forget every fault still queued."""
        with self._lock:
            self._state.faults.clear()

    def set_latency(self, seconds: float) -> None:
        """Every request waits this long before answering."""
        with self._lock:
            self._state.latency_s = seconds

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._state.log if path is None or r.path == path]

    # ------------------------------------------------------------ serving

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._state.faults):
                if fault.path is None or fault.path == path:
                    return self._state.faults.pop(i)
        return None

    def _forecast(self, params: dict[str, str]) -> tuple[int, dict]:
        try:
            lat = float(params["latitude"])
            lon = float(params["longitude"])
        except KeyError as exc:
            return 400, {"error": True, "reason": f"Parameter '{exc.args[0]}' is missing"}
        except ValueError:
            return 400, {"error": True, "reason": "Latitude and longitude must be numbers"}
        if not -90 <= lat <= 90:
            return 400, {"error": True, "reason": f"Latitude must be in range of -90 to 90°. Given: {lat}."}
        if not -180 <= lon <= 180:
            return 400, {"error": True, "reason": f"Longitude must be in range of -180 to 180°. Given: {lon}."}
        names = [n for n in params.get("current", "").split(",") if n]
        for name in names:
            if name not in UNITS:
                return 400, {"error": True, "reason": f"Cannot initialize WeatherVariable from invalid String value "
                                                      f"{name} for key current"}
        with self._lock:
            weather = dict(self._state.weather)
            observed = self._state.time
        if observed is None:
            observed = time.time() // 900 * 900
        unix = params.get("timeformat") == "unixtime"
        stamp = int(observed) if unix else time.strftime("%Y-%m-%dT%H:%M", time.gmtime(observed))
        body = {"latitude": round(lat, 4), "longitude": round(lon, 4), "generationtime_ms": 0.05,
                "utc_offset_seconds": 0, "timezone": "GMT", "timezone_abbreviation": "GMT", "elevation": 13.0}
        if names:
            body["current_units"] = {"time": "unixtime" if unix else "iso8601", "interval": "seconds",
                                     **{n: UNITS[n] for n in names}}
            body["current"] = {"time": stamp, "interval": 900, **{n: weather[n] for n in names}}
        return 200, body

    def _search(self, params: dict[str, str]) -> tuple[int, dict]:
        name = params.get("name", "")
        if not name:
            return 400, {"error": True, "reason": "Parameter 'name' is missing"}
        try:
            count = int(params.get("count", "10"))
        except ValueError:
            return 400, {"error": True, "reason": "Parameter 'count' must be an integer"}
        if not 1 <= count <= 100:
            return 400, {"error": True, "reason": "Parameter 'count' must be between 1 and 100"}
        body: dict = {"generationtime_ms": 0.4}
        if len(name) >= 2:
            with self._lock:
                found = [dict(p) for p in self._state.places if p["name"].lower().startswith(name.lower())]
            if found:
                body["results"] = found[:count]
        return 200, body

    def _openweathermap(self, params: dict[str, str]) -> tuple[int, dict]:
        """A small OpenWeatherMap current-weather endpoint (the same weather, OWM's shape), for its provider."""
        with self._lock:
            key, owm, weather = self._state.owm_key, dict(self._state.owm), dict(self._state.weather)
        if params.get("appid") != key:
            return 401, {"cod": 401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 "
                                               "for more info."}
        try:
            lat, lon = float(params["lat"]), float(params["lon"])
        except (KeyError, ValueError):
            return 400, {"cod": "400", "message": "Nothing to geocode"}
        celsius = weather["temperature_2m"]
        if params.get("units") != "metric":
            celsius += 273.15
        return 200, {"coord": {"lon": lon, "lat": lat}, "weather": [owm], "base": "stations",
                     "main": {"temp": celsius, "feels_like": weather["apparent_temperature"], "humidity": 87},
                     "wind": {"speed": round(weather["wind_speed_10m"] / 3.6, 2)},
                     "clouds": {"all": weather["cloud_cover"]}, "rain": {"1h": weather["precipitation"]},
                     "dt": int(time.time()), "name": "Stand-in", "cod": 200}

    def _handler_class(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                record = Request(time.time(), parts.path, params)
                with standin._lock:
                    standin._state.log.append(record)
                    latency = standin._state.latency_s
                if latency:
                    time.sleep(latency)
                fault = standin._take_fault(parts.path)
                if fault is not None and fault.kind == "hang":
                    time.sleep(fault.seconds)
                    fault = None
                if parts.path == "/v1/forecast":
                    status, body = standin._forecast(params)
                elif parts.path == "/v1/search":
                    status, body = standin._search(params)
                elif parts.path == "/data/2.5/weather":
                    status, body = standin._openweathermap(params)
                else:
                    status, body = 404, {"error": True, "reason": f"Not Found: {parts.path}"}
                headers = {}
                if fault is not None and fault.kind == "status":
                    status, body = fault.status, {"error": True, "reason": fault.reason}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(int(fault.retry_after))
                data = json.dumps(body).encode()
                if fault is not None and fault.kind == "malformed":
                    data = data[: max(1, len(data) // 2)]
                record.status = status
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def main(argv: list[str] | None = None) -> int:
    """`python -m device.devtools.standins.open_meteo [--port N]`: serve until interrupted (for trying the daemon by hand)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m device.devtools.standins.open_meteo", description=main.__doc__)
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args(argv)
    with OpenMeteoStandIn(port=args.port) as standin:
        print(f"forecast_url: {standin.forecast_url}\ngeocoding_url: {standin.geocoding_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
