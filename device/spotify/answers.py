"""Reading the Web API's answers: a Track from a track object, the progress of a playback state."""

from __future__ import annotations

from device.core.times import clamped
from device.core.values import Track
from device.spotify.errors import BadAnswer

MAX_TRACK_MS = 24 * 3600 * 1000  # a longer duration or progress in an answer is read as this
BAD_ANSWER = (AttributeError, TypeError, KeyError, ValueError, OverflowError)  # an answer not shaped as documented


def track_from_json(item: dict, source: str = "") -> Track:
    """A Track from the Web API's track object; BadAnswer when the object is not shaped like one."""
    try:
        album = item.get("album") or {}
        year = None
        date = album.get("release_date") or ""
        if date[:4].isdigit():
            year = int(date[:4])
        if not isinstance(item["uri"], str):
            raise TypeError("uri")
        return Track(uri=item["uri"], name=str(item.get("name", "")),
                     artists=tuple(str(a.get("name", "")) for a in item.get("artists") or []),
                     explicit=bool(item.get("explicit")),
                     duration_ms=min(MAX_TRACK_MS, max(0, int(item.get("duration_ms") or 0))),
                     year=year, source=source)
    except BAD_ANSWER as exc:
        raise BadAnswer(f"a track object: {type(exc).__name__}") from None


def progress_s(pb: dict) -> float:
    """How far into its track the playback is, in seconds: the answer's progress_ms bounded to [0, MAX_TRACK_MS]
    (no number: 0)."""
    return clamped(pb.get("progress_ms"), 0, MAX_TRACK_MS, 0) / 1000
