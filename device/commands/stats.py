"""`mirrorball stats`: feedback tallies (likes, play-throughs, skips) per listening context, as a table."""

from __future__ import annotations

import sys
import time

HELP = "print the feedback tallies (likes, play-throughs, skips) per listening context as a table"


def add_arguments(parser) -> None:
    parser.add_argument("--days", type=float, default=None, help="only the last N days (default: all)")
    parser.add_argument("--by", choices=("context", "source", "both"), default="context",
                        help="rows per context, per candidate source, or per both (default: context)")


def tally(events, by: str = "context") -> list[tuple[str, dict[str, int]]]:
    """Rows (label, counts) from feedback events (pure), most played first."""
    from device.music.learner import describe_level

    rows: dict[str, dict[str, int]] = {}
    for e in events:
        p = e.payload
        levels = p.get("levels") or ["*"]
        context = describe_level(levels[0])
        source = p.get("arm", "?")
        label = {"context": context, "source": source, "both": f"{context} / {source}"}[by]
        row = rows.setdefault(label, {"like": 0, "play_through": 0, "dislike": 0, "neutral": 0})
        kind = p.get("kind")
        if kind in row:
            row[kind] += 1
    return sorted(rows.items(), key=lambda item: (-sum(item[1].values()), item[0]))


def render(rows: list[tuple[str, dict[str, int]]], heading: str) -> str:
    width = max([len(heading)] + [len(label) for label, _ in rows])
    lines = [f"{heading:<{width}}  {'tracks':>6}  {'likes':>5}  {'played':>6}  {'skips':>5}  {'skip rate':>9}"]
    total = {"like": 0, "play_through": 0, "dislike": 0, "neutral": 0}
    for label, c in rows + [("all", total)]:
        if label == "all":
            lines.append("-" * len(lines[0]))
        n = sum(c.values())
        judged = c["like"] + c["play_through"] + c["dislike"]
        rate = f"{c['dislike'] / judged:.0%}" if judged else "-"
        lines.append(f"{label:<{width}}  {n:>6}  {c['like']:>5}  {c['play_through']:>6}  {c['dislike']:>5}  {rate:>9}")
        if label != "all":
            for k in total:
                total[k] += c[k]
    return "\n".join(lines)


def main(args) -> int:
    from device.commands.state_common import state_db
    from device.state import StateError, StateStore

    db = state_db(args.config)
    if db is None:
        return 1
    since = time.time() - args.days * 86400 if args.days else None
    try:
        with StateStore(db) as store:
            events = store.events("feedback", since=since)
    except StateError as exc:
        print(f"cannot read the state database: {exc}", file=sys.stderr)
        return 1
    if not events:
        print("no feedback recorded yet" + (f" in the last {args.days:g} days" if args.days else ""))
        return 0
    heading = {"context": "context", "source": "source", "both": "context / source"}[args.by]
    print(render(tally(events, args.by), heading))
    return 0
