"""Fixtures for the Home Assistant tests: a real Mosquitto on loopback, and Home Assistant's side of it."""

from __future__ import annotations

import pytest
from broker import Broker, Listener


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path / "broker").start()
    yield b
    b.stop()


@pytest.fixture
def listener(broker):
    made = []

    def make(**kw) -> Listener:
        made.append(Listener(broker, **kw))
        return made[-1]

    yield make
    for m in made:
        m.close()
