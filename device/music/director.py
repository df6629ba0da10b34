"""The music facade the conductor calls: plan what to play for a moment, and learn from feedback on it."""

from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass, replace
from typing import Literal

from device.config.schema import Config
from device.music.candidates import Arm, CandidateFetcher, arms_for, explore_genres
from device.music.catalog import MusicCatalog
from device.music.context import Context
from device.music.learner import NAMED_KEEPS_LEAD, Learner, describe_level, levels_for
from device.music.policy import Brief, decide
from device.music.rules import rules_of
from device.state import StateError, StateStore
from device.values import Audience, Track

log = logging.getLogger(__name__)

LEARNER_KEY = "music.learner"
MAX_PAGES = 20  # pages tried per source (10 tracks each, cached) before moving on to the next source
RECENT_PICKS = 500  # picks remembered in memory to attribute feedback
Strategy = Literal["learn", "rules", "random"]
FEEDBACK_ALIASES = {"tap": "dislike", "hold": "like", "end": "play_through", "played": "play_through"}


@dataclass(frozen=True)
class Pick:
    track: Track
    arm: str  # the source key, e.g. "genre:jazz"
    label: str  # the source in words
    suggested: bool  # suggested by the rules for this moment (False: the learner explored or drifted)
    score: float | None  # the Thompson sample that won (learn strategy)
    evidence: str  # what was learned about this source here, e.g. "jazz: 7 likes, 1 skip in cold evenings"


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

    @property
    def tracks(self) -> list[Track]:
        return [p.track for p in self.picks]


def _in_eras(year: int | None, eras: tuple[tuple[int, int], ...]) -> bool:
    return year is not None and any(start <= year <= end for start, end in eras)


