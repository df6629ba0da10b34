"""`mirrorball why` and `mirrorball stats` over a scripted day recorded by the real director."""

import json
import random
import re
from datetime import datetime

import pytest
from music_fakes import small_catalog

from device.cli import main as cli
from device.config.schema import Config, DaemonConfig, WeatherConfig
from device.core.feedback import Action, judge
from device.core.state import StateStore
from device.core.values import Audience, Listener, WeatherReading
from device.music.context import build_context
from device.music.director import MusicDirector

T0 = datetime(2026, 1, 12, 7, 30).timestamp()


def scripted_day(state_dir):
    """Morning: one adult, rain. Evening: cold, the adult likes jazz, skips pop (mostly early, every fifth one after
    a listen), a child joins later. Every pick starts as it is planned."""
    config = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1), daemon=DaemonConfig(state_dir=str(state_dir)))
    adult = Listener(1, "40-49", 45.0, T0)
    child = Listener(2, "0-12", 7.0, T0)
    with StateStore(state_dir / "state.db", clock=lambda: T0) as store:
        catalog = small_catalog(per_genre=200)
        director = MusicDirector(config, catalog, store, random.Random(5))

        def moment(hour, code, temp, audience, light="bright"):
            local = datetime(2026, 1, 12, hour, 0)
            now = local.timestamp()
            weather = WeatherReading(at=now - 600, temperature_c=temp, weather_code=code, is_day=7 < hour < 17)
            ctx = build_context(weather=weather, now=now, now_local=local, latitude=52.1, light=light,
                                bands=config.weather.temperature, stale_after_hours=3)
            return ctx, Audience(tuple(audience), now), now

        def plan(ctx, aud, at, n=1):
            tracks = director.plan(ctx, aud, at, n=n).tracks
            for track in tracks:
                director.played.mark(track.uri, at)
            return tracks

        def react(track, action, at, played_s):
            director.feedback(track, judge(action, played_s, config.music.skip_dislike_s), at, played_s=played_s)

        ctx, aud, now = moment(8, 61, 6.0, [adult])
        for track in plan(ctx, aud, now, n=3):
            react(track, Action.END, now + 200, 200)
        ctx, aud, now = moment(19, 3, 2.0, [adult], light="dim")
        for i in range(40):
            track = plan(ctx, aud, now + i * 200)[0]
            if catalog.genres_of(track.uri) == ("jazz",):
                react(track, Action.LIKE if i % 2 else Action.END, now + i * 200 + 100, 100)
            else:
                played_s = 90 if i % 5 == 0 else 8
                react(track, Action.SKIP, now + i * 200 + played_s, played_s)
        ctx, aud, now = moment(20, 3, 1.5, [adult, child], light="dim")
        last = director.plan(ctx, aud, now + 9000, n=2)
    return config, last


