"""Candidates from a source through a MusicCatalog: cached for a day, refused requests set aside for a day, and at
most `budget` catalog requests per decision (cache hits are free)."""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass

from device.core.catalog import AlbumRef, ArtistRef, CatalogError, MusicCatalog, PlaylistRef
from device.core.saved import track_from_json, track_to_json
from device.core.state import StateError, StateStore
from device.core.times import within
from device.core.values import Track
from device.music.labels import ArtistLabels
from device.music.policy import Brief
from device.music.record import Origin
from device.music.sources import Source

log = logging.getLogger(__name__)

PAGE = 10  # the 2026 Web API's search limit
SEARCH_PAGES = 5  # search pages a source may draw from (cached a day each)
CACHE_TTL_S = 24 * 3600
LIBRARY_PAGE = 50
REQUEST_BUDGET = 12  # catalog requests per decision, cache hits not counted


def request_summary(counts: list[int]) -> dict:
    """Catalog requests per decision as p50/p95/max over the decisions given (nearest rank), and the budget."""
    xs = sorted(counts)

    def rank(q: float) -> int:
        return xs[min(len(xs) - 1, max(0, math.ceil(len(xs) * q) - 1))] if xs else 0

    return {"decisions": len(xs), "p50": rank(0.5), "p95": rank(0.95), "max": xs[-1] if xs else 0,
            "budget": REQUEST_BUDGET}


def artists_key(query: str, offset: int = 0) -> str:
    """The cache key of an artist search's page (the first page's key has no offset: older caches read alike)."""
    return f"artists|{query}|{offset}" if offset else f"artists|{query}"


@dataclass(frozen=True)
class Candidate:
    """A track with what we know about it: the descriptors tastes are learned over."""

    track: Track
    origin: Origin  # where it was found and why it is considered (its genre: the query's, or its artist's label)

    @property
    def source(self) -> str:
        return self.origin.source

    @property
    def kind(self) -> str:
        return self.origin.kind

    @property
    def genre(self) -> str:
        return self.origin.genre

    @property
    def suggested(self) -> bool:
        return self.origin.suggested

    @property
    def decade(self) -> int | None:
        return self.track.year // 10 * 10 if self.track.year else None


_CODECS = {
    "track": (track_to_json, track_from_json),
    "artist": (lambda a: [a.id, a.name], lambda d: ArtistRef(*d)),
    "album": (lambda a: [a.id, a.name, a.year, list(a.artists)], lambda d: AlbumRef(d[0], d[1], d[2], tuple(d[3]))),
    "playlist": (lambda p: [p.uri, p.name, p.owner, p.collaborative], lambda d: PlaylistRef(*d)),
    "text": (lambda s: s, lambda s: s),
}


# Answers kept in memory: one day of a household's decisions asks for some 100-200 (sources x pages x eras); without
# a bound the memory held every answer ever read, and grew through each new kind of moment (the soak's RSS trend).
MEMORY_KEYS = 128


