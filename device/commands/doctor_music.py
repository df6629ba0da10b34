"""`mirrorball doctor`'s music rows: one small read-only request per music source on the live account, and what to
do about each one the account or the app is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from device.core.catalog import AlbumRef, CatalogError, MusicCatalog
from device.music.sources import SCOPES

GENRE = "pop"  # a genre every market has


@dataclass(frozen=True)
class Probe:
    name: str  # the row's name
    scope: str  # the login scope the source needs ("" for the public catalogue)
    read: Callable[[MusicCatalog, dict], object]  # one small request; may put what later probes need in the dict


def _artist(catalog: MusicCatalog, found: dict):
    artists = catalog.search_artists(f'genre:"{GENRE}"', limit=1)
    found["artist"] = artists[0] if artists else None
    return artists


def _albums(catalog: MusicCatalog, found: dict):
    if found.get("artist") is None:
        raise LookupError("no artist to ask about (the genre artist search found none)")
    albums = catalog.artist_albums(found["artist"].id, limit=1)
    found["album"] = albums[0] if albums else None
    return albums


def _album_tracks(catalog: MusicCatalog, found: dict):
    album: AlbumRef | None = found.get("album")
    if album is None:
        raise LookupError("no album to ask about (the artist's albums were not read)")
    return catalog.album_tracks(album, limit=1)


def _my_playlists(catalog: MusicCatalog, found: dict):
    playlists = catalog.my_playlists(limit=50)
    user = catalog.user_id()
    found["readable"] = [p for p in playlists if p.collaborative or p.owner == user]
    return playlists


def probes(playlist_uris: list[str]) -> list[Probe]:
    found = [
        Probe("genre search", SCOPES["genre"], lambda c, f: c.search_tracks(f'genre:"{GENRE}"', limit=1)),
        Probe("genre artists", SCOPES["artists"], _artist),
        Probe("artist albums", SCOPES["artists"], _albums),
        Probe("album tracks", SCOPES["artists"], _album_tracks),
        Probe("saved tracks", SCOPES["saved"], lambda c, f: c.saved_tracks(limit=1)),
        Probe("top tracks", SCOPES["top"], lambda c, f: c.top_tracks(limit=1)),
        Probe("top artists", SCOPES["top_artists"], lambda c, f: c.top_artists(limit=1)),
        Probe("recently played", SCOPES["recent"], lambda c, f: c.recently_played(limit=1)),
        Probe("your playlists", SCOPES["my_playlists"], _my_playlists),
    ]
    for i, uri in enumerate(playlist_uris):
        found.append(Probe(f"music.playlists[{i}]", SCOPES["playlist"],
                           lambda c, f, uri=uri: c.playlist_tracks(uri, limit=1)))
    return found


def fix_for(probe: Probe, exc: Exception, granted: set[str] | None) -> str:
    """What the user can do about a refused source (pure)."""
    missing = [s for s in probe.scope.split() if granted is not None and s not in granted]
    status = getattr(exc, "http_status", None)
    text = str(exc).lower()
    if isinstance(exc, LookupError):
        return "see the row above"
    if status == 401:
        return "run: mirrorball auth"
    if missing:
        return f"the login lacks the scope {' '.join(missing)}: run mirrorball auth again and allow it"
    if status == 403 and "premium" in text:
        return "the Web API needs the app owner's account on Spotify Premium"
    if status == 403 and probe.name.startswith("music.playlists"):
        return ("the Web API reads only playlists you own or collaborate on: copy it into a playlist of yours "
                "and put that one in music.playlists")
    if status == 403:
        return ("a development-mode app reads only for the accounts in its user list (at most 5; the owner on "
                "Premium): add this account at developer.spotify.com -> your app -> User Management")
    if status == 404 and probe.name.startswith("music.playlists"):
        return "no such playlist, or a Spotify-owned one (those cannot be read since 2024): use one of yours"
    if status == 429:
        return "Spotify is rate limiting this app: try doctor again in a minute"
    if status is None:
        return "check the network (the other sources will be refused too)"
    return "Spotify refused it; the other sources still choose the music"


def check_sources(catalog: MusicCatalog, playlist_uris: list[str], granted: set[str] | None) -> list[tuple]:
    """(name, outcome, detail, fix) per source: PASS when it answered, WARN when refused (the others go on),
    FAIL only when no source works at all."""
    rows = []
    found: dict = {}
    for probe in probes(playlist_uris):
        try:
            answer = probe.read(catalog, found)
        except (CatalogError, LookupError) as exc:
            rows.append([f"music: {probe.name}", "WARN", str(exc), fix_for(probe, exc, granted)])
            continue
        n = len(answer) if isinstance(answer, list) else 0
        detail = f"works ({n} item{'s' if n != 1 else ''} in a 1-item read)" if probe.name != "your playlists" \
            else f"works ({len(found.get('readable', []))} of {n} readable: own or collaborative)"
        rows.append([f"music: {probe.name}", "PASS", detail, None])
    if not any(r[1] == "PASS" for r in rows):
        for r in rows:
            r[1] = "FAIL"
    return [tuple(r) for r in rows]
