"""The simulation's world: a catalogue shaped like Spotify's (artists with several genres, albums by year, search by
popularity) and households whose hidden tastes are not shaped like the learner.

A household's liking of a track comes from its affinity to the artist's genres (all of them, many of which no rule
names, while the learner only sees the label of the query that found a track), a personal affinity to some artists,
a preferred span of decades, a mood that moves with the time of day (each artist has a hidden calmness the learner
never sees; households want calm music at night and, some of them, in the morning), children in the room (explicit
tracks and loud music go down, children's music up) and noise per track. Its library (saved tracks, top tracks and
artists, recently played, own playlists) is drawn from the same tastes, as a real account's is.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from device.config.schema import Config
from device.catalog import PlaylistRef
from device.music.memory_catalog import CatalogAlbum, CatalogArtist, CatalogPlaylist, CatalogTrack, Library, MemoryCatalog
from device.music.rules import default_rules
from device.music.sources import explore_genres
from device.values import Track

# Genres no default rule names or means: tastes may love them; only the personal sources and related artists reach them.
EXTRA_GENRES = ("hip hop", "metal", "classical", "country", "electronic", "k-pop", "blues", "techno", "latin", "punk",
                "gospel", "afrobeat", "grunge", "shoegaze", "trap", "bluegrass")
ARTISTS_PER_GENRE = 14
EXPLICIT_GENRES = {"hip hop": 0.55, "trap": 0.7, "reggaeton": 0.4, "metal": 0.3, "punk": 0.3, "grunge": 0.2}
CALM_GENRES = {"ambient", "piano", "classical", "acoustic", "chill", "lo-fi", "jazz", "folk", "singer-songwriter",
               "bossa nova", "indie folk", "blues", "gospel", "children's music", "disney"}
LOVED_GENRES = 3
LOVED_ARTISTS = 6


@dataclass
class World:
    genres: list[str]
    artists: list[CatalogArtist]
    tracks: list[CatalogTrack]
    albums: list[CatalogAlbum]
    calm: dict[str, float]  # artist id -> hidden calmness -1..1
    catalog: MemoryCatalog  # the shared index, without a library


def build_world(rng: random.Random, config: Config) -> World:
    """Artists (one main genre and up to two neighbouring ones), their albums by year and the albums' tracks."""
    genres = sorted(set(explore_genres(default_rules(config))) | set(EXTRA_GENRES))
    artists: list[CatalogArtist] = []
    albums: list[CatalogAlbum] = []
    tracks: list[CatalogTrack] = []
    calm: dict[str, float] = {}
    for gi, genre in enumerate(genres):
        for ai in range(ARTISTS_PER_GENRE):
            aid = f"a{gi:02d}{ai:02d}"
            extra = [genres[(gi + rng.choice((-2, -1, 1, 2, 7, 13))) % len(genres)] for _ in range(rng.choice((0, 1, 1, 2)))]
            artist = CatalogArtist(aid, f"{genre.title()} Artist {ai}", tuple(dict.fromkeys([genre] + extra)),
                                   popularity=rng.lognormvariate(0, 1))
            artists.append(artist)
            calm[aid] = max(-1.0, min(1.0, (0.6 if genre in CALM_GENRES else -0.2) + rng.gauss(0, 0.4)))
            start = rng.randint(1955, 2020)
            for bi in range(rng.choice((2, 3, 3, 4, 5))):
                year = min(2026, start + bi * rng.randint(1, 5))
                bid = f"{aid}b{bi}"
                uris = []
                for ti in range(rng.randint(6, 11)):
                    uri = f"spotify:track:{bid}t{ti:02d}"
                    explicit = rng.random() < EXPLICIT_GENRES.get(genre, 0.05)
                    track = Track(uri, f"{artist.name} song {bi}.{ti}", (artist.name,), explicit,
                                  rng.randint(150_000, 300_000), year)
                    tracks.append(CatalogTrack(track, artist.genres, bid, (aid,),
                                               artist.popularity * rng.lognormvariate(0, 0.5)))
                    uris.append(uri)
                albums.append(CatalogAlbum(bid, f"{artist.name} album {bi}", aid, year, tuple(uris)))
    catalog = MemoryCatalog(tracks, [], None, artists=artists, albums=albums)
    return World(genres, artists, tracks, albums, calm, catalog)


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
            kid_part = (-2.5 if item.track.explicit else 0.0) + (1.5 if "children's music" in item.genres
                                                                  or "disney" in item.genres else 0.0) \
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
    own = [CatalogPlaylist(PlaylistRef(f"spotify:playlist:h{index}p{j}", f"mix {j}", user),
                           "", [t.track.uri for t in rng.sample(scored[:300], 40)]) for j in range(2)]
    collab = CatalogPlaylist(PlaylistRef(f"spotify:playlist:h{index}c", "party", f"friend{index}", collaborative=True),
                             "", [t.track.uri for t in rng.sample(scored[:600], 40)])
    followed = [CatalogPlaylist(PlaylistRef(f"spotify:playlist:h{index}f{j}", f"followed {j}", owner),
                                "", [t.track.uri for t in rng.sample(world.tracks, 40)])
                for j, owner in enumerate(("spotify", f"stranger{index}"))]
    house.playlists = own + [collab] + followed
    house.library = Library(user, saved, top, top_artists, recent, [p.ref.uri for p in house.playlists])
    return house


def catalog_for(world: World, house: Household) -> MemoryCatalog:
    """The shared catalogue seen through one household's account."""
    return world.catalog.with_account(house.library, house.playlists)
