"""The one no-repeat history: when each track last started on the speaker (a pick planned but never started is free)."""

from __future__ import annotations

import logging
from typing import Protocol

from device.core.times import finite

log = logging.getLogger(__name__)

HISTORY_KEY = "spotify.played"  # its place in the state store (the name from when only the player kept it)


class NoRepeat(Protocol):
    """What a planner asks before it picks a track: has it played within the no-repeat window (or is it lined up to
    play)? The player answers for the speaker; PlayHistory for anything that starts tracks itself."""

    def recent(self, uri: str, now: float) -> bool: ...


class PlayHistory:
    """When each track was last started, for the no-repeat window; kept in the state store when one is given.

    Marked only when a track starts: planning marks nothing, so picks dropped before they started are free again.

    >>> h = PlayHistory(window_s=3600)
    >>> h.mark("spotify:track:a", 1000.0)
    >>> h.recent("spotify:track:a", 1000.0 + 3599), h.recent("spotify:track:a", 1000.0 + 3600), len(h)
    (True, False, 1)
    """

    def __init__(self, window_s: float, store=None):
        self.window_s = window_s
        self.store = store
        saved = store.get_json(HISTORY_KEY, {}) if store is not None else {}
        # read back from the store: only entries whose time is a number count (the rest say nothing usable)
        self._played: dict[str, float] = {uri: float(at) for uri, at in (saved.items() if isinstance(saved, dict)
                                          else ()) if isinstance(uri, str) and finite(at) is not None}

    def __len__(self) -> int:
        return len(self._played)

    def recent(self, uri: str, now: float) -> bool:
        at = self._played.get(uri)
        return at is not None and now - at < self.window_s

    def mark(self, uri: str, now: float) -> None:
        """The track started at `now`."""
        self._played[uri] = now
        self._played = {u: t for u, t in self._played.items() if now - t < self.window_s}
        if self.store is not None:
            try:
                self.store.set_json(HISTORY_KEY, self._played)
            except Exception as exc:  # the state store says why; playing goes on
                log.warning("could not save the play history: %s", exc)

    def forget(self) -> None:
        """Every track free again (a benchmark replaying the same moments)."""
        self._played = {}
