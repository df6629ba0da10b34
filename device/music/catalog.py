"""The interface through which the music policy finds tracks (Spotify implements it; tests use fakes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from device.values import Track


class CatalogError(Exception):
    """The catalog could not answer (network, rate limit, login...). The message is a readable sentence."""


@dataclass(frozen=True)
class PlaylistRef:
    uri: str  # spotify:playlist:...
    name: str
    owner: str = ""  # owner id; Spotify-owned ("spotify") playlists cannot be read in 2026


class MusicCatalog(Protocol):
    """Search and read only what the 2026 Web API still allows (see DEVELOPERS.md)."""

    def search_tracks(self, query: str, *, offset: int = 0, limit: int = 10) -> list[Track]:
        """Tracks for a Spotify search query (may hold genre: and year: filters); limit is at most 10."""

    def search_playlists(self, query: str, *, offset: int = 0, limit: int = 10) -> list[PlaylistRef]:
        """Playlists whose name or description matches the query; limit is at most 10."""

    def playlist_tracks(self, uri: str, *, offset: int = 0, limit: int = 50) -> list[Track]:
        """Tracks of a playlist the user can read."""

    def top_tracks(self, *, limit: int = 20) -> list[Track]:
        """The user's top tracks (a personal seed)."""
