"""The optional status LED: off idle, breathing while listening, solid while playing, fast blink for attention."""

from __future__ import annotations

import logging
from typing import Literal

from device.config.schema import LedConfig

log = logging.getLogger(__name__)

LedState = Literal["idle", "listening", "playing", "attention"]
FAST_BLINK_S = 0.1
BREATH_S = 1.5


def led_state(*, attention: bool, playing: bool, listening: bool) -> LedState:
    """The LED state for the device's situation; attention wins (login, speaker or camera missing)."""
    if attention:
        return "attention"
    if playing:
        return "playing"
    if listening:
        return "listening"
    return "idle"


class StatusLed:
    """Drives the LED with gpiozero (PWMLED for breathing; a plain LED blinks slowly instead when the pin has
    no PWM). show() only touches the pin when the state changes. Disabled or unavailable: does nothing."""

    def __init__(self, cfg: LedConfig, *, pin_factory=None):
        self.cfg = cfg
        self.state: LedState | None = None
        self.led = None
        self.pwm = False
        self.problem = ""
        if not cfg.enabled:
            return
        try:
            from gpiozero import LED, PWMLED
            try:
                self.led = PWMLED(cfg.pin, active_high=cfg.active_high, pin_factory=pin_factory)
                self.pwm = True
            except Exception:  # no PWM on this pin backend
                self.led = LED(cfg.pin, active_high=cfg.active_high, pin_factory=pin_factory)
        except Exception as exc:
            self.problem = f"status LED unavailable on GPIO{cfg.pin}: {exc}"
            log.warning("%s", self.problem)
            self.led = None

    def show(self, state: LedState) -> None:
        if state == self.state:
            return
        self.state = state
        if self.led is None:
            return
        led = self.led
        if state == "idle":
            led.off()
        elif state == "playing":
            led.on()
        elif state == "attention":
            led.blink(on_time=FAST_BLINK_S, off_time=FAST_BLINK_S)
        elif state == "listening":
            if self.pwm:
                led.pulse(fade_in_time=BREATH_S, fade_out_time=BREATH_S)
            else:
                led.blink(on_time=BREATH_S, off_time=BREATH_S)
        log.debug("status LED: %s", state)

    def close(self) -> None:
        if self.led is not None:
            self.led.close()
            self.led = None
