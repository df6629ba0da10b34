"""`mirrorball stats`: feedback tallies (likes, play-throughs, early and late skips) per context, source, artist, genre
or decade, and what the taste model learned about each artist, genre and decade."""

from __future__ import annotations

import sys
import time

from device.core.feedback import Feedback

HELP = ("print the feedback tallies (likes, play-throughs, early and late skips) per context, source, artist, genre "
        "or decade")
BY = ("context", "source", "both", "artist", "genre", "decade")
# the columns: an early skip is a dislike (within music.skip_dislike_s of the start), a late skip the listener moving on
COLUMNS = ((Feedback.LIKE, "likes"), (Feedback.PLAY_THROUGH, "played"), (Feedback.EARLY_SKIP, "early skips"),
           (Feedback.LATE_SKIP, "late skips"))


def add_arguments(parser) -> None:
    parser.add_argument("--days", type=float, default=None, help="only the last N days (default: all)")
    parser.add_argument("--by", choices=BY, default="context",
                        help="rows per context, candidate source, both, artist, genre or decade (default: context); "
                             "artist, genre and decade also show what the taste model learned")


def tally(events, by: str = "context") -> list[tuple[str, dict[Feedback, int]]]:
    """Rows (label, counts per kind) from feedback events (pure), most played first; the words of earlier
    versions ("dislike", "neutral") count as today's kinds, and an unknown word is left out."""
    from device.music.learner import describe_level
    from device.music.record import FeedbackRecord

    rows: dict[str, dict[str, int]] = {}
    for e in events:
        try:
            fb = FeedbackRecord.from_json(e.payload)  # the same record the director wrote and the learners read
        except (KeyError, TypeError, AttributeError, ValueError):
            continue  # not a feedback record this Mirrorball can read
        pick = fb.pick
        levels = pick.levels or ("*",)
        context = describe_level(levels[0])
        source = pick.arm or "?"
        if by in ("artist", "genre", "decade"):
            year = pick.track.year
            labels = {"artist": list(pick.track.artists) or ["?"], "genre": [pick.genre or "(no genre known)"],
                      "decade": [f"{year // 10 * 10}s" if year else "(undated)"]}[by]
        else:
            labels = [{"context": context, "source": source, "both": f"{context} / {source}"}[by]]
        for label in labels:
            row = rows.setdefault(label, dict.fromkeys(Feedback, 0))
            row[fb.kind] += 1
    return sorted(rows.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def render(rows: list[tuple[str, dict[Feedback, int]]], heading: str) -> str:
    width = max([len(heading)] + [len(label) for label, _ in rows])
    lines = [f"{heading:<{width}}  {'tracks':>6}  " + "  ".join(title for _, title in COLUMNS) + f"  {'skip rate':>9}"]
    total = dict.fromkeys(Feedback, 0)
    for label, c in rows + [("all", total)]:
        if label == "all":
            lines.append("-" * len(lines[0]))
        n = sum(c.values())
        rate = f"{(c[Feedback.EARLY_SKIP] + c[Feedback.LATE_SKIP]) / n:.0%}" if n else "-"
        lines.append(f"{label:<{width}}  {n:>6}  " + "  ".join(f"{c[kind]:>{len(title)}}" for kind, title in COLUMNS)
                     + f"  {rate:>9}")
        if label != "all":
            for k in total:
                total[k] += c[k]
    return "\n".join(lines)


def main(args) -> int:
    from device.commands.state_common import state_db
    from device.core.state import StateError, StateStore

    db = state_db(args.config)
    if db is None:
        return 1
    since = time.time() - args.days * 86400 if args.days else None
    try:
        with StateStore(db) as store:
            events = store.events("feedback", since=since)
            learned = store.get_json("music.learner")
    except StateError as exc:
        print(f"cannot read the state database: {exc}", file=sys.stderr)
        return 1
    if not events:
        print("no feedback recorded yet" + (f" in the last {args.days:g} days" if args.days else ""))
        return 0
    heading = {"context": "context", "source": "source", "both": "context / source"}.get(args.by, args.by)
    print(render(tally(events, args.by), heading))
    if args.by in ("artist", "genre", "decade"):
        print(learned_text(learned, args.by))
    return 0


def learned_text(learned: dict | None, kind: str) -> str:
    """What the taste model holds per artist, genre or decade, in words (pure)."""
    from device.music.explain import taste_table
    from device.music.learned_state import LearnedStateTooNew, load

    try:
        table = taste_table(load(learned).taste, kind)
    except LearnedStateTooNew as exc:
        return f"\nlearned: {exc}"
    if not table:
        return f"\nlearned: nothing yet per {kind}"
    lines = [f"\nlearned per {kind} (lean: -1 avoid .. +1 prefer; strongest context):"]
    for subject, lean, counts, strongest in table:
        seen = ", ".join(f"{counts[kind]} {title}" for kind, title in COLUMNS)
        lines.append(f"  {subject}: lean {lean:+.2f} from {seen}" + (f"; {strongest}" if strongest else ""))
    return "\n".join(lines)
