"""The simulation's world: the Spotify stand-in's catalogue (device.devtools.standins.spotify_world, searched by the stand-in's
own rules) in memory, and households whose hidden tastes over it are not shaped like the learner.

A household's liking of a track comes from its affinity to the genres of the track's artists (all of them, of the
world's ~70, most of which no rule names, while the learner only sees the label of the query that found a track), a
personal affinity to some artists, a preferred span of years, a mood that moves with the time of day (each artist
has a hidden calmness the learner never sees; households want calm music at night and, some of them, in the evening
or the morning), children in the room (explicit tracks and restless music go down, children's music up) and noise
per track. Its account (saved tracks, top tracks and artists, recently played, own playlists, a friend's
collaborative playlist, and some of the world's public and editorial playlists it follows, whose items the service
refuses) is drawn from the same tastes, as a real account's is.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from device.core.catalog import PlaylistRef
from device.core.values import Track
from device.devtools.memory_catalog import (
    CatalogAlbum,
    CatalogArtist,
    CatalogPlaylist,
    CatalogTrack,
    Library,
    MemoryCatalog,
)
from device.devtools.standins.spotify.search import Search
from device.devtools.standins.spotify_world import World as SpotifyWorld
from device.devtools.standins.spotify_world import spotify_id
from device.devtools.standins.spotify_world_gen import generate as generate_spotify_world

# Genres whose artists are mostly calm (the hidden calmness is drawn around +0.6 for them, around -0.2 otherwise).
CALM_GENRES = {"ambient", "piano", "classical", "acoustic", "chill", "lo-fi", "jazz", "singer-songwriter",
               "bossa nova", "indie folk", "blues", "gospel", "children's music", "disney", "meditation"}
KIDS_GENRES = {"children's music", "disney"}
LOVED_GENRES = 3
LOVED_ARTISTS = 6


@dataclass
class World:
    """The stand-in's world, its records as the in-memory catalogue holds them, and each artist's hidden calmness."""

    source: SpotifyWorld
    genres: list[str]
    artists: list[CatalogArtist]
    tracks: list[CatalogTrack]
    calm: dict[str, float]  # artist id -> hidden calmness -1..1
    catalog: MemoryCatalog  # the shared index, without an account


def build_world(seed: int) -> World:
    """The stand-in's world for `seed` (spotify_world_gen.generate) as an in-memory catalogue whose searches answer
    with the stand-in's ranking (device.devtools.standins.spotify.search), page for page."""
    source = generate_spotify_world(seed)
    rng = random.Random(f"{seed}/calm")
    artists = [CatalogArtist(a.id, a.name, a.genres, popularity=a.popularity) for a in source.artists.values()]
    tracks = []
    for t in source.tracks.values():
        names = tuple(source.artists[a].name for a in t.artist_ids)
        track = Track(t.uri, t.name, names, t.explicit, t.duration_ms, t.year)
        genres = tuple(g for a in t.artist_ids for g in source.artists[a].genres)
        tracks.append(CatalogTrack(track, tuple(dict.fromkeys(genres)), t.album_id, t.artist_ids, t.popularity))
    albums = [CatalogAlbum(al.id, al.name, al.artist_ids[0], al.year, tuple(f"spotify:track:{t}" for t in al.track_ids),
                           album_type=al.album_type, release_date=al.release_date)
              for al in source.albums.values()]
    calm = {a.id: max(-1.0, min(1.0, (0.6 if a.genres[0] in CALM_GENRES else -0.2) + rng.gauss(0, 0.4)))
            for a in source.artists.values()}
    search = Search(source)

    def ranked(kind: str, query: str) -> list[str]:
        return [r.uri if kind == "track" else r.id for r in search.find(kind, query)]

    playlists = [CatalogPlaylist(PlaylistRef(p.uri, p.name, p.owner, p.collaborative), p.description,
                                 [f"spotify:track:{t}" for t in p.track_ids]) for p in source.playlists.values()]
    catalog = MemoryCatalog(tracks, playlists, None, artists=artists, albums=albums, search=ranked)
    return World(source, list(source.genres), artists, tracks, calm, catalog)


