"""When the director labels the rules' genres: at once on a fresh device, then a few requests between decisions,
refreshed daily, backing off after a failure (the searches themselves: GenreScope.label)."""

from __future__ import annotations

from device.core.backoff import Backoff
from device.music.scope import GenreScope

# A loose `genre:` search for a wanted genre also brings neighbours no word gives away (soul brings funk): they are
# known for what they are only once their own genre's artists were searched. The daemon searches the artists of every
# rule genre (scope.LABEL_PAGES pages each, refreshed daily): a fresh device every first page at once before its
# first decision, then LABEL_REQUESTS requests every LABEL_EVERY_S between decisions.
LABEL_EVERY_S = 10.0
LABEL_REQUESTS = 2
FIRST_LABELS_MOST = 30  # the first pass's requests at most (a config naming more genres finishes between decisions)
LABEL_RETRY_S = (30.0, 600.0)  # after a failed labelling round wait the first, doubling up to the second


def label_requests(gap_s: float) -> int:
    """The labelling requests the daemon may make in `gap_s` seconds between two decisions (the conductor's pace).

    >>> label_requests(9.9), label_requests(10), label_requests(240)
    (0, 2, 48)
    """
    return int(max(0.0, gap_s) // LABEL_EVERY_S) * LABEL_REQUESTS


class Labelling:
    """Paces the scope's labelling searches: each round has a budget of its own and leaves the last decision's
    round (its error, for the status) as it was.

    States: *due* (a search is stale or was never made: label() searches), *done* (nothing falls due before
    `due_at`: label() makes no request), *waiting* (the last round failed: nothing before `retry_at`, 30 s
    doubling to 10 min; a round that does not fail resets it).

    >>> from device.config.schema import Config
    >>> from device.core.catalog import ArtistRef, CatalogError
    >>> from device.music.candidates import CandidateFetcher
    >>> from device.music.labels import ArtistLabels
    >>> from device.music.rules import rules_of
    >>> class Catalog:  # every artist search finds one artist, until the network goes
    ...     down = False
    ...     def search_artists(self, query, *, offset=0, limit=10):
    ...         if self.down:
    ...             raise CatalogError("Spotify is unreachable (timeout)")
    ...         return [ArtistRef("a1", "Nina Simone")]
    >>> catalog = Catalog()
    >>> scope = GenreScope(rules_of(Config()), ArtistLabels(), CandidateFetcher(catalog))
    >>> labelling = Labelling(scope)
    >>> labelling.state(0.0), labelling.prepare(0.0), labelling.state(1.0), labelling.label(1.0)
    ('due', 25, 'done', 0)
    >>> catalog.down = True
    >>> labelling.state(86_400.0), labelling.label(86_400.0), labelling.state(86_410.0)  # a day on: refresh, fails
    ('due', 1, 'waiting')
    >>> catalog.down = False
    >>> labelling.label(86_430.0), labelling.state(86_430.0)  # the back-off over: 2 requests a round
    (2, 'due')
    """

    def __init__(self, scope: GenreScope):
        self.scope = scope
        self.fetcher = scope.fetcher
        self.due_at = 0.0
        self.retry_at = 0.0
        self.backoff = Backoff(*LABEL_RETRY_S)

    def state(self, now: float) -> str:
        if now < self.retry_at:
            return "waiting"
        # due_at more than a day ahead: the clock was set back; looked at again (answers dated ahead count as fresh)
        return "done" if now < self.due_at <= now + self.fetcher.ttl_s else "due"

    def prepare(self, now: float) -> int:
        """Before a decision: the first page of the artist search of every rule genre never searched (a fresh device,
        or a genre a new config names), FIRST_LABELS_MOST requests at most; labels lost while the searches' answers
        were kept (power lost between the two writes) are read from those answers again. Not while waiting.
        Returns the catalogue requests made."""
        if not self.scope.labels.counts:
            self.scope.relabel()
        missing = self.scope.unlabelled()
        if not missing or self.state(now) == "waiting":
            return 0
        return self._round(now, min(len(missing), FIRST_LABELS_MOST))

    def label(self, now: float, requests: int = LABEL_REQUESTS) -> int:
        """Between decisions: up to `requests` searches of what is due. Returns the catalogue requests made."""
        if requests <= 0 or self.state(now) != "due":
            return 0
        return self._round(now, requests)

    def _round(self, now: float, requests: int) -> int:
        kept = self.fetcher.round_state()
        self.fetcher.new_round(budget=requests)
        due = self.scope.label(now)
        made = self.fetcher.round_requests
        if self.fetcher.failed:
            self.retry_at = now + self.backoff.failed()
        else:
            self.backoff.reset()
        self.due_at = 0.0 if due is None else min(due, now + self.fetcher.ttl_s)
        self.fetcher.restore_round(kept)
        return made
