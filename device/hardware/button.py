"""The hardware button: tap (skip, dislike), hold (like) and double tap (pause/resume), posted to the hub."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from device.config.schema import ButtonConfig
from device.core.parts import Hub, Part, Unavailable
from device.core.values import ButtonEvent

log = logging.getLogger(__name__)

MIN_EVENT_GAP_S = 0.25  # button mashing: at most one event per this many seconds reaches the hub


class PressDecoder:
    """Turns press/release edges into tap, hold and double-tap events. Tap vs hold is decided on release;
    a tap is only final once double_tap_s has passed without a second tap. Software debounce: an edge
    within bounce_ms of the previous accepted edge is ignored. Thread-safe; never blocks; constant memory."""

    def __init__(self, cfg: ButtonConfig, emit: Callable[[ButtonEvent], None],
                 clock: Callable[[], float] = time.monotonic):
        self.cfg = cfg
        self.emit = emit
        self.clock = clock
        self._lock = threading.Lock()
        self._last_edge = float("-inf")
        self._pressed_at: float | None = None
        self._pending_tap: float | None = None  # release time of a tap that may still become a double tap
        self._last_emit = float("-inf")
        self.ignored = 0  # presses dropped as bounce or mashing

    def pressed(self) -> None:
        with self._lock:
            now = self.clock()
            if now - self._last_edge < self.cfg.bounce_ms / 1000 or self._pressed_at is not None:
                self.ignored += 1
                return
            self._last_edge = now
            self._pressed_at = now

    def released(self) -> None:
        event = None
        with self._lock:
            now = self.clock()
            if self._pressed_at is None or now - self._last_edge < self.cfg.bounce_ms / 1000:
                return  # a bounce, or a release without a press we saw
            self._last_edge = now
            held = now - self._pressed_at
            self._pressed_at = None
            if held >= self.cfg.hold_s:
                self._pending_tap = None
                event = self._event("hold", now, held)
            elif self._pending_tap is not None and now - self._pending_tap <= self.cfg.double_tap_s:
                self._pending_tap = None
                event = self._event("double_tap", now, held)
            else:
                self._pending_tap = now
        if event is not None:
            self.emit(event)

    def flush(self) -> float:
        """Emit a single tap whose double-tap window has passed; returns seconds until the next flush is due."""
        event = None
        with self._lock:
            if self._pending_tap is None:
                return self.cfg.double_tap_s
            now = self.clock()
            left = self._pending_tap + self.cfg.double_tap_s - now
            if left > 0:
                return left
            at = self._pending_tap
            self._pending_tap = None
            event = self._event("tap", at, None)
        if event is not None:
            self.emit(event)
        return self.cfg.double_tap_s

    def _event(self, kind: str, at: float, held: float | None) -> ButtonEvent | None:
        if at - self._last_emit < MIN_EVENT_GAP_S:
            self.ignored += 1
            return None
        self._last_emit = at
        return ButtonEvent(kind, at, {"held_s": round(held, 3)} if held is not None else {})


class ButtonPart(Part):
    """The supervised button: gpiozero's callbacks only feed the decoder; step() finalises single taps."""

    name = "button"

    def __init__(self, cfg: ButtonConfig, hub: Hub, *, clock: Callable[[], float] = time.monotonic,
                 pin_factory=None):
        self.cfg = cfg
        self.hub = hub
        self.pin_factory = pin_factory
        self.decoder = PressDecoder(cfg, self._post, clock)
        self.button = None
        self._status = ""

    def _post(self, event: ButtonEvent) -> None:
        if self.hub.post(event):
            log.info("button %s", event.kind.replace("_", " "))
        else:
            log.warning("button %s dropped: the event queue is full", event.kind)

    def start(self) -> None:
        if not self.cfg.enabled:
            raise Unavailable("button disabled in the config (button.enabled: false)")
        try:
            from gpiozero import Button
            # Debouncing is done in software (PressDecoder) so that it behaves the same on every pin backend.
            self.button = Button(self.cfg.pin, pull_up=self.cfg.pull_up, bounce_time=None,
                                 pin_factory=self.pin_factory)
        except Exception as exc:  # gpiozero raises many kinds (no pin backend, pin in use, not a Pi)
            self._status = f"button unavailable on GPIO{self.cfg.pin}: {exc}"
            raise Unavailable(self._status) from exc
        self.button.when_pressed = lambda *_: self.decoder.pressed()
        self.button.when_released = lambda *_: self.decoder.released()
        self._status = ""
        log.info("button ready on GPIO%d (%s)", self.cfg.pin, "pull-up" if self.cfg.pull_up else "pull-down")

    def step(self, now: float) -> float:
        return max(0.02, min(0.1, self.decoder.flush()))

    def stop(self) -> None:
        if self.button is not None:
            self.button.close()
            self.button = None

    def status(self) -> str:
        return self._status
