"""The status LED on gpiozero's mock pins: off, breathing, solid, fast blink."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin
from waiting import wait_for

from device.config.schema import LedConfig
from device.hardware.led import BREATH_S, FAST_BLINK_S, StatusLed, led_state


def spy_on_blink(led) -> list[dict]:
    """The on/off times StatusLed hands gpiozero (its blink thread keeps real time: the times are checked as
    asked for, not as a loaded machine's scheduler happens to meet them)."""
    calls: list[dict] = []
    real = led.led.blink
    led.led.blink = lambda **kw: (calls.append(kw), real(**kw))[1]
    return calls


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
    assert wait_for(lambda: any(0 < s.state < 1 for s in pin.states))
    blinks = spy_on_blink(led)
    led.show("attention")  # fast blink: on and off every 0.1 s
    pin.clear_states()
    assert wait_for(lambda: len(pin.states) >= 4)
    assert {s.state for s in pin.states[1:]} == {0, 1}
    assert blinks == [{"on_time": FAST_BLINK_S, "off_time": FAST_BLINK_S}] and FAST_BLINK_S == 0.1


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
    pin = factory.pin(27)
    blinks = spy_on_blink(led)
    led.show("listening")
    assert wait_for(lambda: len(pin.states) >= 2)
    assert pin.states[1].state == 1  # the first half of a 1.5 s blink
    assert blinks == [{"on_time": BREATH_S, "off_time": BREATH_S}] and BREATH_S == 1.5
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
