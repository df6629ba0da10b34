"""A catalogue as messy as the service's, for the project's simulated households: the stand-in's generated world (with
its remasters, reissues, singles and compilations of the same recordings, dated by the re-release) searched with a
loose genre filter (a genre word matches every genre holding it, the genre's neighbours as the Spotify stand-in's
search brings them (soul brings funk and motown), and track titles), genre words that find nothing, and ranking by
hidden popularity with noise. Each recording has hidden traits (calmness, brightness, quality) that no
answer carries; its re-releases (the stand-in's `original_id`) share them."""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

from device.core.values import Track
from device.devtools.memory_catalog import CatalogAlbum, CatalogArtist, CatalogTrack, MemoryCatalog, parse_query
from device.devtools.standins.spotify_world import RELATED
from device.devtools.standins.spotify_world import World as SpotifyWorld
from device.devtools.standins.spotify_world_gen import generate

# Genre words the service's genre filter does not know: they find nothing (the artists still have them).
DEAD_GENRES = frozenset({"acoustic", "chill", "feel good"})
# Real-world character of genres, for the hidden traits (not the rules' lists: drawn around these, then per artist
# and per recording).
CALM = {"ambient": 1.0, "piano": 0.9, "classical": 0.8, "meditation": 1.0, "acoustic": 0.6, "chill": 0.7,
        "lo-fi": 0.7, "jazz": 0.4, "bossa nova": 0.6, "singer-songwriter": 0.4, "indie folk": 0.5, "blues": 0.2,
        "gospel": 0.2, "children's music": 0.3, "disney": 0.2, "fado": 0.4, "dream pop": 0.4, "trip hop": 0.4,
        "post-rock": 0.3, "opera": 0.2, "chanson": 0.3, "celtic": 0.3, "soundtrack": 0.3,
        "metal": -0.9, "hard rock": -0.7, "punk": -0.8, "drum and bass": -0.8, "techno": -0.7, "drill": -0.6,
        "trap": -0.5, "dance": -0.6, "house": -0.5, "edm": -0.7, "grunge": -0.6, "garage rock": -0.5,
        "hip-hop": -0.3, "reggaeton": -0.5, "ska": -0.4, "emo": -0.4, "disco": -0.4, "k-pop": -0.3}
BRIGHT = {"pop": 0.6, "funk": 0.7, "dance": 0.6, "disco": 0.8, "reggae": 0.5, "reggaeton": 0.5, "tropical house": 0.7,
          "latin pop": 0.6, "salsa": 0.7, "cumbia": 0.7, "afrobeats": 0.6, "ska": 0.6, "motown": 0.7, "k-pop": 0.6,
          "j-pop": 0.5, "indie pop": 0.4, "soul": 0.3, "swing": 0.5, "children's music": 0.8, "disney": 0.7,
          "bossa nova": 0.3, "sea shanties": 0.5, "schlager": 0.6, "mariachi": 0.5, "bluegrass": 0.3,
          "blues": -0.5, "fado": -0.7, "shoegaze": -0.4, "emo": -0.6, "grunge": -0.6, "post-rock": -0.3,
          "dream pop": -0.2, "trip hop": -0.4, "singer-songwriter": -0.2, "metal": -0.3, "drill": -0.5,
          "ambient": -0.1, "classical": -0.1, "opera": -0.2}
_SPLIT = re.compile(r"[\s\-/&]+")


@dataclass(frozen=True)
class Traits:
    calm: float  # -1 restless .. 1 calm
    bright: float  # -1 dark .. 1 bright
    quality: float  # how well made it is, as most people hear it (sd about 0.7)
    year: int  # the year the recording was made (a reissue's catalogue year is later)


@dataclass
class MessyWorld:
    source: SpotifyWorld
    genres: tuple[str, ...]
    tracks: list[CatalogTrack]  # every release of every recording
    recording: dict[str, str]  # track URI -> its recording's URI (the original release's)
    traits: dict[str, Traits]  # recording URI -> hidden traits
    artist_genres: dict[str, tuple[str, ...]]  # artist id -> true genres
    catalog: MemoryCatalog  # the shared index, without an account

    def genres_of(self, uri: str) -> tuple[str, ...]:
        item = self.catalog.item(uri)
        return item.genres if item else ()


def _noise(query: str, key: str) -> float:
    return (zlib.crc32(f"{query}|{key}".encode()) % 1000) / 1000.0


EXACT, BY_WORDS, NEIGHBOUR = 2, 1, 0.25


def genre_matches(query_genre: str, genre: str) -> float:
    """EXACT, BY_WORDS (the query's words all in the genre's, or the genre's in the query's), NEIGHBOUR (a genre the
    service's filter brings with it, as the Spotify stand-in's: device.devtools.standins.spotify.genres), 0 none."""
    if query_genre == genre:
        return EXACT
    q, g = set(_SPLIT.split(query_genre)), set(_SPLIT.split(genre))
    if q <= g or g <= q:
        return BY_WORDS
    return NEIGHBOUR if genre in RELATED.get(query_genre, ()) else 0


