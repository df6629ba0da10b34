"""The second households file's world (device/devtools/households_routines.py): each recording's energy, cheer and
family of genres over the messy catalogue, drawn around each genre's real-world character, and seeded draws."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from device.devtools.messy_world import build

YEAR_NOW = 2026
_ND = NormalDist()

# Each genre's energy (0 still .. 1 intense), cheer (-1 sombre .. 1 joyful) and family (for jarring transitions).
GENRE_CHARACTER = {
    "pop": (.65, .5, "pop"), "rock": (.7, .1, "rock"), "jazz": (.35, .2, "groove"), "soul": (.45, .3, "groove"),
    "funk": (.7, .6, "groove"), "dance": (.85, .5, "electronic"), "acoustic": (.3, .1, "calm"),
    "chill": (.25, .1, "calm"), "lo-fi": (.2, 0, "calm"), "bossa nova": (.35, .4, "groove"),
    "reggae": (.5, .5, "world"), "reggaeton": (.8, .5, "urban"), "tropical house": (.7, .6, "electronic"),
    "indie": (.55, 0, "rock"), "indie folk": (.35, 0, "folk"), "indie pop": (.6, .4, "pop"),
    "ambient": (.1, 0, "calm"), "piano": (.15, -.1, "calm"), "classical": (.3, 0, "calm"),
    "hip-hop": (.7, .1, "urban"), "electronic": (.7, .1, "electronic"), "country": (.5, .3, "folk"),
    "children's music": (.6, .8, "pop"), "disney": (.55, .7, "pop"), "metal": (.95, -.4, "rock"),
    "k-pop": (.8, .6, "pop"), "j-pop": (.7, .5, "pop"), "blues": (.4, -.4, "groove"),
    "techno": (.9, 0, "electronic"), "house": (.85, .4, "electronic"), "drum and bass": (.95, 0, "electronic"),
    "punk": (.9, -.1, "rock"), "grunge": (.8, -.5, "rock"), "emo": (.75, -.6, "rock"), "shoegaze": (.55, -.3, "rock"),
    "synthwave": (.65, .1, "electronic"), "trap": (.75, -.1, "urban"), "drill": (.75, -.4, "urban"),
    "r&b": (.5, .2, "urban"), "gospel": (.55, .5, "groove"), "afrobeats": (.75, .6, "urban"),
    "afrobeat": (.7, .5, "world"), "cumbia": (.7, .7, "world"), "salsa": (.8, .7, "world"),
    "flamenco": (.6, .1, "folk"), "fado": (.3, -.6, "folk"), "bluegrass": (.6, .4, "folk"),
    "opera": (.45, -.1, "calm"), "ska": (.8, .6, "world"), "new wave": (.65, .1, "rock"), "disco": (.8, .8, "groove"),
    "trip hop": (.4, -.3, "electronic"), "dream pop": (.4, -.2, "calm"), "post-rock": (.5, -.2, "rock"),
    "bollywood": (.7, .5, "pop"), "latin pop": (.75, .6, "pop"), "mariachi": (.65, .5, "world"),
    "swing": (.65, .6, "groove"), "motown": (.6, .6, "groove"), "singer-songwriter": (.3, -.2, "folk"),
    "hard rock": (.85, 0, "rock"), "progressive rock": (.6, 0, "rock"), "garage rock": (.8, .1, "rock"),
    "chanson": (.35, -.1, "folk"), "schlager": (.6, .6, "pop"), "celtic": (.5, .3, "folk"),
    "soundtrack": (.4, 0, "calm"), "meditation": (.05, .1, "calm"), "sea shanties": (.6, .5, "folk"),
}


def unit(*key) -> float:
    """A uniform number in (0, 1) from a key: the same key, the same number, whatever was drawn before."""
    return (zlib.crc32("|".join(map(str, key)).encode()) + 0.5) / 4294967296.0


def gauss(*key) -> float:
    return _ND.inv_cdf(unit(*key))


def clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x



# ------------------------------------------------------------------ the catalogue, and each recording's character

@dataclass(frozen=True)
class Recording:
    uri: str  # the first release's
    energy: float
    cheer: float
    families: frozenset[str]
    genres: tuple[str, ...]
    artist_ids: tuple[str, ...]
    year: int
    pop: float  # the recording's popularity as a z-score within the catalogue
    explicit: bool
    duration_s: float


@dataclass
class World:
    messy: object
    recordings: dict[str, Recording]  # recording URI -> character
    of_release: dict[str, str]  # release URI -> recording URI
    releases: dict[str, list[str]]  # recording URI -> its releases' URIs (the first first)
    by_genre: dict[str, list[str]]  # genre -> recording URIs
    by_artist: dict[str, list[str]]  # artist id -> recording URIs
    artist_genres: dict[str, tuple[str, ...]]
    genres: tuple[str, ...]


@lru_cache(maxsize=2)
def world_of(seed: int) -> World:
    messy = build(seed)
    src = messy.source
    artist_tone = {a: (gauss(seed, "ae", a) * .12, gauss(seed, "ac", a) * .2) for a in src.artists}
    firsts = [t for t in src.tracks.values() if not t.original_id]
    pops = [t.popularity for t in firsts]
    mean = sum(pops) / len(pops)
    sd = (sum((p - mean) ** 2 for p in pops) / len(pops)) ** .5 or 1.0
    recordings, releases, of_release = {}, {}, {}
    by_genre: dict[str, list[str]] = {}
    by_artist: dict[str, list[str]] = {}
    for t in firsts:
        uri = f"spotify:track:{t.id}"
        genres = tuple(dict.fromkeys(g for a in t.artist_ids for g in src.artists[a].genres))
        known = [GENRE_CHARACTER[g] for g in genres if g in GENRE_CHARACTER] or [(.5, .2, "pop")]
        ae, ac = artist_tone[t.artist_ids[0]]
        energy = clamp(sum(k[0] for k in known) / len(known) + ae + gauss(seed, "re", uri) * .12, 0, 1)
        cheer = clamp(sum(k[1] for k in known) / len(known) + ac + gauss(seed, "rc", uri) * .25, -1, 1)
        recordings[uri] = Recording(uri, energy, cheer, frozenset(k[2] for k in known), genres, t.artist_ids,
                                    t.year, (t.popularity - mean) / sd, t.explicit, t.duration_ms / 1000)
        for g in genres:
            by_genre.setdefault(g, []).append(uri)
        for a in t.artist_ids:
            by_artist.setdefault(a, []).append(uri)
    for t in src.tracks.values():
        first = f"spotify:track:{t.original_id or t.id}"
        if first in recordings:
            of_release[t.uri] = first
            releases.setdefault(first, []).append(t.uri)
    for uri, found in releases.items():
        found.sort(key=lambda u: (u != uri, u))
    return World(messy, recordings, of_release, releases, by_genre, by_artist,
                 {a.id: a.genres for a in src.artists.values()}, tuple(src.genres))


def release_of(w: World, rec: str, key: str) -> str:
    """The release of a recording this account plays (usually the first, sometimes a remaster or a compilation's)."""
    found = w.releases.get(rec, [rec])
    return found[0] if len(found) == 1 or unit(key, rec) < .7 else found[1 + int(unit(key, "v", rec) *
                                                                                  (len(found) - 1))]
