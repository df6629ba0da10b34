"""`python -m device.devtools.simulate`: simulated households (loaded from a households file, docs/music-simulation.md)
listen through the real policy, sources and learners, next to skeptic baselines; prints weekly skip rates."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from device.config.schema import Config, WeatherConfig
from device.core.state import StateStore
from device.core.values import Audience, Listener
from device.devtools.baselines import REFERENCES, STRATEGIES, DirectorPlayer, RuleGenres, make_player
from device.devtools.households_protocol import (
    CHILD_MAX_AGE,
    HouseholdsFileError,
    check_household,
    check_moment,
    check_parts,
    check_reaction,
    load_households,
)
from device.music.candidates import request_summary
from device.music.context import build_context

DEFAULT_HOUSEHOLDS = Path(__file__).parent / "households.py"
FIRST_HOUR_S = 3600.0
BENCH_DAYS = 28  # the warm decision is timed on a device that has listened this long (its state grows with it)
WEEK_TARGET, WEEK1_SLACK, OFFRULE_TARGET = 0.8, 0.02, 0.05


def demo_catalog(seed: int = 1):
    """The simulation's catalogue through its first household's account, for a demo or test without Spotify."""
    return load_households(DEFAULT_HOUSEHOLDS)(0, seed, 7).catalog


def audience_of(ages: tuple[float, ...], config: Config, at: float) -> Audience:
    listeners = []
    for i, age in enumerate(ages):
        group = next(g.name for g in config.vision.age_groups
                     if g.min_age <= age and (g.max_age is None or age < g.max_age + 1))
        listeners.append(Listener(i, group, age, at))
    return Audience(tuple(listeners), at)


def play(house, player, genres: RuleGenres, config: Config, days: int, path: str, parts: bool = False) -> dict:
    """Every moment of one household through one player: plays and skips per week and the other figures (with
    `parts`, the sums of the household's appeal_parts over the plays, per week)."""
    weeks = (days + 6) // 7
    out = {"plays": [0] * weeks, "skips": [0] * weeks, "requests": [], "kinds": {}, "kind_skips": {}, "first_hour": 0,
           "first_hour_offrule": 0, "later": 0, "later_offrule": 0, "explicit_with_child_s": 0.0, "parts": {}}
    parts_of = getattr(house, "appeal_parts", None) if parts else None
    heard_s, first_day = 0.0, None
    for moment in house.moments():
        moment = check_moment(moment, path)
        first_day = first_day if first_day is not None else moment.local.date()
        week = min(weeks - 1, (moment.local.date() - first_day).days // 7)
        audience = audience_of(moment.ages, config, moment.at)
        context = build_context(weather=moment.weather, now=moment.at, now_local=moment.local,
                                latitude=moment.latitude, light=moment.light, bands=config.weather.temperature,
                                stale_after_hours=config.weather.stale_after_hours)
        brief = genres.brief(context, audience)
        child = any(a <= CHILD_MAX_AGE for a in moment.ages)
        now = moment.at
        for _ in range(moment.tracks):
            chosen, requests = player.choose(context, audience, now, brief, moment)
            out["requests"].append(requests)
            if chosen is None:
                break
            track = chosen.track
            heard = replace(track, source="")  # the household hears the track, not where the device found it
            out["kinds"][chosen.kind] = out["kinds"].get(chosen.kind, 0) + 1
            if parts_of is not None:  # before the household hears it: its tiring as it stood when the track started
                for name, value in check_parts(parts_of(heard, now, moment), path).items():
                    out["parts"].setdefault(name, [0.0] * weeks)[week] += value
            reaction = check_reaction(house.hears(heard, now, moment), path)
            length = max(1.0, track.duration_ms / 1000)
            out["plays"][week] += 1
            if hasattr(house, "genres_of"):
                first = "first_hour" if heard_s < FIRST_HOUR_S else "later"
                out[first] += 1
                out[f"{first}_offrule"] += genres.offrule(brief, tuple(house.genres_of(track.uri)))
            if reaction.kind == "skip":
                out["skips"][week] += 1
                out["kind_skips"][chosen.kind] = out["kind_skips"].get(chosen.kind, 0) + 1
                played = min(reaction.at_s, length)
                player.feedback(track, "skip", now + played, played)
            elif reaction.kind == "like":
                played = length
                player.feedback(track, "like", now + min(reaction.at_s, length), min(reaction.at_s, length))
            else:
                played = length
                player.feedback(track, "nothing", now + played, played)
            if child and track.explicit:
                out["explicit_with_child_s"] += played
            heard_s += played
            now += played + 2
    out["labelling"] = getattr(player, "labelling_requests", 0)  # the director's, between decisions
    return out


def simulate(households: int, days: int, seed: int, config: Config | None = None,
             path: str | Path = DEFAULT_HOUSEHOLDS, strategies: tuple[str, ...] = STRATEGIES,
             parts: bool = False) -> dict:
    """Every household through every strategy: the figures of docs/music-simulation.md (with `parts`, the mean of
    each of the households' appeal_parts over each strategy's plays, per week)."""
    config = config or Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))
    make = load_households(path)
    genres = RuleGenres(config)
    weeks = (days + 6) // 7
    plays = {s: [0] * weeks for s in strategies}
    skips = {s: [0] * weeks for s in strategies}
    requests: dict[str, list[int]] = {s: [] for s in strategies}
    kinds: dict[str, dict[str, int]] = {s: {} for s in strategies}
    kind_skips: dict[str, dict[str, int]] = {s: {} for s in strategies}
    first = {s: [0, 0, 0] for s in strategies}  # plays, off-rule plays, households that heard one
    later = {s: [0, 0] for s in strategies}  # after the first hour: plays, off-rule plays
    groups: dict[str, dict[str, list[int]]] = {}  # a household's group -> strategy -> [plays, skips]
    members: dict[str, int] = {}
    explicit = dict.fromkeys(strategies, 0.0)
    labelling = dict.fromkeys(strategies, 0)
    part_sums: dict[str, dict[str, list[float]]] = {s: {} for s in strategies}
    for h in range(households):
        for strategy in strategies:
            house = make(h, seed, days)
            check_household(house, str(path))
            appeal = getattr(house, "appeal", None)
            if strategy in REFERENCES and not callable(appeal):
                raise HouseholdsFileError(f"{path}: {strategy} needs households with appeal(track, at, moment) "
                                          "(the protocol: docs/music-simulation.md)")
            if parts and not callable(getattr(house, "appeal_parts", None)):
                raise HouseholdsFileError(f"{path}: --parts needs households with appeal_parts(track, at, moment) "
                                          "(the protocol: docs/music-simulation.md)")
            player = make_player(strategy, house.catalog, config, random.Random(f"{seed}/{h}/{strategy}/choice"),
                                 genres, appeal)
            heard = play(house, player, genres, config, days, str(path), parts)
            for name, sums in heard["parts"].items():
                into = part_sums[strategy].setdefault(name, [0.0] * weeks)
                for w in range(weeks):
                    into[w] += sums[w]
            for w in range(weeks):
                plays[strategy][w] += heard["plays"][w]
                skips[strategy][w] += heard["skips"][w]
            requests[strategy] += heard["requests"]
            for kind, n in heard["kinds"].items():
                kinds[strategy][kind] = kinds[strategy].get(kind, 0) + n
            for kind, n in heard["kind_skips"].items():
                kind_skips[strategy][kind] = kind_skips[strategy].get(kind, 0) + n
            first[strategy][0] += heard["first_hour"]
            first[strategy][1] += heard["first_hour_offrule"]
            first[strategy][2] += heard["first_hour_offrule"] > 0
            later[strategy][0] += heard["later"]
            later[strategy][1] += heard["later_offrule"]
            explicit[strategy] += heard["explicit_with_child_s"]
            labelling[strategy] += heard["labelling"]
            group = getattr(house, "group", None)
            if group:
                counts = groups.setdefault(str(group), {}).setdefault(strategy, [0, 0])
                members[str(group)] = members.get(str(group), 0) + (strategy == strategies[0])
                counts[0] += sum(heard["plays"])
                counts[1] += sum(heard["skips"])
    rates = {s: [round(skips[s][w] / plays[s][w], 4) if plays[s][w] else None for w in range(weeks)]
             for s in strategies}
    result = {"households_file": str(path), "households": households, "days": days, "seed": seed,
              "weeks": list(range(1, weeks + 1)), "plays": plays, "skip_rate": rates,
              "offrule_first_hour": {s: round(first[s][1] / first[s][0], 4) if first[s][0] else None
                                     for s in strategies},
              "offrule_first_hour_households": {s: first[s][2] for s in strategies},
              # the same share over every play after the first hour (no target: the household's own shelves may be of
              # any genre then)
              "offrule_after_first_hour": {s: round(later[s][1] / later[s][0], 4) if later[s][0] else None
                                           for s in strategies},
              "explicit_with_child_s": {s: round(explicit[s], 1) for s in strategies},
              "catalog_requests_per_decision": {s: request_summary(requests[s]) for s in strategies},
              "labelling_requests_per_household_day": {s: round(labelling[s] / max(1, households * days), 1)
                                                       for s in strategies},
              # the same spread over the decisions: what the labelling adds to each decision's own requests
              "labelling_requests_per_decision": {s: round(labelling[s] / max(1, len(requests[s])), 2)
                                                  for s in strategies},
              "played_by_source_kind": {s: dict(sorted(kinds[s].items(), key=lambda kv: (-kv[1], kv[0])))
                                        for s in strategies},
              # the whole run's skip rate of each strategy's plays by where they came from (the library's shelves,
              # the catalogue's searches): where its skips are
              "skip_rate_by_source_kind": {s: {k: round(kind_skips[s].get(k, 0) / n, 4)
                                               for k, n in sorted(kinds[s].items(), key=lambda kv: (-kv[1], kv[0]))}
                                           for s in strategies}}
    if parts:
        result["appeal_parts"] = {s: {name: [round(sums[w] / plays[s][w], 3) if plays[s][w] else None
                                             for w in range(weeks)] for name, sums in part_sums[s].items()}
                                  for s in strategies}
    if groups:  # households that say which group they belong to: the whole run's skip rate per group
        result["skip_rate_by_group"] = {g: {"households": members[g], **{
            s: round(c[1] / c[0], 4) if c[0] else None for s, c in by.items()}} for g, by in sorted(groups.items())}
    result["targets"] = targets(rates, result["offrule_first_hour"])
    return result


