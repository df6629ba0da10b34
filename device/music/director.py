"""The music facade the conductor calls: plan what to play for a moment, and learn from feedback on it."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from typing import Literal

from device.config.schema import Config
from device.core.catalog import MusicCatalog
from device.core.feedback import Feedback, parse
from device.core.history import NoRepeat, PlayHistory
from device.core.state import StateError, StateStore
from device.core.values import Audience, Track
from device.music.candidates import Candidate, CandidateFetcher
from device.music.context import Context
from device.music.explain import source_evidence
from device.music.labelling import LABEL_REQUESTS, Labelling
from device.music.labels import ArtistLabels
from device.music.learned_state import Learned, LearnedStateTooNew, dump, load
from device.music.learner import NAMED_KEEPS_LEAD, company, describe_level, levels_for
from device.music.library import LibraryIndex, LibraryReader
from device.music.policy import Brief, Safety, decide
from device.music.pool import MAX_PAGES, LearnerPool
from device.music.record import Decision, FeedbackRecord, Pick
from device.music.rules import rules_of
from device.music.scope import GenreScope
from device.music.sources import Evidence, Source, sources_for, suggested_genres
from device.music.taste import Moment

log = logging.getLogger(__name__)

LEARNER_KEY = "music.learner"
LABELS_KEY = "music.artist_genres"  # device.music.labels: genres seen for each artist in `genre:` searches
# After this long heard on the device (its first hour is rule-led), the household's top tracks (its most played:
# its own evidence) may play whatever their genre, one only another context's rules name included.
SETTLED_S = 3600.0
# The household's own shelves (top tracks, saved tracks, own playlists) join the learner's pool, whatever their
# genre except one only another context's rules name, once it has heard this many reactions here (until then the
# rules lead) and every rule's genre has had its artists searched (labelled: device.music.scope).
OWN_SHELVES_AFTER = 10
# In the household's first hour heard, and its first this many reactions at most, the learner leaves out what only a
# loose-prone genre's search vouches for (device.music.scope: clear_first).
SETTLING_REACTIONS = 20
RECENT_PICKS = 100  # picks remembered in memory to attribute feedback (older ones: from the recorded decisions)
Strategy = Literal["learn", "rules"]  # the daemon's (the simulation's baselines: device.devtools.baselines)


def _in_eras(year: int | None, eras: tuple[tuple[int, int], ...]) -> bool:
    return year is not None and any(start <= year <= end for start, end in eras)


class MusicDirector(LearnerPool):
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
        self.labels = self._load_labels()
        self.fetcher = CandidateFetcher(catalog, store, labels=self.labels)
        self.scope = GenreScope(self.rules, self.labels, self.fetcher)
        self.labelling = Labelling(self.scope)
        self.library = LibraryReader(self.fetcher, store)
        self.index = LibraryIndex(self.library, self.labels, {k: Source(k, k, "", "library", 0.0).label
                                                              for k in ("saved", "my_playlists", "top", "recent")})
        self._frozen = False
        self.learned = self._load()
        self._recent: dict[str, Pick] = {}

    @property
    def learns_sources(self) -> bool:
        """The source bandit orders the sources and learns from reactions (learn; a baseline of the simulation's)."""
        return self.strategy == "learn"

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

    def _load_labels(self) -> ArtistLabels:
        if self.store is None:
            return ArtistLabels()
        try:
            return ArtistLabels.from_json(self.store.get_json(LABELS_KEY))
        except StateError as exc:
            log.warning("artist genre labels not loaded: %s", exc)
            return ArtistLabels()

    def _save_labels(self) -> None:
        if self.store is None or not self.labels.changed:
            return
        try:
            self.store.set_json(LABELS_KEY, self.labels.to_json())
            self.labels.changed = False
        except StateError as exc:
            log.warning("artist genre labels not saved: %s", exc)

    def _save(self, now: float, *, learned: bool = True) -> None:
        """The learned state into the store; learned=False (a decision, which learns nothing): only when the prune
        forgot an expired dislike, so that a decision does not rewrite the whole learned state (about 100 KB after a
        month) each time."""
        m = self.config.music
        before = len(self.learner.disliked)
        self.learner.prune(now, block_s=m.dislike_block_days * 86400)
        if self.store is None or self._frozen or (not learned and len(self.learner.disliked) == before):
            return
        try:
            self.store.set_json(LEARNER_KEY, dump(self.learned))
        except StateError as exc:
            log.warning("learned tastes not saved: %s", exc)

    # ------------------------------------------------------------ planning

    def brief(self, context: Context, audience: Audience, safety: Safety | None = None) -> Brief:
        """The policy's brief alone (no catalog, no learner): the pure, fast part of a decision."""
        return decide(context, audience, self.config, self.rules, safety)

    def evidence(self, who: str) -> Evidence:
        """What this household liked here, in this company (nobody, adults, family: what a child liked is no ground
        for a lone adult): the only ground for looking beyond the genres the rules suggest."""
        if not self.config.music.learning or not self.learns_sources:
            return Evidence()
        genres, artists = self.learner.liked_subjects(who)
        kept = self.learned.taste.kept_artists(f"who:{who}")  # played through or liked, more than skipped
        return Evidence(genres, tuple(dict.fromkeys(artists + kept)))

    def sources_now(self, context: Context, audience: Audience) -> list[Source]:
        """The sources searched for this moment: the rules' genres, named playlists, and the household's evidence."""
        brief = self.brief(context, audience)
        evidence = self.evidence(company(brief.family_safe, brief.present))
        return sources_for(brief, context, audience, self.config, self.rules, evidence)

    def _order(self, sources: list[Source], levels: tuple[str, ...]) -> list[tuple[Source, float | None]]:
        if self.learns_sources:
            by_key = {s.key: s for s in sources}
            ranked = self.learner.rank(levels, [(s.key, s.role) for s in sources], self.rng)
            # named playlists whose conditions hold win, until the household's skips pull them below the bar
            lead = [(by_key[k], x) for k, x in ranked if by_key[k].role == "named"
                    and self.learner.mean(levels, k, "named") >= NAMED_KEEPS_LEAD]
            taken = {s.key for s, _ in lead}
            return lead + [(by_key[k], x) for k, x in ranked if k not in taken]
        # rules: matching named playlists, a weighted draw among the rules' genres, then the rest in order
        ordered: list[Source] = [s for s in sources if s.role == "named"]
        suggested = [s for s in sources if s.role == "rules" and s.weight > 0]
        while suggested:
            i = self.rng.choices(range(len(suggested)), weights=[s.weight for s in suggested])[0]
            ordered.append(suggested.pop(i))
        taken = {s.key for s in ordered}
        ordered += [s for s in sources if s.key not in taken]
        return [(s, None) for s in ordered]

    def _usable(self, found: list[Candidate], brief: Brief, chosen: set[str], level: str, now: float) -> list[Candidate]:
        """Playable now: not chosen, explicit only where allowed, not played lately, not blocked, not of another
        context's genre."""
        m = self.config.music
        return [c for c in found if c.track.uri not in chosen and (brief.explicit or not c.track.explicit)
                and not self.played.recent(c.track.uri, now) and not self.scope.elsewhere(c)
                and not self.learner.blocked(c.track.uri, level, now, block_s=m.dislike_block_days * 86400)]

    def _library(self, wanted: dict[str, tuple[str, ...]], evidence: Evidence) -> dict[str, list[Candidate]]:
        """The household's library by shelf, each track where it is known to fit: labelled with a genre the rules
        suggest now, or by an artist (or of a genre) liked here, and once the household has reacted to enough tracks
        here, its own shelves (the rest: self.index.rest, when nothing fits)."""
        own = self.strategy == "learn" and self.learned.taste.updates >= OWN_SHELVES_AFTER and self.scope.swept()
        return self.index.fitting(wanted, evidence.artists, evidence.genres, top=self.config.music.use_top_tracks,
                                  own=own)

    def _pick(self, c: Candidate, levels, score=None, evidence="", features=()) -> Pick:
        return Pick(replace(c.track, source=c.source), c.origin, tuple(levels), score, evidence, tuple(features))

    def _first_usable(self, ordered, shelves, brief, levels, chosen, now, liked) -> Pick | None:
        """Rules (and the simulation's baselines): a random usable track of the first source that has one (a library
        shelf offers its tracks known to fit); anything playable from the library when nothing fits."""
        for source, _ in ordered:
            if source.kind in shelves:
                usable = self._usable(shelves[source.kind], brief, chosen, levels[0], now)
                if usable:
                    return self._choose(usable, brief, source, levels)
                continue
            for page in range(MAX_PAGES):
                found = self.fetcher.candidates(source, brief, page, now, self.rng, liked)
                if not found:
                    break
                usable = self._usable(found, brief, chosen, levels[0], now)
                if usable:
                    return self._choose(usable, brief, source, levels)
        usable = self._usable(self.index.rest(shelves), brief, chosen, levels[0], now)
        return self._choose(usable, brief, None, levels) if usable else None

    def _choose(self, usable: list[Candidate], brief: Brief, source: Source | None, levels) -> Pick:
        pool = [c for c in usable if _in_eras(c.track.year, brief.eras)] or usable
        c = pool[self.rng.randrange(len(pool))]
        said = source_evidence(self.learner, source, levels) if source is not None else ""
        return self._pick(c, levels, None, said)

    def _select(self, sources, shelves, brief, levels, moment, n: int, now: float, liked) -> list[Pick]:
        """The learner ranks one pool; the other strategies take the first usable track of their sources in order."""
        if self.strategy == "learn":
            ordered = self._order(sources, levels)
            return self._ranked(self._gather(ordered, shelves, brief, levels, moment, now, liked), brief, moment, levels, n,
                                now)
        picks: list[Pick] = []
        chosen: set[str] = set()
        shelf_sources = [Source(k, k, "", "library", 0.0) for k in shelves]
        for _ in range(n):
            pick = self._first_usable(self._order(sources + shelf_sources, levels), shelves, brief, levels, chosen,
                                      now, liked)
            if pick is None:
                break
            picks.append(pick)
            chosen.add(pick.track.uri)
        return picks

    def plan(self, context: Context, audience: Audience, now: float, n: int = 1,
             safety: Safety | None = None) -> Decision:
        """Up to n tracks for this moment, with the brief and the reasons; recorded in the state store. safety:
        the explicit setting in effect and a child seen lately (the conductor's session); None: the config's."""
        brief = self.brief(context, audience, safety)
        levels = levels_for(context, brief.present, brief.family_safe)
        moment = Moment(context.temperature, context.time_of_day, company(brief.family_safe, brief.present))
        evidence = self.evidence(moment.company)
        sources = sources_for(brief, context, audience, self.config, self.rules, evidence)
        liked = self.learner.liked_tracks(levels[0]) or self.learner.liked_tracks("*")
        self.fetcher.new_round()
        wanted = suggested_genres(brief, self.rules)
        self.scope.begin(list(wanted) + list(evidence.genres))
        self.scope.own_shelves = self.strategy == "learn" and self.learned.taste.heard_s >= SETTLED_S
        self.scope.settling = (self.strategy == "learn" and not self.scope.own_shelves
                               and self.learned.taste.updates < SETTLING_REACTIONS)
        sources = self.scope.ready(sources)
        shelves = self._library(wanted, evidence)
        picks = self._select(sources, shelves, brief, levels, moment, n, now, liked)
        if not picks and self.scope.others:
            # all that was found carries another context's genre too (the service's loose filter): rather what the
            # rules' own searches found than silence
            self.scope.open()
            picks = self._select(sources, shelves, brief, levels, moment, n, now, liked)
        top = self.config.music.use_top_tracks
        if not picks and self.library.read_more(now, top=top, spare=0):
            # nothing found and the library not read yet (a fresh device whose rules' genres find nothing): the
            # library now, so that a listener hears something, said to be what it is
            shelves = self._library(wanted, evidence)
            mine = [c for cs in shelves.values() for c in cs] + self.index.rest(shelves)
            usable = self._usable(mine, brief, set(), levels[0], now)
            self.rng.shuffle(usable)
            picks = [self._pick(c, levels) for c in usable[:n]]
        for pick in picks:  # remembered to attribute feedback; played (no-repeat) only once it starts
            self._remember(pick)
        self.library.started([p.track for p in picks], now)  # the device's own: never taken as the household's taste
        self.library.read_more(now, top=top)  # a little further while this decision's budget has room
        explanation = self._explain(brief, picks)
        decision = Decision(None, now, context, brief, tuple(picks), levels, self.strategy, explanation,
                            self.fetcher.round_requests, self.fetcher.last_error, tuple(self.fetcher.refused))
        log.info("decision: %s [%d catalog requests]", explanation, decision.requests)
        self._save_labels()
        if self.record:
            self._save(now, learned=False)
            try:
                decision_id = self.store.add_decision(decision.to_json(), at=now)
                decision = replace(decision, id=decision_id)
            except StateError as exc:
                log.warning("decision not recorded: %s", exc)
        return decision

    def prepare(self, now: float) -> int:
        """Before a decision: a fresh device labels the rules' genres (Labelling.prepare). Returns the requests made."""
        made = self.labelling.prepare(now)
        self._save_labels()
        return made

    def label(self, now: float, requests: int = LABEL_REQUESTS) -> int:
        """Between decisions (the conductor calls it every LABEL_EVERY_S): Labelling.label. Returns the requests made."""
        made = self.labelling.label(now, requests)
        self._save_labels()
        return made

    def _explain(self, brief: Brief, picks: list[Pick]) -> str:
        text = brief.explanation
        if not picks:
            reason = f" ({self.fetcher.last_error})" if self.fetcher.last_error else ""
            return text + f"; nothing playable found{reason}"
        first = picks[0]
        artists = ", ".join(first.track.artists)
        text += f"; playing '{first.track.name}'" + (f" by {artists}" if artists else "") + \
            f" from {first.origin.words()}"
        if first.evidence:
            text += f" (learned: {first.evidence})"
        return text

    # ------------------------------------------------------------ feedback

    def _remember(self, pick: Pick) -> None:
        self._recent[pick.track.uri] = pick
        while len(self._recent) > RECENT_PICKS:
            self._recent.pop(next(iter(self._recent)))

    def _origin(self, uri: str) -> Pick | None:
        """The pick of ours this track was (remembered, else from the last recorded decisions)."""
        found = self._recent.get(uri)
        if found is not None or self.store is None:
            return found
        try:
            recorded = self.store.decisions(limit=100)
        except StateError:
            return None
        for row in reversed(recorded):
            try:  # the typed decision record, as `why` reads it; one damaged record hides only its own picks
                decision = Decision.from_json(row.payload, id=row.id, at=row.at)
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            for p in decision.picks:
                if p.track.uri == uri:
                    return p
        return None

    def feedback(self, track: Track | str, kind: Feedback | str, now: float, *,
                 played_s: float | None = None) -> Feedback:
        """Learn from what the listeners did with a started track: kind is a Feedback (device.core.feedback.judge
        makes one of a press or a skip and how long the track had played). Returns the kind learned."""
        uri = track if isinstance(track, str) else track.uri
        kind = parse(kind)
        pick = self._origin(uri)
        if pick is None:
            log.info("feedback %s on %s: not one of our picks; not learned", kind.words, uri)
            return kind
        levels, track = pick.levels, pick.track
        if self.learns_sources and self.config.music.learning and levels:
            self.learner.update(levels, pick.arm, kind, uri, now, name=track.name, explicit=track.explicit,
                                artists=track.artists, year=track.year, genre=pick.genre)
            if self.strategy == "learn" and pick.features:
                self.learned.taste.learn(list(pick.features), kind, artists=track.artists, genre=pick.genre,
                                         heard_s=played_s or 0.0)
        log.info("feedback: %s on '%s' from %s in %s", kind.words, track.name, pick.arm,
                 describe_level(levels[0]) if levels else "an unknown context")
        if self.record:
            try:
                self.store.add_event("feedback", FeedbackRecord(pick, kind, played_s).to_json(), at=now)
            except StateError as exc:
                log.warning("feedback not recorded: %s", exc)
            self._save(now)
        return kind
