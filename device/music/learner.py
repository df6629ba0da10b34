"""The source bandit (pure): Thompson sampling over where to look (candidate sources) per context bucket, and the
track memory (liked, disliked, recently planned). Saved inside device.music.learned_state."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from device.core.times import finite
from device.music.context import UNKNOWN, Context

# Feedback -> (success, failure) added to an arm's Beta posterior. A play-through is a mild like.
REWARDS = {"like": (1.0, 0.0), "play_through": (0.8, 0.2), "dislike": (0.0, 1.0)}
FEEDBACK_KINDS = tuple(REWARDS) + ("late_skip", "neutral")  # a later skip tells the source bandit nothing
# Evidence from coarser context levels counts for less: full bucket, time of day + company, everywhere.
LEVEL_WEIGHTS = (1.0, 0.5, 0.25)
# Prior Beta(a, b) by a source's role now (device.music.record.ROLES): a named playlist whose conditions hold (it
# goes first while its posterior mean stays at or above NAMED_KEEPS_LEAD), a genre the rules suggest, the household's
# library where its labels fit the rules, and exploration from the household's own evidence (an artist or genre liked
# here: explored less until it earns more). No other source is looked at, so a fresh device follows its rules.
PRIORS = {"named": (8.0, 1.0), "rules": (2.0, 1.0), "library": (2.0, 1.0), "evidence": (1.0, 2.0)}
NAMED_KEEPS_LEAD = 0.5
SOURCES_FORMAT = 1  # the source bandit's own format, inside learned_state's versioned container


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
    dislikes: float = 0.0

    @property
    def total(self) -> float:
        return self.likes + self.plays + self.dislikes

    def posterior_counts(self) -> tuple[float, float]:
        a = self.likes * REWARDS["like"][0] + self.plays * REWARDS["play_through"][0]
        b = self.plays * REWARDS["play_through"][1] + self.dislikes * REWARDS["dislike"][1]
        return a, b

    def describe(self) -> str:
        def n(x, word):
            x = int(round(x))
            return f"{x} {word}{'' if x == 1 else 's'}"
        return f"{n(self.likes, 'like')}, {n(self.plays, 'play-through')}, {n(self.dislikes, 'skip')}"


@dataclass
class Learner:
    """Feedback statistics and track memory. Mutated only through its methods; saved with to_json()."""

    stats: dict[str, dict[str, Tally]] = field(default_factory=dict)  # level -> arm -> tally
    liked: dict[str, dict] = field(default_factory=dict)  # uri -> {"at", "level", "arm", "name"}
    disliked: dict[str, float] = field(default_factory=dict)  # "level\turi" -> when
    played: dict[str, float] = field(default_factory=dict)  # uri -> last planned

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

    def usable(self, uri: str, level: str, now: float, *, no_repeat_s: float, block_s: float) -> bool:
        """Not planned within the no-repeat window, and not disliked in this context within the block window."""
        last = self.played.get(uri)
        if last is not None and now - last < no_repeat_s:
            return False
        blocked = self.disliked.get(f"{level}\t{uri}")
        return blocked is None or now - blocked >= block_s

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

    def mark_played(self, uri: str, now: float) -> None:
        self.played[uri] = now

    def update(self, levels: tuple[str, ...], arm: str, kind: str, uri: str, now: float, *, name: str = "",
               explicit: bool = False, artists: tuple[str, ...] = (), year: int | None = None,
               genre: str = "") -> None:
        """Learn from one piece of feedback on a track the source `arm` found in the context `levels`."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback kind {kind!r}; expected one of {', '.join(FEEDBACK_KINDS)}")
        if kind in ("late_skip", "neutral"):
            return
        for level in levels:
            t = self.stats.setdefault(level, {}).setdefault(arm, Tally())
            if kind == "like":
                t.likes += 1
            elif kind == "play_through":
                t.plays += 1
            else:
                t.dislikes += 1
        if kind == "like":
            self.liked[uri] = {"at": now, "level": levels[0], "arm": arm, "name": name, "explicit": explicit,
                               "artists": list(artists), "year": year, "genre": genre}
            self.disliked.pop(f"{levels[0]}\t{uri}", None)
        elif kind == "dislike":
            self.disliked[f"{levels[0]}\t{uri}"] = now
            self.liked.pop(uri, None)

    def prune(self, now: float, *, no_repeat_s: float, block_s: float) -> None:
        """Forget plays and dislikes whose windows have passed (keeps the saved state small)."""
        self.played = {u: t for u, t in self.played.items() if now - t < no_repeat_s}
        self.disliked = {k: t for k, t in self.disliked.items() if now - t < block_s}

    # ------------------------------------------------------------ persistence

    def to_json(self) -> dict:
        return {
            "version": SOURCES_FORMAT,
            "stats": {lvl: {arm: [t.likes, t.plays, t.dislikes] for arm, t in arms.items()}
                      for lvl, arms in self.stats.items()},
            "liked": self.liked, "disliked": self.disliked, "played": self.played,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Learner:
        if not data:
            return cls()
        stats = {lvl: {arm: Tally(*map(float, v)) for arm, v in arms.items()} for lvl, arms in data["stats"].items()}
        # times read back from the store: entries whose time is no number say nothing usable and are dropped
        liked = {u: v for u, v in dict(data.get("liked", {})).items() if isinstance(v, dict) and finite(v.get("at"))
                 is not None}
        return cls(stats=stats, liked=liked, disliked=_timed(data.get("disliked")), played=_timed(data.get("played")))


def _timed(saved) -> dict[str, float]:
    return {key: at for key, at in dict(saved or {}).items() if finite(at) is not None}
