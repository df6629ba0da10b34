"""The tests' one fake clock: seconds that move only when a test says so, shared by a part, its stand-in and its
state store (tests/ is on sys.path, so any test folder imports it by name)."""

from __future__ import annotations

from datetime import UTC


class FakeClock:
    """A settable clock: call it for the time; `t` is the time, advance() moves it."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeSystemClock:
    """A SystemClock whose wall time is a FakeClock's: local time (the hour that picks the music) moves with the
    test, not with the machine's clock, so a test's verdict does not depend on when it runs (UTC)."""

    def __init__(self, clock: FakeClock):
        self.clock = clock

    def monotonic(self) -> float:
        return self.clock()

    def time(self) -> float:
        return self.clock()

    def synchronised(self) -> bool:
        return True

    def local_now(self):
        from datetime import datetime

        return datetime.fromtimestamp(self.clock(), tz=UTC)
