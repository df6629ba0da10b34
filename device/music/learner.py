"""The source bandit (pure): Thompson sampling over where to look (candidate sources) per context bucket, and the
track memory (liked, and disliked: skipped early). Saved inside device.music.learned_state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from device.core.feedback import Feedback, parse
from device.core.times import finite
from device.music.context import UNKNOWN, Context

# Feedback -> (success, failure) added to an arm's Beta posterior. A play-through is a mild like; a late skip (the
# listener moved on after a listen) says nothing about where the track was found.
REWARDS = {Feedback.LIKE: (1.0, 0.0), Feedback.PLAY_THROUGH: (0.8, 0.2), Feedback.EARLY_SKIP: (0.0, 1.0),
           Feedback.LATE_SKIP: (0.0, 0.0)}
assert set(REWARDS) == set(Feedback), "every kind of feedback has its reward"
# Evidence from coarser context levels counts for less: full bucket, time of day + company, everywhere.
LEVEL_WEIGHTS = (1.0, 0.5, 0.25)
# Prior Beta(a, b) by a source's role now (device.music.record.ROLES): a named playlist whose conditions hold (it
# goes first while its posterior mean stays at or above NAMED_KEEPS_LEAD), a genre the rules suggest, the household's
# library where its labels fit the rules, and exploration from the household's own evidence (an artist or genre liked
# here: explored less until it earns more). No other source is looked at, so a fresh device follows its rules.
PRIORS = {"named": (8.0, 1.0), "rules": (2.0, 1.0), "library": (2.0, 1.0), "evidence": (1.0, 2.0)}
NAMED_KEEPS_LEAD = 0.5
SOURCES_FORMAT = 2  # the source bandit's own format, inside learned_state's versioned container (2: late skips)


def company(context_audience_kids: bool, present: bool) -> str:
    if not present:
        return "nobody"
    return "family" if context_audience_kids else "adults"


def levels_for(context: Context, present: bool, family: bool) -> tuple[str, str, str]:
    """The context buckets this moment belongs to, finest first."""
    who = company(family, present)
    return (f"{context.temperature}|{context.time_of_day}|{who}", f"{context.time_of_day}|{who}", "*")


def describe_level(level: str) -> str:
    """A bucket key in words: "cold|evening|adults" -> "cold evenings"."""
    if level == "*":
        return "all contexts"
    parts = level.split("|")
    who = parts[-1]
    tod = parts[-2]
    temp = parts[0] if len(parts) == 3 else None
    words = []
    if temp and temp != UNKNOWN:
        words.append(temp)
    words.append(f"{tod}s" if tod != UNKNOWN else "any time")
    text = " ".join(words)
    if who == "family":
        text += " with children"
    elif who == "nobody":
        text += " with nobody watching"
    return text


@dataclass
class Tally:
    likes: float = 0.0
    plays: float = 0.0  # play-throughs
    dislikes: float = 0.0  # early skips
    late: float = 0.0  # late skips

    def count(self, kind: Feedback) -> float:
        return {Feedback.LIKE: self.likes, Feedback.PLAY_THROUGH: self.plays, Feedback.EARLY_SKIP: self.dislikes,
                Feedback.LATE_SKIP: self.late}[kind]

    def add(self, kind: Feedback, n: float = 1.0) -> None:
        if kind is Feedback.LIKE:
            self.likes += n
        elif kind is Feedback.PLAY_THROUGH:
            self.plays += n
        elif kind is Feedback.EARLY_SKIP:
            self.dislikes += n
        else:
            self.late += n

    @property
    def total(self) -> float:
        return self.likes + self.plays + self.dislikes + self.late

    def posterior_counts(self) -> tuple[float, float]:
        a = sum(self.count(k) * REWARDS[k][0] for k in Feedback)
        b = sum(self.count(k) * REWARDS[k][1] for k in Feedback)
        return a, b

    def describe(self) -> str:
        """E.g. "2 likes, 1 play-through, 0 early skips, 3 late skips"."""
        def n(x, word):
            x = int(round(x))
            return f"{x} {word}{'' if x == 1 else 's'}"
        return ", ".join(n(self.count(k), k.words) for k in Feedback)

    def to_json(self) -> list[float]:
        return [self.likes, self.plays, self.dislikes, self.late]


@dataclass
class Learner:
    """Feedback statistics and track memory. Mutated only through its methods; saved with to_json().

    What played when (the no-repeat window) is not kept here: that is the play history, marked when a track starts
    (device.core.history)."""

    stats: dict[str, dict[str, Tally]] = field(default_factory=dict)  # level -> arm -> tally
    liked: dict[str, dict] = field(default_factory=dict)  # uri -> {"at", "level", "arm", "name"}
    disliked: dict[str, float] = field(default_factory=dict)  # "level\turi" -> when it was skipped early

    # ------------------------------------------------------------ choosing

    def tally(self, level: str, arm: str) -> Tally:
        return self.stats.get(level, {}).get(arm) or Tally()

    def posterior(self, levels: tuple[str, ...], arm: str, role: str) -> tuple[float, float]:
        a, b = PRIORS[role]
        for weight, level in zip(LEVEL_WEIGHTS, levels):
            t = self.stats.get(level, {}).get(arm)
            if t is not None:
                da, db = t.posterior_counts()
                a += weight * da
                b += weight * db
        return a, b

    def mean(self, levels: tuple[str, ...], arm: str, role: str) -> float:
        a, b = self.posterior(levels, arm, role)
        return a / (a + b)

    def sample(self, levels: tuple[str, ...], arm: str, role: str, rng: random.Random) -> float:
        a, b = self.posterior(levels, arm, role)
        return rng.betavariate(a, b)

    def rank(self, levels: tuple[str, ...], arms: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, float]]:
        """Arms (key, role: named/rules/library/evidence) ordered by one Thompson sample each, best first."""
        scored = [(key, self.sample(levels, key, role, rng)) for key, role in arms]
        scored.sort(key=lambda pair: -pair[1])
        return scored

    def blocked(self, uri: str, level: str, now: float, *, block_s: float) -> bool:
        """Skipped early (disliked) in this context within the block window."""
        at = self.disliked.get(f"{level}\t{uri}")
        return at is not None and now - at < block_s

    def liked_subjects(self, who: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The genres and artists of the tracks liked here in this company (nobody/adults/family; any weather or
        time), most liked first: the household's own evidence that exploration beyond the rules starts from."""
        genres: dict[str, int] = {}
        artists: dict[str, int] = {}
        for v in self.liked.values():
            if str(v.get("level", "")).rsplit("|", 1)[-1] != who:
                continue
            if v.get("genre"):
                genres[v["genre"]] = genres.get(v["genre"], 0) + 1
            for a in v.get("artists", ())[:1]:
                artists[a] = artists.get(a, 0) + 1
        return (tuple(sorted(genres, key=lambda g: -genres[g])), tuple(sorted(artists, key=lambda a: -artists[a])))

    def liked_tracks(self, level: str) -> list[dict]:
        """Tracks liked in this context (any context for level "*"), newest first."""
        found = [dict(v, uri=uri) for uri, v in self.liked.items() if level == "*" or v.get("level") == level]
        found.sort(key=lambda v: -v["at"])
        return found

    # ------------------------------------------------------------ learning

    def update(self, levels: tuple[str, ...], arm: str, kind: Feedback | str, uri: str, now: float, *,
               name: str = "", explicit: bool = False, artists: tuple[str, ...] = (), year: int | None = None,
               genre: str = "") -> None:
        """Learn from one piece of feedback on a track the source `arm` found in the context `levels`. Only an early
        skip blocks the track (in this context, see blocked()); a late skip is counted and blocks nothing."""
        kind = parse(kind)
        for level in levels:
            self.stats.setdefault(level, {}).setdefault(arm, Tally()).add(kind)
        if kind is Feedback.LIKE:
            self.liked[uri] = {"at": now, "level": levels[0], "arm": arm, "name": name, "explicit": explicit,
                               "artists": list(artists), "year": year, "genre": genre}
            self.disliked.pop(f"{levels[0]}\t{uri}", None)
        elif kind is Feedback.EARLY_SKIP:
            self.disliked[f"{levels[0]}\t{uri}"] = now
            self.liked.pop(uri, None)

    def prune(self, now: float, *, block_s: float) -> None:
        """Forget dislikes whose block window has passed (keeps the saved state small)."""
        self.disliked = {k: t for k, t in self.disliked.items() if now - t < block_s}

    # ------------------------------------------------------------ persistence

    def to_json(self) -> dict:
        return {
            "version": SOURCES_FORMAT,
            "stats": {lvl: {arm: t.to_json() for arm, t in arms.items()} for lvl, arms in self.stats.items()},
            "liked": self.liked, "disliked": self.disliked,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Learner:
        """Formats 1 and 2 (format 1: tallies of likes, play-throughs and early skips, and the tracks planned, which
        are dropped: planned is not played)."""
        if not data:
            return cls()
        stats = {lvl: {arm: Tally(*map(float, v)) for arm, v in arms.items()} for lvl, arms in data["stats"].items()}
        # times read back from the store: entries whose time is no number say nothing usable and are dropped
        liked = {u: v for u, v in dict(data.get("liked", {})).items() if isinstance(v, dict) and finite(v.get("at"))
                 is not None}
        return cls(stats=stats, liked=liked, disliked=_timed(data.get("disliked")))


def _timed(saved) -> dict[str, float]:
    return {key: at for key, at in dict(saved or {}).items() if finite(at) is not None}
