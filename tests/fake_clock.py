"""The tests' one fake clock: seconds that move only when a test says so, shared by a part, its stand-in and its
state store (tests/ is on sys.path, so any test folder imports it by name)."""

from __future__ import annotations


class FakeClock:
    """A settable clock: call it for the time; `t` is the time, advance() moves it."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
