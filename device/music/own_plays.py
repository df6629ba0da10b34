"""What the household heard lately, as the device knows it: the tracks the device itself started (never evidence of
the household's taste), the tracks its recent plays show it heard elsewhere, and how worn each track is by them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from device.core.times import finite
from device.core.values import Track

OWN_PLAYS_KEY = "music.own_plays"
OWN_PLAYS_DAYS = 180  # top tracks are computed over about six months
OWN_PLAYS_MAX = 5000
ELSEWHERE_DAYS = 14  # plays elsewhere are kept this long (their tiring fades over about three days)
WEAR_S = 3 * 86400  # each hearing of a track wears it, fading over about three days (listeners tire over two to four)
WORN_LEAST = 0.01  # a track worn less than this counts as fresh again (two weeks after one hearing)
DAY_S = 86400


@dataclass
class OwnPlays:
    """Tracks the device itself started (uri -> when), and their artists: never evidence of the household's taste,
    unless the household's top tracks or recent plays held the track before the device first started it (theirs);
    and the tracks its recent plays show it heard elsewhere. Every hearing, here or elsewhere, wears the track
    (`worn`): listeners tire of a track with each hearing and recover over days.

    >>> own = OwnPlays()
    >>> own.vouch("spotify:track:b", 50.0)  # in the household's top tracks before the device played it
    >>> own.add(Track("spotify:track:a", "A", ("X",)), 100.0)
    >>> own.add(Track("spotify:track:b", "B", ("Y",)), 100.0)
    >>> own.vouch("spotify:track:a", 200.0)  # in top tracks after the device played it: its own echo
    >>> own.echo("spotify:track:a"), own.echo("spotify:track:b"), own.echo("spotify:track:c"), "X" in own.artists
    (True, False, False, True)

    Two hearings a day apart wear a track more than one; three days on, a hearing counts about a third:

    >>> own.add(Track("spotify:track:a", "A", ("X",)), 100.0 + DAY_S)
    >>> round(own.wear("spotify:track:a", 100.0 + DAY_S), 2), round(own.wear("spotify:track:b", 100.0 + 3 * DAY_S), 2)
    (1.72, 0.37)
    """

    at: dict[str, float] = field(default_factory=dict)
    artists: dict[str, float] = field(default_factory=dict)
    theirs: dict[str, float] = field(default_factory=dict)  # uri -> seen in top or recent before the device played it
    # uri -> new in the recent plays read then, not started here (its tiring is in `worn`; this tells what was found)
    elsewhere: dict[str, float] = field(default_factory=dict)
    recent: tuple[float, frozenset[str]] = (float("-inf"), frozenset())  # the recent plays last read: when, what
    worn: dict[str, tuple[float, float]] = field(default_factory=dict)  # uri -> (hearings, faded as of this time)

    def add(self, track: Track, now: float) -> None:
        self.at[track.uri] = now
        for name in track.artists:
            self.artists[name] = now
        self._hear(track.uri, now)

    def started(self, uri: str) -> bool:
        return uri in self.at

    def vouch(self, uri: str, seen: float) -> None:
        """The household's top tracks or recent plays hold this track, read at `seen`: its own if the device had not
        started it."""
        if uri not in self.at:
            self.theirs.setdefault(uri, seen)

    def hear_recent(self, uris: list[str], seen: float) -> bool:
        """The household's recent plays as read at `seen`: a track new there that the device did not start since
        the read before was heard elsewhere (on a phone, in the car) within about a day; listeners tire of it too.

        >>> own = OwnPlays()
        >>> own.add(Track("spotify:track:a", "A", ("X",)), 90.0)
        >>> own.hear_recent(["spotify:track:a", "spotify:track:b"], 100.0)
        True
        >>> own.hear_recent(["spotify:track:c", "spotify:track:a", "spotify:track:b"], 200.0)
        True
        >>> sorted(own.elsewhere.items())
        [('spotify:track:b', 100.0), ('spotify:track:c', 200.0)]
        """
        before, last = self.recent
        if seen <= before:
            return False
        for uri in dict.fromkeys(uris):
            started = self.at.get(uri)
            if uri not in last and (started is None or started < before):
                self.elsewhere[uri] = seen
                self._hear(uri, seen)
        self.recent = (seen, frozenset(uris))
        return True

    def _hear(self, uri: str, at: float) -> None:
        """One more hearing of this track at `at` (a hearing kept from a clock set more than a day ahead is dropped)."""
        before = self.worn.get(uri, (0.0, at))[1]
        self.worn[uri] = (self.wear(uri, at) + 1.0, max(at, before) if before - at < DAY_S else at)

    def wear(self, uri: str, now: float) -> float:
        """How worn the track is now: its hearings, each faded by how long ago it was (1: heard just now, once). Heard
        "later" than now, the clock went back: unfaded within a day, none beyond (a clock set wrong, then put right).

        >>> own = OwnPlays()
        >>> own.add(Track("spotify:track:a", "A"), 2_000_000_000.0)  # a clock set years ahead
        >>> own.wear("spotify:track:a", 2_000_000_000.0 - 3600), own.wear("spotify:track:a", 1_800_000_000.0)
        (1.0, 0.0)
        """
        hearings, at = self.worn.get(uri, (0.0, now))
        if now < at:
            return hearings if at - now < DAY_S else 0.0
        return hearings * math.exp(-(now - at) / WEAR_S)

    def echo(self, uri: str) -> bool:
        """Started by the device and not the household's before that: its own play come back."""
        return uri in self.at and uri not in self.theirs

    def prune(self, now: float) -> None:
        horizon = now - OWN_PLAYS_DAYS * DAY_S
        self.at = dict(sorted(((u, t) for u, t in self.at.items() if t >= horizon), key=lambda kv: kv[1])
                       [-OWN_PLAYS_MAX:])
        self.artists = {a: t for a, t in self.artists.items() if t >= horizon}
        self.theirs = dict(sorted(((u, t) for u, t in self.theirs.items() if t >= horizon), key=lambda kv: kv[1])
                           [-OWN_PLAYS_MAX:])
        self.elsewhere = {u: t for u, t in self.elsewhere.items() if t >= now - ELSEWHERE_DAYS * DAY_S}
        self.worn = {u: w for u, w in self.worn.items() if self.wear(u, now) >= WORN_LEAST}

    def to_json(self) -> dict:
        return {"version": 1, "tracks": self.at, "artists": self.artists, "theirs": self.theirs,
                "elsewhere": self.elsewhere, "recent_read": self.recent[0] if finite(self.recent[0]) else None,
                "recent": sorted(self.recent[1]),
                "worn": {u: [round(n, 4), at] for u, (n, at) in self.worn.items()}}

    @classmethod
    def from_json(cls, data) -> OwnPlays:
        """Version 1; saved before `worn` was kept, each track's last hearing (here or elsewhere) counts once."""
        if not isinstance(data, dict) or data.get("version") != 1:
            return cls()

        def timed(d):
            return {k: float(t) for k, t in dict(d or {}).items() if finite(t) is not None}
        read = finite(data.get("recent_read"))
        recent = (read, frozenset(str(u) for u in data.get("recent") or ())) if read is not None else \
            (float("-inf"), frozenset())
        own = cls(timed(data.get("tracks")), timed(data.get("artists")), timed(data.get("theirs")),
                  timed(data.get("elsewhere")), recent)
        saved = data.get("worn")
        if isinstance(saved, dict):
            for uri, pair in saved.items():
                if isinstance(pair, list | tuple) and len(pair) == 2 and finite(pair[0]) is not None \
                        and finite(pair[1]) is not None and pair[0] >= 0:
                    own.worn[str(uri)] = (float(pair[0]), float(pair[1]))
        else:
            for uri in set(own.at) | set(own.elsewhere):
                own.worn[uri] = (1.0, max(t for t in (own.at.get(uri), own.elsewhere.get(uri)) if t is not None))
        return own
