"""The supervisor keeps parts going: retries with back-off, restarts after a failure, spots a hung part."""

from __future__ import annotations

import threading

from waiting import wait_for

from device.core.parts import Part, Unavailable
from device.runtime.supervisor import PartRunner, Supervisor


class Network(Part):
    """Comes up after a number of failed starts, like Wi-Fi after boot."""

    name = "network"

    def __init__(self, fails_before_up: int):
        self.fails_left = fails_before_up
        self.steps = 0
        self.stopped = 0

    def start(self):
        if self.fails_left:
            self.fails_left -= 1
            raise Unavailable("network unavailable: no route to host")

    def step(self, now):
        self.steps += 1
        return 0.01

    def stop(self):
        self.stopped += 1

    def status(self):
        return f"network ok ({self.steps} steps)"


def test_part_is_picked_up_once_available():
    part = Network(fails_before_up=3)
    runner = PartRunner(part, backoff_min=0.01, backoff_max=0.02)
    runner.start()
    try:
        assert wait_for(lambda: runner.running and part.steps > 2)
        assert runner.failures == 3
        assert runner.describe().startswith("network ok")
    finally:
        runner.request_stop()
        assert runner.join(2)
    assert part.stopped == 1


def test_reason_is_reported_while_down():
    part = Network(fails_before_up=10**6)
    runner = PartRunner(part, backoff_min=0.01, backoff_max=0.02)
    runner.start()
    try:
        assert wait_for(lambda: runner.failures >= 2)
        assert runner.describe() == "network unavailable: no route to host"
        assert runner.healthy()
    finally:
        runner.request_stop()
        runner.join(2)


class Flaky(Part):
    name = "flaky"

    def __init__(self):
        self.starts = 0
        self.steps = 0

    def start(self):
        self.starts += 1

    def step(self, now):
        self.steps += 1
        if self.steps == 2:
            raise RuntimeError("boom")
        return 0.005


def test_a_crashing_step_restarts_the_part_and_not_the_daemon():
    part = Flaky()
    runner = PartRunner(part, backoff_min=0.01, backoff_max=0.02)
    runner.start()
    try:
        assert wait_for(lambda: part.starts >= 2 and part.steps > 3)
    finally:
        runner.request_stop()
        runner.join(2)


class Hanging(Part):
    name = "hanging"

    def __init__(self):
        self.release = threading.Event()

    def start(self):
        pass

    def step(self, now):
        self.release.wait(5)
        return 0.01


def test_a_hung_step_makes_the_supervisor_unhealthy():
    part = Hanging()
    supervisor = Supervisor([part], backoff_min=0.01, hang_after=0.1)
    supervisor.start()
    try:
        assert wait_for(lambda: not supervisor.healthy(), timeout=2)
    finally:
        part.release.set()
        assert supervisor.stop(2) == []