def _rel(t: Track, years, words) -> bool:
    if years is not None and (t.year is None or not years[0] <= t.year <= years[1]):
        return False
    text = (t.name + " " + " ".join(t.artists)).lower()
    return all(w in text for w in words)


class LooseSearch:
    """The search rules of this world: (kind, query) -> every matching track URI or artist id, best first."""

    def __init__(self, tracks: list[CatalogTrack], artists: list[CatalogArtist], years_of: dict[str, set[int]]):
        self.tracks, self.artists, self.years_of = tracks, artists, years_of

    def __call__(self, kind: str, query: str) -> list[str]:
        words, genre, years = parse_query(query)
        if genre is not None and genre in DEAD_GENRES:
            return []
        if kind == "artist":
            scored = []
            for a in self.artists:
                match = max((genre_matches(genre, g) for g in a.genres), default=0) if genre else EXACT
                if not match or not all(w in a.name.lower() for w in words):
                    continue
                if years is not None and not any(years[0] <= y <= years[1] for y in self.years_of.get(a.id, ())):
                    continue
                weight = {EXACT: 1.0, BY_WORDS: 0.7, NEIGHBOUR: 0.5}[match]
                scored.append((a.popularity * weight + 25 * _noise(query, a.id), a.id))
            return [i for _, i in sorted(scored, reverse=True)]
        scored = []
        for item in self.tracks:
            t = item.track
            if not _rel(t, years, words):
                continue
            if genre is None:
                match = EXACT
            else:
                match = max((genre_matches(genre, g) for g in item.genres), default=0)
                if not match and genre in t.name.lower():
                    match = 0.5  # the loose filter also finds the word in titles
            if match:
                weight = {EXACT: 1.0, BY_WORDS: 0.75, 0.5: 0.5, NEIGHBOUR: 0.5}[match]  # 0.5: in the title
                scored.append((item.popularity * weight + 30 * _noise(query, t.uri), t.uri))
        return [u for _, u in sorted(scored, reverse=True)]


@lru_cache(maxsize=2)
def build(seed: int) -> MessyWorld:
    """The messy world for `seed` (the same seed, the same world)."""
    source = generate(seed)
    artists = [CatalogArtist(a.id, a.name, a.genres, popularity=a.popularity) for a in source.artists.values()]
    tracks: list[CatalogTrack] = []
    recording: dict[str, str] = {}
    years_of: dict[str, set[int]] = {}
    for t in source.tracks.values():  # first releases first, then their re-releases (spotify_world_reissues)
        names = tuple(source.artists[a].name for a in t.artist_ids)
        genres = tuple(dict.fromkeys(g for a in t.artist_ids for g in source.artists[a].genres))
        tracks.append(CatalogTrack(Track(t.uri, t.name, names, t.explicit, t.duration_ms, t.year), genres,
                                   t.album_id, t.artist_ids, t.popularity))
        recording[t.uri] = f"spotify:track:{t.original_id or t.id}"
        for a in t.artist_ids:
            years_of.setdefault(a, set()).add(t.year)
    albums = [CatalogAlbum(al.id, al.name, al.artist_ids[0], al.year,
                           tuple(f"spotify:track:{t}" for t in al.track_ids), album_type=al.album_type,
                           release_date=al.release_date) for al in source.albums.values()]
    traits = _traits(source, seed)
    catalog = MemoryCatalog(tracks, [], None, artists=artists, albums=albums,
                            search=LooseSearch(sorted(tracks, key=lambda x: x.track.uri), artists, years_of))
    return MessyWorld(source, tuple(source.genres), tracks, recording, traits,
                      {a.id: a.genres for a in source.artists.values()}, catalog)


def _traits(source: SpotifyWorld, seed: int) -> dict[str, Traits]:
    rng = random.Random(f"{seed}/traits")
    genre_calm = {g: CALM.get(g, 0.0) + rng.gauss(0, 0.2) for g in source.genres}
    genre_bright = {g: BRIGHT.get(g, 0.0) + rng.gauss(0, 0.2) for g in source.genres}
    artist = {}
    for a in source.artists.values():
        calm = sum(genre_calm[g] for g in a.genres) / len(a.genres) + rng.gauss(0, 0.35)
        bright = sum(genre_bright[g] for g in a.genres) / len(a.genres) + rng.gauss(0, 0.35)
        artist[a.id] = (calm, bright, rng.gauss(0, 0.4))
    recordings = sorted((t for t in source.tracks.values() if not t.original_id), key=lambda t: t.id)
    pops = sorted(t.popularity for t in recordings)
    mid = pops[len(pops) // 2] or 1
    out = {}
    for t in recordings:  # a re-release shares its recording's traits (and year: the recording's)
        calm, bright, craft = artist[t.artist_ids[0]]
        clamp = lambda x: max(-1.0, min(1.0, x))  # noqa: E731
        quality = craft + 0.25 * (t.popularity - mid) / mid + rng.gauss(0, 0.5)
        out[t.uri] = Traits(clamp(calm + rng.gauss(0, 0.3)), clamp(bright + rng.gauss(0, 0.3)), quality, t.year)
    return out
