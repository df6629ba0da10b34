"""GET /search on the stand-in's world: field filters per result type, limit 1-10, offset <= 1000, ranked results."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable

from device.devtools.standins.spotify.genres import GenreFilter
from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.wire import err, page, paging_params
from device.devtools.standins.spotify_world import World

TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
# Which field filters apply to which result type (the spec's `q` description). A filter that does not apply to a
# type is read as plain words for that type.
APPLIES = {"track": {"artist", "year", "album", "genre", "isrc", "track"},
           "artist": {"artist", "year", "genre"},
           "album": {"artist", "year", "album", "upc", "tag"},
           "playlist": set(), "show": set(), "episode": set(), "audiobook": set()}
SEARCH_LIMIT, SEARCH_MAX_OFFSET = 10, 1000
NEW_RELEASE_DAYS = 14


def parse_query(query: str) -> tuple[dict[str, str], list[str]]:
    """Field filters (genre:"indie pop", year:1980-1989, tag:new ...) and the remaining words, case-folded."""
    filters, words = {}, []
    for m in re.finditer(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)', query):
        if m.group(1):
            filters[m.group(1).lower()] = m.group(2).casefold()
        elif m.group(3):
            filters[m.group(3).lower()] = m.group(4).casefold()
        else:
            words.extend((m.group(5) or m.group(6)).casefold().split())
    return filters, words


def _years(text: str) -> tuple[int, int] | None:
    lo, _, hi = text.partition("-")
    try:
        return int(lo), int(hi or lo)
    except ValueError:
        return None


def _released(date: str) -> float:
    """Epoch seconds of a release date of any precision (the first day of its year or month)."""
    parts = [int(p) for p in date.split("-")] + [1, 1]
    return calendar.timegm((parts[0], parts[1], parts[2], 0, 0, 0))


class Search:
    """Ranks like the real search: by (hidden) popularity among the matches (a `genre:` filter's loose matches
    included, see genres.py); playlists by followers. In memory (a simulation on the same catalogue):
    Search(world).find("track", 'genre:"indie pop" year:1990-1999') gives the world's records in the order the
    stand-in would page them."""

    def __init__(self, world: World, shapes: Shapes | None = None, user_id: str | None = None,
                 wall: Callable[[], float] = time.time, genre_filter: GenreFilter | None = None):
        self.world, self.shapes, self.wall = world, shapes, wall
        self.genre_filter = genre_filter if genre_filter is not None else GenreFilter()
        self._genre_hits: dict[str, dict[str, float]] = {}  # genre -> the artists its filter finds, and how well
        self.user_id = world.listener.user_id if user_id is None else user_id
        ranked = sorted(al.popularity for al in world.albums.values())
        self._hipster_max = ranked[len(ranked) // 10]  # tag:hipster: the lowest 10 % by popularity
        self._track_text = {t.id: " ".join([t.name, self.world.albums[t.album_id].name]
                                           + [self.world.artists[a].name for a in t.artist_ids]).casefold()
                            for t in world.tracks.values()}
        self._tracks_ranked = sorted(world.tracks.values(), key=lambda t: -t.popularity)
        self._artists_ranked = sorted(world.artists.values(), key=lambda a: -a.popularity)
        self._albums_ranked = sorted(world.albums.values(), key=lambda a: -a.popularity)
        self._playlists_ranked = sorted(world.playlists.values(), key=lambda p: -p.followers)

    def handle(self, q: dict, base_url: str):
        query = q.get("q", "")
        if not query.strip():
            return err(400, "No search query")
        kinds = [k for k in q.get("type", "").split(",") if k]
        if not kinds:
            return err(400, "Missing parameter type")
        if any(k not in TYPES for k in kinds):
            return err(400, "Bad search type field")
        paging = paging_params(q, default=5, maximum=SEARCH_LIMIT, max_offset=SEARCH_MAX_OFFSET)
        if isinstance(paging[1], dict):
            return paging
        limit, offset = paging
        filters, words = parse_query(query)
        out = {}
        for kind in kinds:
            own = {k: v for k, v in filters.items() if k in APPLIES[kind]}
            extra = [w for k, v in filters.items() if k not in APPLIES[kind] for w in v.split()]
            result = page(base_url, self._find(kind, own, words + extra), q, limit, offset)
            shape = {"track": self.shapes.track, "artist": self.shapes.artist, "album": self.shapes.album_simple,
                     "playlist": self.shapes.playlist_simple}.get(kind, dict)
            result["items"] = [shape(r) for r in result["items"]]  # only the page's records become JSON
            out[kind + "s"] = result
        return 200, out

    def find(self, kind: str, query: str) -> list:
        """Every record of `kind` (track, artist, album, playlist) that `query` finds, best first."""
        filters, words = parse_query(query)
        own = {k: v for k, v in filters.items() if k in APPLIES[kind]}
        return self._find(kind, own, words + [w for k, v in filters.items() if k not in own for w in v.split()])

    def _find(self, kind: str, filters: dict, words: list[str]) -> list:
        """The matching records, best first."""
        years = _years(filters["year"]) if "year" in filters else None
        if "year" in filters and years is None:
            return []
        genre = self._artists_of_genre(filters["genre"]) if "genre" in filters else None
        if kind == "track":
            hits = [t for t in self._tracks_ranked if self._track_ok(t, filters, words, years, genre)]
            if genre:  # how well each matches the genre weighs on its popularity (stable: ties keep their order)
                hits.sort(key=lambda t: -t.popularity * max(genre.get(a, 0.0) for a in t.artist_ids))
            return hits
        if kind == "artist":
            hits = [a for a in self._artists_ranked
                    if (genre is None or a.id in genre)
                    and (years is None or (a.active_from <= years[1] and a.active_to >= years[0]))
                    and ("artist" not in filters or filters["artist"] in a.name.casefold())
                    and all(w in a.name.casefold() for w in words)]
            if genre:
                hits.sort(key=lambda a: -a.popularity * genre[a.id])
            return hits
        if kind == "album":
            hits = [al for al in self._albums_ranked if self._album_ok(al, filters, words, years)]
            return hits
        if kind == "playlist":
            hits = [p for p in self._playlists_ranked
                    if (p.public or p.owner == self.user_id) and words
                    and all(w in f"{p.name} {p.description}".casefold() for w in words)]
            return hits
        return []  # the stand-in's world has no shows, episodes or audiobooks

    def _artists_of_genre(self, genre: str) -> dict[str, float]:
        if genre not in self._genre_hits:
            self._genre_hits[genre] = self.genre_filter.artist_ids(self.world, genre)
        return self._genre_hits[genre]

    def _track_ok(self, t, filters, words, years, genre) -> bool:
        if years is not None and not years[0] <= t.year <= years[1]:
            return False
        if genre is not None and not any(a in genre for a in t.artist_ids):
            return False
        if "isrc" in filters and filters["isrc"] != t.isrc.casefold():
            return False
        if "track" in filters and filters["track"] not in t.name.casefold():
            return False
        if "album" in filters and filters["album"] not in self.world.albums[t.album_id].name.casefold():
            return False
        if "artist" in filters and not any(filters["artist"] in self.world.artists[a].name.casefold()
                                           for a in t.artist_ids):
            return False
        text = self._track_text[t.id]
        return all(w in text for w in words)

    def _album_ok(self, al, filters, words, years) -> bool:
        if years is not None and not years[0] <= al.year <= years[1]:
            return False
        if "upc" in filters and filters["upc"] != al.upc:
            return False
        if filters.get("tag") == "new" and _released(al.release_date) < self.wall() - NEW_RELEASE_DAYS * 86_400:
            return False
        if filters.get("tag") == "hipster" and al.popularity > self._hipster_max:
            return False
        names = " ".join([al.name] + [self.world.artists[a].name for a in al.artist_ids]).casefold()
        if "album" in filters and filters["album"] not in al.name.casefold():
            return False
        if "artist" in filters and filters["artist"] not in names:
            return False
        return all(w in names for w in words)
