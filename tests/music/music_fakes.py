"""A small in-memory catalog for the music tests: artists per genre, albums by year, a user 'me' and playlists."""

from device.core.catalog import CatalogError, PlaylistRef
from device.core.values import Track
from device.devtools.memory_catalog import (
    CatalogAlbum,
    CatalogArtist,
    CatalogPlaylist,
    CatalogTrack,
    Library,
    MemoryCatalog,
)

GENRES = ("jazz", "soul", "bossa nova", "acoustic", "chill", "lo-fi", "pop", "rock", "dance", "funk", "ambient",
          "piano", "children's music", "disney", "indie", "indie folk", "indie pop", "reggaeton", "tropical house",
          "reggae", "folk", "singer-songwriter", "house", "disco")
ARTISTS_PER_GENRE = 3


def small_catalog(per_genre=30, explicit_genres=("rock",), top=(), saved=()):
    """per_genre tracks in each genre, by three artists, on albums a year apart from 1970 to 2022."""
    tracks, artists, albums = [], [], []
    for gi, genre in enumerate(GENRES):
        for ai in range(ARTISTS_PER_GENRE):
            aid = f"a{gi:02d}{ai}"
            artists.append(CatalogArtist(aid, f"{genre} band {ai}", (genre,), popularity=3 - ai))
        for i in range(per_genre):
            year = 1970 + (i * 53 // per_genre)
            aid = f"a{gi:02d}{i % ARTISTS_PER_GENRE}"
            bid = f"{aid}y{year}"
            if not albums or albums[-1].id != bid:
                albums.append(CatalogAlbum(bid, f"album {year}", aid, year, ()))
            uri = f"spotify:track:{gi:02d}{i:03d}"
            tracks.append(CatalogTrack(Track(uri, f"{genre} {i}", (f"{genre} band {i % ARTISTS_PER_GENRE}",),
                                             genre in explicit_genres, 180_000, year), (genre,), bid, (aid,),
                                       popularity=per_genre - i))
            albums[-1] = CatalogAlbum(bid, albums[-1].name, aid, year, albums[-1].track_uris + (uri,))
    playlists = [
        CatalogPlaylist(PlaylistRef("spotify:playlist:official-chill", "Chill Hits", "spotify"), "chill",
                        [t.track.uri for t in tracks[:20]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:user-chill", "my chill evening", "alice"), "chill",
                        [t.track.uri for t in tracks[100:130]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:named", "Sunday jazz", "me"), "",
                        [t.track.uri for t in tracks[:10]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:shared", "our party", "bob", collaborative=True), "",
                        [t.track.uri for t in tracks[200:230]]),
        CatalogPlaylist(PlaylistRef("spotify:playlist:own-era", "my era", "me"), "",
                        [t.track.uri for t in tracks[100:130]]),
    ]
    library = Library("me", saved=list(saved), top_tracks=list(top), top_artists=["a000"],
                      recent=[t.track.uri for t in tracks[300:320]],
                      playlists=[p.ref.uri for p in playlists])
    return MemoryCatalog(tracks, playlists, library, artists=artists, albums=albums)


class FlakyCatalog:
    """Wraps a catalog; raises CatalogError (no answer at all: a network-level failure) while `down` is set."""

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
