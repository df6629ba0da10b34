"""Candidate sources (arms) for a brief, and their tracks from a MusicCatalog, cached for a day."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from device.config.schema import Config, Rule
from device.music.catalog import CatalogError, MusicCatalog, PlaylistRef
from device.music.context import Context
from device.music.policy import Brief, rule_matches
from device.state import StateError, StateStore
from device.times import within
from device.values import Audience, Track

log = logging.getLogger(__name__)

PAGE = 10  # the 2026 Web API's search limit
CACHE_TTL_S = 24 * 3600
PLAYLIST_PAGE = 50
TOP_LIMIT = 20
SPOTIFY_OWNER = "spotify"  # Spotify-owned playlists cannot be read in 2026
# How strongly a named playlist whose conditions hold is preferred over rule suggestions (rules-only mode).
NAMED_WEIGHT = 100.0


@dataclass(frozen=True)
class Arm:
    """One candidate source: what the learner chooses between."""

    key: str  # "genre:jazz", "mood:chill", "playlist:spotify:playlist:...", "top", "liked"
    kind: str  # genre | mood | playlist | top | liked
    value: str  # the genre, the mood word, the playlist URI, or ""
    suggested: bool  # the rules (or a matching named playlist) suggest it for this moment
    weight: float  # how strongly, for rules-only choice

    @property
    def role(self) -> str:
        """named (a matching named playlist), suggested (by the rules) or other: sets the learner's prior."""
        if not self.suggested:
            return "other"
        return "named" if self.kind == "playlist" else "suggested"

    @property
    def label(self) -> str:
        if self.kind in ("genre", "mood"):
            return self.value
        if self.kind == "playlist":
            return f"your playlist {self.value}"
        return {"top": "your top tracks", "liked": "tracks you liked"}.get(self.kind, self.key)


def explore_genres(rules: list[Rule]) -> tuple[str, ...]:
    """Every genre any rule names, in rule order: the sources the learner may explore beyond the brief."""
    return tuple(dict.fromkeys(g for r in rules for g in r.genres))


def arms_for(brief: Brief, context: Context, audience: Audience, config: Config, rules: list[Rule],
             explore: tuple[str, ...] | None = None) -> list[Arm]:
    """Every source worth trying now: the brief's genres and moods (suggested), matching named playlists (which
    win), the personal seeds, and the other rules' genres to explore."""
    arms: dict[str, Arm] = {}

    def add(kind: str, value: str, suggested: bool, weight: float) -> None:
        key = f"{kind}:{value}" if value else kind
        if key not in arms:
            arms[key] = Arm(key, kind, value, suggested, weight)

    for playlist in config.music.playlists:
        if rule_matches(playlist.when, context, audience):
            add("playlist", playlist.uri, True, NAMED_WEIGHT)
    weight_of = {r.name: r.weight for r in rules}
    fired = [r for r in rules if r.name in brief.rules]
    for rule in fired:
        for genre in rule.genres:
            add("genre", genre, True, weight_of.get(rule.name, 1.0))
        for mood in rule.moods:
            add("mood", mood, True, weight_of.get(rule.name, 1.0))
    if config.music.use_top_tracks:
        add("top", "", False, 0.0)
    if config.music.learning:
        add("liked", "", False, 0.0)
    for genre in explore_genres(rules) if explore is None else explore:
        add("genre", genre, False, 0.0)
    return list(arms.values())


def _track_to_json(t: Track) -> dict:
    return {"uri": t.uri, "name": t.name, "artists": list(t.artists), "explicit": t.explicit,
            "duration_ms": t.duration_ms, "year": t.year}


def _track_from_json(d: dict) -> Track:
    return Track(uri=d["uri"], name=d["name"], artists=tuple(d.get("artists", ())), explicit=bool(d.get("explicit")),
                 duration_ms=int(d.get("duration_ms") or 0), year=d.get("year"))