def targets(rates: dict, offrule: dict) -> dict:
    """Issue 21's targets for `learn`, against the better of the two library baselines, week by week."""
    if not {"learn", "shuffle_top", "library_rules"} <= set(rates):
        return {}
    out = {}
    best = [min(a, b) if a is not None and b is not None else None
            for a, b in zip(rates["shuffle_top"], rates["library_rules"], strict=True)]
    out["best_baseline"] = best
    if best and best[0] is not None:
        out["week1_learn_minus_best"] = round(rates["learn"][0] - best[0], 4)
        out["week1_met"] = out["week1_learn_minus_best"] <= WEEK1_SLACK
    if len(best) >= 4 and best[3]:
        out["week4_learn_over_best"] = round(rates["learn"][3] / best[3], 3)
        out["week4_met"] = out["week4_learn_over_best"] <= WEEK_TARGET
    if offrule.get("learn") is not None:
        out["offrule_first_hour_met"] = offrule["learn"] <= OFFRULE_TARGET
    return out


# ---------------------------------------------------------------- decision time


def bench(seed: int, repeats: int = 500, days: int = BENCH_DAYS) -> dict:
    """Milliseconds per policy decision (context + audience -> brief) and per whole decision with a warm cache
    (policy, sources, ranking by the learned tastes; no network), recorded in a state store on disk as the daemon
    records it, after `days` of a household's listening: a benchmark, never a test's verdict."""
    with tempfile.TemporaryDirectory(prefix="mirrorball-bench-") as folder, \
            StateStore(Path(folder) / "state.db") as store:
        return _bench(seed, repeats, days, store)


