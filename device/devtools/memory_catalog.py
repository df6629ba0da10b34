"""An in-memory MusicCatalog under the 2026 Web API's rules (search 1-10 a page, offset <= 1000, genre:/year: filters on
tracks and artists, other users' playlist items refused, no withdrawn fields), for the simulation, the demo without a
Spotify account, and tests. The project's simulated households build it from the Spotify stand-in's world and hand
it their own, looser search ranking (device.devtools.messy_world)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from device.core.catalog import (
    PAGE_MAX,
    SEARCH_MAX,
    SEARCH_MAX_OFFSET,
    AlbumRef,
    ArtistRef,
    CatalogRefused,
    PlaylistRef,
)
from device.core.values import Track

_FILTER = re.compile(r'(genre|year):(?:"([^"]*)"|(\S+))', re.IGNORECASE)
SPOTIFY_OWNER = "spotify"


@dataclass(frozen=True)
class CatalogTrack:
    track: Track
    genres: tuple[str, ...]  # the artists' genres, as the genre: filter sees them (never returned to callers)
    album_id: str = ""
    artist_ids: tuple[str, ...] = ()
    popularity: float = 0.0  # orders search results, as relevance does; never returned


@dataclass(frozen=True)
class CatalogArtist:
    id: str
    name: str
    genres: tuple[str, ...]  # hidden: the API no longer returns artist genres, but genre: still filters by them
    popularity: float = 0.0


@dataclass(frozen=True)
class CatalogAlbum:
    id: str
    name: str
    artist_id: str
    year: int | None
    track_uris: tuple[str, ...]
    album_type: str = "album"  # album, single or compilation (the client asks for albums and singles only)
    release_date: str = ""  # "1967", "1967-03" or "1967-03-14": orders an artist's albums, newest first


@dataclass
class CatalogPlaylist:
    ref: PlaylistRef
    description: str = ""
    track_uris: list[str] = field(default_factory=list)


@dataclass
class Library:
    """One user's account: what /me/* answers."""

    user: str = "listener"
    saved: list[str] = field(default_factory=list)  # track URIs, newest first
    top_tracks: list[str] = field(default_factory=list)
    top_artists: list[str] = field(default_factory=list)  # artist ids
    recent: list[str] = field(default_factory=list)  # track URIs, newest first
    playlists: list[str] = field(default_factory=list)  # playlist URIs the user owns or follows


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
            except ValueError:
                raise CatalogRefused(400, f"bad year filter {value!r} in search query {query!r}") from None
    words = _FILTER.sub(" ", query).lower().split()
    return words, genre, years


def _check_page(offset: int, limit: int, most: int, max_offset: int | None = None) -> None:
    if not 1 <= limit <= most:
        raise CatalogRefused(400, f"Invalid limit: {limit} (1..{most})")
    if offset < 0 or (max_offset is not None and offset > max_offset):
        raise CatalogRefused(400, f"Invalid offset: {offset} (0..{max_offset})")


