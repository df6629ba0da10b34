"""Learner and director: updates, Thompson choice, dislike blocks, no repeats, persistence, candidates and caching."""

import json
import random

import pytest
from music_director import ADULT, COLD_EVENING, DAY, FAMILY, LEVELS, T0, director, plan, skip
from music_fakes import FlakyCatalog, small_catalog

from device.config.schema import Config, MusicConfig, NamedPlaylist, RuleWhen
from device.core.feedback import Action, Feedback, judge
from device.core.history import PlayHistory
from device.core.state import StateStore
from device.music.candidates import CandidateFetcher
from device.music.context import Context
from device.music.learner import Learner, describe_level


def test_feedback_updates_every_level_and_remembers_tracks():
    learner = Learner()
    learner.update(LEVELS, "genre:jazz", "like", "u1", T0, name="Blue")
    learner.update(LEVELS, "genre:jazz", "play_through", "u2", T0)
    learner.update(LEVELS, "genre:jazz", "early_skip", "u3", T0)
    learner.update(LEVELS, "genre:jazz", "late_skip", "u5", T0)
    for level in LEVELS:
        t = learner.tally(level, "genre:jazz")
        assert (t.likes, t.plays, t.dislikes, t.late) == (1, 1, 1, 1)
    assert learner.liked["u1"]["name"] == "Blue"
    # a late skip is counted apart and adds nothing to the source's posterior
    assert learner.posterior(LEVELS, "genre:jazz", "rules") == pytest.approx((2 + 1.75 * 1.8, 1 + 1.75 * 1.2))
    assert learner.tally(LEVELS[0], "genre:jazz").describe() == "1 like, 1 play-through, 1 early skip, 1 late skip"
    with pytest.raises(ValueError):
        learner.update(LEVELS, "genre:jazz", "meh", "u4", T0)


def test_thompson_ranking_follows_the_evidence_and_shares_it_across_close_contexts():
    learner = Learner()
    for i in range(10):
        learner.update(LEVELS, "genre:jazz", "like", f"j{i}", T0)
        learner.update(LEVELS, "genre:pop", Feedback.EARLY_SKIP, f"p{i}", T0)
    rng = random.Random(1)
    arms = [("genre:pop", "rules"), ("genre:jazz", "evidence"), ("genre:rock", "evidence")]
    firsts = [learner.rank(LEVELS, arms, rng)[0][0] for _ in range(200)]
    assert firsts.count("genre:jazz") > 180
    mild = ("mild|evening|adults", "evening|adults", "*")  # never seen, but the evening evidence carries over
    firsts = [learner.rank(mild, arms, rng)[0][0] for _ in range(200)]
    assert firsts.count("genre:jazz") > 150
    assert describe_level(LEVELS[0]) == "cold evenings" and describe_level("unknown|night|family") == \
        "nights with children"


def test_an_early_skip_blocks_the_track_in_that_context_for_the_block_days_and_a_late_skip_never_does():
    learner = Learner()
    learner.update(LEVELS, "genre:jazz", Feedback.EARLY_SKIP, "u1", T0)
    learner.update(LEVELS, "genre:jazz", Feedback.LATE_SKIP, "u2", T0)
    kw = dict(block_s=30 * DAY)
    assert learner.blocked("u1", LEVELS[0], T0 + 29 * DAY, **kw)
    assert not learner.blocked("u2", LEVELS[0], T0, **kw)
    assert not learner.blocked("u1", "hot|afternoon|adults", T0 + DAY, **kw)
    assert not learner.blocked("u1", LEVELS[0], T0 + 30 * DAY, **kw)
    learner.update(LEVELS, "genre:jazz", "like", "u1", T0 + DAY)  # a later like lifts the block
    assert not learner.blocked("u1", LEVELS[0], T0 + 2 * DAY, **kw)


def test_no_repeats_within_the_window_counted_from_the_start():
    history = PlayHistory(window_s=24 * 3600)
    d = director(played=history, config=Config(music=MusicConfig(learning=False)))
    planned = d.plan(COLD_EVENING, ADULT, T0, n=3).tracks
    assert len(history) == 0, "planning marks nothing played"
    history.mark(planned[0].uri, T0 + 10)  # the first one started on the speaker; the others were dropped
    again = {t.uri for i in range(30) for t in d.plan(COLD_EVENING, ADULT, T0 + 60 + i, n=3).tracks}
    assert planned[0].uri not in again
    assert {planned[1].uri, planned[2].uri} & again, "picks dropped before they started are free again"
    assert history.recent(planned[0].uri, T0 + 10 + 23 * 3600) and not history.recent(planned[0].uri,
                                                                                        T0 + 10 + 24 * 3600)


