"""Who lives in a second-file household (device/devtools/households_routines.py): its people and their tastes, its
routines, and the account a simulated year of the owner's listening left."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from device.core.catalog import PlaylistRef
from device.devtools.memory_catalog import CatalogPlaylist
from device.devtools.routines_world import YEAR_NOW, Recording, World, clamp, gauss, release_of, world_of

ELSEWHERE = .2  # a play away from the speaker (the owner alone, on headphones) tires the room a fifth of one it heard

# Generations' leanings (added to each person's own, random taste).
COHORTS = {
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
ROUTINE_MOODS = {
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
PLACES = [(52.5, 1, 10, 9, .45), (51.5, 0, 11, 7, .5), (40.4, 1, 15, 10, .25), (59.3, 1, 7, 11, .45),
           (45.5, -5, 7, 15, .4), (34.0, -8, 18, 4, .12), (-33.9, 10, 18, 5, .3), (38.7, 0, 17, 6, .3),
           (60.2, 2, 6, 12, .45), (-23.5, -3, 21, 3, .4), (48.9, 1, 12, 8, .4), (41.9, 1, 16, 9, .3)]
KINDS = (("family", .32), ("couple", .24), ("solo", .18), ("flatshare", .1), ("retirees", .16))
STYLES = {"family": ("veto", "owner", "kids", "mean"), "couple": ("veto", "owner", "mean"),
           "solo": ("owner",), "flatshare": ("veto", "owner", "mean"), "retirees": ("veto", "owner", "mean")}


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
        v += self.mainstream * clamp(rec.pop, -2, 2.5)
        v += .5 * gauss(self.key, rec.uri)  # a private liking of this recording
        self.cache[rec.uri] = v
        return v


def _cohort(age: float) -> str:
    return "child" if age <= 12 else "teen" if age < 20 else "young" if age < 36 else "adult" if age < 56 else "senior"


def _person(rng: random.Random, w: World, role: str, age: float, key: str, shared: tuple[str, ...] = ()) -> Person:
    prior = COHORTS[_cohort(age)]
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
        partner = p("partner", clamp(owner.age + rng.gauss(0, 3), 28, 58), 1, owner.loves[:rng.randint(0, 2)])
        kids = [p("child" if a <= 12 else "teen", a, 2 + i)
                for i, a in enumerate(sorted((rng.uniform(2, 17) for _ in range(rng.choice((1, 2, 2, 3)))),
                                             reverse=True))]
        members = [owner, partner] + kids
        guests = [p("grandparent", rng.uniform(62, 82), 9)]
    elif kind == "couple":
        owner = p("owner", rng.uniform(24, 70), 0)
        members = [owner, p("partner", clamp(owner.age + rng.gauss(0, 4), 22, 75), 1,
                            owner.loves[:rng.randint(0, 2)])]
        guests = [p("friend", clamp(owner.age + rng.gauss(0, 5), 20, 75), 9)]
    elif kind == "solo":
        owner = p("owner", rng.uniform(22, 75), 0)
        members = [owner]
        guests = [p("friend", clamp(owner.age + rng.gauss(0, 5), 20, 80), 8 + i) for i in range(2)]
    elif kind == "flatshare":
        members = [p("owner" if i == 0 else "flatmate", rng.uniform(19, 31), i) for i in range(rng.randint(2, 4))]
        guests = [p("friend", rng.uniform(19, 31), 8 + i) for i in range(3)]
    else:  # retirees
        owner = p("owner", rng.uniform(62, 84), 0)
        members = [owner] + ([p("partner", clamp(owner.age + rng.gauss(0, 3), 60, 88), 1,
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


def owner_recording(rng, w: World, owner: Person, taken: set[str]) -> str | None:
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


@lru_cache(maxsize=64)
def profile_of(index: int, seed: int) -> Profile:
    w = world_of(seed)
    key = f"r{seed}/{index}"
    rng = random.Random(key)
    kind = rng.choices([k for k, _ in KINDS], [p for _, p in KINDS])[0]
    members, guests = _members(rng, w, kind, key)
    routines = _routines(rng, kind, members)
    place = PLACES[rng.randrange(len(PLACES))]
    tz = timezone(timedelta(hours=place[1]))
    start = datetime(2026, 1, 5, tzinfo=tz) + timedelta(weeks=rng.randrange(52))
    t0 = start.timestamp()
    owner = members[0]

    # the owner's listening pool, and the family's on a shared account
    pool, taken = [], set()
    for _ in range(rng.randint(120, 400)):
        uri = owner_recording(rng, w, owner, taken)
        if uri:
            taken.add(uri)
            pool.append(uri)
    pool_w = [math.exp(1.6 * owner.static(w, w.recordings[u])) * rng.paretovariate(1.6) for u in pool]
    shared = [m for m in members[1:]] if rng.random() < (.6 if kind == "family" else .3) else []
    shared_pool = []
    for m in shared:
        for _ in range(rng.randint(15, 60)):
            uri = owner_recording(rng, w, m, taken)
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
            history.append((day_t + i * 220 + rng.uniform(0, 3600 * 12), release_of(w, uri, key)))
    history.sort()

    # saves: what was played often, plus some older saves from years before
    counts = Counter(uri for _, uri in history)
    first_play = {}
    for at, uri in history:
        first_play.setdefault(uri, at)
    saved_at = {u: first_play[u] + rng.uniform(0, 40 * 86400) for u, n in counts.items()
                if rng.random() < clamp(.08 * n, .05, .9)}
    for _ in range(rng.randint(20, 300)):
        uri = owner_recording(rng, w, owner, set())
        if uri:
            saved_at.setdefault(release_of(w, uri, key), t0 - rng.uniform(400, 3000) * 86400)
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
    return Profile(index, seed, kind, rng.choice(STYLES[kind]), members, guests, routines, place, tz, start,
                   half_life_h, tiring_w=rng.uniform(.25, .7), familiarity=rng.uniform(-.35, .4), comfort=comfort,
                   jar_w=rng.choice((0.0, .3, .7)), late_w=rng.choice((0.0, .03, .07)),
                   weather_w=rng.choice((0.0, 0.0, .5, 1.0)), threshold=rng.uniform(-.4, .3), user=user,
                   history=history, saved=saved, playlists=playlists, followed=followed, pool=pool, pool_w=pool_w,
                   exposure=exposure, stale=frozenset(stale))