class MemoryCatalog:
    """A MusicCatalog over a world held in memory. Counts calls, so tests can see the caching and the budget."""

    def __init__(self, tracks: list[CatalogTrack], playlists: list[CatalogPlaylist] | None = None,
                 library: Library | None = None, *, artists: list[CatalogArtist] | None = None,
                 albums: list[CatalogAlbum] | None = None,
                 search: Callable[[str, str], list[str]] | None = None):
        """search: another catalogue's search rules, (kind "track" or "artist", query) -> every matching track URI
        or artist id, best first (the stand-in's, for the simulation); without it, genre:/year: filters and
        popularity order here."""
        self._search = search
        self._found: dict[tuple[str, str], list[str]] = {}  # the search's answers, shared by every account
        self._tracks = sorted(tracks, key=lambda t: -t.popularity)
        self._by_uri = {t.track.uri: t for t in self._tracks}
        self._by_genre: dict[str, list[CatalogTrack]] = {}
        for t in self._tracks:
            for g in t.genres:
                self._by_genre.setdefault(g.lower(), []).append(t)
        self._artists = sorted(artists or [], key=lambda a: -a.popularity)
        self._artist_by_id = {a.id: a for a in self._artists}
        self._albums: dict[str, list[CatalogAlbum]] = {}
        self._album_by_id = {}
        for album in albums or []:
            self._albums.setdefault(album.artist_id, []).append(album)
            self._album_by_id[album.id] = album
        for found in self._albums.values():
            found.sort(key=lambda a: a.release_date or str(a.year or 0), reverse=True)  # newest first, as listed
        self._playlists = {p.ref.uri: p for p in playlists or []}
        self.library = library or Library()
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, int]] = []  # (operation, query or id, offset)

    def with_account(self, library: Library, playlists: list[CatalogPlaylist]) -> MemoryCatalog:
        """The same catalogue (shared index) seen through another account, with its own call log."""
        other = object.__new__(MemoryCatalog)
        other.__dict__.update(self.__dict__)
        other._playlists = {**self._playlists, **{p.ref.uri: p for p in playlists}}
        other.library = library
        other._lock = threading.Lock()
        other.calls = []
        return other

    def searched_by(self, search: Callable[[str, str], list[str]]) -> MemoryCatalog:
        """The same catalogue and account, searched by other rules (e.g. the Spotify stand-in's order), with its own
        call log and cache of answers."""
        other = self.with_account(self.library, [])
        other._search, other._found = search, {}
        return other

    def genres_of(self, uri: str) -> tuple[str, ...]:
        """The hidden genres of a track (for the simulation's listeners, never for the device)."""
        found = self._by_uri.get(uri)
        return found.genres if found else ()

    def item(self, uri: str) -> CatalogTrack | None:
        """The catalogue's whole record of a track (hidden fields included), for the simulation's listeners."""
        return self._by_uri.get(uri)

    def _log(self, op: str, what: str, offset: int) -> None:
        with self._lock:
            self.calls.append((op, what, offset))

    def _tracks_of(self, uris) -> list[Track]:
        return [self._by_uri[u].track for u in uris if u in self._by_uri]

    # ------------------------------------------------------------ catalogue

    def user_id(self) -> str:
        self._log("user_id", "", 0)
        return self.library.user

    def _ranked(self, kind: str, query: str) -> list[str]:
        key = (kind, query)
        if key not in self._found:
            self._found[key] = self._search(kind, query)
        return self._found[key]

    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        _check_page(offset, limit, SEARCH_MAX, SEARCH_MAX_OFFSET)
        self._log("search_tracks", query, offset)
        if self._search is not None:
            return self._tracks_of(self._ranked("track", query)[offset:offset + limit])
        words, genre, years = parse_query(query)
        found = []
        for item in (self._tracks if genre is None else self._by_genre.get(genre, [])):
            t = item.track
            if years is not None and (t.year is None or not years[0] <= t.year <= years[1]):
                continue
            text = (t.name + " " + " ".join(t.artists)).lower()
            if all(w in text for w in words):
                found.append(t)
                if len(found) >= offset + limit:
                    break
        return found[offset:offset + limit]

    def search_artists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[ArtistRef]:
        _check_page(offset, limit, SEARCH_MAX, SEARCH_MAX_OFFSET)
        self._log("search_artists", query, offset)
        if self._search is not None:
            found_ids = self._ranked("artist", query)[offset:offset + limit]
            return [ArtistRef(a, self._artist_by_id[a].name) for a in found_ids if a in self._artist_by_id]
        words, genre, years = parse_query(query)
        found = [a for a in self._artists if (genre is None or genre in (g.lower() for g in a.genres))
                 and all(w in a.name.lower() for w in words) and (years is None or self._active(a.id, years))]
        return [ArtistRef(a.id, a.name) for a in found[offset:offset + limit]]

    def _active(self, artist_id: str, years: tuple[int, int]) -> bool:
        """year: on artists: the artist released something in those years."""
        return any(a.year is not None and years[0] <= a.year <= years[1] for a in self._albums.get(artist_id, []))

    def artist_albums(self, artist_id: str, *, offset: int = 0, limit: int = 10) -> list[AlbumRef]:
        _check_page(offset, limit, SEARCH_MAX)
        self._log("artist_albums", artist_id, offset)
        if artist_id not in self._artist_by_id:
            raise CatalogRefused(404, "Resource not found")
        name = self._artist_by_id[artist_id].name
        # the HTTP catalog asks for include_groups=album,single: no compilations
        listed = [a for a in self._albums.get(artist_id, []) if a.album_type != "compilation"]
        return [AlbumRef(a.id, a.name, a.year, (name,)) for a in listed[offset:offset + limit]]

    def album_tracks(self, album: AlbumRef, *, offset: int = 0, limit: int = 50) -> list[Track]:
        _check_page(offset, limit, PAGE_MAX)
        self._log("album_tracks", album.id, offset)
        found = self._album_by_id.get(album.id)
        if found is None:
            raise CatalogRefused(404, "Resource not found")
        return self._tracks_of(found.track_uris[offset:offset + limit])

    # ------------------------------------------------------------ the user's library

    def saved_tracks(self, *, offset: int = 0, limit: int = 50) -> list[Track]:
        _check_page(offset, limit, PAGE_MAX)
        self._log("saved_tracks", "", offset)
        return self._tracks_of(self.library.saved[offset:offset + limit])

    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        _check_page(0, limit, PAGE_MAX)
        self._log("top_tracks", "", 0)
        return self._tracks_of(self.library.top_tracks[:limit])

    def top_artists(self, *, limit: int = 20) -> list[ArtistRef]:
        _check_page(0, limit, PAGE_MAX)
        self._log("top_artists", "", 0)
        return [ArtistRef(a, self._artist_by_id[a].name) for a in self.library.top_artists[:limit]
                if a in self._artist_by_id]

    def recently_played(self, *, limit: int = 50) -> list[Track]:
        _check_page(0, limit, PAGE_MAX)
        self._log("recently_played", "", 0)
        return self._tracks_of(self.library.recent[:limit])

    def my_playlists(self, *, offset: int = 0, limit: int = 50) -> list[PlaylistRef]:
        _check_page(offset, limit, PAGE_MAX)
        self._log("my_playlists", "", offset)
        return [self._playlists[u].ref for u in self.library.playlists[offset:offset + limit] if u in self._playlists]

    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        _check_page(offset, limit, PAGE_MAX)
        self._log("playlist_tracks", uri, offset)
        found = self._playlists.get(uri)
        if found is None or found.ref.owner.lower() == SPOTIFY_OWNER:
            raise CatalogRefused(404, "Resource not found")
        if found.ref.owner != self.library.user and not found.ref.collaborative:
            raise CatalogRefused(403, "Forbidden")
        return self._tracks_of(found.track_uris[offset:offset + limit])