def _bench(seed: int, repeats: int, days: int, store: StateStore) -> dict:
    config = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))
    genres = RuleGenres(config)
    house = load_households(DEFAULT_HOUSEHOLDS)(0, seed, days)
    player = DirectorPlayer("learn", house.catalog, config, random.Random(seed), store)
    director = player.director
    play(house, player, genres, config, days, str(DEFAULT_HOUSEHOLDS))  # learned something
    contexts = []
    for m in load_households(DEFAULT_HOUSEHOLDS)(0, seed, days).moments():
        contexts.append((build_context(weather=m.weather, now=m.at, now_local=m.local, latitude=m.latitude,
                                       light=m.light, bands=config.weather.temperature,
                                       stale_after_hours=config.weather.stale_after_hours),
                         audience_of(m.ages, config, m.at), m.at))
    for _ in range(3):
        for ctx, aud, at in contexts:  # warm the candidate cache
            director.plan(ctx, aud, at)
    director.fetcher.budget = 0  # from here on cached answers only: policy, sources and ranking, no network
    brief_ms, plan_ms, plan_cpu_ms, requests = [], [], [], []
    for i in range(repeats):
        ctx, aud, at = contexts[i % len(contexts)]
        t0 = time.perf_counter()
        director.brief(ctx, aud)
        brief_ms.append((time.perf_counter() - t0) * 1000)
    # what the decisions write to the store, sized after the timing (serialising it twice would time the count)
    written: list = []
    set_json, add_decision = store.set_json, store.add_decision

    def counted_set(key, value):
        written.append(value)
        set_json(key, value)

    def counted_add(payload, at=None):
        written.append(payload)
        return add_decision(payload, at=at)
    store.set_json, store.add_decision = counted_set, counted_add
    start = max(at for _, _, at in contexts) + 3600
    for i in range(repeats):
        ctx, aud, _ = contexts[i % len(contexts)]
        director.played.forget()  # the same moments again: keep their tracks playable
        c0, t0 = time.thread_time(), time.perf_counter()
        decision = director.plan(ctx, aud, start + 60 * i)  # a decision a minute, the clock going forward
        plan_ms.append((time.perf_counter() - t0) * 1000)
        plan_cpu_ms.append((time.thread_time() - c0) * 1000)
        requests.append(decision.requests)

    def summary(xs):
        xs = sorted(xs)
        return {"mean": round(statistics.fmean(xs), 4), "p50": round(statistics.median(xs), 4),
                "p99": round(xs[int(0.99 * (len(xs) - 1))], 4), "max": round(xs[-1], 4), "n": len(xs)}

    # Wall time includes time the process waits for a CPU on a busy machine (and for the disk: each decision is
    # written to the store); CPU time is the decision's own cost.
    return {"policy_decision_ms": summary(brief_ms), "warm_decision_ms": summary(plan_ms),
            "warm_decision_cpu_ms": summary(plan_cpu_ms), "warm_decision_requests": max(requests), "target_ms": 5.0,
            "days_listened": days, "state_bytes_written_per_decision": round(sum(len(json.dumps(w)) for w in written) / repeats)}


