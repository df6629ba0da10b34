"""Which artists search's `genre:` filter finds: loosely, as the service does, and nothing for words it has no genre for.

What the real filter does, and what this copies (the sources are public reports; Spotify documents none of it):
- some words are not genres in Spotify's search model at all: `genre:acoustic` finds no artist (Spotify staff in
  spotify/web-api#410, 2017; "alternative" in the same thread), though many artists play acoustic music;
- the filter is not an exact match on an artist's genre list: `genre:pop` also brings artists tagged "k-pop",
  "indie pop" or "dance pop", and `genre:"indie pop"` artists tagged with either word; sub-genres and neighbours
  come with a genre (a jazz search brings swing and bossa nova);
- the results are ranked by the hidden popularity among all of these, so the first page of a genre is often
  artists of a broader genre or a sub-genre; a neighbour's artists rank as if half as popular (search weighs how
  well a result matches, and a neighbour matches worst).

    >>> f = GenreFilter()
    >>> sorted(f.tags_for("jazz", ["jazz", "swing", "k-pop", "piano"]))
    ['jazz', 'piano', 'swing']
    >>> sorted(f.tags_for("pop", ["pop", "k-pop", "indie pop", "popcorn", "rock"]))
    ['indie pop', 'k-pop', 'pop']
    >>> f.tags_for("acoustic", ["acoustic", "acoustic pop"])
    {}
    >>> sorted(GenreFilter(loose=False).tags_for("pop", ["pop", "k-pop"]))
    ['pop']
    >>> f.tags_for("jazz", ["jazz", "swing", "jazz fusion"])
    {'jazz': 1.0, 'swing': 0.5, 'jazz fusion': 1.0}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from device.devtools.standins.spotify_world import RELATED, World

# Words for which the real genre filter finds nothing (see the module docstring for where each comes from).
UNSEARCHABLE = frozenset({"acoustic", "alternative"})
NEIGHBOUR_WEIGHT = 0.5  # a neighbour's artist ranks as if this much as popular (a word match: fully)


def _words(tag: str) -> set[str]:
    return {w for w in re.split(r"[\s\-/&]+", tag) if len(w) > 1}


@dataclass(frozen=True)
class GenreFilter:
    """loose=False: an exact match on the artist's genre list (what the stand-in did before 2026-12);
    unsearchable: genre words that find nothing."""

    loose: bool = True
    unsearchable: frozenset[str] = UNSEARCHABLE
    related: dict[str, list[str]] = field(default_factory=lambda: RELATED, compare=False, hash=False, repr=False)

    def tags_for(self, genre: str, tags: Iterable[str]) -> dict[str, float]:
        """The genre tags among `tags` that `genre:<genre>` finds, each with how well it matches (0-1]."""
        genre = genre.strip().casefold()
        if not genre or genre in self.unsearchable:
            return {}
        if not self.loose:
            return {t: 1.0 for t in tags if t == genre}
        words = _words(genre)
        near = set(self.related.get(genre, ()))
        return {t: 1.0 if t == genre or words & _words(t) else NEIGHBOUR_WEIGHT
                for t in tags if t == genre or t in near or words & _words(t)}

    def artist_ids(self, world: World, genre: str) -> dict[str, float]:
        """The world's artists that `genre:<genre>` finds: id -> how well the best of its genres matches."""
        out: dict[str, float] = {}
        for tag, weight in self.tags_for(genre, world.genres).items():
            for a in world.artists_in(tag):
                out[a.id] = max(weight, out.get(a.id, 0.0))
        return out
