"""A second households file: rooms of several people with their own tastes, daily routines, and an account built from a year of listening.

What these households assume, and why (written from the households protocol only, apart from the learner and from the
project's own households file). A household is people, not one taste: one to five members (parents, children,
teenagers, flatmates, retirees, now and then a guest), each with a taste of their own drawn around their generation
(children's music for the small ones, the music of one's own youth for adults, what is new for teenagers), a few loved
and hated genres, favourite and unbearable artists, and a private liking of each recording. Who is in the room decides
what the room wants, in the household's own way: in some the least pleased person decides (anyone vetoes), in some
the account's owner dominates, in some everyone counts alike, in families the children weigh double. Listening follows
routines (weekday breakfasts, cooking, dinners, bedtime songs, Saturday cleaning, slow weekend mornings, working from
home, winding down, Friday parties), each with its own people, length, hour and mood (energy and cheer); a moment's
mood is drawn once and persists across its tracks. Weather moves the mood in
some households and not at all in others. Hearing a recording again tires a household on its own time scale (hours
for some, weeks for others); a few comfort favourites hardly tire; novelty seekers prefer what they never heard and
familiarity lovers what they know. Within a moment, a jarring change of energy or of family of genres from the previous
track, or the same artist again, lowers the appeal, and attention to the buttons grows over a long session. Presses
are sparse and human: nobody gets up at dinner, small children cannot press, some people press readily and others
never, skips come mostly in the first seconds, likes are rare. The account is the owner's (shared with the family in
some households): a simulated year of the owner's listening elsewhere (and the family's on the same account) gives its
saved tracks, its most played tracks (top tracks really are the most played of the last months) and its top artists;
some owners went through a phase they are now tired of, whose tracks still fill the top. Over the month the owner keeps
listening elsewhere and saving discoveries; every play of 30 s or more, the speaker's included, goes into recently
played, and each week the top tracks and artists are counted again. The catalogue is the messy stand-in's
(device.devtools.messy_world), searched as the real service; each recording's energy, cheer and family of genres are
this file's own, drawn around each genre's real-world character; a re-release shares its recording's.
"""

from __future__ import annotations

import bisect
import math
import random
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from statistics import NormalDist

from device.core.catalog import PlaylistRef
from device.core.values import Track, WeatherReading
from device.devtools.households_protocol import Moment, Reaction
from device.devtools.memory_catalog import CatalogPlaylist, Library
from device.devtools.messy_world import build

YEAR_NOW = 2026
ELSEWHERE = .2  # a play away from the speaker (the owner alone, on headphones) tires the room a fifth of one it heard
_ND = NormalDist()

