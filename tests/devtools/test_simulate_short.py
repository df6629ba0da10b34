"""A short household simulation through the real policy, sources and learners: structure, budget, learning."""

import json

from device.devtools import simulate


def test_short_run_learns_and_keeps_the_request_budget():
    result = simulate.simulate(households=3, days=14, seed=1)
    assert result["weeks"] == [1, 2]
    assert set(result["skip_rate"]) == {"random", "rules", "source_learner", "learn"}
    plays = result["plays"]
    assert plays["random"] == plays["rules"] == plays["learn"] and all(n > 50 for n in plays["learn"])
    rates = result["skip_rate"]
    assert all(0 < r < 1 for s in rates.values() for r in s)
    assert rates["learn"][1] < rates["rules"][1]  # two weeks in, the learner keeps more than the rules
    for strategy, figures in result["catalog_requests_per_decision"].items():
        assert figures["max"] <= 12, strategy


def test_same_seed_same_figures():
    assert simulate.simulate(households=1, days=7, seed=4) == simulate.simulate(households=1, days=7, seed=4)


def test_command_prints_json_with_timing(capsys):
    assert simulate.main(["--households", "1", "--days", "7", "--seed", "3", "--json", "--bench"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["households"] == 1 and len(out["skip_rate"]["learn"]) == 1
    timing = out["timing"]  # figures for a benchmark; their size is no test's verdict
    assert timing["warm_decision_ms"]["n"] == 500 and timing["target_ms"] == 5.0
    assert timing["warm_decision_requests"] == 0  # warm: no network at all


def test_command_prints_a_table(capsys):
    assert simulate.main(["--households", "1", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "skip rate per week:" in out and "source_learner" in out and "catalog requests per decision" in out


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
