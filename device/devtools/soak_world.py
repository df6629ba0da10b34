"""The soak's simulated world: a clock running faster than real time, parts on it, and a room whose listener comes
and goes and whose camera is unplugged for a minute every hour."""

from __future__ import annotations

import functools
import threading
import time

import cv2
import numpy as np

from device.core.parts import Part

WALL_START = 1_800_000_000.0  # simulated wall clock at the start (a fixed date, so runs compare)
CYCLE_S = 3600.0  # the day is simulated as repeating hours: every hour has the same arrivals and faults


class SimClock:
    """Simulated time running `speedup` times faster than real time, from the moment it is made."""

    def __init__(self, speedup: float):
        self.speedup = float(speedup)
        self._t0 = time.monotonic()

    def elapsed(self) -> float:
        return (time.monotonic() - self._t0) * self.speedup

    def monotonic(self) -> float:
        return 10_000.0 + self.elapsed()

    def time(self) -> float:
        return WALL_START + self.elapsed()

    def sleep_until(self, simulated: float, stop: threading.Event) -> bool:
        """Wait (really) until simulated elapsed time `simulated`; True when asked to stop first."""
        while True:
            left = (simulated - self.elapsed()) / self.speedup
            if left <= 0:
                return stop.is_set()
            if stop.wait(min(left, 0.5)):
                return True


class Scaled(Part):
    """A real part on simulated time: step() gets the simulated clock and its pause is shortened by the speedup.

    The supervisor has no clock of its own to replace, so this is where simulated time meets its real waits."""

    def __init__(self, inner: Part, sim: SimClock, slow_start_s: float = 0.0):
        self.inner, self.sim, self.name = inner, sim, inner.name
        self.slow_start_s = slow_start_s

    def start(self) -> None:
        if self.slow_start_s:  # --slow-start: a busy machine loading the models, in real seconds
            time.sleep(self.slow_start_s)
        self.inner.start()

    def step(self, now: float) -> float:
        pause = self.inner.step(self.sim.monotonic())
        return max(0.0, float(1.0 if pause is None else pause)) / self.sim.speedup

    def stop(self) -> None:
        self.inner.stop()

    def status(self) -> str:
        return self.inner.status()


class Room:
    """Who is in the room at each simulated moment, and camera trouble: one pattern repeated every hour."""

    # (start, end) in seconds within each hour
    PRESENT = ((300.0, 1500.0), (2100.0, 2700.0))
    CAMERA_GONE = (3000.0, 3060.0)

    def __init__(self, sim: SimClock):
        from device.devtools.demo import ASSETS

        self.sim = sim
        self.listener = cv2.cvtColor(cv2.imread(str(ASSETS / "07-listener.jpg")), cv2.COLOR_BGR2RGB)
        self.empty = cv2.cvtColor(cv2.imread(str(ASSETS / "09-empty.jpg")), cv2.COLOR_BGR2RGB)

    def present(self) -> bool:
        t = self.sim.elapsed() % CYCLE_S
        return any(a <= t < b for a, b in self.PRESENT)

    def camera_gone(self) -> bool:
        a, b = self.CAMERA_GONE
        return a <= self.sim.elapsed() % CYCLE_S < b


def _camera_factory(room: Room):
    from device.core.parts import Unavailable
    from device.vision.sources import FrameSource

    class RoomCamera(FrameSource):
        """The room as a camera sees it; unplugged for a minute every hour."""

        def open(self) -> None:
            if room.camera_gone():
                raise Unavailable("camera unavailable: unplugged (soak)")

        def _read_raw(self) -> np.ndarray:
            if room.camera_gone():
                raise Unavailable("camera unavailable: unplugged (soak)")
            return (room.listener if room.present() else room.empty).copy()

        def close(self) -> None:
            pass

        def describe(self) -> str:
            return "soak room"

    return lambda cfg: RoomCamera(width=cfg.width, height=cfg.height)


def parts_factory(sim: SimClock, room: Room, slow_start_s: float = 0.0):
    """The parts build_parts makes, with the simulated clock passed to each one's clock parameters."""
    from device.hardware.button import ButtonPart
    from device.runtime.conductor import ConductorPart
    from device.spotify.build import build_spotify
    from device.vision.part import VisionPart
    from device.weather.part import WeatherPart

    def build(runtime) -> list[Part]:
        config, hub = runtime.config, runtime.hub
        parts: list[Part] = [
            # urllib3 sleeps its retry back-off (0.3 s, 0.6 s) in real time: shortened to the same simulated length
            ConductorPart(runtime, wall=sim.time, mono=sim.monotonic,
                          spotify_factory=functools.partial(build_spotify, backoff_factor=0.3 / sim.speedup)),
            WeatherPart(config, hub, runtime.store, clock=sim.time),
            VisionPart(config, hub, clock=sim.monotonic, wall_clock=sim.time, source_factory=_camera_factory(room)),
        ]
        if config.button.enabled:  # presses are physical: the decoder keeps real time
            parts.append(ButtonPart(config.button, hub, pin_factory=runtime.pin_factory))
        return [Scaled(p, sim, slow_start_s if isinstance(p, VisionPart) else 0.0) for p in parts]

    return build
