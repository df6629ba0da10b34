"""Builds a spotify_world.World from a seed: generate() is deterministic; default_world() is the one the stand-in serves."""

from __future__ import annotations

import random
from functools import lru_cache

from device.devtools.standins.spotify_world import (
    _ADJ,
    _EDITORIAL,
    _FIRST,
    _NOUNS,
    _SYL,
    _TITLES,
    _WORDS,
    DEFAULT_SEED,
    EDITORIAL_PREFIX,
    GENRES,
    MOODS,
    RELATED,
    SPOTIFY_USER,
    Album,
    Artist,
    Listener,
    Playlist,
    Track,
    User,
    World,
    spotify_id,
)
from device.devtools.standins.spotify_world_reissues import Rereleases, spread

LAST_YEAR = 2026
DAY = 86_400.0
_COUNTRIES = ["US", "GB", "SE", "DE", "FR", "BR", "JP", "KR", "NG", "JM", "CO", "ES", "PT", "IE", "CA", "AU", "IN"]
_USERS = ["anna.k", "djmarco", "lenaspins", "tobi_92", "mixtapemaya", "rkowalski", "sunnyside.sofia", "the_vinyl_guy",
          "nadia.h", "oskar-b", "playlistpriya", "jules.v", "kenji.m", "fatou_d", "liamgroove", "elena.r",
          "benji.beats", "carla_m", "ivo.p", "wanderlust_wes", "hanna.s", "mo.listens", "greta.fm", "pietro.c",
          "sam_o", "yuki.t", "zara.music", "felixdj", "ines.f", "noah.w"]


def generate(seed: int = DEFAULT_SEED, *, artists_per_genre: int = 6, listener_id: str = "listener") -> World:
    """The world for `seed`: the same seed gives the same world."""
    return build(World, seed, artists_per_genre, listener_id)


@lru_cache(maxsize=4)
def default_world(seed: int = DEFAULT_SEED) -> World:
    """The world the stand-in serves unless given another (generated once per process; treat it as read-only)."""
    return generate(seed)


def build(cls, seed: int, artists_per_genre: int, listener_id: str):
    rng = random.Random(seed)
    artists: dict[str, Artist] = {}
    albums: dict[str, Album] = {}
    tracks: dict[str, Track] = {}
    names: set[str] = set()
    for genre, (_length, _explicit, first_year) in GENRES.items():
        for _ in range(artists_per_genre):
            name = _artist_name(rng, names)
            second = [g for g in RELATED.get(genre, []) if g in GENRES]
            genres = [genre] + rng.sample(second, min(len(second), rng.choice((0, 1, 1, 2))))
            start = rng.randint(first_year, LAST_YEAR - 1)
            end = min(LAST_YEAR, start + rng.choice((3, 6, 10, 15, 25, 40)))
            popularity = max(1, min(100, int(rng.paretovariate(1.6) * 12)))
            aid = spotify_id(f"artist:{name}")
            artists[aid] = Artist(aid, name, tuple(genres), start, end, popularity)
    for artist in list(artists.values()):
        _discography(rng, artist, artists, albums, tracks)
    users = {u: User(u, u.replace(".", " ").replace("_", " ").title()) for u in _USERS}
    users[SPOTIFY_USER] = User(SPOTIFY_USER, "Spotify")
    users[listener_id] = User(listener_id, "Listener")
    by_genre: dict[str, list[Track]] = {}
    for t in tracks.values():
        for g in artists[t.artist_ids[0]].genres:
            by_genre.setdefault(g, []).append(t)
    playlists: dict[str, Playlist] = {}
    _others_playlists(rng, by_genre, playlists)
    _editorial_playlists(rng, by_genre, tracks, playlists)
    listener = _listener(rng, listener_id, artists, tracks, by_genre, playlists)
    copies = Rereleases(seed, artists, albums, tracks).add()
    listener = spread(seed, copies, listener, playlists)
    return cls(artists, albums, tracks, users, playlists, listener, seed)


