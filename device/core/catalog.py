"""The catalog contract through which the music policy finds tracks (Spotify implements it; tests use an in-memory one).

Its interface (MusicCatalog), the references it hands back, its limits and its errors sit outside device/music/, so
that a service's edge implements it without importing the music core.

Only what the 2026 Web API still allows: search (1-10 a page, offset <= 1000, genre:/year: filters on tracks and
artists), an artist's albums (1-10 a page) and an album's tracks, the user's saved tracks, top tracks and artists,
recently played tracks, the user's playlists and the items of those they own or collaborate on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from device.core.values import Track

SEARCH_MAX = 10  # search and /artists/{id}/albums: limit 1..10
SEARCH_MAX_OFFSET = 1000
PAGE_MAX = 50  # /me/tracks, /me/top/*, recently played, /me/playlists, playlist items, album tracks: 1..50
REFUSED_STATUSES = (400, 403, 404)  # the service will not answer this request: no use asking again today


class CatalogError(Exception):
    """The catalog could not answer (network, rate limit, login, refusal...). The message is a readable sentence;
    http_status is the service's status code when it answered (None: no answer at all)."""

    http_status: int | None = None

    @property
    def refused(self) -> bool:
        """The service answered and refused this one request (403/404/400): other requests may still work."""
        return self.http_status in REFUSED_STATUSES


class CatalogRefused(CatalogError):
    """A refusal raised by catalogs that are not HTTP clients, worded like the Spotify client's."""

    def __init__(self, http_status: int, message: str):
        super().__init__(f"Spotify refused the request ({http_status}): {message}")
        self.http_status = http_status


@dataclass(frozen=True)
class PlaylistRef:
    uri: str  # spotify:playlist:...
    name: str
    owner: str = ""  # owner id; Spotify-owned ("spotify") playlists cannot be read in 2026
    collaborative: bool = False


@dataclass(frozen=True)
class ArtistRef:
    id: str
    name: str


@dataclass(frozen=True)
class AlbumRef:
    id: str
    name: str
    year: int | None  # from release_date; album tracks carry no album of their own
    artists: tuple[str, ...] = ()


class MusicCatalog(Protocol):
    """Reads the catalogue and the user's library. Every failure is a CatalogError."""

    def user_id(self) -> str:
        """The current user's id (GET /me), to tell own playlists from others'."""

    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        """Tracks for a search query (may hold genre: and year: filters)."""

    def search_artists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[ArtistRef]:
        """Artists for a search query (genre: filters artists too)."""

    def artist_albums(self, artist_id: str, *, offset: int = 0, limit: int = 10) -> list[AlbumRef]:
        """An artist's albums and singles."""

    def album_tracks(self, album: AlbumRef, *, offset: int = 0, limit: int = 50) -> list[Track]:
        """An album's tracks, dated by the album's release."""

    def saved_tracks(self, *, offset: int = 0, limit: int = 50) -> list[Track]:
        """The user's saved tracks (scope user-library-read)."""

    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        """The user's top tracks (scope user-top-read)."""

    def top_artists(self, *, limit: int = 20) -> list[ArtistRef]:
        """The user's top artists (scope user-top-read)."""

    def recently_played(self, *, limit: int = 50) -> list[Track]:
        """Tracks the user played lately (scope user-read-recently-played)."""

    def my_playlists(self, *, offset: int = 0, limit: int = 50) -> list[PlaylistRef]:
        """Playlists the user owns or follows (scope playlist-read-private)."""

    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        """Items of a playlist the user owns or collaborates on (403 otherwise)."""