class CandidateFetcher:
    """Reads tracks for an arm through the catalog; every answer is cached for a day in memory and the store."""

    def __init__(self, catalog: MusicCatalog, store: StateStore | None = None, *, ttl_s: float = CACHE_TTL_S):
        self.catalog = catalog
        self.store = store
        self.ttl_s = ttl_s
        self._memory: dict[str, tuple[float, list]] = {}
        self.requests = 0  # catalog calls made (cache misses)
        self.last_error: str | None = None
        self._failed_this_round = False

    def new_round(self) -> None:
        """Start a decision: after one catalog failure within a round, only cached answers are used (so a dead
        network costs one timeout per decision, not one per source)."""
        self._failed_this_round = False

    # ------------------------------------------------------------ cache

    def _cached(self, key: str, now: float, fetch, encode, decode) -> list:
        """fetch() -> objects; encode/decode turn them into JSON for the store and back."""
        hit = self._memory.get(key)
        if hit is None and self.store is not None:
            try:
                stored = self.store.get_json("catalog:" + key)
            except StateError:
                stored = None
            if stored is not None:
                at = within(stored["at"], 0.0, now + self.ttl_s)  # read back: no believable time means stale
                hit = (at or 0.0, [decode(d) for d in stored["items"]])
                self._memory[key] = hit
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        if self._failed_this_round:
            return hit[1] if hit else []
        try:
            self.requests += 1
            items = list(fetch())
        except CatalogError as exc:
            self.last_error = str(exc)
            self._failed_this_round = True
            log.warning("catalog: %s (using %s)", exc, "an older answer" if hit else "nothing")
            return hit[1] if hit else []
        self.last_error = None
        self._memory[key] = (now, items)
        if self.store is not None:
            try:
                self.store.set_json("catalog:" + key, {"at": now, "items": [encode(x) for x in items]})
            except StateError as exc:
                log.warning("catalog cache not saved: %s", exc)
        return items

    def search_tracks(self, query: str, offset: int, now: float) -> list[Track]:
        return self._cached(f"tracks|{query}|{offset}", now,
                            lambda: self.catalog.search_tracks(query, offset=offset, limit=PAGE),
                            _track_to_json, _track_from_json)

    def search_playlists(self, query: str, offset: int, now: float) -> list[PlaylistRef]:
        return self._cached(f"playlists|{query}|{offset}", now,
                            lambda: self.catalog.search_playlists(query, offset=offset, limit=PAGE),
                            lambda p: {"uri": p.uri, "name": p.name, "owner": p.owner},
                            lambda d: PlaylistRef(d["uri"], d["name"], d.get("owner", "")))

    def playlist_tracks(self, uri: str, offset: int, now: float) -> list[Track]:
        return self._cached(f"playlist|{uri}|{offset}", now,
                            lambda: self.catalog.playlist_tracks(uri, offset=offset, limit=PLAYLIST_PAGE),
                            _track_to_json, _track_from_json)

    def top_tracks(self, now: float) -> list[Track]:
        return self._cached("top", now, lambda: self.catalog.top_tracks(limit=TOP_LIMIT),
                            _track_to_json, _track_from_json)

    # ------------------------------------------------------------ arms

    def tracks(self, arm: Arm, brief: Brief, page: int, now: float, rng: random.Random,
               liked: list[dict] | None = None) -> list[Track]:
        """Page `page` (0, 1, ...) of the arm's tracks; empty when the arm has no more. (The caller sets
        Track.source on the track it picks.)"""

        if arm.kind == "genre":
            query = f'genre:"{arm.value}"'
            if brief.eras:
                start, end = brief.eras[rng.randrange(len(brief.eras))]
                query += f" year:{start}-{end}"
            found = self.search_tracks(query, page * PAGE, now)
        elif arm.kind == "mood":
            playlists = [p for p in self.search_playlists(arm.value, 0, now) if p.owner.lower() != SPOTIFY_OWNER]
            if not playlists:
                return []
            # Page through the readable playlists one after the other (first page of each).
            if page >= len(playlists):
                return []
            found = self.playlist_tracks(playlists[page].uri, 0, now)
        elif arm.kind == "playlist":
            found = self.playlist_tracks(arm.value, page * PLAYLIST_PAGE, now)
        elif arm.kind == "top":
            found = self.top_tracks(now) if page == 0 else []
        elif arm.kind == "liked":
            found = [Track(uri=d["uri"], name=d.get("name", ""), explicit=bool(d.get("explicit")))
                     for d in (liked or [])] if page == 0 else []
        else:
            return []
        return found
