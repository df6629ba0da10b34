"""Which Web API operation a request is, the scope it needs, and the operations Spotify has withdrawn."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The spec's security list per operation served ("any of" these scopes). Two readings follow the live service, not
# the list: GET /me answers any token (the scoped fields - country, email, product - are withdrawn), and PUT
# /me/library asks for the scope of each URI's type (Library.save).
SCOPES: dict[str, tuple[str, ...]] = {
    "get-information-about-the-users-current-playback": ("user-read-playback-state",),
    "get-a-users-available-devices": ("user-read-playback-state",),
    "get-the-users-currently-playing-track": ("user-read-currently-playing",),
    "transfer-a-users-playback": ("user-modify-playback-state",),
    "start-a-users-playback": ("user-modify-playback-state",),
    "pause-a-users-playback": ("user-modify-playback-state",),
    "skip-users-playback-to-next-track": ("user-modify-playback-state",),
    "set-volume-for-users-playback": ("user-modify-playback-state",),
    "add-to-queue": ("user-modify-playback-state",),
    "get-users-top-tracks": ("user-top-read",),
    "get-users-top-artists": ("user-top-read",),
    "get-users-saved-tracks": ("user-library-read",),
    "get-recently-played": ("user-read-recently-played",),
    "get-a-list-of-current-users-playlists": ("playlist-read-private",),
    "get-playlists-items": ("playlist-read-private",),
}
PREMIUM_ONLY = {"transfer-a-users-playback", "start-a-users-playback", "pause-a-users-playback",
                "skip-users-playback-to-next-track", "set-volume-for-users-playback", "add-to-queue"}
_ID = r"([A-Za-z0-9]+)"
# (method, path pattern, operationId): every operation the stand-in serves
SERVED = [
    ("GET", r"/search", "search"),
    ("GET", r"/me", "get-current-users-profile"),
    ("GET", r"/me/top/tracks", "get-users-top-tracks"),
    ("GET", r"/me/top/artists", "get-users-top-artists"),
    ("GET", r"/me/tracks", "get-users-saved-tracks"),
    ("GET", r"/me/player/recently-played", "get-recently-played"),
    ("GET", r"/me/playlists", "get-a-list-of-current-users-playlists"),
    ("PUT", r"/me/library", "save-library-items"),
    ("GET", rf"/artists/{_ID}", "get-an-artist"),
    ("GET", rf"/artists/{_ID}/albums", "get-an-artists-albums"),
    ("GET", rf"/albums/{_ID}", "get-an-album"),
    ("GET", rf"/albums/{_ID}/tracks", "get-an-albums-tracks"),
    ("GET", rf"/tracks/{_ID}", "get-track"),
    ("GET", rf"/playlists/{_ID}", "get-playlist"),
    ("GET", rf"/playlists/{_ID}/items", "get-playlists-items"),
    ("GET", r"/me/player", "get-information-about-the-users-current-playback"),
    ("GET", r"/me/player/devices", "get-a-users-available-devices"),
    ("GET", r"/me/player/currently-playing", "get-the-users-currently-playing-track"),
    ("PUT", r"/me/player", "transfer-a-users-playback"),
    ("PUT", r"/me/player/play", "start-a-users-playback"),
    ("PUT", r"/me/player/pause", "pause-a-users-playback"),
    ("POST", r"/me/player/next", "skip-users-playback-to-next-track"),
    ("PUT", r"/me/player/volume", "set-volume-for-users-playback"),
    ("POST", r"/me/player/queue", "add-to-queue"),
]
# Operations the spec marks deprecated: Spotify withdrew them from development-mode apps (November 2024 and
# February 2026). Copied from the spec so that the stand-in runs without it; a contract test keeps the two equal.
WITHDRAWN = [
    ("GET", "/albums"), ("GET", "/artists"), ("GET", "/artists/{id}/top-tracks"),
    ("GET", "/artists/{id}/related-artists"), ("GET", "/shows"), ("GET", "/episodes"), ("GET", "/audiobooks"),
    ("PUT", "/me/audiobooks"), ("DELETE", "/me/audiobooks"), ("GET", "/me/audiobooks/contains"), ("GET", "/chapters"),
    ("GET", "/tracks"), ("GET", "/playlists/{playlist_id}/tracks"), ("POST", "/playlists/{playlist_id}/tracks"),
    ("PUT", "/playlists/{playlist_id}/tracks"), ("DELETE", "/playlists/{playlist_id}/tracks"), ("PUT", "/me/albums"),
    ("DELETE", "/me/albums"), ("GET", "/me/albums/contains"), ("PUT", "/me/tracks"), ("DELETE", "/me/tracks"),
    ("GET", "/me/tracks/contains"), ("PUT", "/me/episodes"), ("DELETE", "/me/episodes"),
    ("GET", "/me/episodes/contains"), ("PUT", "/me/shows"), ("DELETE", "/me/shows"), ("GET", "/me/shows/contains"),
    ("GET", "/users/{user_id}"), ("GET", "/users/{user_id}/playlists"), ("POST", "/users/{user_id}/playlists"),
    ("PUT", "/playlists/{playlist_id}/followers"), ("DELETE", "/playlists/{playlist_id}/followers"),
    ("GET", "/browse/featured-playlists"), ("GET", "/browse/categories"), ("GET", "/browse/categories/{category_id}"),
    ("GET", "/browse/categories/{category_id}/playlists"), ("GET", "/browse/new-releases"), ("PUT", "/me/following"),
    ("DELETE", "/me/following"), ("GET", "/me/following/contains"),
    ("GET", "/playlists/{playlist_id}/followers/contains"), ("GET", "/audio-features"), ("GET", "/audio-features/{id}"),
    ("GET", "/audio-analysis/{id}"), ("GET", "/recommendations"), ("GET", "/recommendations/available-genre-seeds"),
    ("GET", "/markets"),
]


def _pattern(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


_SERVED = [(m, re.compile(f"^{p}$"), op) for m, p, op in SERVED]
_WITHDRAWN = [(m, _pattern(p)) for m, p in WITHDRAWN]


@dataclass(frozen=True)
class Route:
    operation: str | None  # None: not an operation the stand-in serves
    args: tuple[str, ...] = ()
    withdrawn: bool = False


def route(method: str, path: str) -> Route:
    """The operation of a request to /v1/... (path without /v1)."""
    for m, pattern in _WITHDRAWN:  # literal paths such as /tracks before /tracks/{id}
        if m == method and pattern.match(path):
            return Route(None, withdrawn=True)
    for m, pattern, op in _SERVED:
        match = pattern.match(path)
        if m == method and match:
            return Route(op, match.groups())
    return Route(None)
