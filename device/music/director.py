"""The music facade the conductor calls: plan what to play for a moment, and learn from feedback on it."""

from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass, replace
from typing import Literal

from device.config.schema import Config
from device.core.catalog import MusicCatalog
from device.core.feedback import Feedback, parse
from device.core.history import NoRepeat, PlayHistory
from device.core.saved import track_to_json
from device.core.state import StateError, StateStore
from device.core.values import Audience, Track
from device.music.candidates import Candidate, CandidateFetcher
from device.music.context import Context
from device.music.explain import evidence_words, source_evidence
from device.music.learned_state import Learned, LearnedStateTooNew, dump, load
from device.music.learner import NAMED_KEEPS_LEAD, company, describe_level, levels_for
from device.music.policy import Brief, decide
from device.music.rules import rules_of
from device.music.sources import Source, explore_genres, sources_for
from device.music.taste import Moment

log = logging.getLogger(__name__)

LEARNER_KEY = "music.learner"
MAX_PAGES = 5  # pages tried per source (cached) before moving on to the next source
POOL_SOURCES = 5  # sources beyond the library the learner looks at per decision (in the source bandit's order) ...
POOL_TARGET = 60  # ... stopping once it holds this many usable candidates
# Source kinds the learner looks at in every decision before the bandit's draw: the listener's own library, one
# request a day each (cached), the surest evidence of taste there is; the taste model decides what fits the moment.
ALWAYS_LOOK: tuple[str, ...] = ("saved", "top", "recent", "my_playlists", "liked")
RECENT_PICKS = 100  # picks remembered in memory to attribute feedback (older ones: from the recorded decisions)
Strategy = Literal["learn", "source_learner", "rules", "random"]
STRATEGIES = ("random", "rules", "source_learner", "learn")


@dataclass(frozen=True)
class Pick:
    track: Track
    arm: str  # the source key, e.g. "genre:jazz"
    label: str  # the source in words
    suggested: bool  # suggested by the rules for this moment (False: the learner explored or drifted)
    score: float | None  # the Thompson sample that won (learning strategies)
    evidence: str  # what was learned that chose it, in words, e.g. "Bill Evans: 3 likes on cold evenings"
    genre: str = ""
    features: tuple[str, ...] = ()  # the taste model's features of this pick (learn strategy)


@dataclass(frozen=True)
class Decision:
    id: int | None
    at: float
    context: Context
    brief: Brief
    picks: tuple[Pick, ...]
    levels: tuple[str, ...]
    strategy: str
    explanation: str
    requests: int = 0  # catalog requests this decision made (cache hits not counted)

    @property
    def tracks(self) -> list[Track]:
        return [p.track for p in self.picks]


def _in_eras(year: int | None, eras: tuple[tuple[int, int], ...]) -> bool:
    return year is not None and any(start <= year <= end for start, end in eras)


