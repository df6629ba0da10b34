"""The shapes Mirrorball saves in its state store, one codec each: tracks and the lineup a restarted player adopts.

Each shape that a later release may read back carries a version; a reader takes what it knows and refuses a newer
version with ValueError rather than guessing at it. Records written before versions existed read as version 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from device.core.values import Track

LINEUP_VERSION = 1


def track_to_json(t: Track) -> dict:
    """A Track as the state store keeps it (JSON: lists, not tuples)."""
    return {"uri": t.uri, "name": t.name, "artists": list(t.artists), "explicit": t.explicit,
            "duration_ms": t.duration_ms, "year": t.year, "source": t.source}


def track_from_json(d: dict) -> Track:
    """A Track as track_to_json wrote it (older records without "source" read as source ""). KeyError without a
    uri, TypeError or AttributeError when `d` is not shaped like one."""
    return Track(uri=d["uri"], name=d.get("name", ""), artists=tuple(d.get("artists", ())),
                 explicit=bool(d.get("explicit")), duration_ms=int(d.get("duration_ms") or 0), year=d.get("year"),
                 source=d.get("source") or "")


@dataclass(frozen=True)
class SavedLineup:
    """What Mirrorball had lined up on the speaker when it saved: the track playing, the picks sent to Spotify's
    queue, the rest of the list sent with the play command; on which device, whether paused, and when (Unix time)."""

    at: float
    device: str
    paused: bool = False
    current: Track | None = None
    queued: tuple[Track, ...] = ()
    rest: tuple[Track, ...] = field(default=())

    @property
    def picks(self) -> list[Track]:
        return ([self.current] if self.current else []) + list(self.queued) + list(self.rest)


def lineup_to_json(lineup: SavedLineup | None) -> dict | None:
    if lineup is None:
        return None
    return {"version": LINEUP_VERSION, "at": lineup.at, "device": lineup.device, "paused": lineup.paused,
            "current": track_to_json(lineup.current) if lineup.current else None,
            "queued": [track_to_json(t) for t in lineup.queued], "rest": [track_to_json(t) for t in lineup.rest]}


def lineup_from_json(d) -> SavedLineup | None:
    """The saved lineup, or None when nothing was lined up (None, or no device). ValueError, TypeError, KeyError or
    AttributeError when the record is not one this release can read."""
    if not isinstance(d, dict) or not d.get("device"):
        return None
    version = d.get("version", 1)
    if version != LINEUP_VERSION:
        raise ValueError(f"a lineup of version {version!r:.20}; this release reads version {LINEUP_VERSION}")
    return SavedLineup(at=d.get("at"), device=d["device"], paused=bool(d.get("paused")),
                       current=track_from_json(d["current"]) if d.get("current") else None,
                       queued=tuple(track_from_json(t) for t in d.get("queued") or []),
                       rest=tuple(track_from_json(t) for t in d.get("rest") or []))
