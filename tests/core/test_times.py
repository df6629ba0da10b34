"""device.core.times: outside time values are bounded before any use, and clock text never raises."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from device.core.times import (
    MAX_WAIT_S,
    UNKNOWN_TIME,
    clamped,
    clock_text,
    date_text,
    duration_text,
    finite,
    retry_after,
    utc_stamp,
    within,
)

NOW = 1_800_000_000.0

# What the fuzzer (and the crash) handed time.localtime: beyond time_t, NaN, infinities, text, a bool.
NOT_NUMBERS = [math.inf, -math.inf, math.nan, 10**400, -(10**400), "12:00", None, True, [1], {}]
WILD = [1e20, -1e20, 1e300] + NOT_NUMBERS


@pytest.mark.parametrize("value", WILD + [253_402_300_800.0])
def test_clock_text_never_raises_and_says_when_it_cannot_tell(value):
    assert clock_text(value) == UNKNOWN_TIME
    assert clock_text(value, now=NOW, seconds=False) == UNKNOWN_TIME
    assert date_text(value) == UNKNOWN_TIME
    assert utc_stamp(value) == "19700101-000000"


def test_clock_text_shows_the_date_when_the_time_is_not_today():
    assert clock_text(NOW + 60, now=NOW) == time.strftime("%H:%M:%S", time.localtime(NOW + 60))
    later = NOW + 3 * 86400
    assert clock_text(later, now=NOW) == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(later))
    assert clock_text(later, now=NOW, seconds=False) == time.strftime("%Y-%m-%d %H:%M", time.localtime(later))
    assert clock_text(later, now=math.nan) == time.strftime("%H:%M:%S", time.localtime(later))  # no day to compare
    assert utc_stamp(NOW) == "20270115-080000"


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_numbers_read_back_are_finite_or_none(value):
    assert finite(value) is None
    assert within(value, 0, NOW) is None
    assert clamped(value, 0, 10, 7.0) == 7.0


def test_clamped_and_within_keep_good_numbers():
    assert finite(3) == 3.0 and finite(2.5) == 2.5
    assert clamped(1e300, 0, 10, 7) == 10 and clamped(-1e300, 0, 10, 7) == 0 and clamped(4, 0, 10, 7) == 4
    assert within(NOW, 0, NOW) == NOW and within(NOW + 1, 0, NOW) is None and within(-1, 0, NOW) is None


@pytest.mark.parametrize("header, seconds, asked", [
    ("120", 120.0, None), (" 7 ", 7.0, None), ("0", 1.0, None), ("-5", 1.0, None), ("0.2", 1.0, None),
    (str(int(MAX_WAIT_S)), MAX_WAIT_S, None),
    ("86401", MAX_WAIT_S, 86401.0), ("1e20", MAX_WAIT_S, 1e20), (str(10**20), MAX_WAIT_S, 1e20),
    ("1e999", 60.0, None), ("inf", 60.0, None), ("nan", 60.0, None), ("-inf", 60.0, None), ("soon", 60.0, None),
    ("", 60.0, None), (None, 60.0, None), (b"30", 30.0, None),
])
def test_retry_after_is_bounded_to_the_cap(header, seconds, asked):
    wait = retry_after(header, now=NOW, default=60.0)
    assert wait.seconds == seconds and wait.asked_s == asked
    assert ("Mirrorball waits at most 24 h" in wait.describe_clamp()) == (asked is not None)


def test_retry_after_as_an_http_date():
    def http_date(at):
        return format_datetime(datetime.fromtimestamp(at, UTC), usegmt=True)

    assert retry_after(http_date(NOW + 300), now=NOW, default=60.0).seconds == 300.0
    assert retry_after(http_date(NOW - 300), now=NOW, default=60.0).seconds == 1.0  # already past
    far = retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now=NOW, default=60.0)
    assert far.seconds == MAX_WAIT_S and "asked to wait 7973 years" in far.describe_clamp()
    assert retry_after("Fri, 31 Dec 99999 23:59:59 GMT", now=NOW, default=60.0).seconds == 60.0  # no date
    assert retry_after(None, now=NOW, default=None) is None
    assert retry_after("30", now=NOW, default=None, floor=0.0).seconds == 30.0


def test_duration_text():
    assert [duration_text(s) for s in (5, 600, 7200, 5 * 86400, 1e20)] == ["5 s", "10 min", "2 h", "5 days",
                                                                          "3168808781403 years"]