class CandidateFetcher:
    """Reads candidates for a source; every answer (and every refusal) is cached for a day in memory and the store."""

    def __init__(self, catalog: MusicCatalog, store: StateStore | None = None, *, ttl_s: float = CACHE_TTL_S,
                 budget: int = REQUEST_BUDGET, labels: ArtistLabels | None = None):
        self.catalog = catalog
        self.labels = labels if labels is not None else ArtistLabels()  # grown by every genre search
        self._absent: set[str] = set()  # keys the store was asked for and does not hold
        self.store = store
        self.ttl_s = ttl_s
        self.budget = budget
        # key -> (at, items, refusal), the most recently used last; with a store at most MEMORY_KEYS (it keeps all)
        self._memory: dict[str, tuple[float, list, str | None]] = {}
        self.requests = 0  # catalog requests made in all (cache misses)
        self.round_requests = 0  # ... in this round (a decision, or labelling between decisions)
        self.round_budget = budget  # ... allowed in it (see new_round)
        self.refused: list[str] = []  # requests refused in this decision, in words
        self.last_error: str | None = None
        self._stopped = False  # a network-level failure or the budget ended this round's requests

    def new_round(self, budget: int | None = None) -> None:
        """Start a decision (or the labelling between decisions, with its own `budget`): a fresh request budget; after
        a network-level failure only cached answers are used."""
        self._stopped = False
        self.round_budget = self.budget if budget is None else budget
        self.round_requests = 0
        self.refused = []
        self.last_error = None

    @property
    def failed(self) -> bool:
        """A network-level failure (the network, the login, a rate limit) ended this round's requests."""
        return self._stopped and self.last_error is not None

    def round_state(self) -> tuple:
        """This round's figures (its requests, error and refusals: what a status shows), for restore_round."""
        return self.last_error, list(self.refused), self.round_requests, self.round_budget, self._stopped

    def restore_round(self, state: tuple) -> None:
        self.last_error, refused, self.round_requests, self.round_budget, self._stopped = state
        self.refused = list(refused)

    @property
    def spent(self) -> bool:
        """No more requests this round (budget used up, or a network-level failure): only cached answers."""
        return self._stopped or self.round_requests >= self.round_budget

    # ------------------------------------------------------------ cache

    def _hit(self, key: str, codec: str, now: float | None = None) -> tuple[float, list, str | None] | None:
        """The cached answer (memory, else the store) of any age; None when there is none."""
        hit = self._memory.get(key)
        if hit is not None:
            self._remember(key, hit)  # the most recently used
        if hit is None and self.store is not None and key not in self._absent:
            try:
                stored = self.store.get_json("catalog:" + key)
            except StateError:
                stored = None
            if stored is None:
                self._absent.add(key)
                return None
            decode = _CODECS[codec][1]
            limit = (now if now is not None else float("inf")) + self.ttl_s
            at = within(stored["at"], 0.0, limit)  # read back: no believable time means stale
            hit = (at or 0.0, [decode(d) for d in stored.get("items", [])], stored.get("refused"))
            self._remember(key, hit)
        return hit

    def peek(self, key: str, codec: str = "track") -> list | None:
        """The cached answer for `key`, of any age, without a request; None when it was never read."""
        hit = self._hit(key, codec)
        return None if hit is None else hit[1]

    def cached_at(self, key: str, codec: str = "track") -> float | None:
        hit = self._hit(key, codec)
        return None if hit is None else hit[0]

    def forget(self, key: str) -> None:
        """Make the cached answer stale, so that the next fetch asks again (kept until then)."""
        hit = self._memory.get(key)
        if hit is not None:
            self._memory[key] = (float("-inf"), hit[1], hit[2])

    def fetch(self, key: str, now: float, fetch, codec: str = "track") -> list:
        """The answer for `key`: cached for a day, else requested (within the budget)."""
        return self._cached(key, now, fetch, codec)

    def _cached(self, key: str, now: float, fetch, codec: str, on_fresh=None) -> list:
        encode = _CODECS[codec][0]
        hit = self._hit(key, codec, now)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]  # a refusal is an empty answer, set aside until the day is over
        if self.spent:
            return hit[1] if hit else []
        self.requests += 1
        self.round_requests += 1
        refusal = None
        try:
            items = list(fetch())
        except CatalogError as exc:
            self.last_error = str(exc)
            if not exc.refused:  # the network, the login or a rate limit: nothing more this round
                self._stopped = True
                log.warning("catalog: %s (using %s)", exc, "an older answer" if hit else "nothing")
                return hit[1] if hit else []
            log.info("catalog: %s; set aside for a day (%s)", exc, key)
            self.refused.append(f"{key}: {exc}")
            items, refusal = [], str(exc)
        self._remember(key, (now, items, refusal))
        self._absent.discard(key)
        if on_fresh is not None and items:
            on_fresh(items)
        if self.store is not None:
            try:
                self.store.set_json("catalog:" + key, {"at": now, "items": [encode(x) for x in items],
                                                       "refused": refusal})
            except StateError as exc:
                log.warning("catalog cache not saved: %s", exc)
        return items

    def _remember(self, key: str, hit: tuple[float, list, str | None]) -> None:
        """Keep an answer in memory; beyond MEMORY_KEYS the least recently used goes (it stays in the store; without
        a store memory is the only cache, and nothing goes)."""
        self._memory.pop(key, None)
        self._memory[key] = hit
        while self.store is not None and len(self._memory) > MEMORY_KEYS:
            self._memory.pop(next(iter(self._memory)))

    def _short_before(self, key: str, now: float) -> bool:
        """The page before this one (cached today) was not full: the service has nothing more to give."""
        hit = self._memory.get(key)
        return hit is not None and now - hit[0] < self.ttl_s and len(hit[1]) < PAGE

    def search_tracks(self, query: str, offset: int, now: float, genre: str = "") -> list[Track]:
        """A page of a track search; a fresh answer to a `genre:` search labels the artists it found."""
        if offset and self._short_before(f"tracks|{query}|{offset - PAGE}", now):
            return []
        seen = (lambda items: self.labels.observe(genre, (t.artists for t in items))) if genre else None
        return self._cached(f"tracks|{query}|{offset}", now,
                            lambda: self.catalog.search_tracks(query, offset=offset, limit=PAGE), "track", seen)

    def search_artists(self, query: str, now: float, genre: str = "", offset: int = 0) -> list[ArtistRef]:
        """A page of an artist search; a fresh answer to a `genre:` search labels the artists it found."""
        if offset and self._short_before(artists_key(query, offset - PAGE), now):
            return []
        seen = (lambda items: self.labels.observe_artists(genre, (a.name for a in items))) if genre else None
        return self._cached(artists_key(query, offset), now,
                            lambda: self.catalog.search_artists(query, offset=offset, limit=PAGE), "artist", seen)

    def artist_albums(self, artist: ArtistRef, now: float) -> list[AlbumRef]:
        return self._cached(f"albums|{artist.id}", now,
                            lambda: self.catalog.artist_albums(artist.id, offset=0, limit=PAGE), "album")

    def album_tracks(self, album: AlbumRef, now: float) -> list[Track]:
        return self._cached(f"album|{album.id}", now,
                            lambda: self.catalog.album_tracks(album, offset=0, limit=LIBRARY_PAGE), "track")

    def playlist_tracks(self, uri: str, offset: int, now: float) -> list[Track]:
        return self._cached(f"playlist|{uri}|{offset}", now,
                            lambda: self.catalog.playlist_tracks(uri, offset=offset, limit=LIBRARY_PAGE), "track")

    def library(self, what: str, now: float) -> list:
        """top | recent | my_playlists | me: one page of the user's library (saved tracks and playlists are read
        page by page by device.music.library)."""
        fetch, codec = {
            "top": (lambda: self.catalog.top_tracks(limit=LIBRARY_PAGE), "track"),
            "recent": (lambda: self.catalog.recently_played(limit=LIBRARY_PAGE), "track"),
            "my_playlists": (lambda: self.catalog.my_playlists(offset=0, limit=LIBRARY_PAGE), "playlist"),
            "me": (lambda: [self.catalog.user_id()], "text"),
        }[what]
        return self._cached(what, now, fetch, codec)

    # ------------------------------------------------------------ sources

    def _albums_of(self, artists: list[ArtistRef], brief: Brief, now: float, rng: random.Random) -> list[Track]:
        """One artist's album (from the listeners' era when there is one), as tracks."""
        if not artists:
            return []
        albums = self.artist_albums(artists[rng.randrange(len(artists))], now)
        if not albums:
            return []
        in_era = [a for a in albums if a.year and any(s <= a.year <= e for s, e in brief.eras)]
        pool = in_era or albums
        return self.album_tracks(pool[rng.randrange(len(pool))], now)

    def candidates(self, source: Source, brief: Brief, page: int, now: float, rng: random.Random,
                   liked: list[dict] | None = None) -> list[Candidate]:
        """Page `page` (0, 1, ...) of a searched source's candidates; empty when it has no more (or was refused).
        The household's library is read by device.music.library."""
        kind = source.kind
        if kind == "genre":
            if page >= SEARCH_PAGES:
                return []
            query = f'genre:"{source.value}"'
            if brief.eras:
                start, end = brief.eras[rng.randrange(len(brief.eras))]
                query += f" year:{start}-{end}"
            found = self.search_tracks(query, page * PAGE, now, source.value)
        elif kind == "artists":
            found = self._albums_of(self.search_artists(f'genre:"{source.value}"', now, source.value), brief, now,
                                    rng) if page < SEARCH_PAGES else []
        elif kind == "artist":
            # the artist filter matches names loosely: only the artist's own tracks
            found = [t for t in self.search_tracks(f'artist:"{source.value}"', page * PAGE, now)
                     if source.value in t.artists] if page < SEARCH_PAGES else []
        elif kind == "playlist":
            found = self.playlist_tracks(source.value, page * LIBRARY_PAGE, now)
        elif kind == "liked":
            found = [track_from_json(d) for d in (liked or [])] if page == 0 else []
        else:
            return []
        origin = source.origin()
        return [Candidate(t, origin) for t in found]