class MusicDirector:
    """Turns context + audience into tracks (policy -> sources -> ranking) and records every decision.

    `played` says which tracks not to pick (played within the no-repeat window, or lined up): the player, whose one
    play history is marked when a track starts on the speaker; planning marks nothing. Without one, a PlayHistory
    of its own that whoever starts the picks marks (the simulation)."""

    def __init__(self, config: Config, catalog: MusicCatalog, store: StateStore | None, rng: random.Random, *,
                 strategy: Strategy | None = None, record: bool = True, played: NoRepeat | None = None):
        self.config = config
        self.played: NoRepeat = played if played is not None else PlayHistory(config.music.no_repeat_hours * 3600)
        self.store = store
        self.rng = rng
        self.strategy: Strategy = strategy or ("learn" if config.music.learning else "rules")
        self.record = record and store is not None
        self.rules = rules_of(config)
        self._explore = explore_genres(self.rules)
        self.fetcher = CandidateFetcher(catalog, store)
        self._frozen = False
        self.learned = self._load()
        self._recent: dict[str, dict] = {}

    @property
    def learner(self):
        """The source bandit and track memory."""
        return self.learned.sources

    # ------------------------------------------------------------ persistence

    def _load(self) -> Learned:
        if self.store is None:
            return Learned()
        try:
            data = self.store.get_json(LEARNER_KEY)
            learned = load(data)
        except StateError as exc:
            log.warning("learned tastes not loaded: %s", exc)
            return Learned()
        except LearnedStateTooNew as exc:
            self._frozen = True  # never overwrite what a newer version learned
            log.error("%s; keeping it untouched and saving nothing learned until the state database is reset "
                      "(README: What it learns, and how to reset it)", exc)
            return Learned()
        if learned.migrated_from is not None:
            log.info("learned tastes migrated from version %s", learned.migrated_from)
            try:
                self.store.set_json(f"{LEARNER_KEY}.v{learned.migrated_from}", data)  # the original, kept
                self.store.set_json(LEARNER_KEY, dump(learned))
            except StateError as exc:
                log.warning("migrated tastes not saved: %s", exc)
        return learned

    def _save(self, now: float) -> None:
        m = self.config.music
        self.learner.prune(now, block_s=m.dislike_block_days * 86400)
        if self.store is None or self._frozen:
            return
        try:
            self.store.set_json(LEARNER_KEY, dump(self.learned))
        except StateError as exc:
            log.warning("learned tastes not saved: %s", exc)

    # ------------------------------------------------------------ planning

    def brief(self, context: Context, audience: Audience) -> Brief:
        """The policy's brief alone (no catalog, no learner): the pure, fast part of a decision."""
        return decide(context, audience, self.config, self.rules)

    def _order(self, sources: list[Source], levels: tuple[str, ...]) -> list[tuple[Source, float | None]]:
        if self.strategy in ("learn", "source_learner"):
            by_key = {s.key: s for s in sources}
            ranked = self.learner.rank(levels, [(s.key, s.role) for s in sources], self.rng)
            # named playlists whose conditions hold win, until the household's skips pull them below the bar
            lead = [(by_key[k], x) for k, x in ranked if by_key[k].role == "named"
                    and self.learner.mean(levels, k, "named") >= NAMED_KEEPS_LEAD]
            taken = {s.key for s, _ in lead}
            return lead + [(by_key[k], x) for k, x in ranked if k not in taken]
        if self.strategy == "random":
            shuffled = list(sources)
            self.rng.shuffle(shuffled)
            return [(s, None) for s in shuffled]
        # rules: matching named playlists, a weighted draw among the other suggested sources, then the rest in order
        ordered: list[Source] = [s for s in sources if s.role == "named"]
        suggested = [s for s in sources if s.suggested and s.weight > 0 and s.role != "named"]
        while suggested:
            i = self.rng.choices(range(len(suggested)), weights=[s.weight for s in suggested])[0]
            ordered.append(suggested.pop(i))
        taken = {s.key for s in ordered}
        ordered += [s for s in sources if s.key not in taken]
        return [(s, None) for s in ordered]

    def _usable(self, found: list[Candidate], brief: Brief, chosen: set[str], level: str, now: float) -> list[Candidate]:
        m = self.config.music
        return [c for c in found if c.track.uri not in chosen and (brief.explicit or not c.track.explicit)
                and not self.played.recent(c.track.uri, now)
                and not self.learner.blocked(c.track.uri, level, now, block_s=m.dislike_block_days * 86400)]

    def _first_usable(self, ordered, brief, levels, chosen, now, liked) -> Pick | None:
        """Rules, random and the source learner: a random usable track of the first source that has one."""
        for source, score in ordered:
            for page in range(MAX_PAGES):
                found = self.fetcher.candidates(source, brief, page, now, self.rng, liked)
                if not found:
                    break
                usable = self._usable(found, brief, chosen, levels[0], now)
                if usable:
                    pool = [c for c in usable if _in_eras(c.track.year, brief.eras)] or usable
                    c = pool[self.rng.randrange(len(pool))]
                    return Pick(replace(c.track, source=source.key), source.key, source.label, source.suggested,
                                score, source_evidence(self.learner, source, levels), source.genre)
        return None

    def _gather(self, ordered, brief, levels, now, liked) -> list[Candidate]:
        """The learner's pool: up to half of it from the listener's library, the rest from the first sources the
        source bandit draws (a matching named playlist the household keeps is the pool on its own)."""
        pool: dict[str, Candidate] = {}
        for source, _ in ordered:
            if source.role == "named" and self.learner.mean(levels, source.key, "named") >= NAMED_KEEPS_LEAD:
                for page in range(MAX_PAGES):
                    found = self._usable(self.fetcher.candidates(source, brief, page, now, self.rng, liked),
                                         brief, set(), levels[0], now)
                    pool.update((c.track.uri, c) for c in found)
                    if found:
                        break
        if pool:
            return list(pool.values())
        library = [x for x in ordered if x[0].kind in ALWAYS_LOOK]
        elsewhere = [x for x in ordered if x[0].kind not in ALWAYS_LOOK]
        mine: dict[str, Candidate] = {}
        for source, _ in library:  # the listener's own library: one request a day each (cached)
            for c in self._usable(self.fetcher.candidates(source, brief, 0, now, self.rng, liked),
                                  brief, set(), levels[0], now):
                mine.setdefault(c.track.uri, c)
        # at most half the pool from the library, so that the brief's sources are always weighed against it
        keys = list(mine)
        self.rng.shuffle(keys)
        pool = {k: mine[k] for k in keys[:POOL_TARGET // 2]}
        looked = 0
        for source, _ in elsewhere:
            if looked >= POOL_SOURCES and len(pool) > len(keys[:POOL_TARGET // 2]):
                break
            looked += 1
            if source.kind in ("genre", "artists", "top_artists"):
                # a random page while requests are left; once they are spent, whatever pages are cached
                pages = [self.rng.randrange(MAX_PAGES)] if not self.fetcher.spent else range(MAX_PAGES)
            else:
                pages = [0]
            for page in pages:
                found = self._usable(self.fetcher.candidates(source, brief, page, now, self.rng, liked),
                                     brief, set(), levels[0], now)
                if found:
                    break
            for c in found:
                pool.setdefault(c.track.uri, c)
            if len(pool) >= POOL_TARGET:
                break
        return list(pool.values())

    def _ranked(self, pool: list[Candidate], ordered, brief, moment, n: int) -> list[Pick]:
        """The learner: the pool ranked by one Thompson sample of the taste model; the best n."""
        taste = self.learned.taste
        labels = {s.key: s.label for s, _ in ordered}
        picks = []
        for best, score, names in taste.rank(pool, moment, brief.eras, self.rng)[:n]:
            picks.append(Pick(replace(best.track, source=best.source), best.source, labels.get(best.source, best.source),
                              best.suggested, round(score, 3), evidence_words(taste, names), best.genre, tuple(names)))
        return picks

    def plan(self, context: Context, audience: Audience, now: float, n: int = 1) -> Decision:
        """Up to n tracks for this moment, with the brief and the reasons; recorded in the state store."""
        brief = self.brief(context, audience)
        levels = levels_for(context, brief.present, brief.family_safe)
        moment = Moment(context.temperature, context.time_of_day, company(brief.family_safe, brief.present))
        sources = sources_for(brief, context, audience, self.config, self.rules, self._explore)
        liked = self.learner.liked_tracks(levels[0]) or self.learner.liked_tracks("*")
        self.fetcher.new_round()
        picks: list[Pick] = []
        chosen: set[str] = set()
        if self.strategy == "learn":
            ordered = self._order(sources, levels)
            picks = self._ranked(self._gather(ordered, brief, levels, now, liked), ordered, brief, moment, n)
        else:
            for _ in range(n):
                pick = self._first_usable(self._order(sources, levels), brief, levels, chosen, now, liked)
                if pick is None:
                    break
                picks.append(pick)
                chosen.add(pick.track.uri)
        for pick in picks:  # remembered to attribute feedback; played (no-repeat) only once it starts
            self._remember(pick, levels)
        explanation = self._explain(brief, picks)
        decision = Decision(None, now, context, brief, tuple(picks), levels, self.strategy, explanation,
                            self.fetcher.round_requests)
        log.info("decision: %s [%d catalog requests]", explanation, decision.requests)
        if self.record:
            self._save(now)
            try:
                decision_id = self.store.add_decision(self._payload(decision), at=now)
                decision = replace(decision, id=decision_id)
            except StateError as exc:
                log.warning("decision not recorded: %s", exc)
        return decision

    def _explain(self, brief: Brief, picks: list[Pick]) -> str:
        text = brief.explanation
        if not picks:
            reason = f" ({self.fetcher.last_error})" if self.fetcher.last_error else ""
            return text + f"; nothing playable found{reason}"
        first = picks[0]
        artists = ", ".join(first.track.artists)
        text += f"; playing '{first.track.name}'" + (f" by {artists}" if artists else "") + f" from {first.label}"
        if not first.suggested:
            text += " (learned" + (f": {first.evidence})" if first.evidence else ": exploring)")
        elif first.evidence:
            text += f" ({first.evidence})"
        return text

    def _payload(self, d: Decision) -> dict:
        return {
            "strategy": d.strategy,
            "context": asdict(d.context),
            "brief": d.brief.to_dict(),
            "levels": list(d.levels),
            "picks": [{**track_to_json(p.track), "arm": p.arm, "label": p.label, "suggested": p.suggested,
                       "score": p.score, "evidence": p.evidence, "genre": p.genre, "features": list(p.features)}
                      for p in d.picks],
            "explanation": d.explanation,
            "catalog_error": self.fetcher.last_error,
            "catalog_requests": d.requests,
            "refused": list(self.fetcher.refused),
        }

    # ------------------------------------------------------------ feedback

    def _remember(self, pick: Pick, levels: tuple[str, ...]) -> None:
        self._recent[pick.track.uri] = {"levels": list(levels), "arm": pick.arm, "name": pick.track.name,
                                        "explicit": pick.track.explicit, "artists": list(pick.track.artists),
                                        "year": pick.track.year, "genre": pick.genre,
                                        "features": list(pick.features)}
        while len(self._recent) > RECENT_PICKS:
            self._recent.pop(next(iter(self._recent)))

    def _origin(self, uri: str) -> dict | None:
        found = self._recent.get(uri)
        if found is not None or self.store is None:
            return found
        try:
            for decision in reversed(self.store.decisions(limit=100)):
                for p in decision.payload.get("picks", []):
                    if p["uri"] == uri:
                        return {"levels": decision.payload["levels"], "arm": p["arm"], "name": p["name"],
                                "explicit": p.get("explicit", False), "artists": p.get("artists", []),
                                "year": p.get("year"), "genre": p.get("genre", ""),
                                "features": p.get("features", [])}
        except StateError:
            return None
        return None

    def feedback(self, track: Track | str, kind: Feedback | str, now: float, *,
                 played_s: float | None = None) -> Feedback:
        """Learn from what the listeners did with a started track: kind is a Feedback (device.core.feedback.judge
        makes one of a press or a skip and how long the track had played). Returns the kind learned."""
        uri = track if isinstance(track, str) else track.uri
        kind = parse(kind)
        origin = self._origin(uri)
        if origin is None:
            log.info("feedback %s on %s: not one of our picks; not learned", kind.words, uri)
            return kind
        levels = tuple(origin["levels"])
        if self.strategy in ("learn", "source_learner") and self.config.music.learning:
            self.learner.update(levels, origin["arm"], kind, uri, now, name=origin["name"],
                                explicit=bool(origin.get("explicit")), artists=tuple(origin.get("artists", ())),
                                year=origin.get("year"))
            if self.strategy == "learn" and origin.get("features"):
                self.learned.taste.learn(origin["features"], kind, artists=tuple(origin.get("artists", ())),
                                         genre=origin.get("genre", ""))
        log.info("feedback: %s on '%s' from %s in %s", kind.words, origin["name"], origin["arm"], describe_level(levels[0]))
        if self.record:
            try:
                self.store.add_event("feedback", {"uri": uri, "name": origin["name"], "kind": kind.value,
                                                  "arm": origin["arm"], "levels": list(levels),
                                                  "artists": origin.get("artists", []), "year": origin.get("year"),
                                                  "genre": origin.get("genre", ""), "played_s": played_s}, at=now)
            except StateError as exc:
                log.warning("feedback not recorded: %s", exc)
            self._save(now)
        return kind
