"""Short household simulations through the real policy, sources and learners, next to the skeptic baselines; the
households protocol, with the minimal example docs/music-simulation.md documents."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from device.devtools import simulate
from device.devtools.baselines import STRATEGIES
from device.devtools.households_protocol import HouseholdsFileError

ROOT = Path(__file__).resolve().parents[2]


def _doc_example(tmp_path) -> Path:
    text = (ROOT / "docs" / "music-simulation.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def make_household" in b]
    assert len(blocks) == 1, "docs/music-simulation.md holds one households example"
    path = tmp_path / "minimal_households.py"
    path.write_text(blocks[0])
    return path


def len_decisions(result, strategy):
    return result["catalog_requests_per_decision"][strategy]["decisions"]


def test_short_run_has_every_strategy_and_figure():
    result = simulate.simulate(households=2, days=9, seed=1)
    assert result["weeks"] == [1, 2]
    assert tuple(result["skip_rate"]) == STRATEGIES
    assert {"random", "rules", "shuffle_top", "library_rules", "source_learner", "learn"} == set(STRATEGIES)
    assert all(n > 10 for plays in result["plays"].values() for n in plays)
    assert all(0 <= r < 1 for s in result["skip_rate"].values() for r in s)
    assert set(result["offrule_first_hour"]) == set(STRATEGIES)
    assert all(0 <= v <= 1 for v in result["offrule_first_hour"].values())
    assert set(result["offrule_after_first_hour"]) == set(STRATEGIES)
    assert all(0 <= v <= 1 for v in result["offrule_after_first_hour"].values())
    assert set(result["explicit_with_child_s"]) == set(STRATEGIES)
    # labelling happens between decisions (the conductor's), counted apart and spread over the decisions too
    assert result["labelling_requests_per_decision"]["learn"] == pytest.approx(
        result["labelling_requests_per_household_day"]["learn"] * 2 * 9 / len_decisions(result, "learn"), rel=0.06)
    for strategy in ("random", "rules", "source_learner", "learn"):  # the daemon's own budget
        assert result["catalog_requests_per_decision"][strategy]["max"] <= 12, strategy
    assert result["played_by_source_kind"]["shuffle_top"] == {"top": sum(result["plays"]["shuffle_top"])}
    # the skip rate by source: shuffle_top's all come from the top tracks, so its one rate is the whole run's
    skipped = sum(r * n for r, n in zip(result["skip_rate"]["shuffle_top"], result["plays"]["shuffle_top"]))
    assert result["skip_rate_by_source_kind"]["shuffle_top"]["top"] == pytest.approx(
        skipped / sum(result["plays"]["shuffle_top"]), abs=1e-3)
    for strategy, by_kind in result["skip_rate_by_source_kind"].items():
        assert set(by_kind) == set(result["played_by_source_kind"][strategy])
        assert all(0 <= r <= 1 for r in by_kind.values())
    targets = result["targets"]
    assert targets["best_baseline"][0] == min(result["skip_rate"]["shuffle_top"][0],
                                              result["skip_rate"]["library_rules"][0])
    assert targets["week1_met"] == (targets["week1_learn_minus_best"] <= 0.02)


def test_same_seed_same_json_in_two_processes():
    command = [sys.executable, "-m", "device.devtools.simulate", "--households-count", "1", "--days", "4",
               "--seed", "4", "--json", "--strategies", "rules,library_rules,learn"]
    outs = [subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] and json.loads(outs[0])["skip_rate"]["learn"]


def test_command_prints_json_with_timing(capsys):
    assert simulate.main(["--households-count", "1", "--days", "7", "--seed", "3", "--json", "--bench",
                          "--strategies", "learn"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["households"] == 1 and len(out["skip_rate"]["learn"]) == 1
    timing = out["timing"]  # figures for a benchmark; their size is no test's verdict
    assert timing["warm_decision_ms"]["n"] == 500 and timing["target_ms"] == 5.0
    assert timing["warm_decision_requests"] == 0  # warm: no network at all


def test_command_prints_a_table(capsys):
    assert simulate.main(["--households-count", "1", "--days", "7", "--strategies", "rules,shuffle_top"]) == 0
    out = capsys.readouterr().out
    assert "skip rate per week:" in out and "shuffle_top" in out and "catalog requests per decision" in out


def test_references_know_the_hidden_appeal_and_ask_for_it(tmp_path):
    result = simulate.simulate(3, 7, 1, strategies=("shuffle_top", "best_top", "best_library"))
    rates = {s: r[0] for s, r in result["skip_rate"].items()}
    # the best of the top tracks by the household's own appeal is skipped less than the same tracks shuffled, and
    # the best of the whole library less again: how low skips could go, next to what the strategies reach
    assert rates["best_library"] < rates["best_top"] < rates["shuffle_top"]
    assert result["plays"]["best_library"] == result["plays"]["shuffle_top"]
    path = _doc_example(tmp_path)  # the minimal example has no appeal(): a reference cannot run on it
    with pytest.raises(HouseholdsFileError, match=re.escape(str(path)) + ".*best_top needs households with appeal"):
        simulate.simulate(1, 2, 1, path=path, strategies=("best_top",))


def test_appeal_parts_show_where_each_strategys_plays_stand(tmp_path):
    result = simulate.simulate(3, 7, 1, strategies=("shuffle_top", "best_top"), parts=True)
    parts = result["appeal_parts"]
    assert set(parts["best_top"]) == set(parts["shuffle_top"]) == {"recording", "moment", "tiring", "artist_tiring"}
    # the best of the top tracks by the hidden appeal are its better-liked recordings and fit the moment better
    # than the same tracks shuffled; tiring only ever takes away
    assert parts["best_top"]["recording"][0] > parts["shuffle_top"]["recording"][0]
    assert parts["best_top"]["moment"][0] > parts["shuffle_top"]["moment"][0]
    assert max(parts["shuffle_top"]["tiring"][0], parts["best_top"]["artist_tiring"][0]) <= 0
    assert "appeal_parts" not in simulate.simulate(1, 2, 1, strategies=("shuffle_top",))
    path = _doc_example(tmp_path)  # the minimal example has no appeal_parts()
    with pytest.raises(HouseholdsFileError, match=re.escape(str(path)) + ".*--parts needs households with"):
        simulate.simulate(1, 2, 1, path=path, strategies=("shuffle_top",), parts=True)
    path.write_text(path.read_text() + "\nHousehold.appeal_parts = lambda self, track, at, moment: {'x': float('nan')}\n")
    with pytest.raises(HouseholdsFileError, match=re.escape(str(path)) + ".*appeal_parts.. must give names and finite"):
        simulate.simulate(1, 2, 1, path=path, strategies=("shuffle_top",), parts=True)


def test_unknown_strategy_is_refused(capsys):
    with pytest.raises(SystemExit):
        simulate.main(["--strategies", "rules,oracle"])
    assert "unknown oracle" in capsys.readouterr().err


def test_the_documented_example_runs_through_the_protocol(tmp_path, capsys):
    path = _doc_example(tmp_path)
    assert simulate.main(["--households", str(path), "--households-count", "2", "--days", "6", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["households_file"] == str(path) and set(out["skip_rate"]) == set(STRATEGIES)
    # its listeners skip rock and nothing else: shuffling the saved tracks (a quarter of them rock) skips some
    assert out["skip_rate"]["shuffle_top"][0] > 0
    assert out["plays"]["learn"] == [60]  # 2 households x 6 evenings x 5 tracks


def test_a_file_without_make_household_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("households = []\n")
    assert simulate.main(["--households", str(bad), "--households-count", "1", "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "make_household(index, seed, days)" in err


def test_a_household_that_answers_outside_the_protocol_is_named(tmp_path):
    path = _doc_example(tmp_path)
    text = path.read_text().replace('return Reaction("nothing")', 'return "fine"')
    path.write_text(text)
    with pytest.raises(HouseholdsFileError, match=re.escape(str(path)) + ".*not a protocol Reaction"):
        simulate.simulate(1, 2, 1, path=path, strategies=("rules",))


def test_households_never_load_the_devices_music_code():
    code = ("import sys, device.devtools.households as h; h.make_household(0, 1, 2); "
            "print(sorted(m for m in sys.modules if m.startswith('device.music')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_households_hear_a_track_not_where_the_device_found_it(tmp_path):
    """The device's picks carry their source (a query, a shelf) for `why`; a household hears only the track."""
    path = tmp_path / "spy_households.py"
    path.write_text(
        "from device.devtools.households import make_household as make\n"
        "def make_household(index, seed, days):\n"
        "    house = make(index, seed, days)\n"
        "    hears = house.hears\n"
        "    def spy(track, at, moment):\n"
        "        assert track.source == '', f'a household was told where the track came from: {track.source}'\n"
        "        return hears(track, at, moment)\n"
        "    house.hears = spy\n"
        "    return house\n")
    result = simulate.simulate(1, 2, 1, path=path, strategies=("rules", "learn"))
    assert all(sum(plays) > 5 for plays in result["plays"].values())


