"""The status LED on gpiozero's mock pins: off, breathing, solid, fast blink."""

from __future__ import annotations

import time

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from device.config.schema import LedConfig
from device.led import StatusLed, led_state


@pytest.fixture
def pwm():
    factory = MockFactory(pin_class=MockPWMPin)
    led = StatusLed(LedConfig(enabled=True, pin=27), pin_factory=factory)
    yield led, factory.pin(27)
    led.close()
    factory.close()


def test_states_on_a_pwm_pin(pwm):
    led, pin = pwm
    assert led.pwm
    led.show("playing")
    assert pin.state == 1
    led.show("idle")
    assert pin.state == 0
    pin.clear_states()
    led.show("listening")  # breathing: PWM values between off and on
    time.sleep(0.4)
    levels = [s.state for s in pin.states]
    assert any(0 < v < 1 for v in levels)
    led.show("attention")  # fast blink: on and off every 0.1 s
    pin.clear_states()
    time.sleep(0.45)
    flips = [s for s in pin.states[1:]]
    assert len(flips) >= 3
    assert all(0.05 <= s.timestamp <= 0.2 for s in flips[1:])
    assert {s.state for s in flips} == {0, 1}


def test_active_low_led():
    factory = MockFactory(pin_class=MockPWMPin)
    led = StatusLed(LedConfig(enabled=True, pin=22, active_high=False), pin_factory=factory)
    led.show("playing")
    assert factory.pin(22).state == 0  # lit by pulling the cathode low
    led.close()
    factory.close()


def test_without_pwm_breathing_becomes_a_slow_blink():
    factory = MockFactory()
    led = StatusLed(LedConfig(enabled=True, pin=27), pin_factory=factory)
    assert not led.pwm
    led.show("listening")
    pin = factory.pin(27)
    time.sleep(0.2)
    assert pin.state == 1  # first half of a 1.5 s blink
    led.show("idle")
    assert pin.state == 0
    led.close()
    factory.close()


def test_disabled_led_does_nothing():
    led = StatusLed(LedConfig(enabled=False))
    led.show("attention")
    assert led.led is None and led.state == "attention"


def test_led_state_priorities():
    assert led_state(attention=True, playing=True, listening=True) == "attention"
    assert led_state(attention=False, playing=True, listening=True) == "playing"
    assert led_state(attention=False, playing=False, listening=True) == "listening"
    assert led_state(attention=False, playing=False, listening=False) == "idle"