def test_learner_json_round_trip():
    learner = Learner()
    learner.update(LEVELS, "genre:chill", "like", "u1", T0, name="x")
    learner.update(LEVELS, "genre:chill", "late_skip", "u2", T0, name="y")
    again = Learner.from_json(learner.to_json())
    assert again == learner
    assert Learner.from_json(None) == Learner()


@pytest.mark.parametrize("bad", ["yesterday", None, [1], float("nan"), 10**400])
def test_learner_times_read_back_that_are_no_numbers_are_dropped(bad):
    """A disliked or liked time that is no number (read back from the state store) raised TypeError in
    blocked(), prune() or liked_tracks()."""
    saved = Learner()
    saved.update(LEVELS, "mood:chill", "like", "u1", T0, name="x")
    saved.update(LEVELS, "mood:chill", "early_skip", "u2", T0)
    data = json.loads(json.dumps(saved.to_json()))  # as read back from the store
    data["liked"]["u4"] = {"at": bad, "level": LEVELS[0], "arm": "mood:chill", "name": "y"}
    data["liked"]["u5"] = bad
    data["disliked"][f"{LEVELS[0]}\tu6"] = bad
    learner = Learner.from_json(data)
    assert learner == saved
    assert [t["uri"] for t in learner.liked_tracks("*")] == ["u1"]
    assert not learner.blocked("u6", LEVELS[0], T0, block_s=DAY)
    learner.prune(T0, block_s=DAY)


@pytest.mark.parametrize("bad", ["yesterday", None, 1e300])
def test_a_cached_catalog_answer_saved_at_no_time_is_stale(tmp_path, bad):
    with StateStore(tmp_path / "s.db", clock=lambda: T0) as store:
        query = 'genre:"jazz" year:1995-2005'
        CandidateFetcher(small_catalog(), store).search_tracks(query, 0, T0)
        key = f"catalog:tracks|{query}|0"
        store.set_json(key, {**store.get_json(key), "at": bad})
        restarted = CandidateFetcher(small_catalog(), store)
        assert restarted.search_tracks(query, 0, T0 + 60)  # comparing 'yesterday' with a number raised TypeError
        assert restarted.catalog.calls == [("search_tracks", query, 0)], "asked again: no time, no freshness"


def test_feedback_kinds_and_the_30_second_rule():
    d = director()
    tracks = d.plan(COLD_EVENING, ADULT, T0, n=5).tracks
    assert len(tracks) == 5 and len({t.uri for t in tracks}) == 5
    assert d.feedback(tracks[0], skip(12), T0, played_s=12) == Feedback.EARLY_SKIP
    assert d.feedback(tracks[1], skip(95), T0, played_s=95) == "late_skip"
    assert d.feedback(tracks[2], "dislike", T0) == Feedback.EARLY_SKIP  # the word earlier versions recorded
    assert d.feedback(tracks[3], judge(Action.LIKE, None, 30), T0) == "like"
    assert d.feedback(tracks[4], judge(Action.END, 200, 30), T0) == "play_through"
    arm = tracks[0].source
    assert d.learner.tally(d.learner.stats and LEVELS[0], arm).total >= 1
    assert d.feedback("spotify:track:not-ours", "like", T0) == "like"  # not ours: ignored, no error
    with pytest.raises(ValueError, match="unknown feedback kind 'meh'"):
        d.feedback(tracks[0], "meh", T0)


def test_learning_drifts_toward_what_the_household_keeps():
    def run(strategy, seed=3):
        d = director(seed=seed, catalog=small_catalog(per_genre=300), strategy=strategy)
        catalog = d.fetcher.catalog
        now = T0
        picks = []
        for _ in range(80):
            track = plan(d, COLD_EVENING, ADULT, now).tracks[0]
            genre = catalog.genres_of(track.uri)[0]
            picks.append(genre)
            d.feedback(track, judge(Action.END if genre == "bossa nova" else Action.SKIP, 10, 30), now + 10,
                       played_s=10)
            now += 300
        return picks

    rules = run("rules")
    assert rules[-30:].count("bossa nova") <= 10  # the rules spread over their sources
    # one run's count moves with the draws (12 to 23 of 30 over seeds 1-6 on commit 70e7db2): six runs together
    kept = [run("learn", seed)[-30:].count("bossa nova") for seed in range(1, 7)]
    assert sum(kept) >= 6 * 15, kept


def test_rules_only_never_learns_and_named_playlists_win():
    named = Config(music=MusicConfig(learning=False, playlists=[
        NamedPlaylist("spotify:playlist:named", RuleWhen(temperature=["cold"]))]))
    d = director(config=named)
    assert d.strategy == "rules"
    decision = d.plan(COLD_EVENING, ADULT, T0, n=3)
    assert all(p.arm == "playlist:spotify:playlist:named" for p in decision.picks)
    d.feedback(decision.tracks[0], Feedback.LIKE, T0)
    assert d.learner.stats == {}
    warm = Context(condition="clear", temperature="warm", time_of_day="afternoon", year=2026)
    assert all(not p.arm.startswith("playlist:") for p in d.plan(warm, ADULT, T0, n=3).picks)


