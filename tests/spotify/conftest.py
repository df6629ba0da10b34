"""Fixtures for the Spotify tests: the loopback stand-in, a shared fake clock, a logged-in client and player."""

from __future__ import annotations

import threading
import time

import pytest
from fake_clock import FakeClock
from spotify_rig import Rig, make_rig

from device.devtools.standins.spotify import SpotifyStandIn


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def standin(clock):
    with SpotifyStandIn(clock=clock) as s:
        yield s


@pytest.fixture
def rig(standin, clock, tmp_path) -> Rig:
    return make_rig(standin, clock, tmp_path)


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Every time.sleep the test's own thread makes (urllib3's retry back-off and Retry-After waits among them),
    to prove nothing slept through a Retry-After: counted, not timed, so a loaded machine gives the same verdict.
    A long sleep is cut to 1 s, so that a regression fails at once instead of hanging for the Retry-After. The
    stand-in's threads sleep as they please (a latency fault)."""
    caller, real_sleep, slept = threading.current_thread(), time.sleep, []

    def sleep(seconds: float) -> None:
        if threading.current_thread() is caller:
            slept.append(seconds)
            seconds = min(seconds, 1.0)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return slept
