"""Where candidates come from (pure): the sources worth looking at for a brief, each one the 2026 Web API allows."""

from __future__ import annotations

from dataclasses import dataclass

from device.config.schema import Config, Rule
from device.core.values import Audience
from device.music.context import Context
from device.music.policy import Brief, rule_matches

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
PERSONAL = ("saved", "top", "top_artists", "recent", "my_playlists", "liked")
LABELS = {"saved": "your saved tracks", "top": "your top tracks", "top_artists": "albums of your top artists",
          "recent": "what you played lately", "my_playlists": "your playlists", "liked": "tracks you liked here"}
# What each source needs from the account (shown by `mirrorball doctor` and the README).
SCOPES = {"genre": "", "artists": "", "saved": "user-library-read", "top": "user-top-read",
          "top_artists": "user-top-read", "recent": "user-read-recently-played",
          "my_playlists": "playlist-read-private playlist-read-collaborative",
          "playlist": "playlist-read-private playlist-read-collaborative", "liked": ""}


@dataclass(frozen=True)
class Source:
    """One place to look for candidates: what the source bandit chooses between."""

    key: str  # "genre:jazz", "artists:jazz", "playlist:spotify:playlist:...", "saved", "top", ...
    kind: str  # genre | artists | playlist | saved | top | top_artists | recent | my_playlists | liked
    value: str  # the genre, the playlist URI, or ""
    suggested: bool  # the rules (or a matching named playlist) suggest it for this moment
    weight: float  # how strongly, for rules-only choice

    @property
    def role(self) -> str:
        """named (a matching named playlist), suggested (by the rules) or other: sets the source bandit's prior."""
        if not self.suggested:
            return "other"
        return "named" if self.kind == "playlist" else "suggested"

    @property
    def label(self) -> str:
        if self.kind == "genre":
            return self.value
        if self.kind == "artists":
            return f"{self.value} artists' albums"
        if self.kind == "playlist":
            return f"your playlist {self.value}"
        return LABELS.get(self.kind, self.key)

    @property
    def genre(self) -> str:
        """The genre label this source gives what it finds ("" when it knows none)."""
        return self.value if self.kind in ("genre", "artists") else ""


def genres_for(rule: Rule) -> tuple[str, ...]:
    """A rule's genres, then the genres its mood words stand for."""
    mapped = (g for mood in rule.moods for g in MOOD_GENRES.get(mood.lower(), (mood.lower(),)))
    return tuple(dict.fromkeys(list(rule.genres) + list(mapped)))


def explore_genres(rules: list[Rule]) -> tuple[str, ...]:
    """Every genre any rule names or means by a mood, in rule order: where the learner may look beyond the brief."""
    return tuple(dict.fromkeys(g for r in rules for g in genres_for(r)))


def sources_for(brief: Brief, context: Context, audience: Audience, config: Config, rules: list[Rule],
                explore: tuple[str, ...] | None = None) -> list[Source]:
    """Every source worth trying now: matching named playlists (which win), the brief's genres by track search and
    by their artists' albums (suggested), the personal sources, and the other rules' genres to explore."""
    found: dict[str, Source] = {}

    def add(kind: str, value: str, suggested: bool, weight: float) -> None:
        key = f"{kind}:{value}" if value else kind
        if key not in found:
            found[key] = Source(key, kind, value, suggested, weight)

    for playlist in config.music.playlists:
        if rule_matches(playlist.when, context, audience):
            add("playlist", playlist.uri, True, NAMED_WEIGHT)
    weight_of = {r.name: r.weight for r in rules}
    for rule in (r for r in rules if r.name in brief.rules):
        for genre in genres_for(rule):
            add("genre", genre, True, weight_of.get(rule.name, 1.0))
            add("artists", genre, True, weight_of.get(rule.name, 1.0) / 2)
    if config.music.use_top_tracks:
        add("top", "", False, 0.0)
        add("top_artists", "", False, 0.0)
    for kind in ("saved", "recent", "my_playlists"):
        add(kind, "", False, 0.0)
    if config.music.learning:
        add("liked", "", False, 0.0)
    for genre in explore_genres(rules) if explore is None else explore:
        add("genre", genre, False, 0.0)
        add("artists", genre, False, 0.0)
    return list(found.values())
