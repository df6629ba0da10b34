"""Who picks the tracks in the simulation: the daemon's director (through its public plan/feedback) under each of its
strategies, two baselines a skeptic would ask for, which live here and never in the director (the household's top
tracks shuffled; its library tracks labelled, by what the catalogue's genre searches find, as fitting the rules,
shuffled), and two references that know the household's hidden appeal (how low skips could go)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from device.config.schema import Config
from device.core.catalog import CatalogError
from device.core.feedback import Action, judge
from device.core.values import Audience, Track
from device.music.context import Context
from device.music.director import MusicDirector
from device.music.labelling import label_requests
from device.music.policy import Brief, decide
from device.music.rules import rules_of
from device.music.sources import genres_for

DIRECTOR_STRATEGIES = ("random", "rules", "source_learner", "learn")
BASELINES = ("shuffle_top", "library_rules")
STRATEGIES = ("random", "rules", "shuffle_top", "library_rules", "source_learner", "learn")  # a run's default
# Not strategies a device could follow: each plays what the household's hidden appeal (the protocol's optional
# `appeal`) rates best right now, among its top tracks or its library as the library baseline reads it.
REFERENCES = ("best_top", "best_library")
# A household's reaction as what the listener did; judge() (device/core/feedback.py) makes it a feedback kind.
ACTIONS = {"nothing": Action.END, "skip": Action.SKIP, "like": Action.LIKE}
LABEL_PAGES = 3  # search pages per genre a baseline reads to label the artists it finds
LIBRARY_PAGES = 4  # pages of saved tracks the library baseline reads (a day)
LABEL_BUDGET = 8  # label searches per decision at most (the device's budget is 12 requests a decision)


@dataclass(frozen=True)
class Chosen:
    track: Track
    kind: str  # where it came from: a source kind ("genre", "saved", "top"...)


class RuleGenres:
    """The genres the rules name for a brief, and those only other contexts' rules name (for the off-rule figure)."""

    def __init__(self, config: Config):
        self.config = config
        self.rules = rules_of(config)
        self.every = {g for r in self.rules for g in genres_for(r)}  # every genre any rule names or means

    def brief(self, context: Context, audience: Audience) -> Brief:
        return decide(context, audience, self.config, self.rules)

    def of(self, brief: Brief) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for r in self.rules if r.name in brief.rules for g in genres_for(r)))

    def offrule(self, brief: Brief, genres: tuple[str, ...]) -> bool:
        """The track's true genres hold another context's genre and none of this one's."""
        mine = set(self.of(brief))
        return bool(set(genres) & (self.every - mine)) and not set(genres) & mine


class Counting:
    """A catalogue that counts the requests made through it."""

    def __init__(self, catalog):
        self._catalog = catalog
        self.requests = 0

    def __getattr__(self, name):
        method = getattr(self._catalog, name)

        def counted(*args, **kwargs):
            self.requests += 1
            return method(*args, **kwargs)

        return counted


class RandomDirector(MusicDirector):
    """Baseline `random`: the daemon's director under the rules' choice (a usable track of the first source that
    has one), its sources in random order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strategy="rules", **kwargs)
        self.strategy = "random"  # as its decisions record it

    def _order(self, sources, levels):
        shuffled = list(sources)
        self.rng.shuffle(shuffled)
        return [(s, None) for s in shuffled]


class SourceLearnerDirector(MusicDirector):
    """Baseline `source_learner`: the learner before the taste model, a bandit over the sources (the rules' choice
    of a usable track from the first source the bandit draws); it learns from the reactions as `learn` does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strategy="rules", **kwargs)
        self.strategy = "source_learner"

    @property
    def learns_sources(self) -> bool:
        return True


BASELINE_DIRECTORS = {"random": RandomDirector, "source_learner": SourceLearnerDirector}


def director_for(strategy: str, config: Config, catalog, store, rng: random.Random) -> MusicDirector:
    """The daemon's director (learn, rules) or a baseline's made from it (random, source_learner)."""
    if strategy in BASELINE_DIRECTORS:
        return BASELINE_DIRECTORS[strategy](config, catalog, store, rng)
    return MusicDirector(config, catalog, store, rng, strategy=strategy)