def _artist_name(rng: random.Random, taken: set[str]) -> str:
    while True:
        style = rng.random()
        if style < 0.3:
            name = f"{rng.choice(_FIRST)} {''.join(rng.sample(_SYL, 2)).title()}"
        elif style < 0.6:
            name = f"The {rng.choice(_ADJ)} {rng.choice(_NOUNS)}s"
        elif style < 0.8:
            name = f"{rng.choice(_ADJ)} {rng.choice(_NOUNS)}"
        else:
            name = "".join(rng.sample(_SYL, rng.choice((2, 3)))).title()
        if name not in taken:
            taken.add(name)
            return name


def _release_date(rng: random.Random, year: int) -> tuple[str, str]:
    """Older releases are mostly dated to the year, newer ones to the day, as in Spotify's catalogue."""
    r = rng.random()
    day_share = 0.15 if year < 1975 else 0.55 if year < 2000 else 0.93
    month_share = 0.1 if year < 2000 else 0.04
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    if r < day_share:
        return f"{year}-{month:02d}-{day:02d}", "day"
    if r < day_share + month_share:
        return f"{year}-{month:02d}", "month"
    return str(year), "year"


def _discography(rng, artist: Artist, artists, albums, tracks) -> None:
    genre = artist.genres[0]
    length, explicit_share, _ = GENRES[genre]
    country = rng.choice(_COUNTRIES)
    registrant = spotify_id(f"reg:{artist.id}")[:3].upper()
    releases = rng.randint(2, 6)
    seq = 0
    for r in range(releases):
        year = rng.randint(artist.active_from, artist.active_to)
        kind = rng.choices(("album", "single", "compilation"), (0.55, 0.4, 0.05))[0]
        n = {"album": rng.randint(7, 13), "single": rng.randint(1, 3), "compilation": rng.randint(10, 16)}[kind]
        title = f"{rng.choice(_ADJ)} {rng.choice(_WORDS)}" if kind != "single" else None
        date, precision = _release_date(rng, year)
        album_id = spotify_id(f"album:{artist.id}:{r}")
        feat = None
        if rng.random() < 0.12:  # a featured artist on this release
            feat = rng.choice([a for a in artists.values() if genre in a.genres and a.id != artist.id] or [None])
        ids = []
        for k in range(n):
            seq += 1
            name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}" if rng.random() < 0.7 else rng.choice(_WORDS)
            if title is None and k == 0:
                title = name
            who = (artist.id, feat.id) if feat is not None and k == 0 else (artist.id,)
            duration = int(max(45, min(1500, rng.lognormvariate(0, 0.25) * length)) * 1000) + rng.randint(0, 999)
            explicit = year >= 1985 and rng.random() < explicit_share
            tid = spotify_id(f"track:{album_id}:{k}")
            isrc = f"{country}{registrant}{year % 100:02d}{(seq * 7919 + r) % 100000:05d}"
            pop = max(0, min(100, int(artist.popularity * rng.uniform(0.5, 1.1))))
            tracks[tid] = Track(tid, name, who, album_id, duration, explicit, isrc, k + 1, pop, artist.name, genre,
                                year)
            ids.append(tid)
        upc = f"{int(spotify_id(f'upc:{album_id}').encode().hex(), 16) % 10**12:012d}"
        albums[album_id] = Album(album_id, title or artist.name, (artist.id,), kind, date, precision, tuple(ids), upc,
                                 artist.popularity)


def _pick_tracks(rng, by_genre: dict, genres: list[str], n: int) -> tuple[str, ...]:
    pool = [t for g in genres for t in by_genre.get(g, [])]
    rng.shuffle(pool)
    seen, out = set(), []
    for t in pool:
        if t.id not in seen:
            seen.add(t.id)
            out.append(t.id)
        if len(out) >= n:
            break
    return tuple(out)


