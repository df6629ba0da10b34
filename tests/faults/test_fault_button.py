"""Fault matrix, button row: 20 presses a second are debounced, the event queue does not grow, nothing is lost."""

from __future__ import annotations

import logging
import time

from fake_clock import FakeClock
from fault_rig import wait_for

from device.config.schema import ButtonConfig
from device.core.parts import Hub
from device.hardware.button import MIN_EVENT_GAP_S, PressDecoder


def test_twenty_presses_a_second_for_ten_minutes_on_the_decoder():
    clock = FakeClock(0.0)
    hub = Hub()
    emitted = []

    def post(event):
        emitted.append(event)
        return hub.post(event)

    decoder = PressDecoder(ButtonConfig(), post, clock)
    high_water = 0
    for i in range(20 * 600):  # 20 presses a second (25 ms down, 25 ms up) for ten minutes
        decoder.pressed()
        clock.advance(0.025)
        decoder.released()
        clock.advance(0.025)
        decoder.flush()
        if i % 20 == 19:  # the conductor takes what is queued about once a second
            high_water = max(high_water, hub.pending())
            while hub.take() is not None:
                pass
    assert hub.dropped_events == 0
    assert high_water <= 1 / MIN_EVENT_GAP_S + 1, high_water
    assert 0 < len(emitted) <= 600 / MIN_EVENT_GAP_S + 1, len(emitted)
    assert decoder.ignored >= 20 * 600 / 2, "most presses are bounce or mashing"


def test_mashing_the_real_button_in_the_daemon(appliance):
    a = appliance().start()
    a.wait_status("playing", 10)
    pin = a.factory.pin(17)
    start = time.monotonic()
    peak = 0
    while time.monotonic() - start < 2.0:  # 20 presses a second for two seconds
        pin.drive_low()
        time.sleep(0.025)
        pin.drive_high()
        time.sleep(0.025)
        peak = max(peak, a.daemon.hub.pending())
    time.sleep(1.0)  # the decoder's own windows close (its clock is real: a button is physical)
    assert wait_for(lambda: a.daemon.hub.pending() == 0), "every accepted press was handled"
    accepted = len(a.logs.lines(logging.INFO, "button "))
    # The decoder lets at most one event through per MIN_EVENT_GAP_S; the conductor drains the hub every step.
    assert a.daemon.hub.dropped_events == 0 and peak <= 1 / MIN_EVENT_GAP_S + 1, peak
    assert 1 <= accepted <= 3.0 / MIN_EVENT_GAP_S + 1, accepted
    assert a.alive() and a.logs.unhandled() == []
    assert a.status().startswith(("playing", "paused")), a.status()  # a double tap pauses: allowed
