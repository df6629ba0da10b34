"""Where candidates come from (pure): the sources worth looking at for a brief, each one the 2026 Web API allows."""

from __future__ import annotations

from dataclasses import dataclass

from device.config.schema import Config, Rule
from device.core.values import Audience
from device.music.context import Context
from device.music.policy import Brief, rule_matches
from device.music.record import Origin

# How strongly a named playlist whose conditions hold is preferred over rule suggestions (rules-only mode).
NAMED_WEIGHT = 100.0

# Mood words reach music through what still works: the genres they stand for (genre: track and artist search).
# Playlist search finds other people's playlists, whose items the Web API refuses (403) since 2024.
MOOD_GENRES: dict[str, tuple[str, ...]] = {
    "chill": ("chill", "lo-fi"), "acoustic": ("acoustic", "folk"), "lo-fi": ("lo-fi",),
    "upbeat": ("dance", "disco"), "dance": ("dance", "house"), "happy": ("pop", "funk"),
    "mellow": ("soul", "singer-songwriter"), "cozy": ("jazz", "folk"), "jazz": ("jazz",), "winter": ("jazz", "folk"),
    "tropical": ("tropical house", "reggae"), "beach": ("reggae", "surf rock"), "summer": ("pop", "reggaeton"),
    "indie": ("indie",), "morning": ("indie pop", "folk"), "fresh": ("indie pop",),
    "calm": ("ambient", "piano"), "sleep": ("ambient", "piano"), "relax": ("chill", "ambient"),
    "feel good": ("pop", "soul"), "family": ("children's music", "disney"), "kids": ("children's music",),
    "party": ("dance", "pop"), "focus": ("ambient", "classical"), "romantic": ("soul", "r&b"),
}

# Personal sources: the user's own listening, read through /me/*.
PERSONAL = ("saved", "top", "recent", "my_playlists", "liked")
LABELS = {"saved": "your saved tracks", "top": "your top tracks", "top_artists": "albums of your top artists",
          "recent": "what you played lately", "my_playlists": "your playlists", "liked": "tracks you liked here"}
# What each source needs from the account (shown by `mirrorball doctor` and the README).
SCOPES = {"genre": "", "artists": "", "artist": "", "saved": "user-library-read", "top": "user-top-read",
          "top_artists": "user-top-read", "recent": "user-read-recently-played",
          "my_playlists": "playlist-read-private playlist-read-collaborative",
          "playlist": "playlist-read-private playlist-read-collaborative", "liked": ""}


@dataclass(frozen=True)
class Source:
    """One place to look for candidates: what the source bandit chooses between."""

    key: str  # "genre:jazz", "artists:jazz", "artist:Bill Evans", "playlist:spotify:playlist:...", "saved", ...
    kind: str  # genre | artists | artist | playlist | saved | top | recent | my_playlists | liked
    value: str  # the genre, the artist, the playlist URI, or ""
    role: str  # named | rules | library | evidence (record.ROLES): why it is looked at now
    weight: float  # how strongly, for rules-only choice
    rules: tuple[str, ...] = ()  # the rules that suggest its genre now
    because: str = ""  # the household's evidence it explores from, in words (role "evidence")

    @property
    def suggested(self) -> bool:
        return self.role in ("named", "rules")

    @property
    def label(self) -> str:
        if self.kind == "genre":
            return self.value
        if self.kind == "artists":
            return f"{self.value} artists' albums"
        if self.kind == "artist":
            return f"tracks by {self.value}"
        if self.kind == "playlist":
            return f"your playlist {self.value}"
        return LABELS.get(self.kind, self.key)

    @property
    def genre(self) -> str:
        """The genre label this source gives what it finds ("" when it knows none)."""
        return self.value if self.kind in ("genre", "artists") else ""

    def origin(self, genre: str | None = None) -> Origin:
        return Origin(self.key, self.kind, self.label, self.role, self.genre if genre is None else genre, self.rules,
                      self.because)


def genres_for(rule: Rule) -> tuple[str, ...]:
    """A rule's genres, then the genres its mood words stand for."""
    mapped = (g for mood in rule.moods for g in MOOD_GENRES.get(mood.lower(), (mood.lower(),)))
    return tuple(dict.fromkeys(list(rule.genres) + list(mapped)))


def suggested_genres(brief: Brief, rules: list[Rule]) -> dict[str, tuple[str, ...]]:
    """The genres the rules that fired suggest now (their moods' genres included), each with the rules naming it."""
    out: dict[str, list[str]] = {}
    for rule in (r for r in rules if r.name in brief.rules):
        for genre in genres_for(rule):
            out.setdefault(genre, []).append(rule.name)
    return {g: tuple(names) for g, names in out.items()}


MAX_EVIDENCE = 3  # genres and artists liked here searched beyond the rules' genres, each (the most liked)


@dataclass(frozen=True)
class Evidence:
    """What this household showed it likes: the ground exploration beyond the rules' genres stands on."""

    genres: tuple[str, ...] = ()  # genres liked here, most liked first
    artists: tuple[str, ...] = ()  # artists liked (or kept: played through more than skipped) here, most first


def sources_for(brief: Brief, context: Context, audience: Audience, config: Config, rules: list[Rule],
                evidence: Evidence = Evidence()) -> list[Source]:
    """Every source worth searching now: matching named playlists (which win), the genres the rules suggest by
    track search and by their artists' albums, the tracks liked here, and beyond the rules only what the household's
    own evidence points at (genres and artists liked here). A fresh device looks nowhere else; its library is read
    by device.music.library and joins where its labels fit (the director)."""
    found: dict[str, Source] = {}

    def add(kind: str, value: str, role: str, weight: float, names: tuple[str, ...] = (), because: str = "") -> None:
        key = f"{kind}:{value}" if value else kind
        if key not in found:
            found[key] = Source(key, kind, value, role, weight, names, because)

    for playlist in config.music.playlists:
        if rule_matches(playlist.when, context, audience):
            add("playlist", playlist.uri, "named", NAMED_WEIGHT)
    weight_of = {r.name: r.weight for r in rules}
    for genre, names in suggested_genres(brief, rules).items():
        weight = max(weight_of.get(n, 1.0) for n in names)
        add("genre", genre, "rules", weight, names)
        add("artists", genre, "rules", weight / 2, names)
    if config.music.learning:
        add("liked", "", "evidence", 0.0, because="liked here")
    for genre in evidence.genres[:MAX_EVIDENCE]:
        add("genre", genre, "evidence", 0.0, because="liked here")
        add("artists", genre, "evidence", 0.0, because="liked here")
    for artist in evidence.artists[:MAX_EVIDENCE]:
        add("artist", artist, "evidence", 0.0, because=f"{artist}, liked here")
    return list(found.values())
