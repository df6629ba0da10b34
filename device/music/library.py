"""The household's own library, read deeper over days and without the device's echo: saved tracks and own playlists
page by page (one page more per decision while the request budget has room), top tracks and recent plays without
the tracks the device itself started (they would come back as "your taste")."""

from __future__ import annotations

from dataclasses import dataclass

from device.core.catalog import PlaylistRef
from device.core.saved import track_from_json
from device.core.state import StateError, StateStore
from device.core.times import finite
from device.core.values import Track
from device.music.candidates import LIBRARY_PAGE, Candidate, CandidateFetcher
from device.music.labels import ArtistLabels
from device.music.own_plays import OWN_PLAYS_KEY, OwnPlays
from device.music.record import Origin
from device.music.taste import Standing

MAX_PAGES = 40  # pages read per shelf (2,000 tracks)
REREAD_S = 7 * 86400  # a deeper page is read again after a week (page 0 is read daily: new saves come first)
SPARE_REQUESTS = 2  # the library is read only while this many requests of the decision's budget are left ...
READS_PER_DECISION = 2  # ... and at most this many per decision
SHELF_ORDER = {"top": 0, "saved": 1, "my_playlists": 2, "recent": 3}
# The device's own plays (about 30 KB after a month) are written to the store at most this often, not with every
# decision; the decisions are recorded each time, and at a start the last ones' picks the written record does not
# hold are replayed.
OWN_PLAYS_KEEP_S = 600.0
REPLAY_DECISIONS = 500


@dataclass(frozen=True)
class Shelf:
    """Part of the library: the source key it is attributed to, its kind, and its tracks as read so far."""

    key: str  # saved | my_playlists | top | recent
    kind: str
    tracks: tuple[Track, ...]


