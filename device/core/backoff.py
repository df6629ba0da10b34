"""Capped exponential back-off: how long to wait before trying again after one failure after another."""

from __future__ import annotations


class Backoff:
    """After the first failure wait `first` seconds, then `factor` times longer after each further one, never more
    than `cap`; reset() after a success starts again from `first`.

    >>> b = Backoff(5.0, 300.0)
    >>> [b.failed() for _ in range(8)]
    [5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    >>> b.reset(); b.delay
    5.0
    """

    MAX_DOUBLINGS = 64  # beyond this any first delay has long reached its cap (and the power stays finite)

    def __init__(self, first: float, cap: float, factor: float = 2.0):
        self.first = first
        self.cap = cap
        self.factor = factor
        self.failures = 0  # failures since the last success

    @property
    def delay(self) -> float:
        """The wait the next failure gets."""
        return min(self.cap, self.first * self.factor ** min(self.failures, self.MAX_DOUBLINGS))

    def failed(self) -> float:
        """Count one more failure; returns the wait before the next try."""
        wait = self.delay
        self.failures += 1
        return wait

    def reset(self) -> None:
        self.failures = 0
