"""The decision record (pure): one typed, versioned record of each pick and decision, as the state store keeps it and
as `mirrorball why`, `mirrorball stats`, the learners and the simulation read it.

Version 1 (before issue 21) had no "version" key and said only whether the rules suggested a pick; it reads as
version 2 with the role "rules" or "learned".

>>> o = Origin("genre:jazz", "genre", "jazz", "rules", "jazz", ("cold: warm jazz",))
>>> o.words()
'jazz, suggested by: cold'
>>> Origin("artists:jazz", "artists", "jazz artists' albums", "rules", "jazz", ("cold: warm jazz",)).words()
"jazz artists' albums, suggested by: cold"
>>> Origin("saved", "saved", "your saved tracks", "library", "jazz", ("cold: warm jazz",)).words()
'your saved tracks (jazz, suggested by: cold)'
>>> Origin("saved", "saved", "your saved tracks", "evidence", "", (), "Bill Evans, liked here").words()
'your saved tracks (Bill Evans, liked here)'
>>> Origin("artist:Bill Evans", "artist", "tracks by Bill Evans", "evidence", "", (), "Bill Evans, liked here").words()
'tracks by Bill Evans (liked here)'
>>> Origin("top", "top", "your top tracks", "household").words()
'your top tracks'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from device.core.feedback import Feedback, parse
from device.core.saved import track_from_json, track_to_json
from device.core.values import Track
from device.music.context import Context
from device.music.policy import Brief

RECORD_VERSION = 2
# Why a pick was in the running: a named playlist whose conditions hold, a search for a genre the rules suggest, a
# library track labelled with such a genre, the household's own evidence (an artist or genre liked here), the
# household's own shelves (once it has reacted to enough tracks here, whatever their genre, never one only another
# context's rules name), or, nothing fitting being found, anything playable (so that a listener always hears something).
ROLES = ("named", "rules", "library", "evidence", "household", "fallback")
FITS_RULES = ("named", "rules", "library")


def rule_word(name: str) -> str:
    """A rule's name as the short word `why` uses: "rainy: chill and acoustic" -> "rainy"."""
    return name.split(":", 1)[0].strip() or name


@dataclass(frozen=True)
class Origin:
    """Where a pick came from and why it was considered."""

    source: str  # the source key: "genre:jazz", "saved", "playlist:spotify:playlist:..."
    kind: str  # genre | artists | playlist | saved | top | top_artists | recent | my_playlists | liked | artist
    label: str  # the source in words: "jazz", "your saved tracks"
    role: str  # one of ROLES
    genre: str = ""  # the genre it carries ("" when none is known)
    rules: tuple[str, ...] = ()  # the rules that suggested that genre now
    because: str = ""  # the household's evidence it came from (role "evidence"), in words

    @property
    def suggested(self) -> bool:
        """It fits what the rules (or a matching named playlist) call for now."""
        return self.role in FITS_RULES

    def words(self) -> str:
        """The origin in words, each word once: "jazz, suggested by: rainy"; "your saved tracks (jazz, ...)"."""
        reason = ""
        if self.role in ("rules", "library") and self.genre:
            rules = ", ".join(dict.fromkeys(rule_word(r) for r in self.rules))
            reason = self.genre + (f", suggested by: {rules}" if rules else "")
        elif self.role == "evidence":
            reason = self.because or (f"{self.genre}, liked here" if self.genre else "liked here")
            subject, comma, rest = reason.partition(", ")
            if comma and subject in self.label:  # "tracks by Bill Evans (liked here)": the artist said once
                reason = rest
        elif self.role == "fallback":
            reason = "nothing that fits the rules was found"
        if not reason or reason in self.label:  # "tracks you liked here" needs no "(liked here)"
            return self.label
        if self.role == "rules" and self.genre and self.genre in self.label:
            return self.label + reason[len(self.genre):]  # the genre is in the label: said once
        return f"{self.label} ({reason})"

    def to_json(self) -> dict:
        return {"source": self.source, "kind": self.kind, "label": self.label, "role": self.role,
                "genre": self.genre, "rules": list(self.rules), "because": self.because}

    @classmethod
    def from_json(cls, d: dict) -> Origin:
        role = d.get("role", "rules")
        return cls(str(d.get("source", "")), str(d.get("kind", "")), str(d.get("label", "")),
                   role if role in ROLES else "fallback", str(d.get("genre", "")),
                   tuple(str(r) for r in d.get("rules") or ()), str(d.get("because", "")))