class LibraryReader:
    """Reads the library through the fetcher's cache: what was read in earlier days stays, one page more at a time."""

    def __init__(self, fetcher: CandidateFetcher, store: StateStore | None):
        self.fetcher = fetcher
        self.store = store
        self.own = OwnPlays()
        self._kept_at = float("-inf")  # when the own plays were last written to the store
        if store is not None:
            try:
                self.own = OwnPlays.from_json(store.get_json(OWN_PLAYS_KEY))
                self._replay(store)
            except StateError:
                pass

    def _replay(self, store: StateStore) -> None:
        """The picks of the last decisions recorded that the own plays as written do not hold yet (they are written
        every OWN_PLAYS_KEEP_S at most; every decision is recorded): the device's own plays, as if written with each.
        A start the written record holds (that track started then or later) is not counted twice."""
        for d in store.decisions(limit=REPLAY_DECISIONS):
            if not isinstance(d.payload, dict):
                continue
            for p in d.payload.get("picks") or ():
                try:
                    track = track_from_json(p)
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # a pick this version cannot read: one own play fewer
                if self.own.at.get(track.uri, float("-inf")) < d.at:
                    self.own.add(track, d.at)

    def started(self, tracks: list[Track], now: float) -> None:
        """The device started (or is about to start) these tracks: remember them as its own plays (written to the
        store every OWN_PLAYS_KEEP_S at most: the decision that picked them is recorded, and replayed at a start)."""
        for t in tracks:
            self.own.add(t, now)
        self.own.prune(now)
        self._keep(now)

    def _keep(self, now: float) -> None:
        """The device's own plays (and the household's plays elsewhere) into the store, unless written within the
        last OWN_PLAYS_KEEP_S (lost in a crash then: the decisions' picks are replayed at a start; the plays elsewhere
        are found again when the recent plays are next read)."""
        if self.store is not None and not now - OWN_PLAYS_KEEP_S < self._kept_at <= now:
            try:
                self.store.set_json(OWN_PLAYS_KEY, self.own.to_json())
                self._kept_at = now
            except StateError:
                pass

    # ------------------------------------------------------------ paged shelves

    def _saved_page(self, offset: int, now: float, fetch: bool) -> list[Track] | None:
        key = f"saved|{offset}"
        if not fetch:
            return self.fetcher.peek(key)
        return self.fetcher.fetch(key, now, lambda: self.fetcher.catalog.saved_tracks(offset=offset,
                                                                                      limit=LIBRARY_PAGE), "track")

    def _playlist_page(self, uri: str, offset: int, now: float, fetch: bool) -> list[Track] | None:
        if not fetch:
            return self.fetcher.peek(f"playlist|{uri}|{offset}")
        return self.fetcher.playlist_tracks(uri, offset, now)

    def _paged(self, read) -> tuple[list[Track], int | None]:
        """The tracks of every page read so far, and the offset of the next page to read (None: all read)."""
        tracks: list[Track] = []
        for n in range(MAX_PAGES):
            page = read(n * LIBRARY_PAGE)
            if page is None:
                return tracks, n * LIBRARY_PAGE
            tracks += page
            if len(page) < LIBRARY_PAGE:
                return tracks, None
        return tracks, None

    def own_playlists(self) -> list[PlaylistRef]:
        """The household's own (and collaborative) playlists as last read: its own choices, unlike followed ones."""
        mine = self.fetcher.peek("my_playlists", "playlist") or []
        me = self.fetcher.peek("me", "text") or []
        user = me[0] if me else ""
        return [p for p in mine if p.collaborative or (user and p.owner == user)]

    def shelves(self, *, top: bool = True, echo: bool = False) -> list[Shelf]:
        """Every shelf as read so far (no request: read_more reads). Top tracks and recent plays come without the
        device's own plays (with them when `echo`: LibraryIndex leaves them out when it answers)."""
        saved, _ = self._paged(lambda off: self._saved_page(off, 0.0, False))
        out = [Shelf("saved", "saved", tuple(saved))]
        mine: list[Track] = []
        for playlist in self.own_playlists():
            mine += self._paged(lambda off, uri=playlist.uri: self._playlist_page(uri, off, 0.0, False))[0]
        out.append(Shelf("my_playlists", "my_playlists", tuple(mine)))
        for kind in (("top", "recent") if top else ("recent",)):
            read = self.fetcher.peek(kind) or ()
            seen = self.fetcher.cached_at(kind)
            for t in read if seen is not None and finite(seen) is not None else ():
                self.own.vouch(t.uri, seen)  # the household's before the device started it: stays its own
            if kind == "recent" and seen is not None and finite(seen) is not None \
                    and self.own.hear_recent([t.uri for t in read], seen):
                self._keep(seen)
            found = [t for t in read if echo or not self.own.echo(t.uri)]
            out.append(Shelf(kind, kind, tuple(found)))
        return out

    def _next(self, now: float, top: bool):
        """The next read the library needs, as a function that makes it; None when all is read and fresh."""
        firsts = [("saved|0", lambda: self._saved_page(0, now, True)),
                  ("my_playlists", lambda: self.fetcher.library("my_playlists", now)),
                  ("me", lambda: self.fetcher.library("me", now))]
        firsts += [(k, lambda k=k: self.fetcher.library(k, now)) for k in (("top", "recent") if top else ("recent",))]
        firsts += [(f"playlist|{p.uri}|0", lambda uri=p.uri: self._playlist_page(uri, 0, now, True))
                   for p in self.own_playlists()]
        for key, read in firsts:
            at = self.fetcher.cached_at(key, "playlist" if key == "my_playlists" else "text" if key == "me" else "track")
            if at is None or now - at >= self.fetcher.ttl_s:
                return read
        readers = [lambda off, fetch: self._saved_page(off, now, fetch)]
        readers += [lambda off, fetch, uri=p.uri: self._playlist_page(uri, off, now, fetch)
                    for p in self.own_playlists()]
        for read in readers:
            _, offset = self._paged(lambda off, read=read: read(off, False))
            if offset is not None:
                return lambda read=read, offset=offset: read(offset, True)
        keys = [f"saved|{n * LIBRARY_PAGE}" for n in range(1, MAX_PAGES)]
        keys += [f"playlist|{p.uri}|{n * LIBRARY_PAGE}" for p in self.own_playlists() for n in range(1, MAX_PAGES)]
        aged = [(at, key) for key in keys if (at := self.fetcher.cached_at(key)) is not None and now - at > REREAD_S]
        if not aged:
            return None
        key = min(aged)[1]
        kind, *rest = key.split("|")

        def again():
            self.fetcher.forget(key)
            if kind == "saved":
                self._saved_page(int(rest[0]), now, True)
            else:
                self._playlist_page(rest[0], int(rest[1]), now, True)
        return again

    def read_more(self, now: float, *, top: bool = True, spare: int = SPARE_REQUESTS) -> int:
        """Read the library a little further while this decision's budget has room: first pages older than a day,
        then the next unread page of saved tracks or an own playlist, then the stalest page older than a week.
        Returns the requests made (at most READS_PER_DECISION)."""
        made = 0
        while made < READS_PER_DECISION and not self.fetcher.spent \
                and self.fetcher.round_requests < self.fetcher.budget - spare:
            read = self._next(now, top)
            if read is None:
                break
            before = self.fetcher.round_requests
            read()
            if self.fetcher.round_requests == before:
                break  # answered from the cache or refused without a request: nothing more to gain now
            made += 1
        return made


@dataclass(frozen=True)
class Held:
    """One library track with where it sits and the genres its artists carry."""

    shelf: str
    label: str  # the shelf in words
    track: Track
    genres: tuple[str, ...]