def test_family_safe_never_picks_explicit_tracks():
    d = director(config=Config(music=MusicConfig(learning=False, no_repeat_hours=0)))
    for i in range(40):
        decision = d.plan(COLD_EVENING, FAMILY, T0 + i, n=3)
        assert decision.brief.family_safe
        assert not any(t.explicit for t in decision.tracks)
        assert decision.tracks


def test_searches_use_genre_and_year_filters_ten_a_page_and_read_only_readable_playlists():
    catalog = small_catalog(per_genre=100)
    d = director(catalog=catalog, strategy="random")
    for i in range(60):
        plan(d, COLD_EVENING, ADULT, T0 + i, n=2)
    searches = [c for c in catalog.calls if c[0] == "search_tracks"]
    assert searches and all(q.startswith('genre:"') and "year:1995-2005" in q for _, q, _ in searches)
    rules = small_catalog(per_genre=100)
    d = director(catalog=rules, strategy="rules")
    for i in range(60):
        plan(d, COLD_EVENING, ADULT, T0 + i, n=2)
    offsets = {offset for op, _, offset in rules.calls if op == "search_tracks"}
    assert offsets >= {0, 10}  # paged on when the first page was used up
    artists = [q for op, q, _ in catalog.calls if op == "search_artists"]
    assert artists and all(q.startswith('genre:"') for q in artists)
    read = {uri for op, uri, _ in catalog.calls if op == "playlist_tracks"}
    assert read and read <= {"spotify:playlist:named", "spotify:playlist:shared", "spotify:playlist:own-era"}
    assert {op for op, _, _ in catalog.calls} >= {"saved_tracks", "top_tracks", "recently_played",
                                                  "my_playlists", "artist_albums", "album_tracks"}


def test_at_most_twelve_catalog_requests_per_decision_cold_cache():
    for strategy in ("learn", "rules", "random", "source_learner"):
        catalog = small_catalog()
        d = director(catalog=catalog, strategy=strategy, seed=5)
        counts = []
        for i in range(40):
            before = len(catalog.calls)
            decision = d.plan(COLD_EVENING if i % 2 else FAMILY and COLD_EVENING, ADULT if i % 3 else FAMILY,
                              T0 + 3600 * i, n=2)
            assert decision.requests == len(catalog.calls) - before <= 12, strategy
            counts.append(decision.requests)
            assert decision.tracks, strategy
        assert max(counts) >= 3  # it did look in several places


def test_a_refused_source_is_set_aside_for_a_day_and_the_decision_goes_on(tmp_path):
    config = Config(music=MusicConfig(playlists=[NamedPlaylist("spotify:playlist:user-chill",
                                                               RuleWhen(temperature=["cold"]))]))
    with StateStore(tmp_path / "s.db", clock=lambda: T0) as store:
        catalog = small_catalog()
        d = director(store, catalog, config=config)
        first = d.plan(COLD_EVENING, ADULT, T0)
        assert first.tracks, first.explanation  # alice's playlist answers 403; the other sources still play
        refusals = [c for c in catalog.calls if c == ("playlist_tracks", "spotify:playlist:user-chill", 0)]
        assert len(refusals) == 1
        assert "Spotify refused the request (403)" in store.last_decision().payload["refused"][0]
        for i in range(1, 10):
            assert d.plan(COLD_EVENING, ADULT, T0 + 600 * i).tracks
        assert catalog.calls.count(("playlist_tracks", "spotify:playlist:user-chill", 0)) == 1  # set aside
        d.plan(COLD_EVENING, ADULT, T0 + DAY + 1)
        assert catalog.calls.count(("playlist_tracks", "spotify:playlist:user-chill", 0)) == 2  # a day later


def test_catalog_answers_are_cached_for_a_day_in_memory_and_the_store(tmp_path):
    with StateStore(tmp_path / "s.db", clock=lambda: T0) as store:
        catalog = small_catalog()
        d = director(store, catalog, config=Config(music=MusicConfig(learning=False, no_repeat_hours=0)))
        for i in range(30):
            d.plan(COLD_EVENING, ADULT, T0 + 60 * i)
        assert len(catalog.calls) == len(set(catalog.calls))  # never the same request twice within the day
        query = 'genre:"jazz" year:1995-2005'
        fetcher = CandidateFetcher(small_catalog(), store)
        fetcher.search_tracks(query, 0, T0)
        fetcher.search_tracks(query, 0, T0 + 3600)
        assert len(fetcher.catalog.calls) == (0 if ("search_tracks", query, 0) in catalog.calls else 1)
        restarted = CandidateFetcher(small_catalog(), store)  # a new process: answered from the store
        assert restarted.search_tracks(query, 0, T0 + 7200)
        assert restarted.catalog.calls == []
        restarted.search_tracks(query, 0, T0 + 2 * DAY)  # a day later it asks again
        assert restarted.catalog.calls == [("search_tracks", query, 0)]


