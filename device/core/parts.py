"""The interface every supervised part of the daemon implements, and the hub they talk through."""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from typing import Any

from device.core.topics import Topic


class Unavailable(Exception):
    """A part cannot run (yet). The message is a sentence a person can act on,
    e.g. "camera unavailable: /dev/video0 not found" or "Spotify login needed: run mirrorball auth"."""


class Part(ABC):
    """One supervised part (camera and vision, weather, button, player...).

    The supervisor runs each part in its own thread: it calls start() until it succeeds (retrying with
    capped exponential back-off after Unavailable or any other exception), then step() over and over,
    sleeping for the seconds step() returns. An exception from step() stops the part and starts it again
    after a back-off. stop() is called once on the way out or before a restart; it must not block long.

    A part that publishes the room's light (a lamp switching on and off each second), driven by hand the way the
    supervisor drives it:

    >>> from device.core.topics import Topic
    >>> class Ticker(Part):
    ...     name = "ticker"
    ...     def __init__(self, hub):
    ...         self.hub, self.count = hub, 0
    ...     def start(self):
    ...         self.count = 0
    ...     def step(self, now):
    ...         self.count += 1
    ...         self.hub.publish(Topic.LIGHT, "bright" if self.count % 2 else "dark")
    ...         return 1.0                       # come back in a second
    >>> hub = Hub()
    >>> ticker = Ticker(hub)
    >>> ticker.start()
    >>> [ticker.step(now) for now in (0.0, 1.0, 2.0)]
    [1.0, 1.0, 1.0]
    >>> ticker.count, hub.latest(Topic.LIGHT)
    (3, 'bright')
    >>> ticker.stop()
    """

    name: str = "part"

    @abstractmethod
    def start(self) -> None:
        """Acquire what the part needs. Raise Unavailable with a reason when it cannot."""

    @abstractmethod
    def step(self, now: float) -> float:
        """Do one unit of work; return the seconds until the next step."""

    def stop(self) -> None:  # noqa: B027 - optional: a part that acquires nothing need not override it
        """Release what start() acquired."""

    def status(self) -> str:
        """A few words for `systemctl status` and `mirrorball doctor`; empty when there is nothing to say."""
        return ""


class Hub:
    """The thread-safe hand-over point between parts: latest values by name, and a queue of events.

    Values: the latest one per Topic (device/core/topics.py: audience, light, weather, place). Events: button presses,
    consumed by the conductor.

    Values keep only the latest; events queue up, oldest first, and a full queue drops new ones (counted):

    >>> from device.core.topics import Topic
    >>> hub = Hub(max_events=2)
    >>> hub.publish(Topic.WEATHER, "rain 7°C")
    >>> hub.publish("weather", "clear 12°C")
    >>> hub.latest(Topic.WEATHER), hub.latest(Topic.LIGHT, "unknown")
    ('clear 12°C', 'unknown')
    >>> hub.post("tap"), hub.post("hold"), hub.post("double")
    (True, True, False)
    >>> hub.take(), hub.take(), hub.take(), hub.dropped_events
    ('tap', 'hold', None, 1)
    """

    def __init__(self, max_events: int = 256):
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self._events: queue.Queue = queue.Queue(maxsize=max_events)
        self.dropped_events = 0

    def publish(self, topic: Topic | str, value: Any) -> None:
        """Replace the latest value of `topic` (ValueError for a name that is no Topic)."""
        topic = Topic(topic)
        with self._lock:
            self._values[topic] = value

    def latest(self, topic: Topic | str, default: Any = None) -> Any:
        topic = Topic(topic)
        with self._lock:
            return self._values.get(topic, default)

    def post(self, event: Any) -> bool:
        """Queue an event; never blocks (a full queue drops the event and counts it)."""
        try:
            self._events.put_nowait(event)
            return True
        except queue.Full:
            with self._lock:
                self.dropped_events += 1
            return False

    def take(self, timeout: float | None = 0.0) -> Any | None:
        """The next event, waiting up to timeout seconds (0: do not wait); None when there is none."""
        try:
            if not timeout:
                return self._events.get_nowait()
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def pending(self) -> int:
        return self._events.qsize()
