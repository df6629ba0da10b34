"""Catalogue reads on the stand-in: artists, albums, tracks, the current user, playlists and their items."""

from __future__ import annotations

from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.wire import err, page, paging_params
from device.devtools.standins.spotify_world import World

ALBUM_GROUPS = {"album", "single", "appears_on", "compilation"}


class Catalogue:
    """Single-item reads by id, and the playlist rules of 2026: items only for playlists the user owns or
    collaborates on (403 otherwise); Spotify's own editorial and algorithmic playlists not at all (404, as the live
    service answers them since November 2024)."""

    def __init__(self, world: World, shapes: Shapes, user_id: str):
        self.world, self.shapes, self.user_id = world, shapes, user_id

    def artist(self, aid: str):
        a = self.world.artists.get(aid)
        return (200, self.shapes.artist(a)) if a else err(404, "Resource not found")

    def artist_albums(self, aid: str, q: dict, base_url: str):
        a = self.world.artists.get(aid)
        if a is None:
            return err(404, "Resource not found")
        groups = {g for g in q.get("include_groups", "").split(",") if g} or ALBUM_GROUPS
        if not groups <= ALBUM_GROUPS:
            return err(400, "Invalid include_groups")
        paging = paging_params(q, default=5, maximum=10)  # the 2026 reference: limit at most 10
        if isinstance(paging[1], dict):
            return paging
        albums = [al for al in self.world.albums.values() if aid in al.artist_ids and al.album_type in groups]
        albums.sort(key=lambda al: al.release_date, reverse=True)  # newest first, as the service lists them
        result = page(base_url, albums, q, *paging)
        result["items"] = [self.shapes.album_simple(al) for al in result["items"]]
        return 200, result

    def _album_tracks(self, al, q: dict, base_url: str):
        paging = paging_params(q, default=20, maximum=50)
        if isinstance(paging[1], dict):
            return paging
        result = page(base_url, list(al.track_ids), q, *paging)
        result["items"] = [self.shapes.track_simple(self.world.tracks[t]) for t in result["items"]]
        return 200, result

    def album(self, alid: str, base_url: str):
        al = self.world.albums.get(alid)
        if al is None:
            return err(404, "Resource not found")
        _, tracks = self._album_tracks(al, {}, f"{base_url}/tracks")
        return 200, self.shapes.album(al, tracks)

    def album_tracks(self, alid: str, q: dict, base_url: str):
        al = self.world.albums.get(alid)
        return self._album_tracks(al, q, base_url) if al else err(404, "Resource not found")

    def track(self, tid: str):
        t = self.world.tracks.get(tid)
        return (200, self.shapes.track(t)) if t else err(404, "Resource not found")

    def me(self):
        return 200, self.shapes.me(self.user_id)

    # ------------------------------------------------------------ playlists

    def may_read_items(self, pid: str) -> bool:
        p = self.world.playlists.get(pid)
        return p is not None and (p.owner == self.user_id or self.user_id in p.collaborators)

    def _visible(self, pid: str):
        """The playlist, or the answer for one the service will not show."""
        p = self.world.playlists.get(pid)
        if p is None or p.editorial:
            return None, err(404, "Resource not found")
        if not p.public and not self.may_read_items(pid):
            return None, err(404, "Resource not found")  # someone else's private playlist
        return p, None

    def playlist(self, pid: str, base_url: str):
        p, refused = self._visible(pid)
        if refused:
            return refused
        out = dict(self.shapes.playlist_simple(p), followers={"href": None, "total": p.followers})
        del out["items"]
        if self.may_read_items(pid):  # the items travel only with playlists the user may read
            _, out["items"] = self.playlist_items(pid, {}, f"{base_url}/items")
        return 200, out

    def playlist_items(self, pid: str, q: dict, base_url: str):
        p, refused = self._visible(pid)
        if refused:
            return refused
        if not self.may_read_items(pid):
            return err(403, "Forbidden")
        paging = paging_params(q, default=20, maximum=50)
        if isinstance(paging[1], dict):
            return paging
        result = page(base_url, [(i, t) for i, t in enumerate(p.track_ids)], q, *paging)
        result["items"] = [self.shapes.playlist_item(p, i, t) for i, t in result["items"]]
        return 200, result

    def my_playlists(self, q: dict, base_url: str):
        paging = paging_params(q, default=20, maximum=50, max_offset=100_000)
        if isinstance(paging[1], dict):
            return paging
        mine = [self.world.playlists[i] for i in self.world.listener.followed_playlist_ids]
        result = page(base_url, mine, q, *paging)
        result["items"] = [self.shapes.playlist_simple(p) for p in result["items"]]
        return 200, result
