"""Runs each part in its own thread, restarts it with capped back-off, and tells whether all are healthy."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from device.core.backoff import Backoff
from device.core.parts import Part, Unavailable

log = logging.getLogger(__name__)


class PartRunner:
    """Keeps one part going: start() until it works, then step() forever; back-off after every failure."""

    def __init__(self, part: Part, *, backoff_min: float = 1.0, backoff_max: float = 60.0,
                 hang_after: float = 120.0, clock: Callable[[], float] = time.monotonic):
        self.part = part
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.hang_after = hang_after
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"part-{part.name}", daemon=True)
        self._lock = threading.Lock()
        self.running = False
        self.reason = "starting"
        self._busy_since: float | None = None  # when the current start()/step() call began
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def healthy(self) -> bool:
        """False when a start() or step() call has hung (the watchdog then lets systemd restart us)."""
        busy = self._busy_since
        return self._thread.is_alive() and (busy is None or self._clock() - busy < self.hang_after)

    def describe(self) -> str:
        if self.running:
            return self.part.status() or f"{self.part.name} ok"
        return self.reason

    def _call(self, fn, *args):
        self._busy_since = self._clock()
        try:
            return fn(*args)
        finally:
            self._busy_since = None

    def _run(self) -> None:
        backoff = Backoff(self.backoff_min, self.backoff_max)
        while not self._stop.is_set():
            if not self.running:
                try:
                    self._call(self.part.start)
                except Unavailable as exc:
                    self._set_down(str(exc), backoff.delay)
                except Exception as exc:  # a bug or an unexpected fault: log it, keep the daemon alive
                    log.exception("%s failed to start", self.part.name)
                    self._set_down(f"{self.part.name} failed to start: {exc}", backoff.delay)
                else:
                    self.running = True
                    self.reason = ""
                    backoff.reset()
                    log.info("%s started", self.part.name)
                    continue
                if self._stop.wait(backoff.failed()):
                    break
                continue
            try:
                pause = self._call(self.part.step, self._clock())
            except Unavailable as exc:
                self._stop_part()
                self._set_down(str(exc), backoff.delay)
                continue
            except Exception as exc:
                log.exception("%s failed", self.part.name)
                self._stop_part()
                self._set_down(f"{self.part.name} failed: {exc}", backoff.delay)
                continue
            self._stop.wait(max(0.0, float(pause if pause is not None else 1.0)))
        if self.running:
            self._stop_part()

    def _set_down(self, reason: str, retry_in: float) -> None:
        self.failures += 1
        if reason != self.reason:
            log.warning("%s (retrying in %.0f s)", reason, retry_in)
        self.reason = reason

    def _stop_part(self) -> None:
        self.running = False
        try:
            self.part.stop()
        except Exception:
            log.exception("%s failed to stop cleanly", self.part.name)


class Supervisor:
    """Starts and stops a set of parts together."""

    def __init__(self, parts: Iterable[Part], **runner_options):
        self.runners = [PartRunner(p, **runner_options) for p in parts]

    def start(self) -> None:
        for runner in self.runners:
            runner.start()

    def stop(self, timeout: float = 2.0) -> list[str]:
        """Stop every part; returns the names of parts that did not stop within `timeout` seconds."""
        for runner in self.runners:
            runner.request_stop()
        deadline = time.monotonic() + timeout
        stuck = []
        for runner in self.runners:
            if not runner.join(max(0.0, deadline - time.monotonic())):
                stuck.append(runner.part.name)
        if stuck:
            log.warning("parts still busy at shutdown: %s", ", ".join(stuck))
        return stuck

    def healthy(self) -> bool:
        return all(r.healthy() for r in self.runners)

    def descriptions(self) -> list[str]:
        return [d for d in (r.describe() for r in self.runners) if d]
