"""The project's simulated households, as a households file (docs/music-simulation.md: the protocol).

Each household's liking of a track: its affinity to the genres of the track's artists (all ~70 of the world's, three
loved, three disliked, none chosen by the rules), a personal affinity per artist, a hidden appeal per recording
(shared quality, and its own liking no descriptor holds), a soft preference for the years the adults grew up in
(by the recording's year, not a reissue's), a wish for calm or bright music that moves with the hour and, in some
households only, with the weather; children in the room (children's music and bright music up, explicit tracks
down); tiring of tracks and artists heard lately (on this speaker or elsewhere: one recording's reissues and
duplicates count as the same); noise. Presses are sparse: a track the listeners dislike is skipped only by a
household's press rate (mostly in the first seconds), likes are rare. The account drifts: the household plays and
saves music elsewhere every day, saves what it liked on the speaker, and its recently played and top tracks fill
with what the speaker played. The catalogue is messy (device.devtools.messy_world). Only device.core's values
and the devtools' catalogue are used: nothing of the device's music code.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from device.core.catalog import PlaylistRef
from device.core.values import Track, WeatherReading
from device.devtools.households_protocol import Moment, Reaction
from device.devtools.memory_catalog import CatalogPlaylist, Library
from device.devtools.messy_world import MessyWorld, build

START = datetime(2026, 1, 5, tzinfo=UTC)
DAY = 86400.0
# (latitude, mean temperature in January, chance of a wet day, UTC offset in hours)
PLACES = ((52.1, 4.0, 0.45, 1), (40.4, 9.0, 0.25, 1), (60.2, -4.0, 0.4, 2), (-33.9, 23.0, 0.15, 2),
          (1.3, 28.0, 0.5, 8), (45.5, -2.0, 0.35, -5))
TOD_HOURS = {"morning": (6, 11), "afternoon": (12, 16), "evening": (17, 21), "night": (22, 24)}
TOD_WEIGHTS = {"morning": 0.3, "afternoon": 0.2, "evening": 0.4, "night": 0.1}
KIDS_GENRES = {"children's music", "disney"}
WET = (51, 53, 61, 63, 80, 95)
DRY = (0, 1, 2, 3, 3, 45)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


class Taste:
    """What a household likes, hidden; the same for every strategy (cached per seed and index)."""

    def __init__(self, world: MessyWorld, seed: int, index: int):
        rng = random.Random(f"{seed}/house/{index}")
        self.adults = [rng.uniform(20, 80) for _ in range(rng.choice((1, 2, 2, 3)))]
        self.kids = [rng.uniform(2, 12) for _ in range(rng.choice((0, 0, 1, 2)))]
        self.latitude, self.mean_c, self.wet, self.utc = rng.choice(PLACES)
        self.weather_sense = 0.0 if rng.random() < 0.4 else rng.uniform(0.4, 1.3)
        self.calm_at = {"night": rng.uniform(0.3, 1.3), "evening": rng.uniform(-0.3, 0.8),
                        "morning": rng.uniform(-0.6, 0.6), "afternoon": rng.uniform(-0.3, 0.3)}
        self.morning_bright = rng.uniform(-0.2, 0.8)
        genres = list(world.genres)
        self.genre = {g: rng.gauss(-0.2, 0.5) for g in genres}
        for g in rng.sample(genres, 3):
            self.genre[g] = rng.uniform(0.8, 1.5)
        for g in rng.sample(genres, 3):
            self.genre[g] = -1.2
        self.artist = {a: rng.gauss(0, 0.4) for a in sorted(world.artist_genres)}
        for a in rng.sample(sorted(world.artist_genres), 5):
            self.artist[a] = rng.uniform(1.0, 1.8)
        formative = 2026 - sum(self.adults) / len(self.adults) + 19 + rng.gauss(0, 8)
        width = rng.uniform(12, 30)
        quality_weight = rng.uniform(0.4, 1.0)
        self.explicit = rng.gauss(-0.1, 0.3) + (-1.0 if self.kids and rng.random() < 0.8 else 0.0)
        self.like_rate = rng.uniform(0.03, 0.15)
        self.press_rate = rng.uniform(0.35, 0.85)
        self.early_share = rng.uniform(0.6, 0.9)
        self.base: dict[str, float] = {}  # recording URI -> appeal, apart from the moment and tiring
        for rec, tr in sorted(world.traits.items()):
            item = world.catalog.item(rec)
            genre_part = sum(self.genre.get(g, 0.0) for g in item.genres) / max(1, len(item.genres))
            era = 0.4 * math.exp(-((tr.year - formative) / width) ** 2 / 2)
            self.base[rec] = (genre_part + self.artist[item.artist_ids[0]] + quality_weight * tr.quality
                              + rng.gauss(0, 0.7) + era)


@lru_cache(maxsize=64)
def _taste(seed: int, index: int) -> Taste:
    return Taste(build(seed), seed, index)


class HonestHousehold:
    """One household: its account on the messy catalogue, its moments, and its listeners' reactions."""

    def __init__(self, index: int, seed: int, days: int):
        self.world = build(seed)
        self.taste = _taste(seed, index)
        self.index, self.seed, self.days = index, seed, days
        self.rng = random.Random(f"{seed}/house/{index}/ears")
        self._releases: dict[str, list[str]] = {}
        for item in self.world.tracks:
            self._releases.setdefault(self.world.recording[item.track.uri], []).append(item.track.uri)
        self.heard: dict[str, list[float]] = {}  # recording -> when heard (speaker or elsewhere)
        self.artist_heard: dict[str, list[float]] = {}
        self.counts: dict[str, float] = {}  # track URI -> plays lately (for top tracks)
        self.catalog = self.world.catalog.with_account(*self._account())
        self.group = "weather-minded" if self.taste.weather_sense > 0 else "weather-indifferent"

    # ------------------------------------------------------------ the account

    def _release(self, rec: str, rng: random.Random) -> str:
        """The release a household happened to save: mostly the original, sometimes a reissue or a compilation's."""
        found = self._releases[rec]
        return found[0] if len(found) == 1 or rng.random() < 0.7 else rng.choice(found[1:])

    def _account(self) -> tuple[Library, list[CatalogPlaylist]]:
        rng = random.Random(f"{self.seed}/house/{self.index}/account")
        base = self.taste.base
        ranked = sorted(base, key=lambda r: -(base[r] + rng.gauss(0, 0.8)))
        self._outside = ranked[:1500]  # what the household may come across elsewhere
        saved = [self._release(r, rng) for r in rng.sample(ranked[:600], rng.randint(120, 400))]
        top = [self._release(r, rng) for r in ranked[:50]]
        self._prior_top = {u: 4.0 - 0.05 * i for i, u in enumerate(top)}
        recent = [self._release(r, rng) for r in rng.sample(ranked[:400], 50)]
        user = f"user{self.index}"
        pid = lambda name: f"spotify:playlist:household{self.seed}x{self.index}{name}"  # noqa: E731
        own = [CatalogPlaylist(PlaylistRef(pid(f"own{j}"), f"mix {j + 1}", user), "",
                               [self._release(r, rng) for r in rng.sample(ranked[:800], rng.randint(30, 80))])
               for j in range(rng.randint(1, 3))]
        friend = CatalogPlaylist(PlaylistRef(pid("party"), "party", f"friend{self.index}", collaborative=True), "",
                                 [self._release(r, rng) for r in rng.sample(ranked[:1500], 40)])
        source = self.world.source
        followed = [p for p in sorted(source.playlists.values(), key=lambda p: p.id)
                    if p.owner != source.listener.user_id]
        followed = rng.sample(followed, min(5, len(followed)))
        others = [CatalogPlaylist(PlaylistRef(p.uri, p.name, p.owner, p.collaborative), p.description,
                                  [f"spotify:track:{t}" for t in p.track_ids]) for p in followed]
        playlists = own + [friend] + others
        by_artist: dict[str, int] = {}
        for u in top + saved[:100]:
            a = self.world.catalog.item(u).artist_ids[0]
            by_artist[a] = by_artist.get(a, 0) + 1
        top_artists = sorted(by_artist, key=lambda a: (-by_artist[a], a))[:20]
        return Library(user, saved, top, top_artists, recent, [p.ref.uri for p in playlists]), playlists

    def _heard(self, uri: str, at: float) -> None:
        rec = self.world.recording[uri]
        self.heard.setdefault(rec, []).append(at)
        self.artist_heard.setdefault(self.world.catalog.item(uri).artist_ids[0], []).append(at)
        self.counts[uri] = self.counts.get(uri, 0.0) + 1.0
        library = self.catalog.library
        library.recent.insert(0, uri)
        del library.recent[50:]

    def _day_elsewhere(self, day: int) -> None:
        """A day of listening elsewhere: plays from the library and beyond, new saves, top tracks every week."""
        rng = random.Random(f"{self.seed}/house/{self.index}/day/{day}")
        library = self.catalog.library
        at = (START + timedelta(days=day, hours=8)).timestamp()
        for _ in range(rng.randint(3, 12)):
            roll = rng.random()
            if roll < 0.6 and library.saved:
                uri = rng.choice(library.saved[:300])
            elif roll < 0.85 and library.top_tracks:
                uri = rng.choice(library.top_tracks)
            else:
                uri = self._release(rng.choice(self._outside), rng)
                if self.taste.base[self.world.recording[uri]] > 1.5 and rng.random() < 0.5:
                    library.saved.insert(0, uri)  # a find, saved
            at += rng.uniform(200, 3000)
            self._heard(uri, at)
        if day % 7 == 0 and day > 0:
            for uri in list(self.counts):
                self.counts[uri] *= 0.5  # last weeks count less
            score = {u: self._prior_top.get(u, 0.0) * 0.5 + n for u, n in self.counts.items()}
            for u, s in self._prior_top.items():
                score.setdefault(u, s * 0.5)
            library.top_tracks[:] = sorted(score, key=lambda u: (-score[u], u))[:50]
            by_artist: dict[str, int] = {}
            for u in library.top_tracks:
                a = self.world.catalog.item(u).artist_ids[0]
                by_artist[a] = by_artist.get(a, 0) + 1
            library.top_artists[:] = sorted(by_artist, key=lambda a: (-by_artist[a], a))[:20]

    # ------------------------------------------------------------ the protocol

    def moments(self):
        t = self.taste
        rng = random.Random(f"{self.seed}/house/{self.index}/moments")
        wet = rng.random() < t.wet
        for day in range(self.days):
            self._day_elsewhere(day)
            wet = rng.random() < (0.7 if wet else t.wet * 0.6)  # wet days come in runs
            temp = t.mean_c + rng.gauss(0, 3.5) + 0.05 * day
            code = rng.choice(WET) if wet else rng.choice(DRY)
            if wet and temp < 1:
                code = rng.choice((71, 73))
            times = sorted(rng.choices(list(TOD_WEIGHTS), weights=list(TOD_WEIGHTS.values()),
                                       k=rng.choice((1, 2, 2, 3))), key=list(TOD_WEIGHTS).index)
            for tod in times:
                lo, hi = TOD_HOURS[tod]
                local = (START + timedelta(days=day, hours=rng.randint(lo, hi - 1), minutes=rng.randrange(60)))
                local = local.replace(tzinfo=None)
                at = (local - timedelta(hours=t.utc)).replace(tzinfo=UTC).timestamp()
                present = [a for a in t.adults if rng.random() < 0.7] or t.adults[:1]
                kids = [k for k in t.kids if tod != "night" and rng.random() < 0.6]
                is_day = tod in ("morning", "afternoon")
                weather = WeatherReading(at=at - 600, temperature_c=round(temp + (3 if is_day else -2), 1),
                                         weather_code=code, is_day=is_day)
                light = {"night": "dark", "evening": rng.choice(("dim", "bright"))}.get(tod, "bright")
                yield Moment(at, local.replace(tzinfo=UTC), t.latitude, weather, tuple(present + kids), light,
                             rng.randint(4, 10))

    def genres_of(self, uri: str) -> tuple[str, ...]:
        return self.world.genres_of(uri)

    def appeal(self, track: Track, at: float, moment: Moment) -> float:
        """How much the people present want this track now (hidden; the protocol's optional `appeal`)."""
        return -0.6 + sum(self.appeal_parts(track, at, moment).values())

    def appeal_parts(self, track: Track, at: float, moment: Moment) -> dict[str, float]:
        """The appeal in its parts (the protocol's optional `appeal_parts`): the household's liking of the recording
        apart from the moment (its genres, artist, quality, its own liking, the era), what the moment adds (the hour,
        the weather, children, explicit lyrics), and what tiring of the recording and of its artist takes away."""
        t, world = self.taste, self.world
        item = world.catalog.item(track.uri)
        rec = world.recording[track.uri]
        tr = world.traits[rec]
        hour = moment.local.hour
        tod = "morning" if 5 <= hour < 12 else "afternoon" if hour < 17 else "evening" if hour < 22 else "night"
        u = t.calm_at[tod] * tr.calm + (t.morning_bright * tr.bright if tod == "morning" else 0)
        code, temp = moment.weather.weather_code, moment.weather.temperature_c
        if code >= 45 and code not in (0, 1, 2):  # fog, drizzle, rain, snow, storms
            u += t.weather_sense * (0.8 * tr.calm - 0.3 * tr.bright)
        elif code <= 2 and temp >= 20:
            u += t.weather_sense * (0.9 * tr.bright - 0.3 * tr.calm)
        elif code <= 2:
            u += t.weather_sense * 0.3 * tr.bright
        if temp < 5:
            u += t.weather_sense * 0.4 * tr.calm
        if any(a <= 12 for a in moment.ages):
            u += (1.0 if KIDS_GENRES & set(item.genres) else 0.0) + 0.4 * tr.bright + 0.3 * tr.calm
            u += -2.5 + t.explicit if track.explicit else 0.0
        elif track.explicit:
            u += t.explicit
        tiring = 0.9 * sum(math.exp(-(at - h) / (3 * DAY)) for h in self.heard.get(rec, ()) if h <= at)
        artist = sum(0.35 * math.exp(-(at - h) / 7200) + 0.05 * math.exp(-(at - h) / (2 * DAY))
                     for h in self.artist_heard.get(item.artist_ids[0], ()) if h <= at)
        return {"recording": t.base[rec], "moment": u, "tiring": -tiring, "artist_tiring": -artist}

    def hears(self, track: Track, at: float, moment: Moment) -> Reaction:
        t, rng = self.taste, self.rng
        u = self.appeal(track, at, moment) + rng.gauss(0, 0.5)
        self._heard(track.uri, at)
        length = max(30.0, track.duration_ms / 1000)
        if rng.random() < _sigmoid(u):
            if u > 1.0 and rng.random() < t.like_rate:
                library = self.catalog.library
                if track.uri not in library.saved:
                    library.saved.insert(0, track.uri)  # liked on the speaker: saved
                return Reaction("like", round(rng.uniform(15, min(90, length - 5)), 1))
            return Reaction("nothing")
        if rng.random() >= t.press_rate:
            return Reaction("nothing")  # disliked, but nobody got up
        if rng.random() < t.early_share:
            return Reaction("skip", round(rng.uniform(3, 30), 1))
        return Reaction("skip", round(rng.uniform(30, max(31, min(180, length - 5))), 1))


def make_household(index: int, seed: int, days: int) -> HonestHousehold:
    return HonestHousehold(index, seed, days)
