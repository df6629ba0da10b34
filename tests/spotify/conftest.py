"""Fixtures for the Spotify tests: the loopback stand-in, a shared fake clock, a logged-in client and player."""

from __future__ import annotations

import time

import pytest

from device.standins.spotify import SpotifyStandIn
from spotify_rig import FakeClock, Rig, make_rig


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
def wall():
    """Real elapsed time of a block, to prove nothing slept through a Retry-After."""
    class Wall:
        def __enter__(self):
            self.start = time.monotonic()
            return self

        def __exit__(self, *exc):
            self.elapsed = time.monotonic() - self.start
    return Wall()
