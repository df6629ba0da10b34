"""A small in-memory catalog for the music tests."""

from device.music.catalog import CatalogError, PlaylistRef
from device.music.memory_catalog import CatalogPlaylist, CatalogTrack, MemoryCatalog
from device.values import Track

GENRES = ("jazz", "soul", "bossa nova", "acoustic", "chill", "lo-fi", "pop", "rock", "dance", "funk", "ambient",
          "piano", "children's music", "disney", "indie", "indie folk", "indie pop", "reggaeton", "tropical house",
          "reggae")


def small_catalog(per_genre=30, explicit_genres=("rock",), top=()):
    tracks = []
    for gi, genre in enumerate(GENRES):
        for i in range(per_genre):
            year = 1970 + (i * 53 // per_genre)
            tracks.append(CatalogTrack(Track(f"spotify:track:{gi:02d}{i:03d}", f"{genre} {i}", (f"{genre} band",),
                                             genre in explicit_genres, 180_000, year), (genre,)))
    playlists = [
        CatalogPlaylist(PlaylistRef("spotify:playlist:official-chill", "Chill Hits", "spotify"), "chill",
                        [t.track.uri for t in tracks[:20]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:user-chill", "my chill evening", "alice"), "chill",
                        [t.track.uri for t in tracks[100:130]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:named", "Sunday jazz", "me"), "",
                        [t.track.uri for t in tracks[:10]]),
    ]
    return MemoryCatalog(tracks, playlists, list(top))


class FlakyCatalog:
    """Wraps a catalog; raises CatalogError while `down` is set."""

    def __init__(self, inner):
        self.inner = inner
        self.down = False
        self.attempts = 0

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        def call(*a, **kw):
            self.attempts += 1
            if self.down:
                raise CatalogError("Spotify is unreachable (timeout)")
            return method(*a, **kw)
        return call
