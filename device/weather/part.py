"""The weather part: polls the provider, keeps the last good reading in the state store, publishes it on the hub."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict

import requests

from device.config.schema import Config
from device.core.backoff import Backoff
from device.core.parts import Hub, Part, Unavailable
from device.core.state import StateError, StateStore
from device.core.times import finite, within
from device.core.topics import Topic
from device.core.values import WeatherReading
from device.music.context import condition_of
from device.weather.openmeteo import OpenMeteoProvider, resolve_place
from device.weather.openweathermap import OpenWeatherMapProvider, load_api_key
from device.weather.provider import Place, WeatherError, WeatherProvider

log = logging.getLogger(__name__)

LAST_READING_KEY = "weather.last"
RETRY_FIRST_S = 60.0  # first retry after a failed reading; doubles up to the poll interval (weather.poll_minutes)


def age_words(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def reading_from_json(data: dict, now: float) -> WeatherReading | None:
    """The reading kept in the state store, or None when it is not one: no mapping, or its time `at` or its
    temperature no finite number, or `at` after `now` (a time read back is bounded before any use)."""
    try:
        reading = WeatherReading(**{k: v for k, v in data.items() if k in WeatherReading.__dataclass_fields__})
    except (TypeError, AttributeError):
        return None
    if within(reading.at, 0.0, now) is None or finite(reading.temperature_c) is None:
        return None
    return reading


class WeatherPart(Part):
    """Publishes Topic.WEATHER (a WeatherReading, the last good one) and Topic.PLACE (a Place) on the hub."""

    name = "weather"

    def __init__(self, config: Config, hub: Hub, store: StateStore | None, clock: Callable[[], float] = time.time,
                 session: requests.Session | None = None):
        self.config = config.weather
        self.hub = hub
        self.store = store
        self.clock = clock
        self.session = session
        self.provider: WeatherProvider | None = None
        self.place: Place | None = None
        self.reading: WeatherReading | None = None
        self.reason: str | None = None  # why the last attempt failed; None after a success
        self._retry = Backoff(RETRY_FIRST_S, self.config.poll_minutes * 60)
        self.next_at = 0.0
        self._api_key: str | None = None
        self._own_session = False

    @property
    def failures(self) -> int:
        """Failed readings since the last good one."""
        return self._retry.failures

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        cached = None
        if self.store is not None:
            try:
                cached = self.store.get_json(LAST_READING_KEY)
            except StateError as exc:
                log.warning("weather: cached reading not read: %s", exc)
        if cached and self.reading is None:
            self.reading = reading_from_json(cached, self.clock())
            if self.reading is not None:
                self.hub.publish(Topic.WEATHER, self.reading)
        w = self.config
        if w.latitude is None and not w.place:
            self.reason = "no place configured (weather.latitude and weather.longitude, or weather.place)"
            raise Unavailable(f"weather unknown: {self.reason}")
        if w.provider == "openweathermap":
            try:
                self._api_key = load_api_key(w)
            except WeatherError as exc:
                self.reason = str(exc)
                raise Unavailable(f"weather unknown: {exc}") from None
        if self.session is None:
            self.session = requests.Session()
            self.session.headers["User-Agent"] = "mirrorball (weather)"
            self._own_session = True

    def stop(self) -> None:
        if self._own_session and self.session is not None:
            self.session.close()
            self.session = None
            self._own_session = False
            self.provider = None  # it holds the closed session; the next start() makes a new one

    def _make_provider(self) -> WeatherProvider:
        w = self.config
        self.place = resolve_place(w, store=self.store, session=self.session)
        self.hub.publish(Topic.PLACE, self.place)
        if w.provider == "openweathermap":
            return OpenWeatherMapProvider(self.place, self._api_key or "", url=w.openweathermap_url,
                                          timeout_s=w.timeout_s, session=self.session, clock=self.clock)
        return OpenMeteoProvider(self.place, forecast_url=w.forecast_url, timeout_s=w.timeout_s,
                                 session=self.session, clock=self.clock)

    # ------------------------------------------------------------ work

    def poll(self) -> WeatherReading | None:
        """One attempt now. Never raises: a failure is logged and kept as the status reason."""
        poll_s = self.config.poll_minutes * 60
        try:
            if self.provider is None:
                self.provider = self._make_provider()
            reading = self.provider.current()
        except WeatherError as exc:
            return self._failed(str(exc), exc.retry_after)
        except Exception as exc:  # the daemon must never see a weather exception
            log.exception("weather: unexpected failure")
            return self._failed(f"unexpected {type(exc).__name__}: {exc}", None)
        self.reading = reading
        self.reason = None
        self._retry.reset()
        self.next_at = self.clock() + poll_s
        self.hub.publish(Topic.WEATHER, reading)
        if self.store is not None:
            try:
                self.store.set_json(LAST_READING_KEY, asdict(reading))
            except StateError as exc:
                log.warning("weather: reading not cached: %s", exc)
        log.info("weather: %s %.1f°C at %s", condition_of(reading.weather_code), reading.temperature_c,
                 self.place.describe() if self.place else "?")
        return reading

    def _failed(self, reason: str, retry_after: float | None) -> None:
        self.reason = reason
        wait = self._retry.failed()
        if retry_after is not None:
            wait = max(wait, retry_after)
        self.next_at = self.clock() + wait
        log.warning("weather: %s; next try in %.0f s", reason, wait)
        return None

    def step(self, now: float) -> float:
        if self.clock() >= self.next_at:
            self.poll()
        return max(1.0, self.next_at - self.clock())

    def fresh_reading(self) -> WeatherReading | None:
        """The last good reading if it is younger than stale_after_hours."""
        if self.reading is None or self.clock() - self.reading.at > self.config.stale_after_hours * 3600:
            return None
        return self.reading

    def status(self) -> str:
        fresh = self.fresh_reading()
        if fresh is None:
            if self.reading is not None:
                old = f"last reading {age_words(self.clock() - self.reading.at)}"
                return f"weather unknown: {old}" + (f"; {self.reason}" if self.reason else "")
            return f"weather unknown: {self.reason or 'no reading yet'}"
        text = (f"{condition_of(fresh.weather_code)} {fresh.temperature_c:.0f}°C "
                f"({age_words(self.clock() - fresh.at)}")
        if self.reason:
            text += f"; last try: {self.reason}"
        return text + ")"