def test_demo_catalog_serves_the_default_rules():
    import random

    from device.config.schema import Config
    from device.core.values import Audience, Listener
    from device.music.context import Context
    from device.music.director import MusicDirector

    director = MusicDirector(Config(), simulate.demo_catalog(), None, random.Random(1), strategy="rules")
    rainy = Context(condition="rain", temperature="cold", time_of_day="evening", year=2026)
    decision = director.plan(rainy, Audience((Listener(1, "30-39", 35.0, 0.0),)), 1_767_000_000.0, n=3)
    assert len(decision.tracks) == 3 and all(p.suggested for p in decision.picks)


class _Explicit:
    """A player that plays one explicit track, whatever the brief says."""

    def __init__(self, track):
        self.track = track

    def choose(self, context, audience, now, brief, moment=None):
        from device.devtools.baselines import Chosen

        return Chosen(self.track, "test"), 0

    def feedback(self, track, reaction, at, played_s):
        pass


def test_explicit_seconds_with_a_child_and_off_rule_plays_are_counted_at_the_speaker(tmp_path):
    import importlib.util
    from dataclasses import replace

    from device.config.schema import Config, WeatherConfig
    from device.devtools.baselines import RuleGenres

    spec = importlib.util.spec_from_file_location("doc_households", _doc_example(tmp_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    house = module.make_household(0, 1, 2)
    rock = replace(module.TRACKS[-1].track, explicit=True)  # the example skips rock at second 8
    kids = [replace(m, ages=(35.0, 6.0)) for m in house.moments()]
    house.moments = lambda: iter(kids)
    config = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))
    genres = RuleGenres(config)
    out = simulate.play(house, _Explicit(rock), genres, config, 2, "example")
    assert out["explicit_with_child_s"] == 8.0 * 10 and out["skips"] == [10]
    # a cold evening's rules name jazz and soul, not rock; rock is the feel-good fallback's, so off-rule here
    assert "rock" in genres.every and out["first_hour"] == 10 and out["first_hour_offrule"] == 10
