"""`mirrorball why`: the last music choice as sentences: who listened, the weather, the time, rules and learning."""

from __future__ import annotations

import json
import sys
import time

from device.core.times import UNKNOWN_TIME, date_text

HELP = "explain the last music choice: listeners, weather, time, the rules that fired and what was learned"


def add_arguments(parser) -> None:
    parser.add_argument("-n", "--count", type=int, default=1, help="explain the last N choices (default 1)")
    parser.add_argument("--json", action="store_true", help="print the recorded decisions as JSON")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ago(seconds: float) -> str:
    from device.weather.part import age_words

    return age_words(max(0.0, seconds))


def explain(payload: dict, at: float, now: float, learner: dict | None = None) -> list[str]:
    """Sentences for one recorded decision (pure): the payload as the state store keeps it, read as the typed decision
    record (device.music.record.Decision, any version), and the learner state."""
    from device.music.context import UNKNOWN
    from device.music.record import Decision

    d = Decision.from_json(payload, at=at)
    ctx, brief = d.context, d.brief
    stamp = date_text(at)  # `at` is read back from the state store: only a showable time is used
    when = stamp if stamp == UNKNOWN_TIME else f"{stamp} ({_ago(now - at)})"
    lines = [f"Choice of {when}, strategy: {d.strategy}."]

    if brief.listeners:
        who = ", ".join(f"one {group} (about {age:.0f})" for group, age in brief.listeners)
        lines.append(f"Listeners: {len(brief.listeners)} — {who}.")
    else:
        idle = (brief.idle or "keep_playing").replace("_", " ")
        after = brief.idle_after_s
        lines.append(f"Listeners: nobody present; idle behaviour: {idle}"
                     + (f" after {after / 60:.0f} minutes." if after else "."))

    age = ctx.weather_age_s
    if ctx.weather_known:
        temp = ctx.temperature_c
        lines.append(f"Weather: {ctx.condition}"
                     + (f", {temp:.0f}°C ({ctx.temperature})" if temp is not None else "")
                     + (", daylight" if ctx.daylight else ", dark outside" if ctx.daylight is False else "")
                     + (f"; reading {_ago(age)}" if age is not None else "") + ".")
    else:
        lines.append("Weather: unknown" + (f" (last reading {_ago(age)}, too old to use)" if age is not None
                                            else " (no reading)") + "; the rules ran without it.")
    tod = ctx.time_of_day
    time_words = f"Time: {tod}" if tod != UNKNOWN else "Time: unknown (clock not synchronised)"
    if ctx.season != UNKNOWN:
        time_words += f", {ctx.season}"
    if ctx.light != UNKNOWN:
        time_words += f"; room light {ctx.light}"
    lines.append(time_words + ".")

    if brief.rules:
        lines.append(f"Rule{'s' if len(brief.rules) > 1 else ''} that fired: "
                     + ", ".join(f"'{r}'" for r in brief.rules) + ".")
    else:
        lines.append("No rule fired.")
    wants = []
    if brief.moods:
        wants.append("moods " + ", ".join(brief.moods))
    more = [g for g in brief.genres if g not in brief.moods]  # each word once
    if more:
        wants.append(("also genres " if wants else "genres ") + ", ".join(more))
    if brief.eras:
        wants.append("era " + " and ".join(f"{a}-{b}" for a, b in brief.eras))
    if wants:
        lines.append("So the brief was: " + "; ".join(wants) + ".")
    if brief.family_safe:
        reason = brief.safe_reason or "a child is listening"
        lines.append(f"{reason[0].upper()}{reason[1:]}: family-safe, no explicit tracks.")
    elif brief.explicit is False:
        lines.append("Explicit tracks were not allowed.")
    if brief.volume is not None:
        lines.append(f"Volume: {brief.volume}%" + (" (night cap)." if tod == "night" else "."))

    if not d.picks:
        lines.append("Nothing playable was found" + (f": {d.catalog_error}." if d.catalog_error else "."))
    for p in d.picks:
        by = ", ".join(p.track.artists)
        lines.append(f"Picked: '{p.track.name}'" + (f" by {by}" if by else "") + f", from {p.origin.words()}.")
        if p.evidence:
            lines.append(f"  Learned: {p.evidence}.")
    if learner and d.levels:
        lines += _learned_lines(learner, ctx, d.levels[0])
    return lines