def test_catalog_failure_gives_an_empty_plan_or_yesterdays_answer(tmp_path):
    flaky = FlakyCatalog(small_catalog())
    d = director(catalog=flaky, config=Config(music=MusicConfig(learning=False, no_repeat_hours=0)))
    flaky.down = True
    empty = d.plan(COLD_EVENING, ADULT, T0)
    assert empty.tracks == [] and "nothing playable found (Spotify is unreachable (timeout))" in empty.explanation
    assert flaky.attempts == 1  # one failure per decision, not one per source
    flaky.down = False
    assert d.plan(COLD_EVENING, ADULT, T0 + 1).tracks
    flaky.down = True
    assert d.plan(COLD_EVENING, ADULT, T0 + DAY + 5).tracks  # stale cache beats nothing


def test_playlist_tracks_from_the_listeners_era_come_first():
    config = Config(music=MusicConfig(learning=False, playlists=[
        NamedPlaylist("spotify:playlist:own-era", RuleWhen(temperature=["cold"]))]))
    d = director(config=config)
    years = [t.year for i in range(8) for t in plan(d, COLD_EVENING, ADULT, T0 + i, n=1).tracks]
    # the playlist spans 1970-2021 with six tracks from the 45-year-old's era, 1995-2005: those come first
    assert all(1995 <= y <= 2005 for y in years[:6])
    assert not any(1995 <= y <= 2005 for y in years[6:])


def test_named_playlists_win_while_learning_until_the_household_skips_them():
    config = Config(music=MusicConfig(playlists=[NamedPlaylist("spotify:playlist:named", RuleWhen(temperature=["cold"])),
                                                 NamedPlaylist("spotify:playlist:user-chill", RuleWhen(groups=["60+"]))]))
    d = director(config=config, seed=4)
    assert d.strategy == "learn"
    first = [plan(d, COLD_EVENING, ADULT, T0 + i, n=1).picks[0] for i in range(8)]
    assert all(p.arm == "playlist:spotify:playlist:named" for p in first)  # it wins (10 tracks, no repeats)
    assert not any(p.arm == "playlist:spotify:playlist:user-chill" for p in first)  # its condition does not hold
    for p in first:
        d.feedback(p.track, skip(5), T0 + 100, played_s=5)
    later = [plan(d, COLD_EVENING, ADULT, T0 + DAY + i, n=1).picks[0] for i in range(10)]
    assert sum(p.arm == "playlist:spotify:playlist:named" for p in later) <= 3


def test_the_households_own_shelves_keep_the_catalogue_out_until_its_reactions_say_otherwise():
    """With plenty of its own music that fits (40 saved jazz tracks on a cold evening) and every track played
    through, the learner plays the household's shelves, not the catalogue's finds (they are skipped about twice as
    often); test_learning_drifts_toward_what_the_household_keeps shows the catalogue joining once it earns more."""
    saved = [f"spotify:track:00{i:03d}" for i in range(40)]  # the first genre's tracks: jazz

    def run(seed):
        d = director(catalog=small_catalog(per_genre=60, saved=saved), strategy="learn", seed=seed)
        now, kinds = T0, []
        for _ in range(60):
            decision = plan(d, COLD_EVENING, ADULT, now)
            kinds.append(decision.picks[0].origin.kind)
            d.feedback(decision.tracks[0], judge(Action.END, 200, 30), now + 200, played_s=200)
            now += 3600
        return kinds[-30:].count("saved")

    # one run's count moves with the draws (21 to 30 of 30 over seeds 1-8 on commit 70e7db2): six runs together
    kept = [run(seed) for seed in range(1, 7)]
    assert sum(kept) >= 6 * 26, kept


def test_the_households_top_tracks_may_be_of_any_genre_only_after_its_first_hour():
    d = director(strategy="learn")
    d.learned.taste.heard_s = 3599.0
    d.plan(COLD_EVENING, ADULT, T0)
    assert not d.scope.own_shelves, "the first hour heard is rule-led"
    d.learned.taste.heard_s = 3600.0
    d.plan(COLD_EVENING, ADULT, T0 + 600)
    assert d.scope.own_shelves
    rules = director(strategy="rules")
    rules.learned.taste.heard_s = 10 * 3600.0
    rules.plan(COLD_EVENING, ADULT, T0)
    assert not rules.scope.own_shelves
