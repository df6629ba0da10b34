"""Logging to stderr, one readable line per event (journald adds its own timestamps)."""

from __future__ import annotations

import logging
import os
import sys


def setup_logging(level: str = "info", stderr_level: str | None = None) -> None:
    """Log at `level`; the stderr handler shows `stderr_level` and above (default: the same)."""
    under_journald = bool(os.environ.get("JOURNAL_STREAM"))
    fmt = "%(levelname)s %(name)s: %(message)s" if under_journald else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt, datefmt="%H:%M:%S"))
    handler.setLevel((stderr_level or level).upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("urllib3", "spotipy"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
