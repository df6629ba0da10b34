"""Genre labels for artists (pure), learned from what `genre:` searches return: the 2026 Web API gives no artist genres.

A `genre:` search is evidence, not proof (the service's genre filter is loose): each sighting adds weight to the
artist's count for that genre (a track by one artist 1, each artist of a shared track 1/n, an artist search 2), and
an artist carries a genre once its count reaches 1 and at least a third of its best genre's count.

>>> labels = ArtistLabels()
>>> labels.observe("jazz", [("Bill Evans",), ("Bill Evans", "Jim Hall")])
>>> labels.genres_of("Bill Evans"), labels.genres_of("Jim Hall")
(('jazz',), ())
>>> labels.observe("jazz", [("Jim Hall",)])
>>> labels.observe("rock", [("Bill Evans",)])
>>> labels.genres_of("Bill Evans"), labels.genres_of("Jim Hall")
(('jazz', 'rock'), ('jazz',))

The filter is loose ("folk" also finds indie folk), so a narrower genre seen for an artist wins over the broader one
it holds: an artist found under "folk" and under "indie folk" is indie folk.

>>> labels.observe("folk", [("Iron & Wine",), ("Joan Baez",)])
>>> labels.observe_artists("indie folk", ["Iron & Wine"])
>>> labels.genres_of("Iron & Wine"), labels.genres_of("Joan Baez")
(('indie folk',), ('folk',))
>>> narrower("folk", ["folk", "indie folk", "jazz"]), narrower("pop", ["k-pop", "indie pop", "popcorn"])
(('indie folk',), ('k-pop', 'indie pop'))
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LABELS_FORMAT = 1
MIN_COUNT = 1.0
SHARE_OF_BEST = 1 / 3
ARTIST_SEARCH_WEIGHT = 2.0
MAX_ARTISTS = 20_000  # artists remembered (the least seen go first)


def _words(genre: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s\-/&]+", genre.lower()) if w)


def narrower(genre: str, genres: Iterable[str]) -> tuple[str, ...]:
    """The genres among `genres` that hold every word of `genre` and more ("indie folk" for "folk"): what a loose
    `genre:` search for it also finds."""
    words = set(_words(genre))
    return tuple(g for g in dict.fromkeys(genres) if g != genre and words < set(_words(g)))


def overlapping(genre: str, genres: Iterable[str]) -> tuple[str, ...]:
    """The genres among `genres` that share a word with `genre` ("pop" and "indie folk" for "indie pop"): what a loose
    `genre:` search for either also finds."""
    words = set(_words(genre))
    return tuple(g for g in dict.fromkeys(genres) if g != genre and words & set(_words(g)))


def specific(genres: tuple[str, ...]) -> tuple[str, ...]:
    """An artist's genres without those a narrower one of them holds ("folk" goes when "indie folk" is there)."""
    return tuple(g for g in genres if not narrower(g, genres))


class ArtistLabels:
    """Artist name -> genre -> weight of the `genre:` searches it was found in."""

    def __init__(self, counts: dict[str, dict[str, float]] | None = None):
        self.counts: dict[str, dict[str, float]] = counts or {}
        self.changed = False  # since last saved
        self.version = 0  # grows with every change (for caches of what the labels say)
        self._genres: dict[str, tuple[str, ...]] = {}

    def observe(self, genre: str, tracks: Iterable[tuple[str, ...]], *, weight: float = 1.0) -> None:
        """One search for `genre` returned tracks by these artists (one tuple of names per track)."""
        for artists in tracks:
            if not artists:
                continue
            share = weight / len(artists)
            for name in artists:
                row = self.counts.setdefault(name, {})
                row[genre] = row.get(genre, 0.0) + share
                self.changed = True
                self.version += 1
                self._genres.pop(name, None)
        if len(self.counts) > MAX_ARTISTS:
            keep = sorted(self.counts, key=lambda a: -sum(self.counts[a].values()))[:MAX_ARTISTS]
            self.counts = {a: self.counts[a] for a in keep}
            self._genres.clear()

    def observe_artists(self, genre: str, names: Iterable[str]) -> None:
        """An artist search for `genre` returned these artists (the filter applies to the artist's own genres)."""
        self.observe(genre, ((n,) for n in names), weight=ARTIST_SEARCH_WEIGHT)

    def genres_of(self, artist: str) -> tuple[str, ...]:
        """The genres this artist carries, best evidenced first."""
        found = self._genres.get(artist)
        if found is not None:
            return found
        row = self.counts.get(artist)
        found = ()
        if row:
            best = max(row.values())
            found = specific(tuple(g for g, n in sorted(row.items(), key=lambda kv: -kv[1])
                                   if n >= MIN_COUNT and n >= best * SHARE_OF_BEST))
        self._genres[artist] = found
        return found

    def seen_under(self, artists: Iterable[str]) -> set[str]:
        """Every genre whose search found one of these artists, however often (for what a track may be)."""
        return {g for a in artists for g in self.counts.get(a, ())}

    def track_genres(self, artists: Iterable[str]) -> tuple[str, ...]:
        """The genres of a track's artists, in order."""
        return tuple(dict.fromkeys(g for a in artists for g in self.genres_of(a)))

    def to_json(self) -> dict:
        return {"version": LABELS_FORMAT,
                "artists": {a: {g: round(n, 3) for g, n in row.items()} for a, row in self.counts.items()}}

    @classmethod
    def from_json(cls, data: dict | None) -> ArtistLabels:
        """Saved labels; anything unreadable is dropped (labels are grown again by the next searches)."""
        if not isinstance(data, dict) or data.get("version") != LABELS_FORMAT:
            return cls()
        counts = {}
        for artist, row in dict(data.get("artists") or {}).items():
            if isinstance(row, dict):
                clean = {str(g): float(n) for g, n in row.items() if isinstance(n, (int, float))}
                if clean:
                    counts[str(artist)] = clean
        return cls(counts)
