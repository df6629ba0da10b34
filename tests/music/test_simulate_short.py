"""A short household simulation through the real policy and learner: structure, and learning beats the rules."""

import json

from device import simulate


def test_learning_beats_rules_and_never_starts_worse():
    result = simulate.simulate(households=6, days=14, seed=1)
    assert result["weeks"] == [1, 2]
    assert set(result["skip_rate"]) == {"random", "rules", "learn"}
    plays = result["plays"]
    assert plays["random"] == plays["rules"] == plays["learn"] and all(n > 100 for n in plays["learn"])
    rates = result["skip_rate"]
    assert all(0 < r < 1 for s in rates.values() for r in s)
    assert rates["learn"][0] <= rates["rules"][0]
    assert rates["learn"][1] <= 0.8 * rates["rules"][1]
    assert rates["learn"][1] < rates["learn"][0]  # it keeps improving
    assert result["target_week1_met"] is True


def test_same_seed_same_figures():
    assert simulate.simulate(households=2, days=7, seed=4) == simulate.simulate(households=2, days=7, seed=4)


def test_command_prints_json_with_timing(capsys):
    assert simulate.main(["--households", "2", "--days", "7", "--seed", "3", "--json", "--bench"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["households"] == 2 and len(out["skip_rate"]["learn"]) == 1
    timing = out["timing"]
    assert timing["policy_decision_ms"]["n"] == 2000 and timing["target_ms"] == 5.0
    assert timing["policy_decision_ms"]["p50"] < 5.0
    assert timing["policy_decision_cpu_ms"]["p99"] < 5.0


def test_command_prints_a_table(capsys):
    assert simulate.main(["--households", "1", "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert "skip rate per week:" in out and "random   rules   learn" in out


def test_demo_catalog_serves_the_default_rules():
    import random

    from device.config.schema import Config
    from device.music.context import Context
    from device.music.director import MusicDirector
    from device.values import Audience, Listener

    director = MusicDirector(Config(), simulate.demo_catalog(), None, random.Random(1), strategy="rules")
    rainy = Context(condition="rain", temperature="cold", time_of_day="evening", year=2026)
    decision = director.plan(rainy, Audience((Listener(1, "30-39", 35.0, 0.0),)), 1_767_000_000.0, n=3)
    assert len(decision.tracks) == 3 and all(p.suggested for p in decision.picks)