class DirectorPlayer:
    """The daemon's MusicDirector (or a baseline's made from it) under one strategy, driven through plan() and
    feedback() only."""

    def __init__(self, strategy: str, catalog, config: Config, rng: random.Random, store=None):
        self.director = director_for(strategy, config, catalog, store, rng)
        self.skip_dislike_s = config.music.skip_dislike_s
        self.last_decision: float | None = None
        self.labelling_requests = 0  # made between decisions, as the daemon's conductor has the director do

    def choose(self, context: Context, audience: Audience, now: float, brief: Brief,
               moment=None) -> tuple[Chosen | None, int]:
        if self.last_decision is not None:  # as the daemon's conductor: labelling between decisions ...
            self.labelling_requests += self.director.label(now, label_requests(now - self.last_decision))
        self.labelling_requests += self.director.prepare(now)  # ... and before one, what was never labelled
        self.last_decision = now
        decision = self.director.plan(context, audience, now)
        if not decision.picks:
            return None, decision.requests
        pick = decision.picks[0]  # the decision record's pick: its origin says where it came from
        self.director.played.mark(pick.track.uri, now)  # the simulated speaker starts it: played (no-repeat) from now
        return Chosen(pick.track, pick.origin.kind), decision.requests

    def feedback(self, track: Track, reaction: str, at: float, played_s: float) -> None:
        kind = judge(ACTIONS[reaction], played_s, self.skip_dislike_s)
        self.director.feedback(track, kind, at, played_s=played_s)


