"""The one capped exponential back-off: doubling from the first wait, capped, reset by a success."""

from __future__ import annotations

import doctest

import device.core.backoff
from device.core.backoff import Backoff


def test_the_documented_example_holds():
    assert doctest.testmod(device.core.backoff).failed == 0


def test_doubles_up_to_the_cap_and_starts_again_after_a_success():
    b = Backoff(60.0, 600.0)
    assert [b.failed() for _ in range(6)] == [60.0, 120.0, 240.0, 480.0, 600.0, 600.0] and b.failures == 6
    b.reset()
    assert b.delay == 60.0 and b.failures == 0


def test_a_cap_below_the_first_wait_caps_it_and_endless_failures_stay_finite():
    assert Backoff(60.0, 30.0).failed() == 30.0  # weather: a poll interval shorter than the first retry
    b = Backoff(5.0, 300.0)
    for _ in range(5000):
        b.failed()
    assert b.delay == 300.0
