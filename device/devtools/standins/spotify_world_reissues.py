"""The same recordings released again, as all over Spotify's catalogue: remasters, reissues, lead singles, compilations.

Added to a generated world (spotify_world_gen) after its first releases, from a seed of their own, so that the
first releases, playlists and listener stay what they were; then the listener's plays and saves and everybody's
playlists move partly to the copies (people play whichever version search or an album page shows them):

- a remaster: "Song - Remastered 2011" on "Album (Remastered 2011)", dated 2011 (so `year:2011` finds a 1975
  song), a new ISRC, the length a second or so off;
- a reissue ("Deluxe Edition", "Expanded Edition"): the same names and ISRCs, a new date, and bonus demos or live
  takes (new recordings under the same titles);
- a lead single: one album track on a single of its own, same name and ISRC;
- a compilation ("Greatest Hits", "The Best of ..."): the artist's most played tracks, same names and ISRCs, dated
  years after they first came out.

Every copy carries `original_id`, the first release's track id (World.versions_of lists a recording's releases).
"""

from __future__ import annotations

import random
from dataclasses import replace

from device.devtools.standins.spotify_world import Album, Artist, Listener, Playlist, Track, spotify_id

LAST_YEAR = 2025  # re-releases dated up to last year (none in the future)
REISSUE_SHARE = 0.4  # albums released by 2008 that came out again
REMASTER_SHARE = 0.65  # of those: remasters (new ISRC, "- Remastered YEAR"); the rest reissues with bonus tracks
SINGLE_SHARE = 0.35  # albums with one track also out as a single
COMPILATION_SHARE = 0.45  # artists with a career of 6+ years who got a best-of
PLAY_MOVES, SAVE_MOVES, LIST_MOVES = 0.4, 0.3, 0.3  # shares of plays, saves, playlist items moved to a copy
_EDITIONS = ("Deluxe Edition", "Expanded Edition", "Legacy Edition")
_BONUS = ("Demo", "Live", "Alternate Take")
_BEST_OF = ("Greatest Hits", "The Best of {name}", "The Essential {name}", "Gold", "Singles Collection")


