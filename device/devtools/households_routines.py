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
this file's own, drawn around each genre's real-world character; a re-release shares its recording's. The world and the people live in device/devtools/routines_world.py and
routines_people.py.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from device.core.values import Track, WeatherReading
from device.devtools.households_protocol import Moment, Reaction
from device.devtools.memory_catalog import Library
from device.devtools.routines_people import (
    ELSEWHERE,
    ROUTINE_MOODS,
    Person,
    Profile,
    Routine,
    owner_recording,
    profile_of,
)
from device.devtools.routines_world import Recording, clamp, gauss, release_of, unit, world_of

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
        self.w = world_of(profile.seed)
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
            found = owner_recording(rng, self.w, owner, set(p.pool))
            if found:
                picks += [found] * rng.randint(2, 5)
                if rng.random() < .6:
                    self.catalog.library.saved.insert(0, release_of(self.w, found, f"r{p.seed}/{p.index}"))
        for i, rec in enumerate(picks):
            at = day0 + 7.5 * 3600 + i * 900 + rng.uniform(0, 600)
            uri = release_of(self.w, rec, f"r{p.seed}/{p.index}")
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
        energy, cheer, width, attention, (lo, hi) = ROUTINE_MOODS[r.name]
        weather = self._weather(rng, local, wet_day, cold)
        if p.weather_w:
            if wet_day or weather.weather_code in (3, 45):
                energy, cheer = energy - .12 * p.weather_w, cheer - .1 * p.weather_w
            elif weather.weather_code <= 1 and weather.temperature_c > 17:
                energy, cheer = energy + .08 * p.weather_w, cheer + .25 * p.weather_w
        if weekday >= 5 and r.name not in ("party", "cleaning"):
            energy -= .05
        # the day's own mood, drawn once: it lasts the whole moment
        energy = clamp(energy + rng.gauss(0, .08), 0, 1)
        cheer = clamp(cheer + rng.gauss(0, .2), -1, 1)
        hour = local.hour + local.minute / 60
        if r.name in ("winddown", "bedtime", "party") or hour >= 22:
            light = "dark" if r.name in ("bedtime",) or hour >= 23 else "dim"
        elif not weather.is_day or wet_day:
            light = "dim"
        else:
            light = "bright"
        ages = tuple(round(clamp(m.age + rng.gauss(0, 1.5 if m.age < 18 else 3), 1, 99), 1) for m in who)
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
        whim = .7 * gauss(*key, "whim")  # what nobody could know: a call, a thought, the kettle
        p_skip = now.attention * will * late / (1 + math.exp((a + whim - self.p.threshold) / .45)) + .02
        u = unit(*key, "skip")
        reaction = Reaction("nothing")
        heard = duration
        if u < min(p_skip, .95):
            v = unit(*key, "when")
            if a < self.p.threshold - .8 or v < .6:
                heard = 3 + 25 * unit(*key, "s") ** 2  # most skips: within the first half minute
            elif v < .9:
                heard = 25 + 70 * unit(*key, "s")
            else:
                heard = duration * (.4 + .45 * unit(*key, "s"))
            heard = round(min(heard, duration - 1), 1)
            reaction = Reaction("skip", heard)
        else:
            like_rate = max((m.like_rate for m in now.people), default=0.0)
            if unit(*key, "like") < like_rate / (1 + math.exp(-(a - 1.2) / .3)):
                reaction = Reaction("like", round(min(duration - 1, 20 + 100 * unit(*key, "s")), 1))
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
    return Household(profile_of(index, seed), days)
