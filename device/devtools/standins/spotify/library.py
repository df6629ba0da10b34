"""The listener's library on the stand-in: saved tracks, plays (recently played, top tracks and artists), likes."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.wire import err, page, paging_params
from device.devtools.standins.spotify_world import World

TIME_RANGES = {"short_term": 28 * 86_400, "medium_term": 182 * 86_400, "long_term": 365 * 86_400}
LIBRARY_URI = re.compile(r"spotify:(track|album|episode|show|audiobook|user|playlist):[A-Za-z0-9]+")
SCOPE_FOR_URI = {"track": "user-library-modify", "album": "user-library-modify", "episode": "user-library-modify",
                 "show": "user-library-modify", "audiobook": "user-library-modify", "user": "user-follow-modify",
                 "playlist": "playlist-modify-public"}


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Library:
    """Plays are (track id, wall-clock epoch s): the world's year of listening, then what the stand-in played (a
    track counts once it has played 30 s, scaled by the stand-in's speed). Top tracks and artists count plays in the
    time range; recently played lists the last 50."""

    def __init__(self, world: World, shapes: Shapes, wall_now: float):
        self.world, self.shapes = world, shapes
        self.plays: list[tuple[str, float]] = [(tid, wall_now - ago) for tid, ago in world.listener.plays]
        self.saved: list[tuple[str, float]] = [(f"spotify:track:{tid}", wall_now - ago)
                                               for tid, ago in world.listener.saved]  # newest first
        self.saved_now: list[str] = []  # URIs saved through PUT /me/library while the stand-in ran

    def played(self, track_id: str, at: float) -> None:
        self.plays.append((track_id, at))

    def top_track_ids(self, wall_now: float, time_range: str = "medium_term") -> list[str]:
        since = wall_now - TIME_RANGES[time_range]
        counts: dict[str, list] = {}
        for tid, at in self.plays:
            if at >= since:
                c = counts.setdefault(tid, [0, 0.0])
                c[0], c[1] = c[0] + 1, max(c[1], at)
        return sorted(counts, key=lambda t: (-counts[t][0], -counts[t][1], t))

    def top_artist_ids(self, wall_now: float, time_range: str = "medium_term") -> list[str]:
        since = wall_now - TIME_RANGES[time_range]
        counts: dict[str, int] = {}
        for tid, at in self.plays:
            if at >= since:
                for aid in self.world.tracks[tid].artist_ids:
                    counts[aid] = counts.get(aid, 0) + 1
        return sorted(counts, key=lambda a: (-counts[a], a))

    # ------------------------------------------------------------ HTTP

    def top(self, kind: str, q: dict, base_url: str, wall_now: float):
        time_range = q.get("time_range", "medium_term")
        if time_range not in TIME_RANGES:
            return err(400, "Invalid time range")
        paging = paging_params(q, default=20, maximum=50)
        if isinstance(paging[1], dict):
            return paging
        if kind == "tracks":
            items = [self.world.tracks[t] for t in self.top_track_ids(wall_now, time_range)]
            shape = self.shapes.track
        else:
            items = [self.world.artists[a] for a in self.top_artist_ids(wall_now, time_range)]
            shape = self.shapes.artist
        result = page(base_url, items, q, *paging)
        result["items"] = [shape(x) for x in result["items"]]
        return 200, result

    def saved_tracks(self, q: dict, base_url: str):
        paging = paging_params(q, default=20, maximum=50)
        if isinstance(paging[1], dict):
            return paging
        tracks = [(uri.rsplit(":", 1)[-1], at) for uri, at in self.saved if uri.startswith("spotify:track:")]
        result = page(base_url, tracks, q, *paging)
        result["items"] = [{"added_at": iso(at)[:19] + "Z", "track": self.shapes.track(self.world.tracks[tid])}
                           for tid, at in result["items"]]
        return 200, result

    def recently_played(self, q: dict, base_url: str):
        if "after" in q and "before" in q:  # the spec: if one is specified, the other must not be
            return err(400, "Only one of after and before may be given")
        try:
            limit = int(q.get("limit", 20))
            after = int(q["after"]) / 1000 if "after" in q else None
            before = int(q["before"]) / 1000 if "before" in q else None
        except ValueError:
            return err(400, "Invalid limit, after or before")
        if not 1 <= limit <= 50:
            return err(400, "Invalid limit")
        plays = sorted(self.plays, key=lambda p: -p[1])
        if after is not None:
            plays = [p for p in plays if p[1] > after][-limit:]
        else:
            plays = [p for p in plays if before is None or p[1] < before][:limit]
        items = [{"track": self.shapes.track(self.world.tracks[tid]), "played_at": iso(at)}
                 for tid, at in plays]
        out: dict = {"href": f"{base_url}?limit={limit}", "limit": limit, "items": items}
        if plays:
            first, last = int(plays[0][1] * 1000), int(plays[-1][1] * 1000)
            out["cursors"] = {"after": str(first), "before": str(last)}
            out["next"] = f"{base_url}?before={last}&limit={limit}"
        return 200, out

    def save(self, q: dict, scopes: set[str], wall_now: float):
        uris = [u for u in q.get("uris", "").split(",") if u]
        if not uris or len(uris) > 40:
            return err(400, "Missing or too many uris (1..40)")
        for uri in uris:
            if not LIBRARY_URI.fullmatch(uri):
                return err(400, f"Invalid URI: {uri}")
            if SCOPE_FOR_URI[uri.split(":")[1]] not in scopes:
                return err(403, "Insufficient client scope")
        for uri in uris:
            if uri not in self.saved_now:
                self.saved_now.append(uri)
            if all(u != uri for u, _ in self.saved):
                self.saved.insert(0, (uri, wall_now))
        return 200, None


def wall_clock_shift(clock_now: float) -> float:
    """Seconds to add to the stand-in's clock for epoch time: none for an epoch clock, else today's offset."""
    return 0.0 if clock_now > 1e9 else time.time() - clock_now