class Rereleases:
    """Adds the copies to the world's dicts in place (albums and tracks appended, ids stable for a seed)."""

    def __init__(self, seed: int, artists: dict[str, Artist], albums: dict[str, Album], tracks: dict[str, Track]):
        self.rng = random.Random(f"{seed}/rereleases")
        self.artists, self.albums, self.tracks = artists, albums, tracks
        self.copies: dict[str, list[str]] = {}  # first release's track id -> its copies' ids

    def add(self) -> dict[str, list[str]]:
        by_artist: dict[str, list[Album]] = {}
        for al in self.albums.values():
            by_artist.setdefault(al.artist_ids[0], []).append(al)
        for aid, own in by_artist.items():
            for al in own:
                if al.album_type == "album" and al.year <= 2008 and self.rng.random() < REISSUE_SHARE:
                    self._reissue(al)
                if al.album_type == "album" and self.rng.random() < SINGLE_SHARE:
                    self._lead_single(al)
            self._best_of(self.artists[aid], own)
        return self.copies

    # ------------------------------------------------------------ kinds of re-release

    def _reissue(self, al: Album) -> None:
        if al.year + 8 > LAST_YEAR:
            return
        year = self.rng.randint(max(al.year + 8, 1987), LAST_YEAR)
        remaster = self.rng.random() < REMASTER_SHARE
        name = f"{al.name} (Remastered {year})" if remaster else f"{al.name} ({self.rng.choice(_EDITIONS)})"
        new_id = spotify_id(f"reissue:{al.id}:{year}")
        ids = []
        for k, tid in enumerate(al.track_ids):
            t = self.tracks[tid]
            if remaster:
                ids.append(self._copy(t, new_id, k, year, name=f"{t.name} - Remastered {year}",
                                      isrc=self._isrc(t, year, k), duration_ms=t.duration_ms
                                      + self.rng.randint(-1500, 1500)))
            else:
                ids.append(self._copy(t, new_id, k, year))
        if not remaster:
            for k, tid in enumerate(self.rng.sample(al.track_ids, min(len(al.track_ids), self.rng.randint(1, 3)))):
                t = self.tracks[tid]
                take = replace(t, id=spotify_id(f"track:{new_id}:bonus:{k}"), album_id=new_id,
                               name=f"{t.name} - {self.rng.choice(_BONUS)}", isrc=self._isrc(t, year, 50 + k), track_number=len(ids) + 1,
                               popularity=max(0, t.popularity // 3), year=year, original_id="")
                self.tracks[take.id] = take  # a new recording under the same title: not a copy
                ids.append(take.id)
        self._album(new_id, name, al, "album", year, ids)

    def _lead_single(self, al: Album) -> None:
        t = self.tracks[al.track_ids[self.rng.randrange(min(3, len(al.track_ids)))]]
        new_id = spotify_id(f"single:{al.id}")
        self._album(new_id, t.name, al, "single", al.year, [self._copy(t, new_id, 0, al.year)])

    def _best_of(self, artist: Artist, own: list[Album]) -> None:
        if artist.active_to - artist.active_from < 6 or len(own) < 2 or self.rng.random() >= COMPILATION_SHARE:
            return
        first = [self.tracks[t] for al in own if al.album_type != "compilation" for t in al.track_ids]
        latest = max(t.year for t in first)
        year = min(LAST_YEAR, max(latest + 1, artist.active_to) + self.rng.randint(0, 12))
        if year <= latest:
            return
        hits = sorted(first, key=lambda t: (-t.popularity, t.id))[:self.rng.randint(10, 16)]
        hits.sort(key=lambda t: (t.year, t.track_number))
        new_id = spotify_id(f"best-of:{artist.id}")
        name = self.rng.choice(_BEST_OF).format(name=artist.name)
        self._album(new_id, name, own[0], "compilation", year, [self._copy(t, new_id, k, year)
                                                                  for k, t in enumerate(hits)])

    # ------------------------------------------------------------ records

    def _copy(self, t: Track, album_id: str, k: int, year: int, **changes) -> str:
        copy = replace(t, id=spotify_id(f"track:{album_id}:{k}"), album_id=album_id, track_number=k + 1, year=year,
                       popularity=max(0, min(100, int(t.popularity * self.rng.uniform(0.6, 1.35)))),
                       original_id=t.original_id or t.id, **changes)
        self.tracks[copy.id] = copy
        self.copies.setdefault(copy.original_id, []).append(copy.id)
        return copy.id

    def _isrc(self, t: Track, year: int, k: int) -> str:
        serial = int(spotify_id(f"isrc:{t.id}:{year}:{k}").encode().hex(), 16) % 100000
        return f"{t.isrc[:5]}{year % 100:02d}{serial:05d}"

    def _album(self, new_id: str, name: str, like: Album, kind: str, year: int, ids: list[str]) -> None:
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        upc = f"{int(spotify_id(f'upc:{new_id}').encode().hex(), 16) % 10**12:012d}"
        self.albums[new_id] = Album(new_id, name, like.artist_ids, kind, f"{year}-{month:02d}-{day:02d}", "day",
                                    tuple(ids), upc, like.popularity)


def spread(seed: int, copies: dict[str, list[str]], listener: Listener,
           playlists: dict[str, Playlist]) -> Listener:
    """Moves some of the listener's plays and saves, and some playlist items (in place), to copies of the same
    recording; returns the listener."""
    rng = random.Random(f"{seed}/rereleases/spread")

    def moved(tid: str, share: float) -> str:
        return rng.choice(copies[tid]) if tid in copies and rng.random() < share else tid

    plays = tuple((moved(tid, PLAY_MOVES), ago) for tid, ago in listener.plays)
    saved, seen = [], set()
    for tid, ago in listener.saved:
        tid = moved(tid, SAVE_MOVES)
        if tid not in seen:
            seen.add(tid)
            saved.append((tid, ago))
    for pid, p in list(playlists.items()):
        items = tuple(dict.fromkeys(moved(t, LIST_MOVES) for t in p.track_ids))
        if items != p.track_ids:
            playlists[pid] = replace(p, track_ids=items)
    return replace(listener, plays=plays, saved=tuple(saved))
