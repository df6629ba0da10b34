"""The Spotify stand-in's catalogue: artists, albums, tracks, users and playlists, generated from a seed (pure data).

The loopback Spotify stand-in serves this world over HTTP; a simulation can use the very same catalogue in memory.
Nothing here knows about HTTP or JSON. Shaped like the real catalogue, not like any one user of it:

- about 70 genres (every genre a Mirrorball rule names, and many that no rule names), each with its artists; an
  artist has one to three genres and a career of some years between 1955 and 2026;
- albums, singles and compilations over the career, released with a date of year, month or day precision (older
  releases mostly to the year, as in Spotify's catalogue); tracks with durations shaped by genre, explicit flags
  (common in hip-hop, absent in children's music), ISRCs and track numbers;
- the same recordings released again (spotify_world_reissues): remasters ("Song - Remastered 2011", on an album
  dated 2011, a new ISRC), reissues and deluxe editions (same ISRC), lead singles of album tracks, greatest-hits
  compilations of old tracks; the listener and other people play and list these copies too;
- a hidden popularity (artists and tracks; Spotify no longer returns it, search still ranks by it);
- other users' and Spotify's own (editorial) playlists, named and described with mood words; Spotify's carry ids
  starting 37i9dQZF1, as the real editorial and algorithmic playlists do;
- the listener: a taste (loved genres and artists, a favourite decade), a year of plays, saved tracks, own
  playlists, collaborative playlists of friends and playlists followed.

API:

    world = generate(seed=7)                  # spotify_world_gen: deterministic; default_world() is the cached
                                              # DEFAULT_SEED world
    world.artists[id]    Artist(id, name, genres, active_from, active_to, popularity)
    world.albums[id]     Album(id, name, artist_ids, album_type, release_date, release_date_precision, track_ids,
                               upc, popularity);  album.year
    world.tracks[id]     Track(id, name, artist_ids, album_id, duration_ms, explicit, isrc, track_number, popularity,
                               artist, genre, year)   # artist, genre: the first artist's name and first genre;
                                                      # year: the album's release year; track.uri
                               original_id)           # a re-release: the first release's id ("" for originals)
    world.playlists[id]  Playlist(id, name, description, owner, owner_name, public, collaborative, track_ids,
                                  collaborators, followers);  playlist.uri, playlist.editorial
    world.users[id]      User(id, display_name)
    world.listener       Listener(user_id, loved_genres, loved_artist_ids, favourite_decade, plays, saved,
                                  followed_playlist_ids)   # plays: (track_id, seconds before the world's "now")
    world.genres, world.artists_in(genre), world.tracks_of(artist_id), world.genres_of(track),
    world.versions_of(track)                  # the same recording released again (remasters, singles, compilations)

The stand-in's search rules without HTTP: device.devtools.standins.spotify.search.Search(world).find("artist", "genre:jazz")
returns the records the stand-in would page for that query, best first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

DEFAULT_SEED = 2026
EDITORIAL_PREFIX = "37i9dQZF1"  # Spotify's own editorial and algorithmic playlists
SPOTIFY_USER = "spotify"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# genre -> (typical track length s, share explicit, first year the genre has releases)
GENRES: dict[str, tuple[int, float, int]] = {
    # every genre the default music rules name
    "pop": (205, 0.12, 1958), "rock": (235, 0.08, 1958), "jazz": (320, 0.0, 1955), "soul": (215, 0.02, 1960),
    "funk": (260, 0.04, 1966), "dance": (210, 0.08, 1975), "acoustic": (200, 0.01, 1962), "chill": (190, 0.02, 1995),
    "lo-fi": (150, 0.01, 2012), "bossa nova": (185, 0.0, 1958), "reggae": (230, 0.03, 1968),
    "reggaeton": (200, 0.45, 1998), "tropical house": (205, 0.02, 2012), "indie": (215, 0.08, 1985),
    "indie folk": (220, 0.02, 2000), "indie pop": (205, 0.05, 1995), "ambient": (360, 0.0, 1978),
    "piano": (230, 0.0, 1955), "classical": (420, 0.0, 1955), "hip-hop": (225, 0.55, 1982),
    "electronic": (280, 0.03, 1978), "country": (200, 0.02, 1955), "children's music": (130, 0.0, 1960),
    "disney": (190, 0.0, 1960), "metal": (300, 0.25, 1972),
    # genres no rule names
    "k-pop": (200, 0.05, 2005), "j-pop": (230, 0.01, 1990), "blues": (250, 0.0, 1955), "techno": (380, 0.0, 1988),
    "house": (330, 0.02, 1986), "drum and bass": (300, 0.05, 1994), "punk": (150, 0.2, 1976),
    "grunge": (245, 0.2, 1988), "emo": (215, 0.15, 1995), "shoegaze": (290, 0.02, 1988),
    "synthwave": (275, 0.0, 2008), "trap": (185, 0.7, 2010), "drill": (190, 0.75, 2014), "r&b": (220, 0.3, 1985),
    "gospel": (260, 0.0, 1955), "afrobeats": (210, 0.1, 2008), "afrobeat": (420, 0.0, 1970),
    "cumbia": (215, 0.0, 1960), "salsa": (290, 0.0, 1966), "flamenco": (270, 0.0, 1960),
    "fado": (215, 0.0, 1955), "bluegrass": (180, 0.0, 1955), "opera": (330, 0.0, 1955),
    "ska": (180, 0.05, 1962), "new wave": (235, 0.02, 1978), "disco": (300, 0.0, 1973),
    "trip hop": (290, 0.05, 1992), "dream pop": (250, 0.0, 1986), "post-rock": (480, 0.0, 1994),
    "bollywood": (280, 0.0, 1960), "latin pop": (210, 0.05, 1985), "mariachi": (185, 0.0, 1955),
    "swing": (175, 0.0, 1955), "motown": (170, 0.0, 1960), "singer-songwriter": (225, 0.02, 1965),
    "hard rock": (265, 0.1, 1968), "progressive rock": (420, 0.0, 1968), "garage rock": (165, 0.05, 1964),
    "chanson": (190, 0.0, 1955), "schlager": (200, 0.0, 1960), "celtic": (230, 0.0, 1965),
    "soundtrack": (185, 0.0, 1960), "meditation": (540, 0.0, 1985), "sea shanties": (170, 0.0, 1970),
}
RELATED = {  # an artist's second genre is often a neighbour
    "pop": ["dance", "indie pop", "latin pop"], "rock": ["hard rock", "indie", "garage rock"], "jazz": ["soul", "swing",
    "bossa nova", "piano"], "soul": ["motown", "r&b", "funk"], "acoustic": ["singer-songwriter", "indie folk"],
    "chill": ["lo-fi", "trip hop", "ambient"], "lo-fi": ["chill", "hip-hop"], "hip-hop": ["trap", "r&b", "drill"],
    "electronic": ["house", "techno", "synthwave"], "ambient": ["meditation", "piano", "post-rock"],
    "indie": ["indie pop", "dream pop", "shoegaze"], "country": ["bluegrass", "singer-songwriter"],
    "reggae": ["ska", "dance"], "metal": ["hard rock", "punk"], "classical": ["piano", "opera", "soundtrack"],
    "children's music": ["disney"], "disney": ["soundtrack", "children's music"], "dance": ["house", "disco", "pop"],
}
_SYL = ["ka", "lo", "mi", "ra", "ten", "vo", "sa", "del", "mar", "io", "el", "an", "ber", "ri", "ko", "na", "lu",
        "ste", "fa", "gor", "vin", "da", "ne", "ol", "sk", "ya", "zu", "ha", "qui", "bel"]
_FIRST = ["Ada", "Ben", "Clara", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonah", "Kaya", "Lior", "Mila",
          "Nils", "Oona", "Pablo", "Quinn", "Rosa", "Sami", "Tove", "Uma", "Viktor", "Wren", "Ximena", "Yusuf", "Zoe"]
_NOUNS = ["Tide", "Lantern", "Orchard", "Harbor", "Meadow", "Engine", "Comet", "Valley", "Static", "Velvet",
          "Garden", "Signal", "Parade", "Ember", "Canyon", "Mirror", "Atlas", "Willow", "Arcade", "Echo", "Pilot",
          "Saint", "Thistle", "Circuit", "Hollow", "Satellite", "Magnet", "Harvest", "Ribbon", "Kestrel"]
_ADJ = ["Quiet", "Golden", "Electric", "Paper", "Silver", "Wild", "Blue", "Neon", "Midnight", "Gentle", "Broken",
        "Bright", "Secret", "Northern", "Slow", "Crimson", "Hidden", "Lucky", "Hollow", "Velvet"]
_WORDS = ["Morning", "Rain", "Sun", "Night", "River", "Dance", "Home", "Light", "Road", "Snow", "Summer", "Dream",
          "Fire", "Blue", "Gold", "Winter", "Cloud", "Storm", "Coffee", "Lullaby", "Heart", "Ocean", "City", "Moon",
          "Shadow", "Window", "Letter", "Garden", "Train", "Echo", "Song", "Stars", "Honey", "Wire", "Glass"]
# mood word -> genres whose music other people put under it (playlist titles and descriptions use these words)
MOODS: dict[str, list[str]] = {
    "chill": ["chill", "lo-fi", "indie", "trip hop", "r&b"], "relax": ["ambient", "acoustic", "piano", "chill"],
    "calm": ["ambient", "piano", "classical", "meditation"], "sleep": ["ambient", "piano", "meditation"],
    "happy": ["pop", "dance", "funk", "disco", "motown"], "feel good": ["pop", "soul", "funk", "rock", "reggae"],
    "upbeat": ["dance", "pop", "house", "latin pop"], "party": ["dance", "hip-hop", "reggaeton", "house", "pop"],
    "mellow": ["jazz", "soul", "acoustic", "indie folk"], "cozy": ["jazz", "acoustic", "indie folk", "bossa nova"],
    "rainy day": ["jazz", "lo-fi", "acoustic", "dream pop"], "winter": ["jazz", "classical", "indie folk", "celtic"],
    "summer": ["reggaeton", "tropical house", "pop", "afrobeats", "reggae"], "beach": ["tropical house", "reggae",
    "bossa nova", "ska"], "tropical": ["tropical house", "reggaeton", "cumbia", "salsa"],
    "morning": ["indie pop", "acoustic", "soul", "bossa nova"], "fresh": ["indie pop", "indie", "k-pop"],
    "family": ["children's music", "disney", "pop"], "kids": ["children's music", "disney"],
    "focus": ["ambient", "classical", "post-rock", "lo-fi"], "workout": ["hip-hop", "trap", "drum and bass", "metal"],
    "road trip": ["rock", "country", "pop", "hard rock"], "sad": ["indie", "singer-songwriter", "emo", "blues"],
    "romantic": ["r&b", "soul", "chanson", "bossa nova"], "dinner": ["jazz", "bossa nova", "swing", "chanson"],
    "coffee": ["jazz", "acoustic", "indie folk", "bossa nova"], "energetic": ["punk", "metal", "drum and bass"],
    "night": ["electronic", "synthwave", "trip hop", "techno"], "acoustic": ["acoustic", "singer-songwriter"],
    "indie": ["indie", "indie pop", "indie folk"], "jazz": ["jazz", "swing"], "dance": ["dance", "house", "disco"],
}
_TITLES = ["{m} {g}", "{m} vibes", "{g} for a {m} day", "{m} mix", "my {m} playlist", "{m} {g} essentials",
           "{g} - {m}", "{m} hours", "pure {m}", "{m} songs"]
_EDITORIAL = [("Chill Hits", "chill"), ("Peaceful Piano", "calm"), ("Happy Hits!", "happy"), ("Mood Booster",
              "feel good"), ("Jazz Vibes", "mellow"), ("Coffee Table Jazz", "coffee"), ("Rainy Day", "rainy day"),
              ("Deep Focus", "focus"), ("Sleep", "sleep"), ("Beast Mode", "workout"), ("Summer Hits", "summer"),
              ("Beach Vibes", "beach"), ("Songs to Sing in the Car", "road trip"), ("Life Sucks", "sad"),
              ("Dinner with Friends", "dinner"), ("Kids' Songs", "kids"), ("Family Road Trip", "family"),
              ("Morning Motivation", "morning"), ("Cozy Acoustic", "cozy"), ("Dance Party", "party"),
              ("Fresh Finds", "fresh"), ("Winter Acoustics", "winter"), ("Tropical Chill", "tropical"),
              ("Night Rider", "night"), ("Upbeat Indie", "upbeat"), ("Romantic Ballads", "romantic"),
              ("Discover Weekly", ""), ("Release Radar", ""), ("Daily Mix 1", ""), ("Daily Mix 2", "")]


def spotify_id(seed: str, prefix: str = "") -> str:
    """A stable 22-character base-62 id, like Spotify's (optionally starting with `prefix`)."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    out = []
    for _ in range(22 - len(prefix)):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return prefix + "".join(out)


