"""Time for the daemon: whether the wall clock can be trusted yet (a Pi has no real-time clock)."""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from datetime import datetime
from pathlib import Path

# No Mirrorball build existed before this moment, so an earlier wall clock is certainly unset.
EARLIEST_PLAUSIBLE = datetime(2026, 1, 1).timestamp()
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
_TIME_ERROR = 5  # adjtimex(2): clock not synchronised


class _Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("rest", ctypes.c_long * 64)]


def kernel_says_synchronised() -> bool | None:
    """adjtimex(2)'s verdict (what timedatectl's 'System clock synchronized' shows), or None if unknown."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        state = libc.adjtimex(ctypes.byref(_Timex()))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != _TIME_ERROR


class SystemClock:
    """Wall and monotonic time, and whether the wall clock has been synchronised."""

    def __init__(self, require_sync: bool = True):
        self.require_sync = require_sync
        self._synced = False

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def time() -> float:
        return time.time()

    def synchronised(self) -> bool:
        """True once the wall clock is trustworthy; stays True after that."""
        if self._synced:
            return True
        if time.time() < EARLIEST_PLAUSIBLE:
            return False
        if not self.require_sync:
            self._synced = True
        elif TIMESYNC_FLAG.exists() or kernel_says_synchronised():
            self._synced = True
        return self._synced

    def local_now(self) -> datetime | None:
        """The local date and time, or None while the clock is not synchronised."""
        return datetime.now().astimezone() if self.synchronised() else None


def describe_sync(clock: SystemClock) -> str:
    return "clock synchronised" if clock.synchronised() else "waiting for the clock to synchronise (time of day unknown)"

