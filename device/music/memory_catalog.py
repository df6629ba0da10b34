"""An in-memory MusicCatalog with Spotify's search semantics (genre:/year: filters, 10 a page), for the simulation,
the demo without a Spotify account, and tests."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from device.music.catalog import CatalogError, PlaylistRef
from device.values import Track

MAX_SEARCH_LIMIT = 10  # the 2026 Web API rejects larger search pages
MAX_OFFSET = 1000
_FILTER = re.compile(r'(genre|year):(?:"([^"]*)"|(\S+))', re.IGNORECASE)


@dataclass(frozen=True)
class CatalogTrack:
    track: Track
    genres: tuple[str, ...]  # the artist's genres, as Spotify's genre: filter sees them


@dataclass
class CatalogPlaylist:
    ref: PlaylistRef
    description: str = ""
    track_uris: list[str] = field(default_factory=list)


def parse_query(query: str) -> tuple[list[str], str | None, tuple[int, int] | None]:
    """(free words, genre filter, year range) of a Spotify search query."""
    genre = None
    years = None
    for kind, quoted, bare in _FILTER.findall(query):
        value = quoted or bare
        if kind.lower() == "genre":
            genre = value.lower()
        else:
            a, _, b = value.partition("-")
            try:
                years = (int(a), int(b or a))
            except ValueError as exc:
                raise CatalogError(f"bad year filter {value!r} in search query {query!r}") from exc
    words = _FILTER.sub(" ", query).lower().split()
    return words, genre, years


class MemoryCatalog:
    """A MusicCatalog over tracks and playlists held in memory. Counts calls, so tests can see the caching."""

    def __init__(self, tracks: list[CatalogTrack], playlists: list[CatalogPlaylist] | None = None,
                 top: list[str] | None = None):
        self._tracks = list(tracks)
        self._by_uri = {t.track.uri: t for t in self._tracks}
        self._by_genre: dict[str, list[CatalogTrack]] = {}
        for t in self._tracks:
            for g in t.genres:
                self._by_genre.setdefault(g.lower(), []).append(t)
        self._playlists = list(playlists or [])
        self._top = list(top or [])
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, int]] = []  # (operation, query or uri, offset)

    def genres_of(self, uri: str) -> tuple[str, ...]:
        found = self._by_uri.get(uri)
        return found.genres if found else ()

    def _log(self, op: str, what: str, offset: int) -> None:
        with self._lock:
            self.calls.append((op, what, offset))

    @staticmethod
    def _check_page(offset: int, limit: int, most: int) -> None:
        if not 1 <= limit <= most:
            raise CatalogError(f"Invalid limit: {limit} (1..{most})")
        if not 0 <= offset <= MAX_OFFSET:
            raise CatalogError(f"Invalid offset: {offset} (0..{MAX_OFFSET})")

    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        self._check_page(offset, limit, MAX_SEARCH_LIMIT)
        self._log("search_tracks", query, offset)
        words, genre, years = parse_query(query)
        found = []
        for item in (self._tracks if genre is None else self._by_genre.get(genre, [])):
            t = item.track
            if years is not None and (t.year is None or not years[0] <= t.year <= years[1]):
                continue
            text = (t.name + " " + " ".join(t.artists)).lower()
            if all(w in text for w in words):
                found.append(t)
        return found[offset:offset + limit]

    def search_playlists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[PlaylistRef]:
        self._check_page(offset, limit, MAX_SEARCH_LIMIT)
        self._log("search_playlists", query, offset)
        words = query.lower().split()
        found = [p.ref for p in self._playlists
                 if any(w in (p.ref.name + " " + p.description).lower() for w in words)]
        return found[offset:offset + limit]

    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        self._check_page(offset, limit, 100)
        self._log("playlist_tracks", uri, offset)
        for p in self._playlists:
            if p.ref.uri == uri:
                if p.ref.owner.lower() == "spotify":
                    raise CatalogError(f"Spotify-owned playlist {uri} cannot be read (404)")
                return [self._by_uri[u].track for u in p.track_uris[offset:offset + limit]]
        raise CatalogError(f"playlist {uri} not found (404)")

    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        self._check_page(0, limit, 50)
        self._log("top_tracks", "", 0)
        return [self._by_uri[u].track for u in self._top[:limit]]