def write_config(tmp_path, config):
    path = tmp_path / "mirrorball.yaml"
    path.write_text(f"weather:\n  latitude: 52.1\n  longitude: 5.1\ndaemon:\n  state_dir: {config.daemon.state_dir}\n")
    return path


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The scripted day, recorded once: (state dir, config file, the last decision)."""
    state_dir = tmp_path_factory.mktemp("day")
    config, last = scripted_day(state_dir)
    return state_dir, write_config(state_dir, config), last


def test_why_explains_the_last_choice_in_sentences(day, capsys):
    _, path, _ = day
    assert cli(["--config", str(path), "why"]) == 0
    out = capsys.readouterr().out
    assert "Listeners: 2 — one 40-49 (about 45), one 0-12 (about 7)." in out
    assert "Weather: overcast, 2°C (cold), dark outside; reading 10 min ago." in out
    assert "Time: evening, winter; room light dim." in out
    assert "Rules that fired: 'children present: family', 'cold: warm jazz', 'grey sky: mellow indie'." in out
    assert "era 1995-2005" in out
    assert "A child is listening: family-safe, no explicit tracks." in out
    assert "Picked: '" in out
    assert "What this household keeps in cold evenings:" not in out  # a new context: with a child now
    assert out.count("Picked:") == 2


def test_why_shows_learned_evidence_for_the_evening(day, capsys):
    _, path, _ = day
    assert cli(["--config", str(path), "why", "-n", "2"]) == 0
    out = capsys.readouterr().out
    # the second-to-last decision is the adults-only evening, where jazz was kept and the rest skipped
    assert "What this household keeps in cold evenings:" in out
    # where jazz was kept (the household's playlists hold it): the most kept source first, liked, hardly skipped early
    # (which other tracks of the household's shelves the draws bring moves with them: none or one skipped early)
    lines = out.splitlines()
    kept = lines[lines.index("What this household keeps in cold evenings:") + 1]
    likes = int(re.search(r"(\d+) likes?", kept).group(1))
    early = int(re.search(r"(\d+) early skips?", kept).group(1))
    assert likes >= 10 and early <= 1, kept
    assert any("likes" in line and line.strip().endswith("for jazz on cold days") for line in lines)
    assert any("skip" in line and line.strip().split(":")[0] != "jazz" for line in out.splitlines()
               if line.startswith("  ") and ":" in line)


def test_why_json_and_no_state(day, tmp_path, capsys):
    _, path, last = day
    assert cli(["--config", str(path), "why", "--json"]) == 0
    (recorded,) = json.loads(capsys.readouterr().out)
    assert recorded["id"] == last.id and recorded["brief"]["family_safe"]
    empty = tmp_path / "empty.yaml"
    empty.write_text(f"daemon:\n  state_dir: {tmp_path / 'nothing'}\n")
    assert cli(["--config", str(empty), "why"]) == 1
    assert "nothing recorded yet" in capsys.readouterr().err


def test_stats_tallies_per_context_and_source(day, capsys):
    state_dir, path, _ = day
    with StateStore(state_dir / "state.db") as store:
        events = store.events("feedback")
    kinds = [e.payload["kind"] for e in events]
    assert cli(["--config", str(path), "stats"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0].strip(): line.split() for line in out.splitlines()[1:] if not line.startswith("-")}
    evening = rows["cold evenings"]
    assert int(evening[-6]) == 40  # tracks
    assert int(rows["all"][-6]) == len(kinds) == 43
    assert out.splitlines()[0].split()[-6:] == ["early", "skips", "late", "skips", "skip", "rate"]
    assert int(rows["all"][-3]) == kinds.count("early_skip") > 0
    assert int(rows["all"][-2]) == kinds.count("late_skip") > 0  # a late skip is no dislike, shown apart
    assert rows["cold mornings"][-5:-2] == ["0", "3", "0"]
    assert cli(["--config", str(path), "stats", "--by", "source"]) == 0
    out = capsys.readouterr().out
    # the household's own playlists join once `genre:` searches have labelled their artists with a genre the rules
    # suggest (the liked jazz among them); every other source is a search for a suggested genre
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:] if not line.startswith("-")}
    assert int(rows["my_playlists"][-1].rstrip("%")) < int(rows["all"][-1].rstrip("%"))
    assert all(k.startswith(("genre:", "artists:", "my_playlists", "saved", "recent", "top", "all")) for k in rows)


def test_stats_per_artist_genre_and_decade_with_what_was_learned(day, capsys):
    _, path, _ = day
    assert cli(["--config", str(path), "stats", "--by", "genre"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("genre ")
    jazz = next(line for line in out.splitlines() if line.startswith("jazz "))
    tracks, likes, played, skips = map(int, jazz.split()[1:5])
    assert tracks >= 5 and likes + played > skips  # genre:jazz was kept, jazz artists' albums skipped
    assert "learned per genre" in out
    learned_jazz = next(line for line in out.splitlines() if line.strip().startswith("jazz: lean +"))
    assert "early skips" in learned_jazz and "late skips" in learned_jazz
    assert cli(["--config", str(path), "stats", "--by", "decade"]) == 0
    assert "learned per decade" in capsys.readouterr().out
    assert cli(["--config", str(path), "stats", "--by", "artist"]) == 0
    out = capsys.readouterr().out
    assert "jazz band" in out and "learned per artist" in out


def test_why_says_what_was_learned_in_plain_words(day, capsys):
    _, path, _ = day
    assert cli(["--config", str(path), "why", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "What it learned about artists, genres and decades at moments like this:" in out
    import re
    learned = out.split("What it learned about artists, genres and decades at moments like this:\n")[1]
    lines = []
    for line in learned.splitlines():
        if not line.startswith("  "):
            break
        lines.append(line.strip())
    kind = r"\d+ (likes?|play-throughs?|early skips?|late skips?)"
    assert lines and all(re.fullmatch(kind + f"(, {kind})*" + r" for .+ (on cold evenings|in the evening|"
                                      r"on cold days|with adults|with children)", line) for line in lines), lines
    assert len({line.split(" for ", 1)[1].rsplit(" ", 2)[0] for line in lines}) == len(lines)  # one line each


def test_why_sentences_for_nobody_and_stale_weather():
    from dataclasses import asdict

    from device.commands.why import explain
    from device.config.schema import MusicConfig
    from device.music.context import Context
    from device.music.policy import decide

    ctx = Context(time_of_day="unknown", weather_age_s=4 * 3600.0)
    brief = decide(ctx, Audience(), Config(music=MusicConfig(idle="fade_out", pause_after_minutes=5)))
    payload = {"strategy": "rules", "context": asdict(ctx), "brief": brief.to_dict(), "levels": [], "picks": [],
               "catalog_error": "Spotify is unreachable (timeout)"}
    lines = explain(payload, T0, T0 + 120)
    assert "Listeners: nobody present; idle behaviour: fade out after 5 minutes." in lines
    assert "Weather: unknown (last reading 4 h ago, too old to use); the rules ran without it." in lines
    assert "Time: unknown (clock not synchronised)." in lines
    assert "Rule that fired: 'anything else: feel-good'." in lines
    assert "Nothing playable was found: Spotify is unreachable (timeout)." in lines
    assert lines[0].endswith("(2 min ago), strategy: rules.")


@pytest.mark.parametrize("at", [1e20, float("inf"), float("nan"), "noon", None])
def test_why_with_a_decision_time_that_is_no_time(at):
    """The decision's `at` is read back from the state store: datetime.fromtimestamp raised on 1e20 (year out of
    range), NaN and infinities, and TypeError on text."""
    from device.commands.why import explain

    lines = explain({"strategy": "rules", "picks": []}, at, T0)
    assert lines[0] == "Choice of an unknown time, strategy: rules."


def test_why_reads_an_earlier_versions_decision_through_the_typed_record():
    """A version-1 decision (no "version", a pick that says only whether the rules suggested it, a brief without the
    volume or the safe reason) reads as the typed decision record: what it lacks is left unsaid, not printed as None."""
    from device.commands.why import explain

    payload = {"strategy": "rules", "levels": ["rainy|evening|adults"],
               "context": {"condition": "rain", "temperature": "cold", "temperature_c": 4.2, "time_of_day": "evening",
                           "retired_field": 1},
               "brief": {"listeners": [["adult", 41.0]], "rules": ["rainy: chill and acoustic"], "moods": ["chill"],
                         "genres": ["chill", "jazz"], "family_safe": True},
               "picks": [{"uri": "spotify:track:1", "name": "Blue in Green", "artists": ["Bill Evans"],
                          "arm": "genre:jazz", "label": "jazz", "suggested": True, "genre": "jazz"}]}
    lines = explain(payload, T0, T0 + 60)
    said = {"Listeners: 1 — one adult (about 41).", "Weather: rain, 4°C (cold).",
            "So the brief was: moods chill; also genres jazz.", "A child is listening: family-safe, no explicit tracks.",
            "Picked: 'Blue in Green' by Bill Evans, from jazz."}
    assert said <= set(lines), lines
    assert not any("None" in line or line.startswith("Volume") for line in lines), lines


def test_why_says_a_damaged_decision_cannot_be_read_and_explains_the_others(tmp_path, capsys):
    import argparse

    from device.commands import why
    from device.core.state import StateStore

    (tmp_path / "config.yaml").write_text(f"daemon:\n  state_dir: {tmp_path}\n")
    with StateStore(tmp_path / "state.db") as store:
        store.add_decision({"strategy": "rules", "picks": []}, at=T0)
        store.add_decision({"strategy": "rules", "picks": [{"name": "no uri"}], "catalog_requests": "many"}, at=T0 + 60)
    assert why.main(argparse.Namespace(config=str(tmp_path / "config.yaml"), count=2, json=False)) == 0
    out = capsys.readouterr().out
    assert "recorded in a form this version cannot read" in out and "strategy: rules." in out, out


def test_why_with_a_decision_from_the_future():
    from device.commands.why import explain

    assert explain({"strategy": "rules", "picks": []}, T0 + 3600, T0)[0] == \
        "Choice of 2026-01-12 08:30 (just now), strategy: rules."


def test_why_says_when_and_why_the_music_was_made_family_safe(tmp_path, capsys):
    import argparse
    import re

    from device.commands import why
    from device.core.state import StateStore

    (tmp_path / "config.yaml").write_text(f"daemon:\n  state_dir: {tmp_path}\n")
    with StateStore(tmp_path / "state.db") as store:
        store.add_decision({"strategy": "rules", "brief": {"family_safe": True, "safe_reason": "a child is listening"},
                            "picks": []}, at=T0)
        store.add_event("family_safe", {"why": "a child is listening: listener 2 (p(under 13) 0.91, age 6)",
                                        "done": "replaced 2 explicit tracks ('A' by X, 'B' by Y)"}, at=T0 + 1)
    assert why.main(argparse.Namespace(config=str(tmp_path / "config.yaml"), count=1, json=False)) == 0
    out = capsys.readouterr().out
    assert "A child is listening: family-safe, no explicit tracks." in out
    assert re.search(r"Made family-safe at .+: a child is listening: listener 2 \(p\(under 13\) 0.91, age 6\); "
                     r"replaced 2 explicit tracks \('A' by X, 'B' by Y\)\.", out), out
