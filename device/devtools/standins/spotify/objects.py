"""World records as the 2026 Web API's JSON objects: only the fields still returned (none the spec deprecates)."""

from __future__ import annotations

from collections.abc import Callable

from device.devtools.standins.spotify_world import Album, Artist, Playlist, Track, World


def _urls(kind: str, id: str) -> dict:
    return {"spotify": f"https://open.spotify.com/{kind}/{id}"}


def _images(id: str) -> list[dict]:
    return [{"url": f"https://i.scdn.co/image/{id}", "height": 640, "width": 640},
            {"url": f"https://i.scdn.co/image/{id}-300", "height": 300, "width": 300}]


class Shapes:
    """Builds the JSON objects. Withdrawn fields are never written: artists carry no genres, popularity or followers;
    tracks no popularity, preview_url, available_markets or linked_from; albums no genres, label, popularity or
    available_markets; playlists their `items` reference (not `tracks`); users no country, email or product."""

    def __init__(self, world: World, tracks: dict[str, Track], api_url: Callable[[], str]):
        self.world, self.tracks, self.api_url = world, tracks, api_url

    def user(self, user_id: str, *, display: bool = False) -> dict:
        out = {"external_urls": _urls("user", user_id), "href": f"{self.api_url()}/users/{user_id}", "id": user_id,
               "type": "user", "uri": f"spotify:user:{user_id}"}
        if display:
            user = self.world.users.get(user_id)
            out["display_name"] = user.display_name if user else user_id
        return out

    def me(self, user_id: str) -> dict:
        return {**self.user(user_id, display=True), "images": []}

    def artist_simple(self, a: Artist) -> dict:
        return {"external_urls": _urls("artist", a.id), "href": f"{self.api_url()}/artists/{a.id}", "id": a.id,
                "name": a.name, "type": "artist", "uri": a.uri}

    def artist(self, a: Artist) -> dict:
        return {**self.artist_simple(a), "images": _images(a.id)}

    def album_simple(self, al: Album) -> dict:
        return {"album_type": al.album_type, "total_tracks": len(al.track_ids), "external_urls": _urls("album", al.id),
                "href": f"{self.api_url()}/albums/{al.id}", "id": al.id, "images": _images(al.id), "name": al.name,
                "release_date": al.release_date, "release_date_precision": al.release_date_precision,
                "type": "album", "uri": al.uri,
                "artists": [self.artist_simple(self.world.artists[i]) for i in al.artist_ids]}

    def album(self, al: Album, tracks_page: dict) -> dict:
        year = al.release_date[:4]
        label = f"{self.world.artists[al.artist_ids[0]].name} Records"
        return {**self.album_simple(al), "tracks": tracks_page, "external_ids": {"upc": al.upc},
                "copyrights": [{"text": f"{year} {label}", "type": "C"}, {"text": f"{year} {label}", "type": "P"}]}

    def track_simple(self, t: Track) -> dict:
        t = self.tracks.get(t.id, t)  # the stand-in's copy (durations shortened by its speed)
        return {"artists": [self.artist_simple(self.world.artists[i]) for i in t.artist_ids], "disc_number": 1,
                "duration_ms": t.duration_ms, "explicit": t.explicit, "external_urls": _urls("track", t.id),
                "href": f"{self.api_url()}/tracks/{t.id}", "id": t.id, "name": t.name,
                "track_number": t.track_number, "type": "track", "uri": t.uri, "is_local": False}

    def track(self, t: Track) -> dict:
        return {**self.track_simple(t), "album": self.album_simple(self.world.albums[t.album_id]),
                "external_ids": {"isrc": t.isrc}}

    def playlist_simple(self, p: Playlist) -> dict:
        return {"collaborative": p.collaborative, "description": p.description,
                "external_urls": _urls("playlist", p.id), "href": f"{self.api_url()}/playlists/{p.id}", "id": p.id,
                "images": _images(p.id), "name": p.name, "owner": self.user(p.owner, display=True),
                "public": p.public, "snapshot_id": f"AAAA{p.id}", "type": "playlist", "uri": p.uri,
                "items": {"href": f"{self.api_url()}/playlists/{p.id}/items", "total": len(p.track_ids)}}

    def playlist_item(self, p: Playlist, index: int, track_id: str) -> dict:
        adder = p.collaborators[index % len(p.collaborators)] if p.collaborators and index % 3 == 1 else p.owner
        return {"added_at": f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}T12:00:00Z",
                "added_by": self.user(adder), "is_local": False, "item": self.track(self.tracks[track_id])}
