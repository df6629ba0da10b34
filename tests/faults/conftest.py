"""Fixtures for the fault matrix: stand-ins, a hand-stepped conductor, and the whole daemon."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock
from fault_rig import CLIENT_ID, appliances, conductor_rig

from device.devtools.standins.spotify import SpotifyStandIn


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def standin(clock):
    with SpotifyStandIn(client_id=CLIENT_ID, clock=clock) as s:
        yield s


@pytest.fixture
def rig(tmp_path, standin, clock):
    r = conductor_rig(tmp_path, standin, clock)
    yield r
    r.store.close()


@pytest.fixture
def appliance(tmp_path):
    """appliance(extra=..., photo=..., login=...) builds the daemon (not started); every one is stopped after."""
    with appliances(tmp_path, dict(weather_code=61, temperature_2m=7.0, apparent_temperature=4.5, is_day=0)) as make:
        yield make