def _learned_lines(learner: dict, ctx, level: str) -> list[str]:
    """What this household keeps at the decision's finest context level, and what it learned there (pure)."""
    from device.music.learned_state import LearnedStateTooNew, load
    from device.music.learner import describe_level
    from device.music.sources import LABELS

    try:
        state = load(learner)
    except LearnedStateTooNew as exc:
        return [f"Learned state not readable: {exc}."]
    lines = []
    tallies = [(arm, t) for arm, t in state.sources.stats.get(level, {}).items() if t.total >= 1]
    tallies.sort(key=lambda pair: -(pair[1].likes + pair[1].plays - pair[1].dislikes))
    if tallies:
        lines.append(f"What this household keeps in {describe_level(level)}:")
        for arm, t in tallies[:5]:
            lines.append(f"  {LABELS.get(arm) or arm.split(':', 1)[-1] or arm}: {t.describe()}")
    learned = learned_here(state.taste, ctx, level)
    if learned:
        lines.append("What it learned about artists, genres and decades at moments like this:")
        lines += [f"  {words}" for words in learned]
    return lines


def family_safe_lines(events: list, now: float) -> list[str]:
    """When and why the music was last made family-safe (the conductor's "family_safe" events, oldest first)."""
    if not events:
        return []
    last = events[-1]
    p = last.payload
    stamp = date_text(last.at)
    when = stamp if stamp == UNKNOWN_TIME else f"{stamp} ({_ago(now - last.at)})"
    line = f"Made family-safe at {when}: {p.get('why', 'a child was seen')}"
    done = p.get("done")
    return [line + (f"; {done}." if done else ".")]


def learned_here(taste, ctx, level: str, most: int = 6) -> list[str]:
    """The taste model's strongest evidence for this moment's context (a device.music.context.Context), in words
    (pure)."""
    from device.music.explain import feature_words
    from device.music.taste import Moment

    moment = Moment(ctx.temperature, ctx.time_of_day, level.split("|")[-1])
    here = set(moment.keys()) - {""}
    found = [(abs(w.mean), name) for name, w in taste.weights.items()
             if "|" in name and name.split("|", 1)[1] in here
             and name.startswith(("artist:", "genre:", "decade:", "explicit")) and w.seen >= 2]
    found.sort(key=lambda x: -x[0])  # what moved the most, one line per artist, genre or decade
    seen: set[str] = set()
    lines = []
    for _, name in found:
        subject = name.split("|", 1)[0]
        if subject not in seen:
            seen.add(subject)
            lines.append(feature_words(taste, name))
    return lines[:most]


def main(args) -> int:
    from device.commands.state_common import state_db
    from device.core.state import StateError, StateStore
    from device.music.director import LEARNER_KEY

    db = state_db(args.config)
    if db is None:
        return 1
    try:
        with StateStore(db) as store:
            decisions = store.decisions(limit=max(1, args.count))
            learner = store.get_json(LEARNER_KEY)
            safe_events = store.events(kind="family_safe", limit=1)
    except StateError as exc:
        print(f"cannot read the state database: {exc}", file=sys.stderr)
        return 1
    if not decisions:
        print("no choices recorded yet", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([{"id": d.id, "at": d.at, **d.payload} for d in decisions]
                         + [{"family_safe": e.payload, "at": e.at} for e in safe_events], indent=2))
        return 0
    now = time.time()
    for i, d in enumerate(decisions):
        if i:
            print()
        try:
            lines = explain(d.payload, d.at, now, learner)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a record damaged or of another shape
            lines = [f"Choice {d.id} of {date_text(d.at)}: recorded in a form this version cannot read ({exc!r})."]
        print("\n".join(lines))
    for line in family_safe_lines(safe_events, now):
        print(line)
    return 0
