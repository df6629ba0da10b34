"""`mirrorball demo`: the real pipeline on replayed photos, with loopback Spotify and weather stand-ins."""

from __future__ import annotations

import json
import sys

HELP = "run the whole pipeline on real photos with loopback Spotify and weather stand-ins"


def add_arguments(parser) -> None:
    parser.add_argument("--seconds", type=float, default=40.0, help="how long to run (default 40)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of event lines")


def main(args) -> int:
    from device.devtools.demo import run_demo
    from device.runtime.logs import setup_logging

    setup_logging("info", stderr_level="warning")  # the demo prints its own event lines; warnings reach stderr
    echo = None if args.json else (lambda line: print(line, flush=True))
    result = run_demo(args.seconds, echo=echo)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2)
        print()
    else:
        print(f"\n{result.frames} frames, {result.faces} faces, {len(result.decisions)} decisions, "
              f"{len(result.feedback)} feedback events, {len(result.spotify_requests)} Spotify requests, "
              f"{len(result.errors)} errors")
        r = result.catalog_requests
        played = sum(1 for d in result.decisions if d["played"])
        print(f"catalog requests per decision: p50 {r['p50']}, p95 {r['p95']}, max {r['max']} (budget {r['budget']}); "
              f"{played} of {len(result.decisions)} decisions played something")
    return 1 if result.errors else 0