@dataclass(frozen=True)
class Artist:
    id: str
    name: str
    genres: tuple[str, ...]
    active_from: int
    active_to: int
    popularity: int  # 0-100, hidden: Spotify no longer returns it

    @property
    def uri(self) -> str:
        return f"spotify:artist:{self.id}"


@dataclass(frozen=True)
class Album:
    id: str
    name: str
    artist_ids: tuple[str, ...]
    album_type: str  # album, single, compilation
    release_date: str  # "1967", "1967-03" or "1967-03-14"
    release_date_precision: str  # year, month, day
    track_ids: tuple[str, ...]
    upc: str
    popularity: int

    @property
    def year(self) -> int:
        return int(self.release_date[:4])

    @property
    def uri(self) -> str:
        return f"spotify:album:{self.id}"


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    artist_ids: tuple[str, ...]
    album_id: str
    duration_ms: int
    explicit: bool
    isrc: str
    track_number: int
    popularity: int  # hidden
    artist: str  # the first artist's name
    genre: str  # the first artist's first genre (search's genre: filter looks at every genre of every artist)
    year: int  # the album's release year (a remaster's or a compilation's: the year it came out again)
    original_id: str = ""  # a re-release (remaster, reissue, single, compilation): the first release's track id

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.id}"


@dataclass(frozen=True)
class User:
    id: str
    display_name: str


