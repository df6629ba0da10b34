"""The second households file (device/devtools/households_routines.py), written apart from the learner: it runs through
the simulation's command line, gives the same JSON twice, answers within the protocol, and imports nothing of
device.music."""

import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from device.core.values import Track
from device.devtools.households_protocol import Moment, Reaction, load_households

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "device" / "devtools" / "households_routines.py"
MODULES = [FILE, FILE.with_name("routines_people.py"), FILE.with_name("routines_world.py")]  # the file and its parts


def test_runs_through_the_command_line_and_gives_the_same_json_twice():
    command = [sys.executable, "-m", "device.devtools.simulate", "--households", str(FILE), "--households-count", "2",
               "--days", "5", "--seed", "3", "--json", "--parts", "--strategies", "rules,shuffle_top,learn,best_library"]
    outs = [subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1]
    result = json.loads(outs[0])
    assert set(result["skip_rate"]) == {"rules", "shuffle_top", "learn", "best_library"}
    assert all(0 <= r < 1 for rates in result["skip_rate"].values() for r in rates)
    assert all(n > 0 for plays in result["plays"].values() for n in plays)
    assert set(result["appeal_parts"]["learn"]) == {"taste", "mood", "company", "exposure", "flow"}
    assert result["skip_rate_by_group"]


def _library(house):
    return [t for offset in range(0, 200, 50) for t in house.catalog.saved_tracks(offset=offset, limit=50)]


def test_households_answer_within_the_protocol_and_press_sparingly():
    make = load_households(FILE)
    presses = {"nothing": 0, "skip": 0, "like": 0}
    early = 0
    for index in range(3):
        house, again = make(index, 7, 6), make(index, 7, 6)
        assert house.group in {"family", "couple", "solo", "flatshare", "retirees"}
        last_at, library, played = 0.0, _library(house), 0
        for moment, same in zip(house.moments(), again.moments(), strict=True):
            assert isinstance(moment, Moment) and moment == same and moment.at > last_at
            assert moment.tracks >= 1 and moment.ages and moment.light in ("bright", "dim", "dark")
            last_at = moment.at
            for k in range(moment.tracks):  # the library in turn, as a shuffle would
                track, at, played = library[played % len(library)], moment.at + 200 * k, played + 1
                parts = house.appeal_parts(track, at, moment)
                assert all(math.isfinite(v) for v in parts.values())
                assert math.isclose(sum(parts.values()), house.appeal(track, at, moment))
                reaction = house.hears(track, at, moment)
                assert isinstance(reaction, Reaction) and reaction == again.hears(track, at, moment)
                assert 0 <= reaction.at_s < track.duration_ms / 1000
                presses[reaction.kind] += 1
                early += reaction.kind == "skip" and reaction.at_s < 30
            assert house.catalog.recently_played(limit=50) == again.catalog.recently_played(limit=50)
        assert house.genres_of(house.catalog.top_tracks(limit=1)[0].uri)
    total = sum(presses.values())
    assert total > 50
    assert presses["nothing"] > total / 2  # most tracks get no press
    assert presses["like"] < total / 10  # likes are rare
    assert early >= presses["skip"] / 2  # skips come mostly early


def test_an_unknown_track_is_heard_without_error():
    house = load_households(FILE)(0, 1, 2)
    moment = next(iter(house.moments()))
    reaction = house.hears(Track("spotify:track:nowhere", "?", duration_ms=100_000), moment.at, moment)
    assert reaction.kind in ("nothing", "skip", "like") and reaction.at_s < 100


def test_imports_nothing_of_the_music_core():
    trees = [ast.parse(path.read_text()) for path in MODULES]
    imported = {node.module for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    ours = {m for m in imported if m.startswith("device")}
    assert ours <= {"device.core.catalog", "device.core.values", "device.devtools.households_protocol",
                    "device.devtools.memory_catalog", "device.devtools.messy_world", "device.devtools.routines_people",
                    "device.devtools.routines_world"}, ours
    code = ("import sys; from device.devtools.households_protocol import load_households; "
            f"h = load_households({str(FILE)!r})(0, 1, 3); [m for m in h.moments()]; "
            "print([m for m in sys.modules if m.startswith('device.music')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
