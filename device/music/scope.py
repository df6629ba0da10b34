"""Which genres are this moment's and which only another context's, and the artist searches that tell a loose
`genre:` search's finds apart (the 2026 Web API gives no artist genres; its genre filter matches loosely)."""

from __future__ import annotations

from collections.abc import Iterable

from device.config.schema import Rule
from device.music.candidates import PAGE, Candidate, CandidateFetcher, artists_key
from device.music.labels import narrower, overlapping
from device.music.sources import genres_for

OWN_SHELVES = ("top", "saved", "my_playlists")  # the household's own choices (recent plays hold the device's too)
LABEL_PAGES = 2  # pages of every rule genre's artist search that label its artists (device/music/labelling.py)


def _artists_query(genre: str) -> str:
    return f'genre:"{genre}"'


class GenreScope:
    """Every genre the rules name; for each decision those wanted now, and the rest (only other contexts' rules).

    A candidate is *elsewhere* when its artist was found in a search for one of the rest: a loose search for "folk"
    also finds indie folk artists, which an artist search for "indie folk" (another context's) then shows.

    >>> from device.config.schema import Rule, RuleWhen
    >>> from device.music.labels import ArtistLabels
    >>> from device.music.record import Origin
    >>> from device.core.values import Track
    >>> rules = [Rule(name="rainy", when=RuleWhen(condition=["rain"]), genres=["folk"]),
    ...          Rule(name="grey", when=RuleWhen(condition=["fog"]), genres=["indie folk"])]
    >>> labels = ArtistLabels()
    >>> labels.observe("folk", [("Joan Baez",), ("Iron & Wine",)])
    >>> labels.observe_artists("indie folk", ["Iron & Wine"])
    >>> scope = GenreScope(rules, labels, fetcher=None)
    >>> scope.begin(["folk"])
    >>> def found(artist, role="rules"):
    ...     return Candidate(Track("spotify:track:x", "x", (artist,)), Origin("genre:folk", "genre", "folk", role, "folk"))
    >>> scope.elsewhere(found("Joan Baez")), scope.elsewhere(found("Iron & Wine"))
    (False, True)
    >>> scope.elsewhere(found("Iron & Wine", role="evidence"))  # the household liked it here: its own ground
    False
    >>> top = Candidate(Track("spotify:track:y", "y", ("Iron & Wine",)), Origin("top", "top", "your top tracks",
    ...                                                                          "household", "indie folk"))
    >>> saved = Candidate(Track("spotify:track:z", "z", ("Iron & Wine",)), Origin("saved", "saved", "your saved tracks",
    ...                                                                           "household", "indie folk"))
    >>> scope.elsewhere(top), scope.elsewhere(saved)  # the household's top and saved tracks, in its first hour
    (True, True)
    >>> scope.own_shelves = True  # after its first hour heard: its own shelves, whatever the genre
    >>> scope.elsewhere(top), scope.elsewhere(saved), scope.elsewhere(found("Iron & Wine"))
    (False, False, True)
    """

    def __init__(self, rules: Iterable[Rule], labels, fetcher: CandidateFetcher | None):
        # every genre a rule names or means, in one order whatever the hash seed (labelling searches go in this order)
        self.every = frozenset(g for r in rules for g in genres_for(r))
        self._every_sorted = tuple(sorted(self.every))
        self.labels = labels
        self.fetcher = fetcher
        self.wanted: tuple[str, ...] = ()  # most wanted first
        self.others: frozenset[str] = self.every
        # the household's own shelves (top, saved, own playlists; role household) may be of any genre: set per decision
        self.own_shelves = False
        self.settling = False  # the household's first hour heard (learn): set per decision; see clear_first
        self.loose: frozenset[str] = frozenset()  # wanted genres whose loose search also finds another context's

    def begin(self, wanted: Iterable[str]) -> None:
        """A decision: these genres are wanted (the rules' now, most wanted first, and the household's evidence)."""
        self.wanted = tuple(dict.fromkeys(wanted))
        self.others = self.every - set(self.wanted)
        self.loose = frozenset(w for w in self.wanted if overlapping(w, sorted(self.others)))

    def _searched_at(self, genre: str, page: int = 0) -> float | None:
        """When this page of this genre's artists was last searched (None: never)."""
        return self.fetcher.cached_at(artists_key(_artists_query(genre), page * PAGE), "artist")

    def unlabelled(self) -> list[str]:
        """The rule genres whose artists were never searched (a fresh device, or genres a new config names)."""
        return [g for g in self._every_sorted if self._searched_at(g) is None]

    def relabel(self) -> int:
        """Labels lost while the searches' answers were kept (power lost between the two writes): observe the
        answers again. Returns the pages read."""
        pages = 0
        for page in range(LABEL_PAGES):
            for genre in self._every_sorted:
                found = self.fetcher.peek(artists_key(_artists_query(genre), page * PAGE), "artist")
                if found:
                    self.labels.observe_artists(genre, (a.name for a in found))
                    pages += 1
        return pages

    def label(self, now: float) -> float | None:
        """Within the fetcher's round: search the artists of every genre a rule names (LABEL_PAGES pages each; the
        first pages never searched first, then first pages, then the rest) not searched today, so that what a loose
        search for a wanted genre brings of another context's genre is known for what it is before it plays.
        Returns when the next search falls due, or None when this round's budget (or a failure) ended it first."""
        f = self.fetcher
        due = float("inf")
        todo = []
        for page in range(LABEL_PAGES):
            for genre in self._every_sorted:
                at = self._searched_at(genre, page)
                if at is not None and now - at < f.ttl_s:
                    due = min(due, at + f.ttl_s)
                else:
                    todo.append((page, at is not None, genre))
        for page, _, genre in sorted(todo):
            query = _artists_query(genre)
            if page and len(f.peek(artists_key(query, (page - 1) * PAGE), "artist") or ()) < PAGE:
                continue  # the page before was not full: there is no more
            if f.spent:
                return None
            f.search_artists(query, now, genre, offset=page * PAGE)
            at = self._searched_at(genre, page)
            if at is None:  # the failure that stopped the round
                return None
            due = min(due, at + f.ttl_s)
        return due

    def ready(self, sources: list) -> list:
        """The sources to search now: a genre whose loose search brings a narrower genre only another context names
        ("folk" brings indie folk) waits until that genre's artists have been searched (the labelling does,
        device/music/labelling.py); all of them when every one would wait."""
        def waits(source) -> bool:
            return bool(source.genre) and any(other in self.others and self._searched_at(other) is None
                                              for other in narrower(source.genre, self.every))
        kept = [s for s in sources if not waits(s)]
        return kept or sources

    def open(self) -> None:
        """Nothing else was found: let what carries another context's genre too play (rather than silence)."""
        self.others = frozenset()

    def elsewhere(self, c: Candidate) -> bool:
        """Its artist was found in a search for a genre only another context's rules name, and no playlist named for
        this moment nor the household's evidence brought it (nor, when `own_shelves`, its own shelves)."""
        if self.own_shelves and c.origin.role == "household" and c.origin.kind in OWN_SHELVES:
            return False
        return c.origin.role not in ("named", "evidence") and bool(self.labels.seen_under(c.track.artists[:1])
                                                                   & self.others)

    def vouched_loosely(self, c: Candidate) -> bool:
        """It is here only for a wanted genre whose loose search also finds another context's ("indie pop" finds pop
        and indie artists, "folk" indie folk, "surf rock" rock), and no search for a wanted genre without that doubt
        found its artist."""
        if c.origin.role not in ("rules", "library") or c.origin.genre not in self.loose:
            return False
        return not self.labels.seen_under(c.track.artists[:1]) & (set(self.wanted) - self.loose)

    def counted(self, pool: Iterable[Candidate]) -> int:
        """How many of these count towards a full pool: all, or in the first hour those clear of a loose doubt."""
        return sum(not self.vouched_loosely(c) for c in pool) if self.settling else sum(1 for _ in pool)

    def clear_first(self, pool: list[Candidate]) -> list[Candidate]:
        """In the household's first hour (`settling`), what no doubt of a loose search hangs over, where there is
        any: a fresh device plays what the moment's rules call for, and a loose label is the likeliest miss."""
        if not self.settling:
            return pool
        clear = [c for c in pool if not self.vouched_loosely(c)]
        return clear or pool

    def swept(self) -> bool:
        """Every genre a rule names has had its artists searched (labelled) at least once."""
        return all(self._searched_at(g) is not None for g in self.every)