@dataclass
class Household:
    ages: list[float]
    latitude: float
    mean_c: float
    genre: dict[str, float]  # affinity per genre
    artist: dict[str, float]  # personal affinity per artist id (on top of its genres)
    decade_peak: float  # the middle of the years they like best
    decade_width: float
    night_calm: float  # how much calmer they want it at night / in the evening / in the morning
    evening_calm: float
    morning_calm: float
    library: Library
    playlists: list[CatalogPlaylist]

    def utility(self, world: World, item: CatalogTrack, tod: str, kids: bool, rng: random.Random | None = None) -> float:
        aid = item.artist_ids[0]
        genre_part = sum(self.genre.get(g, 0.0) for g in item.genres) / len(item.genres)
        year = item.track.year or 2000
        decade_part = -((year - self.decade_peak) / self.decade_width) ** 2 / 2 + 0.5
        want_calm = {"night": self.night_calm, "evening": self.evening_calm, "morning": self.morning_calm}.get(tod, 0.0)
        mood_part = want_calm * world.calm[aid]
        kid_part = 0.0
        if kids:
            kid_part = (-2.5 if item.track.explicit else 0.0) + (1.5 if KIDS_GENRES & set(item.genres) else 0.0) \
                + 0.5 * world.calm[aid]
        noise = rng.gauss(0, 0.6) if rng is not None else 0.0
        return -0.4 + genre_part + self.artist.get(aid, 0.0) + decade_part + mood_part + kid_part + noise


def keep_probability(utility: float) -> float:
    return 1.0 / (1.0 + math.exp(-utility))


PLACES = ((52.1, 4.0), (40.4, 9.0), (60.2, -4.0), (-33.9, 23.0), (1.3, 28.0), (45.5, -2.0))


def make_household(rng: random.Random, world: World, index: int, year: int = 2026) -> Household:
    adults = [rng.uniform(20, 80) for _ in range(rng.choice((1, 2, 2, 3)))]
    kids = [rng.uniform(3, 12) for _ in range(rng.choice((0, 0, 1, 2)))]
    latitude, mean_c = rng.choice(PLACES)
    genre = {g: rng.gauss(-0.3, 0.6) for g in world.genres}
    for g in rng.sample(world.genres, LOVED_GENRES):
        genre[g] = rng.uniform(1.2, 2.0)
    artist = {a.id: rng.gauss(0, 0.5) for a in world.artists}
    for a in rng.sample(world.artists, LOVED_ARTISTS):
        artist[a.id] = rng.uniform(1.5, 2.5)
    formative = year - sum(adults) / len(adults) + 19
    house = Household(adults + kids, latitude, mean_c, genre, artist,
                      decade_peak=formative + rng.gauss(0, 10), decade_width=rng.uniform(8, 25),
                      night_calm=rng.uniform(0.5, 1.5), evening_calm=rng.uniform(-0.3, 1.0),
                      morning_calm=rng.uniform(-0.8, 0.8), library=Library(), playlists=[])
    # the account: what this household saved and played elsewhere, drawn from the same tastes
    scored = sorted(world.tracks, key=lambda t: -(house.utility(world, t, "afternoon", False, rng) + rng.gauss(0, 1.0)))
    saved = [t.track.uri for t in scored[:200]]
    rng.shuffle(saved)
    top = [t.track.uri for t in scored[:50]]
    by_artist: dict[str, float] = {}
    for t in scored[:200]:
        by_artist[t.artist_ids[0]] = by_artist.get(t.artist_ids[0], 0.0) + 1
    top_artists = sorted(by_artist, key=lambda a: -by_artist[a])[:20]
    recent = [t.track.uri for t in rng.sample(scored[:400], 50)]
    user = f"user{index}"
    own = [CatalogPlaylist(PlaylistRef(f"spotify:playlist:{spotify_id(f'household:{index}:own:{j}')}", f"mix {j}",
                                       user), "", [t.track.uri for t in rng.sample(scored[:300], 40)])
           for j in range(2)]
    collab = CatalogPlaylist(PlaylistRef(f"spotify:playlist:{spotify_id(f'household:{index}:collab')}", "party",
                                         f"friend{index}", collaborative=True),
                             "", [t.track.uri for t in rng.sample(scored[:600], 40)])
    # and some of the world's playlists it follows, those that fit its tastes best: other users' (items refused, 403)
    # and Spotify's own (not served at all, 404)
    rank = {t.track.uri: i for i, t in enumerate(scored)}
    worst = len(scored)

    def fit(p) -> float:
        ranks = [rank.get(f"spotify:track:{t}", worst) for t in p.track_ids]
        return sum(ranks) / max(1, len(ranks))

    public = sorted((p for p in world.source.playlists.values() if p.public and not p.editorial
                     and p.owner != world.source.listener.user_id), key=fit)
    editorial = sorted((p for p in world.source.playlists.values() if p.editorial), key=fit)
    followed = [p.uri for p in public[:3] + editorial[:2]]
    house.playlists = own + [collab]
    house.library = Library(user, saved, top, top_artists, recent, [p.ref.uri for p in house.playlists] + followed)
    return house


def catalog_for(world: World, house: Household) -> MemoryCatalog:
    """The shared catalogue seen through one household's account."""
    return world.catalog.with_account(house.library, house.playlists)