def _others_playlists(rng, by_genre, playlists) -> None:
    for mood, genres in MOODS.items():
        for k in range(rng.randint(6, 10)):
            owner = rng.choice(_USERS)
            g = rng.choice(genres)
            name = rng.choice(_TITLES).format(m=mood, g=g)
            name = name[0].upper() + name[1:] if rng.random() < 0.6 else name
            others = rng.sample(list(MOODS), 2)
            description = f"{mood} {g}, {others[0]} and a bit {others[1]}" if rng.random() < 0.7 else ""
            pid = spotify_id(f"playlist:{owner}:{mood}:{k}")
            followers = int(rng.paretovariate(1.2) * 20)
            playlists[pid] = Playlist(pid, name, description, owner, owner.replace(".", " ").title(),
                                      rng.random() < 0.95, False, _pick_tracks(rng, by_genre, genres, rng.randint(15, 60)),
                                      followers=followers)


def _editorial_playlists(rng, by_genre, tracks, playlists) -> None:
    for name, mood in _EDITORIAL:
        genres = MOODS.get(mood) or list(GENRES)
        pid = spotify_id(f"editorial:{name}", prefix=EDITORIAL_PREFIX)
        description = f"{mood} music, picked by Spotify's editors." if mood else "Made for you."
        playlists[pid] = Playlist(pid, name, description, SPOTIFY_USER, "Spotify", True, False,
                                  _pick_tracks(rng, by_genre, genres, 50), followers=rng.randint(200_000, 9_000_000))


def _listener(rng, listener_id, artists, tracks, by_genre, playlists) -> Listener:
    loved_genres = rng.sample(list(GENRES), 3)  # may well include genres no rule names
    candidates = [a for a in artists.values() if set(a.genres) & set(loved_genres)]
    loved = rng.sample(candidates, min(12, len(candidates)))
    decade = rng.choice([1960, 1970, 1980, 1990, 2000, 2010, 2020])
    loved_tracks = [t for a in loved for t in tracks.values() if t.artist_ids[0] == a.id]
    era_tracks = [t for t in tracks.values() if decade <= t.year < decade + 10]
    anything = sorted(tracks.values(), key=lambda t: -t.popularity)[:800]
    plays = []
    for _ in range(2500):  # about a year of listening
        pool = rng.choices((loved_tracks, era_tracks, anything), (0.7, 0.15, 0.15))[0] or anything
        plays.append((rng.choice(pool).id, rng.uniform(600, 365 * DAY)))
    plays.sort(key=lambda p: -p[1])  # oldest first
    counts: dict[str, int] = {}
    for tid, _ago in plays:
        counts[tid] = counts.get(tid, 0) + 1
    favourites = sorted(counts, key=lambda t: -counts[t])[:90] + rng.sample(list(tracks), 30)
    saved = sorted(((tid, rng.uniform(DAY, 900 * DAY)) for tid in dict.fromkeys(favourites)), key=lambda s: s[1])
    own = []
    for k, genre in enumerate(loved_genres + [loved_genres[0]]):
        name = [f"{genre.title()} Favourites", f"Sunday {genre}", f"{decade}s {genre}", "Kitchen Dancing"][k]
        pid = spotify_id(f"playlist:{listener_id}:{k}")
        playlists[pid] = Playlist(pid, name, f"my {genre}" if k % 2 == 0 else "", listener_id, "Listener",
                                  k != 1, False, _pick_tracks(rng, by_genre, [genre], 25))
        own.append(pid)
    for k in range(2):  # friends' collaborative playlists the listener adds to (never public, as Spotify requires)
        friend = rng.choice(_USERS)
        pid = spotify_id(f"playlist:{friend}:collab:{k}")
        playlists[pid] = Playlist(pid, ["Road Trip Together", "Flat Party"][k], "everyone adds songs", friend,
                                  friend.title(), False, True,
                                  _pick_tracks(rng, by_genre, [rng.choice(loved_genres), "pop"], 30),
                                  collaborators=(listener_id,))
        own.append(pid)
    others = [p.id for p in playlists.values() if p.owner not in (listener_id, SPOTIFY_USER) and p.public]
    editorial = [p.id for p in playlists.values() if p.editorial]
    followed = tuple(own + rng.sample(others, 5) + rng.sample(editorial, 3))
    return Listener(listener_id, "Listener", tuple(loved_genres), tuple(a.id for a in loved), decade,
                    tuple(plays), tuple(saved), followed)
