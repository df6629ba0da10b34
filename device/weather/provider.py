"""The weather provider interface, its typed error, the place, and the HTTP and number helpers every provider shares."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import requests

from device.core.times import retry_after
from device.core.values import WeatherReading


class WeatherError(Exception):
    """No reading: the message is a readable reason ("no answer from Open-Meteo within 10 s")."""

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after  # seconds to wait (HTTP 429 Retry-After, at most times.MAX_WAIT_S)


def finite_number(value: object, service: str, field: str, required: bool = False) -> float | None:
    """A JSON number as a finite float; None when absent (null), a WeatherError naming `field` when required or
    not a finite number (a string, a bool, NaN, an infinity, an integer beyond any float)."""
    if value is None:
        if required:
            raise WeatherError(f"{service} sent a malformed answer (no {field})")
        return None
    try:
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an integer beyond any float
        number = math.nan
    if not math.isfinite(number):
        raise WeatherError(f"{service} sent a malformed answer ({field} = {value!r:.40})")
    return number


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    name: str = ""  # as the geocoder found it, e.g. "Utrecht, Netherlands"

    def describe(self) -> str:
        return self.name or f"{self.latitude:.3f}, {self.longitude:.3f}"


class WeatherProvider(Protocol):
    name: str

    def current(self) -> WeatherReading:
        """The current weather. Raises WeatherError (only) when there is no reading."""


def get_json(session: requests.Session, url: str, params: dict, timeout: float, service: str,
             error_reason=None) -> dict:
    """GET a JSON object, turning every failure into a WeatherError with a readable reason.
    error_reason(body) extracts the service's own reason from an error body."""
    try:
        response = session.get(url, params=params, timeout=timeout)
    except requests.Timeout:
        raise WeatherError(f"no answer from {service} within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise WeatherError(f"cannot reach {service}: {type(exc).__name__}") from None
    reason = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        if isinstance(body, dict) and error_reason is not None:
            reason = error_reason(body)
        if response.status_code == 429:  # Retry-After bounded: a wait beyond MAX_WAIT_S is clamped to it
            wait = retry_after(response.headers.get("Retry-After"), now=time.time(), default=None, floor=0.0)
            raise WeatherError(f"{service} rate limit reached (HTTP 429)" + (f": {reason}" if reason else "")
                               + (wait.describe_clamp() if wait else ""),
                               retry_after=wait.seconds if wait else None)
        raise WeatherError(f"{service} answered HTTP {response.status_code}" + (f": {reason}" if reason else ""))
    if not isinstance(body, dict):
        raise WeatherError(f"{service} sent a malformed answer (not a JSON object)")
    return body