class _Baseline:
    def __init__(self, catalog, config: Config, rng: random.Random, genres: RuleGenres):
        self.catalog = Counting(catalog)
        self.config, self.rng, self.genres = config, rng, genres
        self.played: dict[str, float] = {}
        self._day: dict[str, tuple[int, list[Track]]] = {}
        self.user = ""
        self.moment = None  # the moment being played (a reference's appeal reads it)

    def _usable(self, track: Track, brief: Brief, now: float) -> bool:
        last = self.played.get(track.uri)
        return (brief.explicit or not track.explicit) and (
            last is None or now - last >= self.config.music.no_repeat_hours * 3600)

    def _daily(self, name: str, now: float, read) -> list[Track]:
        """A library list read once a day (a failed read: what was read before)."""
        day = int(now // 86400)
        kept = self._day.get(name)
        if kept is None or kept[0] != day:
            try:
                self._day[name] = (day, read())
            except CatalogError:
                self._day[name] = (day, kept[1] if kept else [])
        return self._day[name][1]

    def _library(self) -> list[Track]:
        """Saved tracks (LIBRARY_PAGES pages), top tracks and the own and collaborative playlists' first pages."""
        tracks: list[Track] = []
        for page in range(LIBRARY_PAGES):
            got = self.catalog.saved_tracks(offset=page * 50, limit=50)
            tracks += got
            if len(got) < 50:
                break
        tracks += self.catalog.top_tracks(limit=50)
        if not self.user:
            self.user = self.catalog.user_id()
        for p in self.catalog.my_playlists(limit=50):
            if p.owner == self.user or p.collaborative:
                try:
                    tracks += self.catalog.playlist_tracks(p.uri, limit=50)
                except CatalogError:
                    pass
        return list({t.uri: t for t in tracks}.values())

    def _pick(self, pool: list[Track], brief: Brief, now: float) -> Track | None:
        usable = [t for t in pool if self._usable(t, brief, now)]
        if not usable:
            return None
        track = usable[self.rng.randrange(len(usable))]
        self.played[track.uri] = now
        return track

    def feedback(self, track: Track, reaction: str, at: float, played_s: float) -> None:
        """Baselines learn nothing."""

    def choose(self, context: Context, audience: Audience, now: float, brief: Brief,
               moment=None) -> tuple[Chosen | None, int]:
        before = self.catalog.requests
        self.moment = moment
        chosen = self._choose(brief, now)
        return chosen, self.catalog.requests - before


class ShuffleTop(_Baseline):
    """The household's top tracks (50, read once a day), shuffled."""

    def _choose(self, brief: Brief, now: float) -> Chosen | None:
        track = self._pick(self._daily("top", now, lambda: self.catalog.top_tracks(limit=50)), brief, now)
        return Chosen(track, "top") if track else None


class LibraryRules(_Baseline):
    """Library tracks (saved, top, own playlists) whose artist the catalogue's genre searches found under one of the
    brief's genres, shuffled; the brief's genre search results when none is labelled yet."""

    def __init__(self, catalog, config: Config, rng: random.Random, genres: RuleGenres):
        super().__init__(catalog, config, rng, genres)
        self.labels: dict[str, set[str]] = {}  # artist name -> genres a search found it under
        self.found: dict[str, list[Track]] = {}  # genre -> tracks its searches found
        self.pages: dict[str, int] = {}  # genre -> search pages read

    def _label(self, genres: tuple[str, ...]) -> None:
        """Search the genres not read yet, a page at a time, within this decision's share of requests."""
        spent = 0
        for genre in genres:
            pages = self.found.setdefault(genre, [])
            read = self.pages.get(genre, 0)
            quoted = f'genre:"{genre}"'
            while read < LABEL_PAGES and spent + 2 <= LABEL_BUDGET:
                try:
                    artists = self.catalog.search_artists(quoted, offset=read * 10, limit=10)
                    tracks = self.catalog.search_tracks(quoted, offset=read * 10, limit=10)
                except CatalogError:
                    artists, tracks = [], []
                spent += 2
                read = LABEL_PAGES if not tracks and not artists else read + 1
                for a in artists:
                    self.labels.setdefault(a.name, set()).add(genre)
                pages += tracks
                for name in (t.artists[0] for t in tracks if t.artists):
                    self.labels.setdefault(name, set()).add(genre)
            self.pages[genre] = read

    def _choose(self, brief: Brief, now: float) -> Chosen | None:
        wanted = self.genres.of(brief)
        self._label(wanted)
        library = self._daily("library", now, self._library)
        fitting = [t for t in library if any(self.labels.get(a, set()) & set(wanted) for a in t.artists[:1])]
        track = self._pick(fitting, brief, now)
        if track is not None:
            return Chosen(track, "library")
        track = self._pick([t for g in wanted for t in self.found.get(g, [])], brief, now)
        return Chosen(track, "genre") if track else None


class BestOf(_Baseline):
    """A reference, not a strategy: the usable track (24-hour no-repeat, the brief's explicit setting) that the
    household's hidden appeal rates best at this moment, among its top tracks or its library."""

    def __init__(self, catalog, config: Config, rng: random.Random, genres: RuleGenres, appeal, where: str):
        super().__init__(catalog, config, rng, genres)
        self.appeal, self.where = appeal, where

    def _choose(self, brief: Brief, now: float) -> Chosen | None:
        if self.where == "top":
            pool = self._daily("top", now, lambda: self.catalog.top_tracks(limit=50))
        else:
            pool = self._daily("library", now, self._library)
        usable = [t for t in pool if self._usable(t, brief, now)]
        if not usable:
            return None
        track = max(usable, key=lambda t: self.appeal(t, now, self.moment))
        self.played[track.uri] = now
        return Chosen(track, self.where)


def make_player(strategy: str, catalog, config: Config, rng: random.Random, genres: RuleGenres, appeal=None):
    """The player for a strategy or reference (a reference needs the household's `appeal`)."""
    if strategy in REFERENCES:
        if appeal is None:
            raise ValueError(f"{strategy} needs a household with appeal(track, at, moment)")
        return BestOf(catalog, config, rng, genres, appeal, strategy.removeprefix("best_"))
    if strategy in DIRECTOR_STRATEGIES:
        return DirectorPlayer(strategy, catalog, config, rng)
    if strategy == "shuffle_top":
        return ShuffleTop(catalog, config, rng, genres)
    if strategy == "library_rules":
        return LibraryRules(catalog, config, rng, genres)
    raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES + REFERENCES)}")
