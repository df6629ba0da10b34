"""Learned tastes (pure): Bayesian logistic regression over descriptors x context with a diagonal Gaussian posterior,
ranked by Thompson sampling (Chapelle & Li, "An Empirical Evaluation of Thompson Sampling", NIPS 2011).

Each candidate turns into binary features: its descriptors (artist, genre, decade, explicit, source kind, suggested
by the rules, in the listeners' era) alone and crossed with the context (time of day, company, temperature band, and
temperature with time of day). An artist's weight starts at zero on top of its genre's, so a new artist starts from
what its genre earned (the genre is the label of the query that found it, or the one an earlier search gave it).
Where the household's library stands on a track (its place in the top tracks, how many tracks of the artist it keeps)
adds a few features with firm priors (Standing).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from device.core.feedback import Feedback, parse
from device.core.times import finite
from device.core.values import Track
from device.music.candidates import Candidate
from device.music.context import UNKNOWN

# Feedback -> (label, weight of the observation). An early skip is a dislike; a late skip a weak negative.
OUTCOMES = {Feedback.LIKE: (1.0, 1.0), Feedback.PLAY_THROUGH: (1.0, 0.5), Feedback.LATE_SKIP: (0.0, 0.3),
            Feedback.EARLY_SKIP: (0.0, 1.0)}
assert set(OUTCOMES) == set(Feedback), "every kind of feedback has its outcome"
PRIOR_PRECISION = 2.0  # N(0, 1/2) on every weight ...
CROSS_PRECISION = 4.0  # ... and N(0, 1/4) on descriptor x context weights: they need more evidence
# Informed priors: the rules' suggestion and the listeners' era start favoured, and the household's own shelves (its
# top tracks most: its most played; then what it saved or put in its playlists) over an unknown catalogue track; all
# unlearned when wrong.
PRIOR_MEANS = {"suggested": 1.0, "era": 0.5, "source:top": 1.0, "source:saved": 0.6, "source:my_playlists": 0.6,
               # where the household's library stands on a track (Standing): the first places of its top tracks
               # (ordered by how much it plays them) and artists it keeps many tracks of
               "top:10": 1.5, "top:25": 0.8, "kept:2": 0.3, "kept:4": 0.5, "kept:6": 0.8}
STANDING_PRECISION = 8.0  # the library's standing is a prior the reactions barely move (N(m, 1/8)), never crossed
MAX_ARTISTS = 2
KEPT_LEAST = 2  # likes or play-throughs before an artist counts as the household's evidence
# Thompson draws at this fraction of the posterior's width: a score sums some 30 features' draws, and at full width
# their noise (sd about 3) outweighed everything learned, so that the pick was close to a random one of the pool.
DRAW_SPREAD = 0.3


@dataclass(frozen=True)
class Standing:
    """Where the household's own library puts a track: its place in the top tracks (the most played first) and how
    many tracks of its first artist the library keeps; as feature names, not crossed with the moment.

    >>> standing = Standing({"spotify:track:a": 0, "spotify:track:b": 30}, {"X": 7, "Y": 2})
    >>> standing.descriptors(Track("spotify:track:a", "A", ("X",)))
    ['top:10', 'kept:6']
    >>> standing.descriptors(Track("spotify:track:b", "B", ("Y",))), standing.descriptors(Track("spotify:track:c", "C"))
    (['kept:2'], [])
    """

    place: Mapping[str, int] = field(default_factory=dict)  # top track URI -> its place, 0 first
    kept: Mapping[str, int] = field(default_factory=dict)  # artist -> tracks of it on the household's shelves

    def descriptors(self, track: Track) -> list[str]:
        out = []
        place = self.place.get(track.uri)
        if place is not None and place < 25:
            out.append("top:10" if place < 10 else "top:25")
        kept = max((self.kept.get(a, 0) for a in track.artists[:1]), default=0)
        if kept >= 2:
            out.append("kept:2" if kept < 4 else "kept:4" if kept < 6 else "kept:6")
        return out


@dataclass(frozen=True)
class Moment:
    """The context a choice is made in, as the model sees it."""

    temperature: str
    time_of_day: str
    company: str  # nobody | adults | family

    def keys(self) -> tuple[str, ...]:
        out = [""]
        if self.time_of_day != UNKNOWN:
            out.append(f"tod:{self.time_of_day}")
        out.append(f"who:{self.company}")
        if self.temperature != UNKNOWN:
            out.append(f"temp:{self.temperature}")
            if self.time_of_day != UNKNOWN:
                out.append(f"tt:{self.temperature}/{self.time_of_day}")
        return tuple(out)


def descriptors(c: Candidate, eras: tuple[tuple[int, int], ...] = (), artist_genre: dict | None = None) -> list[str]:
    """What a candidate is, as feature names: artist:, genre:, decade:, explicit, source:, suggested, era."""
    out = [f"artist:{a}" for a in c.track.artists[:MAX_ARTISTS]]
    genre = c.genre or next((artist_genre[a] for a in c.track.artists if artist_genre and a in artist_genre), "")
    if genre:
        out.append(f"genre:{genre}")
    if c.decade is not None:
        out.append(f"decade:{c.decade}s")
    if c.track.explicit:
        out.append("explicit")
    out.append(f"source:{c.kind}")
    if c.suggested:
        out.append("suggested")
    year = c.track.year
    if year is not None and any(s <= year <= e for s, e in eras):
        out.append("era")
    return out


def features(desc: list[str], moment: Moment) -> list[str]:
    return ["bias"] + [d if not k else f"{d}|{k}" for d in desc for k in moment.keys()]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass
class Weight:
    mean: float
    precision: float
    # what was seen with this feature; a state saved before version 3 counted play-throughs among the likes and
    # late skips among the (early) skips
    likes: int = 0
    skips: int = 0  # early skips
    late: int = 0  # late skips
    plays: int = 0  # play-throughs

    def counts(self) -> dict[Feedback, int]:
        return {Feedback.LIKE: self.likes, Feedback.PLAY_THROUGH: self.plays, Feedback.EARLY_SKIP: self.skips,
                Feedback.LATE_SKIP: self.late}

    @property
    def seen(self) -> int:
        """Observations of this feature, of every kind."""
        return self.likes + self.plays + self.skips + self.late

    def to_json(self) -> list:
        return [round(self.mean, 5), round(self.precision, 4), self.likes, self.skips, self.late, self.plays]


@dataclass
class TasteModel:
    """Diagonal Gaussian posterior over feature weights, and which genre each artist was found under."""

    weights: dict[str, Weight] = field(default_factory=dict)
    artist_genre: dict[str, str] = field(default_factory=dict)
    updates: int = 0
    heard_s: float = 0.0  # seconds the listeners heard of the tracks learned from (how long this device has played)

    def prior(self, name: str) -> Weight:
        base = name.split("|", 1)[0]
        precision = CROSS_PRECISION if "|" in name else PRIOR_PRECISION
        if name.startswith(("top:", "kept:")):
            precision = STANDING_PRECISION
        return Weight(PRIOR_MEANS.get(base, 0.0) if "|" not in name else 0.0, precision)

    def weight(self, name: str) -> Weight:
        return self.weights.get(name) or self.prior(name)

    # ------------------------------------------------------------ choosing

    def rank(self, candidates: list[Candidate], moment: Moment, eras: tuple[tuple[int, int], ...],
             rng: random.Random, spread: float = DRAW_SPREAD,
             standing: Standing | None = None) -> list[tuple[Candidate, float, list[str]]]:
        """Candidates by one Thompson sample of the weights (one draw per feature per decision, at `spread` times
        the posterior's width), best first; with the library's standing of each track when given."""
        drawn: dict[str, float] = {}
        scored = []
        for c in candidates:
            names = features(descriptors(c, eras, self.artist_genre), moment)
            if standing is not None:
                names += standing.descriptors(c.track)
            total = 0.0
            for name in names:
                w = drawn.get(name)
                if w is None:
                    w = drawn[name] = self._sample(name, rng, spread)
                total += w
            scored.append((c, total, names))
        scored.sort(key=lambda x: -x[1])
        return scored

    def draw(self, names: list[str], rng: random.Random, spread: float = DRAW_SPREAD) -> float:
        """One Thompson draw of the sum of these features' weights."""
        return sum(self._sample(n, rng, spread) for n in names)

    def _sample(self, name: str, rng: random.Random, spread: float) -> float:
        """One feature's weight drawn from its posterior, at `spread` times its width."""
        p = self.weight(name)
        return rng.gauss(p.mean, spread / math.sqrt(p.precision))

    def kept_artists(self, context: str = "", least: int = KEPT_LEAST) -> tuple[str, ...]:
        """Artists whose tracks were liked or played through at least `least` times and at least twice as often as
        skipped, in this context key (e.g. "who:family"; "" for anywhere), most kept first."""
        suffix = f"|{context}" if context else ""
        kept = [(w.likes, name[len("artist:"):len(name) - len(suffix)]) for name, w in self.weights.items()
                if name.startswith("artist:") and name.endswith(suffix) and name.count("|") == bool(suffix)
                and w.likes >= least and w.likes >= 2 * w.skips]
        kept.sort(key=lambda x: -x[0])
        return tuple(a for _, a in kept)

    def mean_score(self, names: list[str]) -> float:
        return _sigmoid(sum(self.weight(n).mean for n in names))

    # ------------------------------------------------------------ learning

    def learn(self, names: list[str], outcome: Feedback | str, *, artists: tuple[str, ...] = (),
              genre: str = "", heard_s: float = 0.0) -> None:
        """One observation of a candidate's features: an online Laplace step of Bayesian logistic regression in
        its extended-Kalman form (diagonal), so that a step shared by many features is not counted once for each."""
        outcome = parse(outcome)
        label, strength = OUTCOMES[outcome]
        current = [self.weight(n) for n in dict.fromkeys(names)]
        mean = sum(w.mean for w in current)
        spread = sum(1.0 / w.precision for w in current)
        p = _sigmoid(mean / math.sqrt(1.0 + math.pi * spread / 8.0))
        curvature = strength * p * (1.0 - p)
        denominator = 1.0 + curvature * spread
        for name, w in zip(dict.fromkeys(names), current):
            var = 1.0 / w.precision
            new_var = max(var - var * var * curvature / denominator, 1e-4)
            self.weights[name] = Weight(w.mean + var * strength * (label - p) / denominator, 1.0 / new_var,
                                        w.likes + (outcome is Feedback.LIKE), w.skips + (outcome is Feedback.EARLY_SKIP),
                                        w.late + (outcome is Feedback.LATE_SKIP),
                                        w.plays + (outcome is Feedback.PLAY_THROUGH))
        if genre:
            for artist in artists[:MAX_ARTISTS]:
                self.artist_genre.setdefault(artist, genre)
        self.updates += 1
        self.heard_s += max(0.0, heard_s) if math.isfinite(heard_s) else 0.0

    # ------------------------------------------------------------ persistence

    def to_json(self) -> dict:
        return {"weights": {k: w.to_json() for k, w in self.weights.items()}, "artist_genre": self.artist_genre,
                "updates": self.updates, "heard_s": round(self.heard_s, 1)}

    @classmethod
    def from_json(cls, data: dict | None) -> TasteModel:
        if not data:
            return cls()
        # [mean, precision, likes, skips] before version 3 of the learned state, [..., late skips, plays] since
        weights = {k: Weight(float(v[0]), float(v[1]), *(int(n) for n in v[2:6])) for k, v in data["weights"].items()}
        updates = int(data.get("updates", 0))
        # saved before heard_s was kept: each reaction counted as three minutes heard
        heard = finite(data.get("heard_s", updates * 180.0)) or 0.0
        return cls(weights, dict(data.get("artist_genre", {})), updates, max(0.0, heard))
