"""The learn strategy's pool of candidates, gathered and ranked: the household's library first (its top tracks
before its other shelves), the catalogue's searches while the library offers few or where they earned more here, and
one Thompson sample of the taste model to rank them, less for what the device started lately."""

from __future__ import annotations

import math

from device.music.candidates import Candidate
from device.music.explain import evidence_words
from device.music.learner import NAMED_KEEPS_LEAD
from device.music.record import Pick
from device.music.taste import Moment, features

MAX_PAGES = 5  # pages tried per source (cached) before moving on to the next source
POOL_SOURCES = 5  # sources beyond the library the learner looks at per decision (in the source bandit's order) ...
POOL_TARGET = 60  # ... stopping once it holds this many usable candidates
TIRED_S = 2 * 3600  # an artist the device started lately is ranked lower, fading over about this long ...
TIRED_LOGITS = 1.0  # ... by up to this much (listeners tire of one artist in a row)
# A track the household heard lately ranks this much lower for each hearing, each fading over about three days
# (own_plays.WEAR_S): one hearing just now, 3 logits; one a day ago and one now, 5.1 (the no-repeat window is only the
# least wait). Counting every hearing, not the last only, keeps a favourite played daily from wearing out.
TRACK_WORN_LOGITS = 3.0
# The catalogue's searches join the learner's pool while the household's library offers fewer usable tracks than
# this, or where a Thompson draw of what a searched genre earned here beats the library's best shelf and genre: the
# household's own music is skipped least (catalogue finds about twice as often as its saved tracks) until its
# reactions say otherwise.
CATALOG_WHEN_FEWER = 20


class LearnerPool:
    """The learn strategy's half of MusicDirector (a mixin: it reads the director's learners, fetcher, library, rng
    and its `_usable` and `_pick`), kept apart so that each module holds one job."""

    def _gather(self, ordered, shelves, brief, levels, moment, now, liked) -> list[Candidate]:
        """The learner's pool: the library tracks known to fit (top tracks first), and while they are few or a
        searched genre earned more here, the first sources the source bandit draws (a matching named playlist the
        household keeps is the pool on its own); nothing fitting found, anything playable from the library."""
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
        pool = self._sample_library(shelves, brief, levels, now)
        from_library = len(pool)
        search = from_library < CATALOG_WHEN_FEWER or self._catalog_earned(ordered, pool.values(), moment)
        looked = 0
        for source, _ in ordered:
            if source.role == "named" or not search:
                continue
            # (in the household's first hour, a pool that only loose searches vouch for looks further: scope)
            if looked >= POOL_SOURCES and len(pool) > from_library and self.scope.counted(pool.values()):
                break
            looked += 1
            if source.kind in ("genre", "artists", "artist"):
                # a random page while requests are left; once they are spent, whatever pages are cached
                # (a random page that turns out empty: the first page instead)
                page = self.rng.randrange(MAX_PAGES)
                pages = list(dict.fromkeys([page, 0])) if not self.fetcher.spent else range(MAX_PAGES)
            else:
                pages = [0]
            found = []
            for page in pages:
                found = self._usable(self.fetcher.candidates(source, brief, page, now, self.rng, liked),
                                     brief, set(), levels[0], now)
                if found:
                    break
            for c in found:
                pool.setdefault(c.track.uri, c)
            if len(pool) >= POOL_TARGET:
                break
        if not pool:
            pool = {c.track.uri: c for c in self._usable(self.index.rest(shelves), brief, set(), levels[0], now)}
        return self.scope.clear_first(list(pool.values()))

    def _catalog_earned(self, ordered, library, moment: Moment) -> bool:
        """A Thompson draw of what a searched genre's finds earned here beats the best of the library's shelves and
        genres in the pool (no evidence yet: the library's prior wins nearly always)."""
        taste = self.learned.taste

        def draw(descriptors: list[str]) -> float:
            return taste.draw(features(descriptors, moment), self.rng)
        best = max(draw([f"source:{kind}"] + ([f"genre:{genre}"] if genre else []))
                   for kind, genre in sorted({(c.kind, c.genre) for c in library}))
        return any(draw([f"source:{s.kind}", f"genre:{s.genre}"]) > best for s, _ in ordered
                   if s.kind in ("genre", "artists") and s.genre)

    def _sample_library(self, shelves, brief, levels, now) -> dict[str, Candidate]:
        """The library's part of the pool: its usable top tracks (the household's most played) first, then other
        library tracks drawn at random up to a full pool; the sources fill what the library cannot."""
        tops = self._usable(shelves.get("top", []), brief, set(), levels[0], now)
        self.rng.shuffle(tops)
        tops = tops[:POOL_TARGET]
        every = [c for k, cs in shelves.items() if k != "top" for c in cs]
        return {c.track.uri: c for c in tops + self._drawn(every, brief, levels, now, POOL_TARGET - len(tops))}

    def _drawn(self, every: list[Candidate], brief, levels, now, want: int) -> list[Candidate]:
        """Up to `want` usable candidates drawn at random (a sample first, so that a warm decision does not test the
        whole library; all of it when the sample holds too few usable)."""
        if want <= 0:
            return []
        for draw in (self.rng.sample(every, min(len(every), 3 * want)), every):
            usable = self._usable(draw, brief, set(), levels[0], now)
            if len(usable) >= want or draw is every:
                if draw is every:
                    self.rng.shuffle(usable)
                return usable[:want]
        return []

    def _ranked(self, pool: list[Candidate], brief, moment, levels, n: int, now: float) -> list[Pick]:
        """The learner: the pool ranked by one Thompson sample of the taste model (after the household's first hour
        heard, with where its library stands on each track: the first hour follows the rules), less for an artist the
        device started lately and for each hearing of a track lately (here or, by its recent plays, elsewhere); the
        best n."""
        taste = self.learned.taste
        own = self.library.own

        def faded(at: float | None, logits: float, span_s: float) -> float:
            return 0.0 if at is None or at > now else logits * math.exp(-(now - at) / span_s)

        def tired(c: Candidate) -> float:
            artist = max((own.artists[a] for a in c.track.artists[:1] if a in own.artists), default=None)
            return faded(artist, TIRED_LOGITS, TIRED_S) + TRACK_WORN_LOGITS * own.wear(c.track.uri, now)

        ranked = sorted(((c, score - tired(c), names) for c, score, names in
                         taste.rank(pool, moment, brief.eras, self.rng, standing=self.index.standing
                                    if self.scope.own_shelves else None)),
                        key=lambda x: -x[1])
        return [self._pick(best, levels, round(score, 3), evidence_words(taste, names), names)
                for best, score, names in ranked[:n]]