@dataclass(frozen=True)
class Playlist:
    id: str
    name: str
    description: str
    owner: str  # user id ("spotify" for Spotify's own)
    owner_name: str
    public: bool
    collaborative: bool
    track_ids: tuple[str, ...]
    collaborators: tuple[str, ...] = ()
    followers: int = 0

    @property
    def uri(self) -> str:
        return f"spotify:playlist:{self.id}"

    @property
    def editorial(self) -> bool:
        """Spotify's own editorial or algorithmic playlist (the Web API no longer serves these)."""
        return self.owner == SPOTIFY_USER


@dataclass(frozen=True)
class Listener:
    user_id: str
    display_name: str
    loved_genres: tuple[str, ...]
    loved_artist_ids: tuple[str, ...]
    favourite_decade: int
    plays: tuple[tuple[str, float], ...]  # (track id, seconds before "now"), oldest first
    saved: tuple[tuple[str, float], ...]  # (track id, seconds before "now" it was saved), newest first
    followed_playlist_ids: tuple[str, ...]


@dataclass
class World:
    artists: dict[str, Artist]
    albums: dict[str, Album]
    tracks: dict[str, Track]
    users: dict[str, User]
    playlists: dict[str, Playlist]
    listener: Listener
    seed: int
    _by_genre: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_artist: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _versions: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for a in self.artists.values():
            for g in a.genres:
                self._by_genre.setdefault(g, []).append(a.id)
        for t in self.tracks.values():
            for aid in t.artist_ids:
                self._by_artist.setdefault(aid, []).append(t.id)
            self._versions.setdefault(t.original_id or t.id, []).append(t.id)

    @property
    def genres(self) -> tuple[str, ...]:
        return tuple(GENRES)

    def artists_in(self, genre: str) -> list[Artist]:
        return [self.artists[i] for i in self._by_genre.get(genre, [])]

    def tracks_of(self, artist_id: str) -> list[Track]:
        return [self.tracks[i] for i in self._by_artist.get(artist_id, [])]

    def versions_of(self, track: Track) -> list[Track]:
        """Every release of the same recording: the first one, then its remasters, reissues, singles and
        compilation copies (the same song under other ids, often with the same ISRC)."""
        return [self.tracks[i] for i in self._versions.get(track.original_id or track.id, [track.id])]

    def genres_of(self, track: Track) -> set[str]:
        return {g for aid in track.artist_ids for g in self.artists[aid].genres}
