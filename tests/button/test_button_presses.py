"""The button on gpiozero's mock pins: tap, hold and double tap decided on release, debounce, mashing."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock
from gpiozero.pins.mock import MockFactory

from device.config.schema import ButtonConfig
from device.core.parts import Hub, Unavailable
from device.hardware.button import ButtonPart


@pytest.fixture
def rig():
    factory = MockFactory()
    clock, hub = FakeClock(100.0), Hub()
    part = ButtonPart(ButtonConfig(pin=17, bounce_ms=30, hold_s=1.0, double_tap_s=0.4), hub, clock=clock,
                      pin_factory=factory)
    part.start()
    pin = factory.pin(17)
    yield part, pin, clock, hub
    part.stop()
    factory.close()


def press(pin, clock, seconds):
    pin.drive_low()  # pull-up: pressing connects the pin to ground
    clock.t += seconds
    pin.drive_high()


def events(hub):
    out = []
    while (e := hub.take()) is not None:
        out.append(e)
    return out


def test_tap_is_final_after_the_double_tap_window(rig):
    part, pin, clock, hub = rig
    press(pin, clock, 0.15)
    part.step(clock.t)
    assert events(hub) == []  # might still become a double tap
    clock.t += 0.3
    part.step(clock.t)
    assert events(hub) == []
    clock.t += 0.15
    part.step(clock.t)
    got = events(hub)
    assert [e.kind for e in got] == ["tap"] and got[0].at == pytest.approx(100.15)


def test_hold_is_decided_on_release(rig):
    part, pin, clock, hub = rig
    pin.drive_low()
    clock.t += 2.5
    part.step(clock.t)
    assert events(hub) == []  # still held: nothing yet
    pin.drive_high()
    got = events(hub)
    assert [e.kind for e in got] == ["hold"] and got[0].extra["held_s"] == pytest.approx(2.5)
    clock.t += 1
    part.step(clock.t)
    assert events(hub) == []


def test_a_press_just_short_of_hold_is_a_tap(rig):
    part, pin, clock, hub = rig
    press(pin, clock, 0.95)
    clock.t += 0.5
    part.step(clock.t)
    assert [e.kind for e in events(hub)] == ["tap"]


def test_double_tap(rig):
    part, pin, clock, hub = rig
    press(pin, clock, 0.1)
    clock.t += 0.15
    press(pin, clock, 0.1)
    assert [e.kind for e in events(hub)] == ["double_tap"]
    clock.t += 1
    part.step(clock.t)
    assert events(hub) == []  # no stray single tap afterwards


def test_two_taps_further_apart_are_two_taps(rig):
    part, pin, clock, hub = rig
    press(pin, clock, 0.1)
    clock.t += 0.6
    part.step(clock.t)
    press(pin, clock, 0.1)
    clock.t += 0.6
    part.step(clock.t)
    assert [e.kind for e in events(hub)] == ["tap", "tap"]


def test_contact_bounce_is_ignored(rig):
    part, pin, clock, hub = rig
    for _ in range(4):  # a noisy contact: edges 5 ms apart
        pin.drive_low()
        clock.t += 0.005
        pin.drive_high()
        clock.t += 0.005
    pin.drive_low()
    clock.t += 0.2
    pin.drive_high()
    clock.t += 0.5
    part.step(clock.t)
    assert [e.kind for e in events(hub)] == ["tap"]


def test_twenty_presses_a_second_grow_no_queue(rig):
    part, pin, clock, hub = rig
    for _i in range(200):  # ten seconds of mashing
        press(pin, clock, 0.02)
        clock.t += 0.03
        part.step(clock.t)
    clock.t += 1
    part.step(clock.t)
    got = events(hub)
    assert 1 <= len(got) <= 10 / 0.25 + 1  # at most one event per 0.25 s reaches the hub
    assert hub.dropped_events == 0
    assert part.decoder.ignored > 0
    assert vars(part.decoder).keys() == {"cfg", "emit", "clock", "_lock", "_last_edge", "_pressed_at",
                                         "_pending_tap", "_last_emit", "ignored"}  # nothing that can grow


def test_pull_down_wiring(tmp_path):
    factory = MockFactory()
    clock, hub = FakeClock(100.0), Hub()
    part = ButtonPart(ButtonConfig(pin=5, pull_up=False, hold_s=1.0), hub, clock=clock, pin_factory=factory)
    part.start()
    pin = factory.pin(5)
    pin.drive_high()  # pull-down: pressing connects the pin to 3.3 V
    clock.t += 1.5
    pin.drive_low()
    assert [e.kind for e in events(hub)] == ["hold"]
    part.stop()
    factory.close()


def test_disabled_or_missing_button_is_unavailable():
    with pytest.raises(Unavailable, match="button disabled"):
        ButtonPart(ButtonConfig(enabled=False), Hub()).start()
    factory = MockFactory()
    factory.pin(17).function = "output"  # taken by something else: gpiozero refuses
    try:
        part = ButtonPart(ButtonConfig(pin=17), Hub(), pin_factory=factory)
        from gpiozero import LED
        led = LED(17, pin_factory=factory)
        with pytest.raises(Unavailable, match="button unavailable on GPIO17"):
            part.start()
        led.close()
    finally:
        factory.close()