class LibraryIndex:
    """The library by genre label and by artist, rebuilt only when a catalogue answer or a label changed, so that
    a warm decision costs what fits it, not what the whole library holds."""

    def __init__(self, reader: LibraryReader, labels: ArtistLabels, shelf_labels: dict[str, str]):
        self.reader = reader
        self.labels = labels
        self.shelf_labels = shelf_labels
        self._key: tuple | None = None
        self.held: list[Held] = []
        self.by_genre: dict[str, list[int]] = {}
        self.by_artist: dict[str, list[int]] = {}
        self._asked: tuple | None = None
        self._answer: dict[str, list[Candidate]] = {}
        self.standing = Standing()  # where the household's own shelves put each track (rebuilt with the index)

    def _refresh(self, top: bool) -> None:
        key = (self.reader.fetcher.requests, self.labels.version, top)
        if key == self._key:
            return
        self._key = key
        self.held, self.by_genre, self.by_artist = [], {}, {}
        seen: set[str] = set()
        # a track on several shelves sits on the strongest: top tracks (the most played), saved, playlists, recent
        for shelf in sorted(self.reader.shelves(top=top, echo=True), key=lambda s: SHELF_ORDER.get(s.key, 9)):
            for t in shelf.tracks:
                if t.uri in seen:
                    continue
                seen.add(t.uri)
                i = len(self.held)
                self.held.append(Held(shelf.key, self.shelf_labels.get(shelf.key, shelf.key), t,
                                      self.labels.track_genres(t.artists)))
                for g in self.held[i].genres:
                    self.by_genre.setdefault(g, []).append(i)
                for a in t.artists:
                    self.by_artist.setdefault(a, []).append(i)
        self.standing = self._standing()

    def _standing(self) -> Standing:
        """The top tracks' places and the tracks kept per (first) artist on the top, saved and playlist shelves,
        without the device's own plays come back (they are not the household's choice)."""
        mine = [h for h in self.held if h.shelf in ("top", "saved", "my_playlists") and self._mine(h)]
        kept: dict[str, int] = {}
        for h in mine:
            for a in h.track.artists[:1]:
                kept[a] = kept.get(a, 0) + 1
        return Standing({h.track.uri: i for i, h in enumerate(h for h in mine if h.shelf == "top")}, kept)

    def _mine(self, h: Held) -> bool:
        """Not the device's own play come back in top tracks or recent plays."""
        return h.shelf not in ("top", "recent") or not self.reader.own.echo(h.track.uri)

    def fitting(self, wanted: dict[str, tuple[str, ...]], artists: tuple[str, ...], genres: tuple[str, ...], *,
                top: bool = True, own: bool = False) -> dict[str, list[Candidate]]:
        """By shelf: tracks labelled with a genre the rules suggest now (role library), then tracks by an artist or
        of a genre liked here (role evidence), then, when `own`, every other track of the household's top tracks,
        saved tracks and playlists (role household: its own choices, whatever their genre)."""
        self._refresh(top)
        key = (self._key, tuple(wanted.items()), artists, genres, own)
        if key != self._asked:
            self._asked, self._answer = key, self._fitting(wanted, artists, genres, own)
        # the device's own plays (they grow with every decision) are left out of top tracks and recent plays here
        return {k: cs if k not in ("top", "recent") else [c for c in cs if not self.reader.own.echo(c.track.uri)]
                for k, cs in self._answer.items()}

    def _fitting(self, wanted, artists, genres, own=None) -> dict[str, list[Candidate]]:
        out: dict[str, list[Candidate]] = {k: [] for k in self.shelf_labels}
        taken: set[int] = set()
        for i in sorted({i for g in wanted for i in self.by_genre.get(g, ())}):
            h = self.held[i]
            fit = next(g for g in h.genres if g in wanted)
            out[h.shelf].append(Candidate(h.track, Origin(h.shelf, h.shelf, h.label, "library", fit, wanted[fit])))
            taken.add(i)
        liked = set(genres)
        for subject, index in [(a, self.by_artist) for a in artists] + [(g, self.by_genre) for g in genres]:
            for i in index.get(subject, ()):
                h = self.held[i]
                if i in taken:
                    continue
                taken.add(i)
                genre = next((g for g in h.genres if g in liked), h.genres[0] if h.genres else "")
                out[h.shelf].append(Candidate(h.track, Origin(h.shelf, h.shelf, h.label, "evidence", genre, (),
                                                              f"{subject}, liked here")))
        if own:
            for i, h in enumerate(self.held):
                if i in taken or h.shelf == "recent":
                    continue
                out[h.shelf].append(Candidate(h.track, Origin(h.shelf, h.shelf, h.label, "household",
                                                              h.genres[0] if h.genres else "")))
        return out

    def rest(self, fitting: dict[str, list[Candidate]]) -> list[Candidate]:
        """Every other library track (role fallback): what plays when nothing that fits was found."""
        taken = {c.track.uri for cs in fitting.values() for c in cs}
        return [Candidate(h.track, Origin(h.shelf, h.shelf, h.label, "fallback", h.genres[0] if h.genres else ""))
                for h in self.held if h.track.uri not in taken and self._mine(h)]
