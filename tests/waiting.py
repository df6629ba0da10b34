"""Waiting in tests: poll a condition until it holds, bounded generously; never a fixed sleep before a verdict."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# The least any wait allows: a condition that holds is seen at once, so a generous bound costs a passing test
# nothing, and a loaded machine (make test beside make soak on 2 shared cores) cannot turn slowness into a failure.
PATIENCE_S = 60.0


def wait_for(predicate: Callable[[], T], timeout: float = PATIENCE_S, every: float = 0.02) -> T:
    """predicate()'s first truthy value, or its last falsy one after max(timeout, PATIENCE_S) seconds."""
    deadline = time.monotonic() + max(timeout, PATIENCE_S)
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)