@dataclass(frozen=True)
class Pick:
    """One track picked for a moment: the track, its origin, the context buckets and what the learner saw in it."""

    track: Track
    origin: Origin
    levels: tuple[str, ...] = ()  # the context buckets it was picked in, finest first
    score: float | None = None  # the Thompson sample that won (learning strategies)
    evidence: str = ""  # what was learned that chose it, in words
    features: tuple[str, ...] = ()  # the taste model's features of this pick (learn strategy)

    # the origin's parts, by the names the learners and the simulation read
    @property
    def arm(self) -> str:
        return self.origin.source

    @property
    def label(self) -> str:
        return self.origin.label

    @property
    def suggested(self) -> bool:
        return self.origin.suggested

    @property
    def genre(self) -> str:
        return self.origin.genre

    def to_json(self) -> dict:
        """Flat: the track's fields, then the pick's (the arm, genre and levels stay where version 1 had them)."""
        return {**track_to_json(self.track), "version": RECORD_VERSION, "arm": self.arm, "label": self.label,
                "suggested": self.suggested, "genre": self.genre, "origin": self.origin.to_json(),
                "levels": list(self.levels), "score": self.score, "evidence": self.evidence,
                "features": list(self.features)}

    @classmethod
    def from_json(cls, d: dict, levels: tuple[str, ...] = ()) -> Pick:
        """A pick as to_json wrote it, or a version-1 pick (its levels were the decision's: pass them)."""
        if isinstance(d.get("origin"), dict):
            origin = Origin.from_json(d["origin"])
        else:
            arm = str(d.get("arm", ""))
            origin = Origin(arm, arm.split(":", 1)[0], str(d.get("label") or arm),
                            "rules" if d.get("suggested") else "evidence", str(d.get("genre", "")))
        return cls(track_from_json(d), origin, tuple(d.get("levels") or levels), d.get("score"),
                   str(d.get("evidence") or ""), tuple(d.get("features") or ()))


@dataclass(frozen=True)
class Decision:
    """One decision: the moment, the brief, the picks and the explanation; what the state store keeps."""

    id: int | None
    at: float
    context: Context
    brief: Brief
    picks: tuple[Pick, ...]
    levels: tuple[str, ...]
    strategy: str
    explanation: str
    requests: int = 0  # catalog requests this decision made (cache hits not counted)
    catalog_error: str | None = None
    refused: tuple[str, ...] = field(default=())

    @property
    def tracks(self) -> list[Track]:
        return [p.track for p in self.picks]

    def to_json(self) -> dict:
        return {"version": RECORD_VERSION, "strategy": self.strategy, "context": asdict(self.context),
                "brief": self.brief.to_dict(), "levels": list(self.levels),
                "picks": [p.to_json() for p in self.picks], "explanation": self.explanation,
                "catalog_error": self.catalog_error, "catalog_requests": self.requests, "refused": list(self.refused)}

    @classmethod
    def from_json(cls, d: dict, *, id: int | None = None, at: float = 0.0) -> Decision:
        """A recorded decision, any version (a version-1 payload has no "version" key)."""
        levels = tuple(d.get("levels") or ())
        ctx = {k: v for k, v in (d.get("context") or {}).items() if k in Context.__dataclass_fields__}
        return cls(id, at, Context(**ctx), Brief.from_dict(d.get("brief") or {}),
                   tuple(Pick.from_json(p, levels) for p in d.get("picks") or ()), levels,
                   str(d.get("strategy", "?")), str(d.get("explanation", "")), int(d.get("catalog_requests") or 0),
                   d.get("catalog_error"), tuple(d.get("refused") or ()))


@dataclass(frozen=True)
class FeedbackRecord:
    """What the listeners did with a pick, as the state store's feedback event keeps it."""

    pick: Pick
    kind: Feedback  # the one vocabulary (device/core/feedback.py); earlier versions' words are read as today's
    played_s: float | None = None

    def to_json(self) -> dict:
        return {**self.pick.to_json(), "kind": str(self.kind), "played_s": self.played_s}

    @classmethod
    def from_json(cls, d: dict) -> FeedbackRecord:
        """The record as written; ValueError for a feedback word no version of Mirrorball wrote."""
        return cls(Pick.from_json(d), parse(d.get("kind")), d.get("played_s"))