class MusicDirector:
    """Turns context + audience into tracks (policy -> sources -> learner) and records every decision."""

    def __init__(self, config: Config, catalog: MusicCatalog, store: StateStore | None, rng: random.Random, *,
                 strategy: Strategy | None = None, record: bool = True):
        self.config = config
        self.store = store
        self.rng = rng
        self.strategy: Strategy = strategy or ("learn" if config.music.learning else "rules")
        self.record = record and store is not None
        self.rules = rules_of(config)
        self._explore = explore_genres(self.rules)
        self.fetcher = CandidateFetcher(catalog, store)
        self.learner = Learner.from_json(self._load())
        self._recent: dict[str, dict] = {}

    # ------------------------------------------------------------ persistence

    def _load(self) -> dict | None:
        if self.store is None:
            return None
        try:
            return self.store.get_json(LEARNER_KEY)
        except StateError as exc:
            log.warning("learned tastes not loaded: %s", exc)
            return None

    def _save(self, now: float) -> None:
        m = self.config.music
        self.learner.prune(now, no_repeat_s=m.no_repeat_hours * 3600, block_s=m.dislike_block_days * 86400)
        if self.store is None:
            return
        try:
            self.store.set_json(LEARNER_KEY, self.learner.to_json())
        except StateError as exc:
            log.warning("learned tastes not saved: %s", exc)

    # ------------------------------------------------------------ planning

    def brief(self, context: Context, audience: Audience) -> Brief:
        """The policy's brief alone (no catalog, no learner): the pure, fast part of a decision."""
        return decide(context, audience, self.config, self.rules)

    def _order(self, arms: list[Arm], levels: tuple[str, ...]) -> list[tuple[Arm, float | None]]:
        if self.strategy == "learn":
            by_key = {a.key: a for a in arms}
            ranked = self.learner.rank(levels, [(a.key, a.role) for a in arms], self.rng)
            # named playlists whose conditions hold win, until the household's skips pull them below the bar
            lead = [(by_key[k], s) for k, s in ranked if by_key[k].role == "named"
                    and self.learner.mean(levels, k, "named") >= NAMED_KEEPS_LEAD]
            taken = {a.key for a, _ in lead}
            return lead + [(by_key[k], s) for k, s in ranked if k not in taken]
        if self.strategy == "random":
            shuffled = list(arms)
            self.rng.shuffle(shuffled)
            return [(a, None) for a in shuffled]
        # rules: a weighted draw among the suggested sources, then the rest in order as a fallback
        suggested = [a for a in arms if a.suggested and a.weight > 0]
        ordered: list[Arm] = []
        while suggested:
            i = self.rng.choices(range(len(suggested)), weights=[a.weight for a in suggested])[0]
            ordered.append(suggested.pop(i))
        taken = {a.key for a in ordered}
        ordered += [a for a in arms if a.key not in taken]
        return [(a, None) for a in ordered]

    def _evidence(self, arm: Arm, levels: tuple[str, ...]) -> str:
        for level in levels:
            t = self.learner.tally(level, arm.key)
            if t.total >= 1:
                return f"{arm.label}: {t.describe()} in {describe_level(level)}"
        return ""

    def plan(self, context: Context, audience: Audience, now: float, n: int = 1) -> Decision:
        """Up to n tracks for this moment, with the brief and the reasons; recorded in the state store."""
        m = self.config.music
        brief = self.brief(context, audience)
        levels = levels_for(context, brief.present, brief.family_safe)
        arms = arms_for(brief, context, audience, self.config, self.rules, self._explore)
        liked = self.learner.liked_tracks(levels[0]) or self.learner.liked_tracks("*")
        no_repeat_s, block_s = m.no_repeat_hours * 3600, m.dislike_block_days * 86400
        self.fetcher.new_round()
        picks: list[Pick] = []
        chosen: set[str] = set()
        for _ in range(n):
            pick = None
            for arm, score in self._order(arms, levels):
                for page in range(MAX_PAGES):
                    found = self.fetcher.tracks(arm, brief, page, now, self.rng, liked)
                    if not found:
                        break
                    usable = [t for t in found if t.uri not in chosen and (brief.explicit or not t.explicit)
                              and self.learner.usable(t.uri, levels[0], now, no_repeat_s=no_repeat_s, block_s=block_s)]
                    if usable:
                        pool = [t for t in usable if _in_eras(t.year, brief.eras)] or usable
                        track = replace(pool[self.rng.randrange(len(pool))], source=arm.key)
                        pick = Pick(track, arm.key, arm.label, arm.suggested, score, self._evidence(arm, levels))
                        break
                if pick is not None:
                    break
            if pick is None:
                break
            picks.append(pick)
            chosen.add(pick.track.uri)
            self.learner.mark_played(pick.track.uri, now)
            self._remember(pick, levels)
        explanation = self._explain(brief, picks)
        decision = Decision(None, now, context, brief, tuple(picks), levels, self.strategy, explanation)
        log.info("decision: %s", explanation)
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
            "picks": [{"uri": p.track.uri, "name": p.track.name, "artists": list(p.track.artists),
                       "explicit": p.track.explicit, "year": p.track.year, "arm": p.arm, "label": p.label,
                       "suggested": p.suggested, "score": p.score, "evidence": p.evidence} for p in d.picks],
            "explanation": d.explanation,
            "catalog_error": self.fetcher.last_error,
        }

    # ------------------------------------------------------------ feedback

    def _remember(self, pick: Pick, levels: tuple[str, ...]) -> None:
        self._recent[pick.track.uri] = {"levels": list(levels), "arm": pick.arm, "name": pick.track.name,
                                        "explicit": pick.track.explicit}
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
                                "explicit": p.get("explicit", False)}
        except StateError:
            return None
        return None

    def feedback(self, track: Track | str, kind: str, now: float, *, played_s: float | None = None) -> str:
        """Learn from what the listeners did with a planned track. kind: like/hold, dislike/tap, play_through/end,
        or skip (a dislike when played_s < music.skip_dislike_s, else neutral). Returns the kind learned."""
        uri = track if isinstance(track, str) else track.uri
        kind = FEEDBACK_ALIASES.get(kind, kind)
        if kind == "skip":
            kind = "dislike" if played_s is None or played_s < self.config.music.skip_dislike_s else "neutral"
        origin = self._origin(uri)
        if origin is None:
            log.info("feedback %s on %s: not one of our picks; not learned", kind, uri)
            return kind
        levels = tuple(origin["levels"])
        if self.strategy == "learn" and self.config.music.learning:
            self.learner.update(levels, origin["arm"], kind, uri, now, name=origin["name"],
                                explicit=bool(origin.get("explicit")))
        log.info("feedback: %s on '%s' from %s in %s", kind, origin["name"], origin["arm"], describe_level(levels[0]))
        if self.record:
            try:
                self.store.add_event("feedback", {"uri": uri, "name": origin["name"], "kind": kind,
                                                  "arm": origin["arm"], "levels": list(levels),
                                                  "played_s": played_s}, at=now)
            except StateError as exc:
                log.warning("feedback not recorded: %s", exc)
            self._save(now)
        return kind
