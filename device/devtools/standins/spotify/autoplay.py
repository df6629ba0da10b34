"""Spotify's Autoplay on the stand-in: when the queue and the list or context run out, the speaker plays on.

The Spotify apps have Autoplay on unless the listener turned it off ("Autoplay similar content when your music
ends"); the Web API can neither see nor change the setting. What follows is the service's choice, not the app's:
tracks like the last ones (their artists' genres and those genres' neighbours), popular ones more often, none
already heard in this run, explicit or not (the Web API offers no filter; only the account's own explicit-content
setting would hold them back, and the stand-in's account has it off).

    >>> from device.devtools.standins.spotify_world_gen import default_world
    >>> w = default_world()
    >>> auto = Autoplay(w, seed=1)
    >>> last = next(t for t in w.tracks.values() if t.genre == "jazz")
    >>> nxt = w.tracks[auto.after([last.id])]
    >>> bool(w.genres_of(nxt) & auto.similar_genres(last))
    True
"""

from __future__ import annotations

import random

from device.devtools.standins.spotify_world import RELATED, Track, World


class Autoplay:
    """Picks what plays next when nothing is left; deterministic for a seed and the same calls."""

    def __init__(self, world: World, seed: int = 0):
        self.world = world
        self.rng = random.Random(f"autoplay/{seed}")
        self._by_genre: dict[str, list[str]] = {}  # built on first use (most stand-ins never run out of music)

    def similar_genres(self, track: Track) -> set[str]:
        own = self.world.genres_of(track)
        return own | {n for g in own for n in RELATED.get(g, ())}

    def after(self, heard: list[str]) -> str | None:
        """The next track after `heard` (the run's track ids, the last one just ended); None: nothing similar."""
        if not heard or heard[-1] not in self.world.tracks:
            return None
        if not self._by_genre:
            for t in self.world.tracks.values():
                for g in self.world.genres_of(t):
                    self._by_genre.setdefault(g, []).append(t.id)
        seen = set(heard)
        last = self.world.tracks[heard[-1]]
        recent = [self.world.tracks[i] for i in heard[-10:] if i in self.world.tracks]
        for genres in (self.similar_genres(last), {g for t in recent for g in self.similar_genres(t)}):
            pool = sorted({i for g in genres for i in self._by_genre.get(g, ()) if i not in seen})
            if pool:  # the last track's kind; once that is used up, the kind of the last few
                return self.rng.choices(pool, [1 + self.world.tracks[i].popularity for i in pool])[0]
        pool = sorted(set(self.world.tracks) - seen)  # anything (Autoplay does not stop)
        return self.rng.choices(pool, [1 + self.world.tracks[i].popularity for i in pool])[0] if pool else None
