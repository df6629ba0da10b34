"""Time values from outside (Retry-After, token lifetimes, stored times) bounded before use, and shown as clock text."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# The longest a service may make Mirrorball wait: a Retry-After beyond it is clamped to it (the status says until
# when, and what was asked). Spotify's longest real waits (an app over its quota) stay under a day.
MAX_WAIT_S = 24 * 3600.0
# The range clock_text turns into local time: 1970 to the year 9999 (time.localtime refuses, or overflows, beyond).
_FIRST_SHOWN, _LAST_SHOWN = 0.0, 253_402_214_400.0
UNKNOWN_TIME = "an unknown time"


def finite(value: object) -> float | None:
    """A JSON or header number as a finite float; None for anything else (text, a bool, NaN, an infinity, an
    integer beyond any float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def clamped(value: object, low: float, high: float, default: float) -> float:
    """A number kept within [low, high]; `default` when it is no finite number at all."""
    number = finite(value)
    return default if number is None else min(high, max(low, number))


def within(value: object, low: float, high: float) -> float | None:
    """A time read back (from the state store, a file): the number if it lies within [low, high], else None."""
    number = finite(value)
    return number if number is not None and low <= number <= high else None


@dataclass(frozen=True)
class Wait:
    """How long Mirrorball waits after a "wait" from a service: `seconds` (within [floor, MAX_WAIT_S]), and what
    the service asked when that was more than MAX_WAIT_S (`asked_s`, else None)."""

    seconds: float
    asked_s: float | None = None

    def describe_clamp(self) -> str:
        """" (asked to wait 31709 years; Mirrorball waits at most 24 h)" when clamped, else ""."""
        if self.asked_s is None:
            return ""
        return f" (asked to wait {duration_text(self.asked_s)}; Mirrorball waits at most {duration_text(MAX_WAIT_S)})"


def retry_after(value: object, *, now: float, default: float | None, floor: float = 1.0) -> Wait | None:
    """A Retry-After header (delay-seconds, or an HTTP-date: RFC 9110 section 10.2.3) as a Wait within
    [floor, MAX_WAIT_S]. Absent or unreadable: a Wait of `default` seconds (None: no Wait)."""
    asked = _header_seconds(value, now)
    if asked is None:
        return None if default is None else Wait(default)
    if asked > MAX_WAIT_S:
        return Wait(MAX_WAIT_S, asked)
    return Wait(max(floor, asked))


def _header_seconds(value: object, now: float) -> float | None:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("latin-1")
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is None:
            try:
                stamp = parsedate_to_datetime(text).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError, OSError):
                return None
            return finite(stamp - now)
        value = number
    return finite(value)  # "1e999" (an infinity) or "nan" reads as unreadable: the default wait


def duration_text(seconds: float) -> str:
    """A length of time in words: "45 s", "12 min", "5 h", "3 days", "31709 years"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds < 2 * 365.25 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365.25 * 86400):.0f} years"


def clock_text(at: object, *, now: float | None = None, seconds: bool = True) -> str:
    """Unix time `at` as local clock time ("09:46:40"), with the date when `now` is given and falls on another
    day ("2026-12-02 09:46:40"). Never raises: a time nobody can show is UNKNOWN_TIME."""
    stamp = within(at, _FIRST_SHOWN, _LAST_SHOWN)
    if stamp is None:
        return UNKNOWN_TIME
    try:
        local = time.localtime(stamp)
        same_day = True
        if now is not None and within(now, _FIRST_SHOWN, _LAST_SHOWN) is not None:
            same_day = time.localtime(now)[:3] == local[:3]
        return time.strftime(("%H:%M:%S" if seconds else "%H:%M") if same_day else
                             ("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"), local)
    except (OverflowError, OSError, ValueError):  # a platform with a narrower time_t
        return UNKNOWN_TIME


def date_text(at: object) -> str:
    """Unix time `at` as a local date and time ("2026-12-01 23:10"); UNKNOWN_TIME when no date can be shown."""
    stamp = within(at, _FIRST_SHOWN, _LAST_SHOWN)
    if stamp is None:
        return UNKNOWN_TIME
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))
    except (OverflowError, OSError, ValueError):
        return UNKNOWN_TIME


def utc_stamp(at: object) -> str:
    """Unix time `at` as a UTC file-name stamp ("20261201-231000"); the epoch's when it cannot be shown."""
    stamp = within(at, _FIRST_SHOWN, _LAST_SHOWN)
    try:
        return time.strftime("%Y%m%d-%H%M%S", time.gmtime(stamp or 0.0))
    except (OverflowError, OSError, ValueError):
        return "19700101-000000"