# Each genre's energy (0 still .. 1 intense), cheer (-1 sombre .. 1 joyful) and family (for jarring transitions).
_GENRES = {
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

# Generations' leanings (added to each person's own, random taste).
_COHORTS = {
    "child": {"children's music": 1.4, "disney": 1.2, "pop": .6, "k-pop": .4, "dance": .3, "soundtrack": .3,
              "metal": -.8, "opera": -.6, "meditation": -.4, "jazz": -.4, "drill": -.6, "fado": -.5, "blues": -.4},
    "teen": {"hip-hop": .8, "trap": .7, "pop": .6, "k-pop": .5, "drill": .5, "dance": .4, "r&b": .5, "emo": .3,
             "reggaeton": .4, "house": .3, "children's music": -1.3, "disney": -.5, "opera": -.8, "schlager": -.8,
             "swing": -.6, "classical": -.5, "bluegrass": -.5, "chanson": -.5},
    "young": {"indie": .4, "pop": .3, "hip-hop": .3, "house": .3, "electronic": .3, "r&b": .3, "lo-fi": .3,
              "indie pop": .3, "afrobeats": .2, "children's music": -.9, "schlager": -.5, "opera": -.4, "swing": -.2},
    "adult": {"rock": .4, "pop": .3, "soul": .3, "indie": .2, "new wave": .3, "funk": .2, "jazz": .1, "r&b": .1,
              "children's music": -.5, "drill": -.6, "trap": -.5, "metal": -.2, "drum and bass": -.3},
    "senior": {"jazz": .4, "swing": .5, "motown": .5, "classical": .5, "opera": .3, "soul": .4, "chanson": .4,
               "blues": .3, "country": .2, "schlager": .2, "techno": -.8, "trap": -1.0, "drill": -1.0, "metal": -.8,
               "drum and bass": -.8, "hip-hop": -.5, "punk": -.6, "house": -.4},
}

# Routines: (energy, cheer, how narrow the mood is, attention to the buttons, tracks (low, high)).
_ROUTINES = {
    "breakfast": (.5, .4, .28, .45, (3, 6)),
    "weekend_morning": (.4, .5, .3, .9, (6, 14)),
    "cooking": (.55, .4, .3, .75, (4, 8)),
    "dinner": (.35, .3, .25, .3, (5, 10)),
    "bedtime": (.12, .3, .18, .6, (3, 6)),
    "cleaning": (.75, .5, .25, .6, (8, 16)),
    "focus": (.25, .1, .18, .65, (6, 14)),
    "winddown": (.2, 0, .2, .75, (4, 10)),
    "party": (.85, .5, .2, .6, (10, 20)),
    "kids_play": (.65, .7, .3, .8, (4, 9)),
    "afternoon": (.35, .3, .3, .7, (4, 9)),
}

# Places: (latitude, UTC offset hours, mean temperature, seasonal swing, wet days share).
_PLACES = [(52.5, 1, 10, 9, .45), (51.5, 0, 11, 7, .5), (40.4, 1, 15, 10, .25), (59.3, 1, 7, 11, .45),
           (45.5, -5, 7, 15, .4), (34.0, -8, 18, 4, .12), (-33.9, 10, 18, 5, .3), (38.7, 0, 17, 6, .3),
           (60.2, 2, 6, 12, .45), (-23.5, -3, 21, 3, .4), (48.9, 1, 12, 8, .4), (41.9, 1, 16, 9, .3)]
_KINDS = (("family", .32), ("couple", .24), ("solo", .18), ("flatshare", .1), ("retirees", .16))
_STYLES = {"family": ("veto", "owner", "kids", "mean"), "couple": ("veto", "owner", "mean"),
           "solo": ("owner",), "flatshare": ("veto", "owner", "mean"), "retirees": ("veto", "owner", "mean")}


def _unit(*key) -> float:
    """A uniform number in (0, 1) from a key: the same key, the same number, whatever was drawn before."""
    return (zlib.crc32("|".join(map(str, key)).encode()) + 0.5) / 4294967296.0


def _gauss(*key) -> float:
    return _ND.inv_cdf(_unit(*key))


def _clamp(x: float, lo: float, hi: float) -> float:
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
def _world(seed: int) -> World:
    messy = build(seed)
    src = messy.source
    artist_tone = {a: (_gauss(seed, "ae", a) * .12, _gauss(seed, "ac", a) * .2) for a in src.artists}
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
        known = [_GENRES[g] for g in genres if g in _GENRES] or [(.5, .2, "pop")]
        ae, ac = artist_tone[t.artist_ids[0]]
        energy = _clamp(sum(k[0] for k in known) / len(known) + ae + _gauss(seed, "re", uri) * .12, 0, 1)
        cheer = _clamp(sum(k[1] for k in known) / len(known) + ac + _gauss(seed, "rc", uri) * .25, -1, 1)
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


# ------------------------------------------------------------------ people

@dataclass(eq=False)
class Person:
    role: str  # owner, partner, child, teen, flatmate, grandparent, friend
    age: float
    genre_w: dict[str, float]
    loves: tuple[str, ...]
    fav_artists: frozenset[str]
    bad_artists: frozenset[str]
    era_peak: int  # the year of their youth's music
    era_w: float  # nostalgia (adults) or a taste for what is new (the young)
    mainstream: float  # how much a recording's popularity pleases them (negative: they avoid the obvious)
    mood_w: float  # how much the moment's mood matters to them
    will: float  # readiness to press skip (0: never touches the buttons)
    like_rate: float  # readiness to press like when delighted
    explicit_w: float  # dislike of explicit lyrics with a child in the room
    key: str
    cache: dict[str, float] = field(default_factory=dict, repr=False)

    def static(self, w: World, rec: Recording) -> float:
        """The person's lasting liking of a recording, whatever the moment."""
        found = self.cache.get(rec.uri)
        if found is not None:
            return found
        ws = [self.genre_w.get(g, 0.0) for g in rec.genres] or [0.0]
        v = .65 * max(ws) + .35 * sum(ws) / len(ws)
        if any(a in self.fav_artists for a in rec.artist_ids):
            v += .8
        if any(a in self.bad_artists for a in rec.artist_ids):
            v -= 1.0
        if self.age >= 20:
            v += self.era_w * math.exp(-((rec.year - self.era_peak) / 9.0) ** 2)
        else:
            v += self.era_w * (1.0 if rec.year >= YEAR_NOW - 6 else -.4 if rec.year < 2000 else 0.0)
        v += self.mainstream * _clamp(rec.pop, -2, 2.5)
        v += .5 * _gauss(self.key, rec.uri)  # a private liking of this recording
        self.cache[rec.uri] = v
        return v


def _cohort(age: float) -> str:
    return "child" if age <= 12 else "teen" if age < 20 else "young" if age < 36 else "adult" if age < 56 else "senior"


def _person(rng: random.Random, w: World, role: str, age: float, key: str, shared: tuple[str, ...] = ()) -> Person:
    prior = _COHORTS[_cohort(age)]
    genre_w = {g: prior.get(g, 0.0) + rng.gauss(0, .35) for g in w.genres}
    ranked = sorted(w.genres, key=lambda g: -(genre_w[g] + rng.gauss(0, .5)))
    loves = tuple(dict.fromkeys(list(shared) + ranked[:rng.randint(2, 4)]))[:5]
    for g in loves:
        genre_w[g] += 1.0
    for g in ranked[-rng.randint(1, 4):]:
        if g not in loves:
            genre_w[g] -= 1.0
    loved_artists = sorted({a for g in loves for a in w.messy.source._by_genre.get(g, ())})
    fav = frozenset(rng.sample(loved_artists, min(len(loved_artists), rng.randint(3, 8))))
    others = [a for a in sorted(w.artist_genres) if a not in fav]
    bad = frozenset(rng.sample(others, rng.randint(2, 6)))
    child = age <= 12
    return Person(role, age, genre_w, loves, fav, bad, era_peak=int(YEAR_NOW - age + 17),
                  era_w=rng.uniform(.1, .7) if not child else rng.uniform(0, .3),
                  mainstream=rng.uniform(-.15, .3) if not child else rng.uniform(.1, .35),
                  mood_w=rng.uniform(.4, 1.3) if age >= 13 else rng.uniform(.1, .5),
                  will=0.0 if age < 5 else rng.uniform(.3, .7) if child else rng.uniform(.5, 1.0),
                  like_rate=0.0 if age < 5 else rng.uniform(.0, .12),
                  explicit_w=(rng.uniform(.8, 2.0) if role in ("owner", "partner", "grandparent")
                              else rng.uniform(0, .6)) if not child else 0.0,
                  key=key)


# ------------------------------------------------------------------ a household's make-up and its year of listening

@dataclass
class Routine:
    name: str
    hour: float  # local hour it usually starts
    days: tuple[int, ...]  # weekdays (0 Monday)
    chance: float  # that it happens on one of those days
    who: tuple[int, ...]  # members present (indices)
    sometimes: tuple[int, ...] = ()  # members present now and then


@dataclass
class Profile:
    index: int
    seed: int
    kind: str
    style: str  # veto, owner, kids, mean
    members: list[Person]
    guests: list[Person]
    routines: list[Routine]
    place: tuple
    tz: timezone
    start: datetime  # local midnight of the first day (a Monday)
    half_life_h: float  # how long hearing a recording again tires this household
    tiring_w: float
    familiarity: float  # > 0 likes what it knows; < 0 seeks what it never heard
    comfort: frozenset[str]  # recordings that hardly tire
    jar_w: float  # how much a jarring transition bothers
    late_w: float  # how attention to the buttons grows in a long session
    weather_w: float  # how much the weather moves the mood
    threshold: float  # the room's appeal below which skips become likely
    user: str
    # the account, as a simulated year left it (copied for each fresh household)
    history: list[tuple[float, str]]  # (Unix seconds, release URI) of the account's plays, oldest first
    saved: list[str]  # newest first
    playlists: list[CatalogPlaylist]
    followed: list[str]
    pool: list[str]  # recordings the owner listens to elsewhere
    pool_w: list[float]
    exposure: dict[str, tuple[float, float]]  # recording URI -> (decayed plays, at)
    stale: frozenset[str]  # a past phase's recordings the household is tired of


def _members(rng: random.Random, w: World, kind: str, key: str) -> tuple[list[Person], list[Person]]:
    def p(role, age, i, shared=()):
        return _person(rng, w, role, age, f"{key}/{i}", shared)

    if kind == "family":
        owner = p("owner", rng.uniform(32, 52), 0)
        partner = p("partner", _clamp(owner.age + rng.gauss(0, 3), 28, 58), 1, owner.loves[:rng.randint(0, 2)])
        kids = [p("child" if a <= 12 else "teen", a, 2 + i)
                for i, a in enumerate(sorted((rng.uniform(2, 17) for _ in range(rng.choice((1, 2, 2, 3)))),
                                             reverse=True))]
        members = [owner, partner] + kids
        guests = [p("grandparent", rng.uniform(62, 82), 9)]
    elif kind == "couple":
        owner = p("owner", rng.uniform(24, 70), 0)
        members = [owner, p("partner", _clamp(owner.age + rng.gauss(0, 4), 22, 75), 1,
                            owner.loves[:rng.randint(0, 2)])]
        guests = [p("friend", _clamp(owner.age + rng.gauss(0, 5), 20, 75), 9)]
    elif kind == "solo":
        owner = p("owner", rng.uniform(22, 75), 0)
        members = [owner]
        guests = [p("friend", _clamp(owner.age + rng.gauss(0, 5), 20, 80), 8 + i) for i in range(2)]
    elif kind == "flatshare":
        members = [p("owner" if i == 0 else "flatmate", rng.uniform(19, 31), i) for i in range(rng.randint(2, 4))]
        guests = [p("friend", rng.uniform(19, 31), 8 + i) for i in range(3)]
    else:  # retirees
        owner = p("owner", rng.uniform(62, 84), 0)
        members = [owner] + ([p("partner", _clamp(owner.age + rng.gauss(0, 3), 60, 88), 1,
                                 owner.loves[:rng.randint(0, 2)])] if rng.random() < .7 else [])
        guests = [p("child", rng.uniform(4, 11), 9)]  # a grandchild on some weekends
    return members, guests


def _routines(rng: random.Random, kind: str, members: list[Person]) -> list[Routine]:
    everyone = tuple(range(len(members)))
    adults = tuple(i for i, m in enumerate(members) if m.age >= 18)
    young = tuple(i for i, m in enumerate(members) if m.age < 18)
    small = tuple(i for i, m in enumerate(members) if m.age <= 10)
    wk, we = (0, 1, 2, 3, 4), (5, 6)
    j = lambda h: h + rng.uniform(-.5, .5)  # noqa: E731
    out: list[Routine] = []
    if kind == "family":
        out += [Routine("breakfast", j(7.2), wk, rng.uniform(.3, .8), everyone),
                Routine("cooking", j(17.8), wk, rng.uniform(.2, .6), (0,), (1,) + young),
                Routine("dinner", j(18.8), wk + we, rng.uniform(.3, .8), everyone),
                Routine("weekend_morning", j(9.3), we, rng.uniform(.5, .9), everyone),
                Routine("cleaning", j(11), (5,), rng.uniform(.2, .7), adults, young)]
        if small:
            out += [Routine("bedtime", j(19.6), wk + we, rng.uniform(.2, .7), (1,) + small),
                    Routine("kids_play", j(16.3), wk + we, rng.uniform(.2, .5), small, (0, 1))]
        out.append(Routine("winddown", j(21.5), wk + we, rng.uniform(.15, .5), adults))
    elif kind in ("couple", "solo"):
        out += [Routine("breakfast", j(7.5), wk, rng.uniform(.2, .7), everyone),
                Routine("cooking", j(19), wk + we, rng.uniform(.3, .7), everyone),
                Routine("weekend_morning", j(10), we, rng.uniform(.4, .9), everyone),
                Routine("cleaning", j(11.5), (5, 6), rng.uniform(.15, .4), everyone),
                Routine("winddown", j(22), wk + we, rng.uniform(.3, .7), everyone)]
        if rng.random() < .5:
            out.append(Routine("focus", j(9.5), wk, rng.uniform(.4, .9), (0,)))
        if rng.random() < .4:
            out.append(Routine("party", j(21), (4, 5), rng.uniform(.2, .5), everyone, (-1, -2)))
        elif kind == "couple":
            out.append(Routine("dinner", j(20), (4, 5, 6), rng.uniform(.2, .6), everyone, (-1,)))
    elif kind == "flatshare":
        out += [Routine("cooking", j(19.5), wk + we, rng.uniform(.3, .7), (0,), everyone[1:]),
                Routine("weekend_morning", j(11.5), we, rng.uniform(.3, .8), everyone[:2], everyone[2:]),
                Routine("cleaning", j(14), (6,), rng.uniform(.2, .5), everyone),
                Routine("party", j(22), (4, 5), rng.uniform(.3, .7), everyone, (-1, -2, -3)),
                Routine("focus", j(14), wk, rng.uniform(.2, .5), (rng.choice(everyone),)),
                Routine("winddown", j(23), wk + we, rng.uniform(.2, .5), (0,), everyone[1:2])]
    else:
        out += [Routine("breakfast", j(8.3), wk + we, rng.uniform(.3, .8), everyone),
                Routine("afternoon", j(15.5), wk + we, rng.uniform(.3, .7), everyone),
                Routine("dinner", j(18.2), wk + we, rng.uniform(.2, .6), everyone),
                Routine("weekend_morning", j(10), (6,), rng.uniform(.2, .5), everyone, (-1,))]
    return out


def _choose_owner_recording(rng, w: World, owner: Person, taken: set[str]) -> str | None:
    """A recording the owner could come to love: from a loved genre or artist, liked by them."""
    for _ in range(12):
        if rng.random() < .35 and owner.fav_artists:
            found = w.by_artist.get(rng.choice(sorted(owner.fav_artists)), [])
        else:
            found = w.by_genre.get(rng.choice(owner.loves), [])
        if not found:
            continue
        uri = rng.choice(found)
        if uri not in taken and owner.static(w, w.recordings[uri]) > .6:
            return uri
    return None


def _release(w: World, rec: str, key: str) -> str:
    """The release of a recording this account plays (usually the first, sometimes a remaster or a compilation's)."""
    found = w.releases.get(rec, [rec])
    return found[0] if len(found) == 1 or _unit(key, rec) < .7 else found[1 + int(_unit(key, "v", rec) *
                                                                                  (len(found) - 1))]


@lru_cache(maxsize=64)
def _profile(index: int, seed: int) -> Profile:
    w = _world(seed)
    key = f"r{seed}/{index}"
    rng = random.Random(key)
    kind = rng.choices([k for k, _ in _KINDS], [p for _, p in _KINDS])[0]
    members, guests = _members(rng, w, kind, key)
    routines = _routines(rng, kind, members)
    place = _PLACES[rng.randrange(len(_PLACES))]
    tz = timezone(timedelta(hours=place[1]))
    start = datetime(2026, 1, 5, tzinfo=tz) + timedelta(weeks=rng.randrange(52))
    t0 = start.timestamp()
    owner = members[0]

    # the owner's listening pool, and the family's on a shared account
    pool, taken = [], set()
    for _ in range(rng.randint(120, 400)):
        uri = _choose_owner_recording(rng, w, owner, taken)
        if uri:
            taken.add(uri)
            pool.append(uri)
    pool_w = [math.exp(1.6 * owner.static(w, w.recordings[u])) * rng.paretovariate(1.6) for u in pool]
    shared = [m for m in members[1:]] if rng.random() < (.6 if kind == "family" else .3) else []
    shared_pool = []
    for m in shared:
        for _ in range(rng.randint(15, 60)):
            uri = _choose_owner_recording(rng, w, m, taken)
            if uri:
                taken.add(uri)
                shared_pool.append(uri)
    shared_w = [math.exp(1.2 * rng.random()) for _ in shared_pool]

    # a past phase (4 to 8 months ago) played to exhaustion
    stale: list[str] = []
    if rng.random() < .35:
        phase_genre = rng.choice(owner.loves)
        cands = [u for u in w.by_genre.get(phase_genre, []) if u not in taken]
        stale = rng.sample(cands, min(len(cands), rng.randint(12, 30)))
    # a year of plays, oldest first: about 6 to 30 a day
    per_day = rng.uniform(6, 30)
    history: list[tuple[float, str]] = []
    for day in range(365, 0, -1):
        n = int(rng.gauss(per_day, per_day / 3))
        day_t = t0 - day * 86400 + 8 * 3600
        if stale and 120 <= day <= 240:
            picks = rng.choices(stale, k=max(0, n // 2))
        else:
            picks = []
        picks += rng.choices(pool, pool_w, k=max(0, n - len(picks)))
        if shared_pool and rng.random() < .5:
            picks += rng.choices(shared_pool, shared_w, k=rng.randint(2, 10))
        for i, uri in enumerate(picks):
            history.append((day_t + i * 220 + rng.uniform(0, 3600 * 12), _release(w, uri, key)))
    history.sort()

    # saves: what was played often, plus some older saves from years before
    counts = Counter(uri for _, uri in history)
    first_play = {}
    for at, uri in history:
        first_play.setdefault(uri, at)
    saved_at = {u: first_play[u] + rng.uniform(0, 40 * 86400) for u, n in counts.items()
                if rng.random() < _clamp(.08 * n, .05, .9)}
    for _ in range(rng.randint(20, 300)):
        uri = _choose_owner_recording(rng, w, owner, set())
        if uri:
            saved_at.setdefault(_release(w, uri, key), t0 - rng.uniform(400, 3000) * 86400)
    saved = sorted(saved_at, key=lambda u: -saved_at[u])

    # exposure at the first day: the year's plays, decayed on the household's own time scale
    half_life_h = math.exp(rng.uniform(math.log(6), math.log(24 * 28)))
    exposure: dict[str, tuple[float, float]] = {}
    for at, uri in history:
        rec = w.of_release.get(uri, uri)
        f, last = exposure.get(rec, (0.0, at))
        exposure[rec] = (f * 0.5 ** ((at - last) / 3600 / half_life_h) + ELSEWHERE, at)

    # the owner's own playlists (readable), others' followed ones (403) and Spotify's (404)
    user = f"{owner.role}{index}x{seed}"
    playlists = []
    for name in rng.sample(["Dinner", "Sunday", "Good vibes", "Running", "Car", "Sleep", "Kids", "Party",
                            "Throwbacks", "Focus"], rng.randint(1, 4)):
        uris = rng.sample(saved, min(len(saved), rng.randint(15, 60)))
        pid = f"spotify:playlist:hr{seed}x{index}{name.lower().replace(' ', '')}"
        playlists.append(CatalogPlaylist(PlaylistRef(pid, name, user), "", uris))
    src = w.messy.source
    others = sorted(src.playlists)
    followed = []
    for pid in rng.sample(others, rng.randint(0, 6)):
        p = src.playlists[pid]
        ref = PlaylistRef(f"spotify:playlist:{p.id}", p.name, p.owner, p.collaborative)
        playlists.append(CatalogPlaylist(ref, p.description, [f"spotify:track:{t}" for t in p.track_ids]))
        followed.append(ref.uri)
    known_counts = Counter(w.of_release.get(u, u) for _, u in history)
    comfort = frozenset(u for u, _ in known_counts.most_common(rng.randint(0, 25)) if u not in stale)
    return Profile(index, seed, kind, rng.choice(_STYLES[kind]), members, guests, routines, place, tz, start,
                   half_life_h, tiring_w=rng.uniform(.25, .7), familiarity=rng.uniform(-.35, .4), comfort=comfort,
                   jar_w=rng.choice((0.0, .3, .7)), late_w=rng.choice((0.0, .03, .07)),
                   weather_w=rng.choice((0.0, 0.0, .5, 1.0)), threshold=rng.uniform(-.4, .3), user=user,
                   history=history, saved=saved, playlists=playlists, followed=followed, pool=pool, pool_w=pool_w,
                   exposure=exposure, stale=frozenset(stale))


# ------------------------------------------------------------------ a household through the month

@dataclass
class _Now:
    """What the room is in: the moment's routine, mood and people, and the tracks so far."""

    at: float = -1.0
    routine: str = ""
    energy: float = .5
    cheer: float = .2
    width: float = .3
    attention: float = .5
    people: tuple[Person, ...] = ()
    pos: int = 0
    prev: Recording | None = None
    artists: Counter = field(default_factory=Counter)
    recordings: set = field(default_factory=set)
    cache: dict = field(default_factory=dict)


class Household:
    def __init__(self, profile: Profile, days: int):
        self.p = profile
        self.w = _world(profile.seed)
        self.days = days
        self.group = profile.kind
        self.history = list(profile.history)
        self.exposure = dict(profile.exposure)
        self.known = set(self.exposure)
        lib = Library(profile.user, saved=list(profile.saved), playlists=[pl.ref.uri for pl in profile.playlists])
        self.catalog = self.w.messy.catalog.with_account(lib, profile.playlists)
        self._count_top(profile.start.timestamp())
        self._recent(profile.start.timestamp())
        self.now = _Now()
        self.plans: dict[float, _Now] = {}

    # -------------------------------------------------------------- the account
    def _count_top(self, at: float) -> None:
        """Top tracks and artists as the service counts them: the most played of the last six months, recent plays
        weighing more."""
        score: Counter = Counter()
        artists: Counter = Counter()
        src = self.w.messy.source
        for t, uri in self.history:
            age = (at - t) / 86400
            if 0 <= age <= 183:
                weight = math.exp(-age / 120)
                score[uri] += weight
                track = src.tracks.get(uri.rsplit(":", 1)[-1])
                if track:
                    artists[track.artist_ids[0]] += weight
        self.catalog.library.top_tracks = [u for u, _ in score.most_common(50)]
        self.catalog.library.top_artists = [a for a, _ in artists.most_common(50)]

    def _recent(self, at: float) -> None:
        """Recently played as of `at`: the last 50 plays of 30 s or more, newest first."""
        self.history.sort()
        end = bisect.bisect_right(self.history, (at, "~"))
        self.catalog.library.recent = [u for _, u in self.history[max(0, end - 50):end]][::-1]

    def _played(self, uri: str, at: float, weight: float) -> None:
        rec = self.w.of_release.get(uri, uri)
        f, last = self.exposure.get(rec, (0.0, at))
        self.exposure[rec] = (self._decayed(f, last, at) + weight, max(at, last))
        self.known.add(rec)

    def _decayed(self, f: float, last: float, at: float) -> float:
        return f * 0.5 ** (max(0.0, at - last) / 3600 / self.p.half_life_h)

    def _elsewhere(self, day: int, day0: float) -> None:
        """The owner's listening away from the speaker on one day (commute, work, headphones), and a discovery now
        and then, saved."""
        p = self.p
        rng = random.Random(f"{p.index}/{p.seed}/elsewhere/{day}")
        n = max(0, int(rng.gauss(len(p.history) / 365, 4)))
        picks = rng.choices(p.pool, p.pool_w, k=n)
        if rng.random() < .18:  # a discovery: played a few times, often saved
            owner = p.members[0]
            found = _choose_owner_recording(rng, self.w, owner, set(p.pool))
            if found:
                picks += [found] * rng.randint(2, 5)
                if rng.random() < .6:
                    self.catalog.library.saved.insert(0, _release(self.w, found, f"r{p.seed}/{p.index}"))
        for i, rec in enumerate(picks):
            at = day0 + 7.5 * 3600 + i * 900 + rng.uniform(0, 600)
            uri = _release(self.w, rec, f"r{p.seed}/{p.index}")
            self.history.append((at, uri))
            self._played(uri, at, ELSEWHERE)

    # -------------------------------------------------------------- moments
    def _weather(self, rng: random.Random, local: datetime, wet_day: bool, cold: float) -> WeatherReading:
        lat, _, mean, swing, wet = self.p.place
        hour = local.hour + local.minute / 60
        season = math.cos(2 * math.pi * (local.timetuple().tm_yday - 15) / 365.25)
        season = season if lat >= 0 else -season  # +1 in the northern winter
        temp = mean - swing * season + cold + 4 * math.sin(2 * math.pi * (hour - 9) / 24)
        sun_up = 6.5 + 1.8 * season * abs(lat) / 50 <= hour <= 17.5 - 1.8 * season * abs(lat) / 50
        if wet_day:
            code = (71 if temp < 1 else 61) if rng.random() < .6 else (73 if temp < 1 else 80 if rng.random() < .7
                                                                         else 95)
            precip = rng.uniform(.2, 4)
        else:
            code, precip = rng.choice((0, 0, 1, 2, 3, 3, 45)), 0.0
        cloud = 100.0 if wet_day else {0: 5, 1: 25, 2: 55, 3: 90, 45: 100}[code]
        wind = abs(rng.gauss(12, 8))
        return WeatherReading(local.timestamp() - 600, round(temp, 1), code, sun_up, round(temp - wind / 8, 1),
                              precip, cloud, round(wind, 1))

    def moments(self):
        p = self.p
        rng = random.Random(f"{p.index}/{p.seed}/moments")
        cold, wet_days = 0.0, 0
        last_end = 0.0
        for day in range(self.days):
            day0 = (p.start + timedelta(days=day)).timestamp()
            self._elsewhere(day, day0)
            if day % 7 == 0 and day:
                self._count_top(day0)
            cold = .7 * cold + rng.gauss(0, 2.5)
            wet_day = rng.random() < (p.place[4] + (.25 if wet_days else 0)) * .85
            wet_days = wet_days + 1 if wet_day else 0
            away = rng.random() < .06  # a day out, a trip, a busy day: no music at home
            local_day = p.start + timedelta(days=day)
            weekday = local_day.weekday()
            todays = []
            for r in p.routines:
                if weekday not in r.days or away or rng.random() >= r.chance:
                    continue
                start = local_day + timedelta(hours=r.hour + rng.uniform(-.4, .4))
                todays.append((start, r))
            todays.sort(key=lambda x: x[0])
            for local, r in todays:
                at = local.timestamp()
                if at < last_end + 120:
                    at = last_end + 120 + rng.uniform(0, 600)
                    local = datetime.fromtimestamp(at, p.tz)
                moment, plan = self._moment(rng, r, local, at, wet_day, cold, weekday)
                self._recent(at)
                last_end = at + moment.tracks * 260
                self.plans[moment.at] = plan
                yield moment

    def _moment(self, rng, r: Routine, local: datetime, at: float, wet_day: bool, cold: float, weekday: int):
        p = self.p
        who = [p.members[i] for i in r.who if -len(p.members) <= i < len(p.members) and i >= 0]
        for i in r.sometimes:
            if i >= 0 and i < len(p.members) and rng.random() < .5:
                who.append(p.members[i])
            elif i < 0 and -i <= len(p.guests) and rng.random() < .5:
                who.append(p.guests[-i - 1])
        if p.guests and p.kind in ("family", "retirees") and weekday >= 5 and r.name in ("dinner", "weekend_morning",
                                                                                        "afternoon") \
                and rng.random() < .25:
            who.append(p.guests[0])  # grandparents (or a grandchild) for the weekend
        who = list(dict.fromkeys(who)) or [p.members[0]]
        energy, cheer, width, attention, (lo, hi) = _ROUTINES[r.name]
        weather = self._weather(rng, local, wet_day, cold)
        if p.weather_w:
            if wet_day or weather.weather_code in (3, 45):
                energy, cheer = energy - .12 * p.weather_w, cheer - .1 * p.weather_w
            elif weather.weather_code <= 1 and weather.temperature_c > 17:
                energy, cheer = energy + .08 * p.weather_w, cheer + .25 * p.weather_w
        if weekday >= 5 and r.name not in ("party", "cleaning"):
            energy -= .05
        # the day's own mood, drawn once: it lasts the whole moment
        energy = _clamp(energy + rng.gauss(0, .08), 0, 1)
        cheer = _clamp(cheer + rng.gauss(0, .2), -1, 1)
        hour = local.hour + local.minute / 60
        if r.name in ("winddown", "bedtime", "party") or hour >= 22:
            light = "dark" if r.name in ("bedtime",) or hour >= 23 else "dim"
        elif not weather.is_day or wet_day:
            light = "dim"
        else:
            light = "bright"
        ages = tuple(round(_clamp(m.age + rng.gauss(0, 1.5 if m.age < 18 else 3), 1, 99), 1) for m in who)
        moment = Moment(at, local, p.place[0], weather, ages, light, rng.randint(lo, hi))
        return moment, _Now(at, r.name, energy, cheer, width, attention, tuple(who))

    # -------------------------------------------------------------- the room and the buttons
    def _room(self, moment: Moment) -> _Now:
        if self.now.at != moment.at:
            self.now = self.plans.get(moment.at) or _Now(moment.at, "afternoon", .4, .2, .3, .6,
                                                        (self.p.members[0],))
        return self.now

    def appeal_parts(self, track: Track, at: float, moment: Moment) -> dict[str, float]:
        now = self._room(moment)
        rec = self.w.recordings.get(self.w.of_release.get(track.uri, track.uri))
        if rec is None:
            return {"taste": -3.0, "mood": 0.0, "company": 0.0, "exposure": 0.0, "flow": 0.0}
        parts = now.cache.get(rec.uri)
        if parts is None:  # the people's part holds for the whole moment (its mood does not move)
            child = any(m.age <= 12 for m in now.people)
            own = []
            for m in now.people:
                taste = m.static(self.w, rec)
                dist = ((rec.energy - now.energy) / now.width) ** 2 + ((rec.cheer - now.cheer) / .6) ** 2
                mood = m.mood_w * (.5 - min(dist, 6.0) / 2)
                company = -m.explicit_w if (child and (rec.explicit or track.explicit)) else 0.0
                own.append((taste + mood + company, taste, mood, company, m))
            weights = self._weights(own)
            parts = (sum(wt * o[1] for wt, o in zip(weights, own, strict=True)),
                     sum(wt * o[2] for wt, o in zip(weights, own, strict=True)),
                     sum(wt * o[3] for wt, o in zip(weights, own, strict=True)))
            now.cache[rec.uri] = parts
        parts = {"taste": parts[0], "mood": parts[1], "company": parts[2]}
        p = self.p
        f, last = self.exposure.get(rec.uri, (0.0, at))
        f = self._decayed(f, last, at)
        if rec.uri in p.comfort:
            exposure = .35 - .1 * p.tiring_w * min(f, 5)
        else:
            exposure = -p.tiring_w * min(f, 5) ** .8 + (p.familiarity if rec.uri in self.known else
                                                        -.5 * p.familiarity)
            if rec.uri in p.stale:
                exposure -= .8
        parts["exposure"] = exposure
        flow = -.5 * sum(now.artists[a] for a in rec.artist_ids) - (1.5 if rec.uri in now.recordings else 0.0)
        if now.prev is not None and p.jar_w:
            jump = max(0.0, abs(rec.energy - now.prev.energy) - .2) * 2
            flow -= p.jar_w * (jump + (.4 if not (rec.families & now.prev.families) else 0.0))
        parts["flow"] = flow
        return parts

    def _weights(self, own) -> list[float]:
        style, n = self.p.style, len(own)
        if n == 1:
            return [1.0]
        if style == "veto":
            lo = min(o[0] for o in own)
            raw = [math.exp(-(o[0] - lo) / .35) for o in own]
        elif style == "owner" and any(o[4].role == "owner" for o in own):
            raw = [.65 / .35 * (n - 1) if o[4].role == "owner" else 1.0 for o in own]
        elif style == "kids":
            raw = [2.0 if o[4].age < 13 else 1.0 for o in own]
        else:
            raw = [1.0] * n
        total = sum(raw)
        return [r / total for r in raw]

    def appeal(self, track: Track, at: float, moment: Moment) -> float:
        return sum(self.appeal_parts(track, at, moment).values())

    def hears(self, track: Track, at: float, moment: Moment) -> Reaction:
        now = self._room(moment)
        a = self.appeal(track, at, moment)
        rec = self.w.recordings.get(self.w.of_release.get(track.uri, track.uri))
        duration = max(30.0, (track.duration_ms or 200_000) / 1000)
        pressers = [m for m in now.people if m.will > 0]
        will = max((m.will for m in pressers), default=0.0)
        late = 1 + self.p.late_w * max(0, now.pos - 5)
        key = (self.p.seed, self.p.index, track.uri, round(at))
        whim = .7 * _gauss(*key, "whim")  # what nobody could know: a call, a thought, the kettle
        p_skip = now.attention * will * late / (1 + math.exp((a + whim - self.p.threshold) / .45)) + .02
        u = _unit(*key, "skip")
        reaction = Reaction("nothing")
        heard = duration
        if u < min(p_skip, .95):
            v = _unit(*key, "when")
            if a < self.p.threshold - .8 or v < .6:
                heard = 3 + 25 * _unit(*key, "s") ** 2  # most skips: within the first half minute
            elif v < .9:
                heard = 25 + 70 * _unit(*key, "s")
            else:
                heard = duration * (.4 + .45 * _unit(*key, "s"))
            heard = round(min(heard, duration - 1), 1)
            reaction = Reaction("skip", heard)
        else:
            like_rate = max((m.like_rate for m in now.people), default=0.0)
            if _unit(*key, "like") < like_rate / (1 + math.exp(-(a - 1.2) / .3)):
                reaction = Reaction("like", round(min(duration - 1, 20 + 100 * _unit(*key, "s")), 1))
        # the room afterwards: what it heard, and what the account remembers
        if rec is not None:
            now.prev = rec
            for artist in rec.artist_ids:
                now.artists[artist] += 1
            now.recordings.add(rec.uri)
        now.pos += 1
        if heard >= 30:
            self.history.append((at, track.uri))
            self._played(track.uri, at, 1.0)
        return reaction

    def genres_of(self, uri: str) -> tuple[str, ...]:
        return self.catalog.genres_of(uri)


def make_household(index: int, seed: int, days: int) -> Household:
    return Household(_profile(index, seed), days)