def _table(result: dict, args) -> None:
    strategies = list(result["skip_rate"])
    print(f"{args.households_count} households from {result['households_file']}, {args.days} days, seed {args.seed} "
          f"({result['seconds']} s)")
    print("skip rate per week:")
    print("week  " + "".join(f"{s:>15}" for s in strategies))
    for w in range(len(result["weeks"])):
        print(f"{w + 1:>4}  " + "".join(f"{result['skip_rate'][s][w]:>15.1%}" for s in strategies))
    print("off-rule genre in the first hour: " + ", ".join(
        f"{s} {v:.1%}" for s, v in result["offrule_first_hour"].items() if v is not None))
    print("explicit seconds with a child present: " + ", ".join(
        f"{s} {v:g}" for s, v in result["explicit_with_child_s"].items()))
    t = result["targets"]
    if "week4_learn_over_best" in t:
        print(f"week 4: learn / better library baseline = {t['week4_learn_over_best']:.2f} (target <= {WEEK_TARGET}): "
              f"{'met' if t['week4_met'] else 'NOT met'}")
    if "week1_learn_minus_best" in t:
        print(f"week 1: learn - better library baseline = {t['week1_learn_minus_best']:+.3f} (target <= "
              f"{WEEK1_SLACK}): {'met' if t['week1_met'] else 'NOT met'}")
    if args.bench:
        b = result["timing"]
        print(f"policy decision: p50 {b['policy_decision_ms']['p50']} ms; whole decision with a warm cache: "
              f"p50 {b['warm_decision_ms']['p50']} ms, p99 {b['warm_decision_ms']['p99']} ms "
              f"(CPU time p50 {b['warm_decision_cpu_ms']['p50']} ms; {b['warm_decision_requests']} requests at most; "
              f"{b['state_bytes_written_per_decision']} bytes of state written per decision)")
    for s, named in result.get("appeal_parts", {}).items():
        print(f"{s}: mean appeal parts per week: " + "; ".join(
            f"{name} " + " / ".join("-" if v is None else f"{v:+.2f}" for v in means) for name, means in named.items()))
    r = result["catalog_requests_per_decision"]
    print("catalog requests per decision: " + ", ".join(f"{s} p50 {r[s]['p50']:g} p95 {r[s]['p95']:g}"
                                                        for s in strategies))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device.devtools.simulate", description=__doc__)
    parser.add_argument("--households", default=str(DEFAULT_HOUSEHOLDS), metavar="FILE.py",
                        help="a households file (docs/music-simulation.md); default: the project's own")
    parser.add_argument("--households-count", type=int, default=50, metavar="N")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strategies", default=",".join(STRATEGIES),
                        help=f"comma-separated, of {', '.join(STRATEGIES)}; and the references "
                             f"{', '.join(REFERENCES)} (households with appeal())")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--bench", action="store_true",
                        help=f"also time 500 warm decisions of a device that has listened {BENCH_DAYS} days, each "
                             "recorded in a state store on disk as the daemon records it")
    parser.add_argument("--parts", action="store_true",
                        help="also the mean of each of the households' appeal parts over each strategy's plays, per "
                             "week (households with appeal_parts())")
    args = parser.parse_args(argv)
    chosen = tuple(s for s in args.strategies.split(",") if s)
    unknown = [s for s in chosen if s not in STRATEGIES + REFERENCES]
    if unknown or not chosen:
        parser.error(f"--strategies: unknown {', '.join(unknown) or '(none given)'}; one of "
                     f"{', '.join(STRATEGIES + REFERENCES)}")
    t0 = time.perf_counter()
    try:
        result = simulate(args.households_count, args.days, args.seed, path=args.households, strategies=chosen,
                          parts=args.parts)
    except HouseholdsFileError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    seconds = round(time.perf_counter() - t0, 1)
    if args.bench:
        result["timing"] = bench(args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    result["seconds"] = seconds
    _table(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
