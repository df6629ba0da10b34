"""The MusicCatalog on the Spotify Web API, written to the 2026 reference: only operations and fields it still has."""

from __future__ import annotations

import functools
import logging

from device.core.catalog import PAGE_MAX, SEARCH_MAX, SEARCH_MAX_OFFSET, AlbumRef, ArtistRef, PlaylistRef
from device.core.values import Track
from device.spotify.answers import track_from_json
from device.spotify.client import SpotifyClient
from device.spotify.errors import BadAnswer

log = logging.getLogger(__name__)


def _reads(method):
    """An answer of an unexpected shape is a BadAnswer (a SpotifyError), never an AttributeError or TypeError."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            raise BadAnswer(f"{method.__name__}: {type(exc).__name__}") from None
    return wrapper


def _year(date) -> int | None:
    return int(date[:4]) if isinstance(date, str) and date[:4].isdigit() else None


def _items(page: dict, *path: str) -> list:
    for key in path:
        page = (page or {}).get(key) or {}
    found = (page or {}).get("items") or []
    return [x for x in found if x]  # the API may return null entries


def _clamp(limit: int, most: int) -> int:
    return max(1, min(most, limit))


class SpotifyCatalog:
    """Implements device.core.catalog.MusicCatalog; every failure is a SpotifyError (a CatalogError)."""

    def __init__(self, client: SpotifyClient):
        self.client = client
        self._user: str | None = None

    @_reads
    def user_id(self) -> str:
        if self._user is None:
            self._user = str(self.client.me()["id"])
        return self._user

    def _pages(self, query: str, kind: str, offset: int, limit: int):
        """Search pages of at most 10 covering [offset, offset + limit), never past offset 1000."""
        end = offset + max(1, limit)
        while offset < end and offset <= SEARCH_MAX_OFFSET:
            size = min(SEARCH_MAX, end - offset)
            yield self.client.search(query, kind, limit=size, offset=offset)
            offset += size

    @_reads
    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        out: list[Track] = []
        for page in self._pages(query, "track", offset, limit):
            items = _items(page, "tracks")
            out.extend(track_from_json(t, source=f"search:{query}") for t in items if t.get("uri"))
            if len(items) < SEARCH_MAX:
                break
        return out[:limit]

    @_reads
    def search_artists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[ArtistRef]:
        out: list[ArtistRef] = []
        for page in self._pages(query, "artist", offset, limit):
            items = _items(page, "artists")
            out.extend(ArtistRef(str(a["id"]), str(a.get("name", ""))) for a in items if a.get("id"))
            if len(items) < SEARCH_MAX:
                break
        return out[:limit]

    @_reads
    def artist_albums(self, artist_id: str, *, offset: int = 0, limit: int = 10) -> list[AlbumRef]:
        page = self.client.artist_albums(artist_id, limit=_clamp(limit, SEARCH_MAX), offset=offset)
        return [AlbumRef(str(a["id"]), str(a.get("name", "")), _year(a.get("release_date")),
                         tuple(str(x.get("name", "")) for x in a.get("artists") or []))
                for a in _items(page) if a.get("id")]

    @_reads
    def album_tracks(self, album: AlbumRef, *, offset: int = 0, limit: int = 50) -> list[Track]:
        page = self.client.album_tracks(album.id, limit=_clamp(limit, PAGE_MAX), offset=offset)
        # album tracks are simplified objects without an album: date them by the album they came from
        dated = {"release_date": str(album.year) if album.year else ""}
        return [track_from_json(dict(t, album=dated), source=f"album:{album.id}")
                for t in _items(page) if t.get("uri")]

    @_reads
    def saved_tracks(self, *, offset: int = 0, limit: int = 50) -> list[Track]:
        page = self.client.saved_tracks(limit=_clamp(limit, PAGE_MAX), offset=offset)
        return [track_from_json(e["track"], source="saved") for e in _items(page) if (e.get("track") or {}).get("uri")]

    @_reads
    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        page = self.client.top_tracks(limit=_clamp(limit, PAGE_MAX))
        return [track_from_json(t, source="top tracks") for t in _items(page) if t.get("uri")]

    @_reads
    def top_artists(self, *, limit: int = 20) -> list[ArtistRef]:
        page = self.client.top_artists(limit=_clamp(limit, PAGE_MAX))
        return [ArtistRef(str(a["id"]), str(a.get("name", ""))) for a in _items(page) if a.get("id")]

    @_reads
    def recently_played(self, *, limit: int = 50) -> list[Track]:
        page = self.client.recently_played(limit=_clamp(limit, PAGE_MAX))
        return [track_from_json(e["track"], source="recently played")
                for e in _items(page) if (e.get("track") or {}).get("uri")]

    @_reads
    def my_playlists(self, *, offset: int = 0, limit: int = 50) -> list[PlaylistRef]:
        page = self.client.my_playlists(limit=_clamp(limit, PAGE_MAX), offset=offset)
        return [PlaylistRef(uri=p["uri"], name=str(p.get("name", "")), owner=str((p.get("owner") or {}).get("id", "")),
                            collaborative=bool(p.get("collaborative")))
                for p in _items(page) if p.get("uri")]

    @_reads
    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        page = self.client.playlist_items(uri, limit=_clamp(limit, PAGE_MAX), offset=offset)
        out = []
        for entry in _items(page):
            item = entry.get("item") or entry.get("track")
            if item and item.get("type", "track") == "track" and item.get("uri", "").startswith("spotify:track:"):
                out.append(track_from_json(item, source=f"playlist:{uri}"))
        return out
