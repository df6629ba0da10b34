"""What was learned, in plain words (pure): "3 early skips for Bill Evans on cold evenings"."""

from __future__ import annotations

from device.core.feedback import Feedback
from device.music.learner import Learner, describe_level
from device.music.sources import LABELS, Source
from device.music.taste import TasteModel

TOD_WORDS = {"morning": "mornings", "afternoon": "afternoons", "evening": "evenings", "night": "nights"}
SPECIFIC = {"tt": 3, "tod": 2, "temp": 1, "who": 1}
WHO_WORDS = {"family": "with children", "adults": "with adults", "nobody": "with nobody watching"}


def subject_words(descriptor: str) -> str:
    """A descriptor feature in words: artist:X -> X, decade:1990s -> the 1990s, source:saved -> your saved tracks."""
    kind, _, value = descriptor.partition(":")
    if kind in ("artist", "genre"):
        return value
    if kind == "decade":
        return f"the {value}"
    if kind == "source":
        return LABELS.get(value, {"genre": "genre searches", "artists": "genre artists' albums",
                                  "playlist": "your named playlists"}.get(value, value))
    return {"explicit": "explicit tracks", "suggested": "what the rules suggest", "era": "music of your era",
            "bias": "anything"}.get(descriptor, descriptor)


def context_words(key: str) -> str:
    """A context key in words: tt:cold/evening -> on cold evenings, tod:night -> at nights, who:family -> ..."""
    if not key:
        return ""
    kind, _, value = key.partition(":")
    if kind == "tt":
        temp, tod = value.split("/")
        return f"on {temp} {TOD_WORDS.get(tod, tod)}"
    if kind == "tod":
        return f"in the {value}" if value != "night" else "at night"
    if kind == "who":
        return WHO_WORDS.get(value, value)
    if kind == "temp":
        return f"on {value} days"
    return key


def counts_words(counts: dict[Feedback, int]) -> str:
    """E.g. "3 likes, 1 early skip, 2 late skips": each kind of feedback seen, apart."""
    return ", ".join(f"{n} {kind.words}{'s' if n != 1 else ''}" for kind, n in counts.items() if n)


def feature_words(taste: TasteModel, name: str) -> str:
    """One learned feature in words, e.g. '3 early skips for Bill Evans on cold evenings' ('' when nothing was
    seen)."""
    w = taste.weights.get(name)
    if w is None or not w.seen:
        return ""
    descriptor, _, context = name.partition("|")
    text = f"{counts_words(w.counts())} for {subject_words(descriptor)}"
    where = context_words(context)
    return f"{text} {where}" if where else text


def evidence_words(taste: TasteModel, names: list[str], most: int = 2) -> str:
    """The learned features that moved this candidate most, in words; '' when nothing was learned about it."""
    learned = [(abs(taste.weights[n].mean - taste.prior(n).mean), n) for n in names
               if not n.startswith(("bias", "era", "suggested", "top:", "kept:")) and n in taste.weights
               and taste.weights[n].seen]
    learned.sort(key=lambda x: -x[0])
    # one feature per artist, genre or decade (each word once): its narrowest context that was learned
    subjects: dict[str, tuple[int, str]] = {}
    for _, n in learned:
        subject, _, context = n.partition("|")
        rank = SPECIFIC.get(context.split(":", 1)[0], 0) if context else -1
        if subject not in subjects or rank > subjects[subject][0]:
            subjects[subject] = (rank, n)
    return "; ".join(feature_words(taste, n) for _, n in list(subjects.values())[:most])


def source_evidence(learner: Learner, source: Source, levels: tuple[str, ...]) -> str:
    """What the source bandit learned about a source here (rules and source-learner strategies)."""
    for level in levels:
        t = learner.tally(level, source.key)
        if t.total >= 1:
            return f"{source.label}: {t.describe()} in {describe_level(level)}"
    return ""


def taste_table(taste: TasteModel, kind: str, limit: int = 20) -> list[tuple[str, float, dict[Feedback, int], str]]:
    """(subject, learned lean -1..1, what was seen of each kind of feedback, strongest context in words) per
    artist/genre/decade, most evidence first: what `mirrorball stats` shows."""
    rows: dict[str, list] = {}
    for name, w in taste.weights.items():
        descriptor, _, context = name.partition("|")
        if not descriptor.startswith(kind + ":"):
            continue
        subject = descriptor.split(":", 1)[1]
        row = rows.setdefault(subject, [0.0, dict.fromkeys(Feedback, 0), "", 0.0])
        if not context:
            row[0], row[1] = w.mean, w.counts()
        elif w.seen:
            rank = w.seen * 10 + SPECIFIC.get(context.split(":", 1)[0], 0)  # most seen, then narrowest
            if rank > row[3]:
                row[2], row[3] = f"{counts_words(w.counts())} {context_words(context)}", rank
    out = [(subject, max(-1.0, min(1.0, r[0])), r[1], r[2]) for subject, r in rows.items()]
    out.sort(key=lambda r: -sum(r[2].values()))
    return out[:limit]
