"""The MusicCatalog on the Spotify Web API: search (10 per page), playlist items and the user's top tracks."""

from __future__ import annotations

import functools
import logging

from device.music.catalog import PlaylistRef
from device.spotify.client import SpotifyClient
from device.spotify.errors import BadAnswer
from device.spotify.player import track_from_json
from device.values import Track

log = logging.getLogger(__name__)

SEARCH_PAGE = 10  # the 2026 Web API refuses a larger search limit


def _reads(method):
    """An answer of an unexpected shape is a BadAnswer (a SpotifyError), never an AttributeError or TypeError."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            raise BadAnswer(f"{method.__name__}: {type(exc).__name__}") from None
    return wrapper


class SpotifyCatalog:
    """Implements device.music.catalog.MusicCatalog; every failure is a SpotifyError (a CatalogError)."""

    def __init__(self, client: SpotifyClient):
        self.client = client

    @_reads
    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        out: list[Track] = []
        for page in self._pages(query, "track", offset, limit):
            items = (page.get("tracks") or {}).get("items") or []
            out.extend(track_from_json(t, source=f"search:{query}") for t in items if t and t.get("uri"))
            if len(items) < SEARCH_PAGE:
                break
        return out[:limit]

    @_reads
    def search_playlists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[PlaylistRef]:
        out: list[PlaylistRef] = []
        for page in self._pages(query, "playlist", offset, limit):
            items = (page.get("playlists") or {}).get("items") or []
            for p in items:
                if p and p.get("uri"):  # the API may return null entries
                    out.append(PlaylistRef(uri=p["uri"], name=p.get("name", ""),
                                           owner=(p.get("owner") or {}).get("id", "")))
            if len(items) < SEARCH_PAGE:
                break
        return out[:limit]

    def _pages(self, query: str, kind: str, offset: int, limit: int):
        """Search pages of at most 10 covering [offset, offset + limit)."""
        end = offset + max(1, limit)
        while offset < end and offset <= 1000:
            size = min(SEARCH_PAGE, end - offset)
            yield self.client.search(query, kind, limit=size, offset=offset)
            offset += size

    @_reads
    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        page = self.client.playlist_items(uri, limit=max(1, min(50, limit)), offset=offset)
        out = []
        for entry in page.get("items") or []:
            item = (entry or {}).get("item") or (entry or {}).get("track")
            if item and item.get("type", "track") == "track" and item.get("uri", "").startswith("spotify:track:"):
                out.append(track_from_json(item, source=f"playlist:{uri}"))
        return out

    @_reads
    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        page = self.client.top_tracks(limit=max(1, min(50, limit)))
        return [track_from_json(t, source="top tracks") for t in page.get("items") or [] if t and t.get("uri")]
