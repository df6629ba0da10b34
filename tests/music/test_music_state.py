"""What the director keeps in the state store: what it learned and decided, written when it changes, and read back
after a restart (a power cut included)."""

from music_director import ADULT, COLD_EVENING, CONFIG, DAY, FAMILY, LEVELS, T0, director, plan, skip

from device.core.feedback import Feedback
from device.core.history import PlayHistory
from device.core.state import StateStore
from device.music.director import LEARNER_KEY


def test_learning_and_memory_survive_a_restart(tmp_path):
    path = tmp_path / "state.db"
    with StateStore(path, clock=lambda: T0) as store:
        history = PlayHistory(DAY, store)  # the player's, kept in the store
        d = director(store, played=history)
        decision = plan(d, COLD_EVENING, ADULT, T0, n=3)
        liked, disliked, unplayed = decision.tracks
        d.feedback(liked, Feedback.LIKE, T0 + 60)
        d.feedback(disliked, skip(10), T0 + 70, played_s=10)
        before = d.learner.to_json()
        assert store.last_decision().payload["picks"][0]["uri"] == liked.uri
    with StateStore(path, clock=lambda: T0) as store:
        d2 = director(store, seed=2, played=PlayHistory(DAY, store))
        assert d2.learner.to_json() == before
        assert store.get_json(LEARNER_KEY)["sources"]["liked"][liked.uri]["arm"] == liked.source
        # feedback on a track planned before the restart is still attributed (from the recorded decisions)
        assert d2.feedback(unplayed, Feedback.PLAY_THROUGH, T0 + 400) == "play_through"
        assert d2.learner.tally(LEVELS[0], unplayed.source).plays >= 1
        # the disliked track stays blocked in this context and nothing repeats within the window
        for i in range(20):
            uris = {t.uri for t in d2.plan(COLD_EVENING, ADULT, T0 + 500 + i, n=3).tracks}
            assert disliked.uri not in uris and liked.uri not in uris
        kinds = [e.payload["kind"] for e in store.events("feedback")]
        assert kinds == ["like", "early_skip", "play_through"]


def test_feedback_after_a_restart_finds_its_pick_past_a_damaged_decision(tmp_path):
    """The picks are looked up in the recorded decisions, read as the typed record: a damaged decision recorded
    later hides only its own picks (it ended the search before)."""
    path = tmp_path / "state.db"
    with StateStore(path, clock=lambda: T0) as store:
        played = plan(director(store, played=PlayHistory(DAY, store)), COLD_EVENING, ADULT, T0).tracks[0]
        store.add_decision({"strategy": "learn", "picks": ["damaged"]}, at=T0 + 30)
    with StateStore(path, clock=lambda: T0) as store:
        d2 = director(store, seed=2, played=PlayHistory(DAY, store))
        d2.feedback(played, Feedback.PLAY_THROUGH, T0 + 400)
        assert d2.learner.tally(LEVELS[0], played.source).plays == 1
        assert [e.payload["uri"] for e in store.events("feedback")] == [played.uri]


def test_decisions_are_recorded_with_what_why_needs(tmp_path):
    with StateStore(tmp_path / "s.db") as store:
        d = director(store)
        decision = d.plan(COLD_EVENING, FAMILY, T0, n=2)
        payload = store.last_decision().payload
        assert decision.id == store.last_decision().id
        assert set(payload) >= {"strategy", "context", "brief", "levels", "picks", "explanation"}
        assert payload["context"]["temperature"] == "cold" and payload["levels"][0] == "cold|evening|family"
        assert payload["brief"]["family_safe"] and len(payload["picks"]) == 2
        assert payload["explanation"] == decision.explanation


def keys_written(store) -> list[str]:
    """The keys the store's set_json is called with from now on, in order."""
    written, set_json = [], store.set_json

    def spy(key, value):
        written.append(key)
        set_json(key, value)
    store.set_json = spy
    return written


def test_a_decision_records_itself_but_rewrites_the_learned_state_only_when_it_forgot_an_expired_dislike(tmp_path):
    """The learned state (about 100 KB after a month) is written when the device learns, not with every decision:
    a decision learns nothing, unless the block of an early skip has run out and the dislike is forgotten."""
    with StateStore(tmp_path / "state.db", clock=lambda: T0) as store:
        written = keys_written(store)
        d = director(store)
        first = plan(d, COLD_EVENING, ADULT, T0, n=2)
        d.feedback(first.tracks[0], skip(10), T0 + 10, played_s=10)  # learned: written
        assert written.count(LEARNER_KEY) == 1
        for i in range(5):
            plan(d, COLD_EVENING, ADULT, T0 + 600 * (i + 1), n=1)
        assert written.count(LEARNER_KEY) == 1 and len(store.decisions(limit=100)) == 6  # every decision recorded
        blocked_until = T0 + 10 + CONFIG.music.dislike_block_days * DAY
        plan(d, COLD_EVENING, ADULT, blocked_until + 60, n=1)  # the dislike is forgotten: written once more
        plan(d, COLD_EVENING, ADULT, blocked_until + 120, n=1)
        assert written.count(LEARNER_KEY) == 2
        assert store.get_json(LEARNER_KEY)["sources"]["disliked"] == {}


def test_the_devices_own_plays_are_written_every_ten_minutes_and_a_restart_replays_the_decisions_since(tmp_path):
    """Written with every decision they cost about 30 KB a decision after a month; now at most every ten minutes,
    and the decisions recorded since the last write are replayed at a start, so that a crash forgets none."""
    from device.music.library import OWN_PLAYS_KEEP_S
    from device.music.own_plays import OWN_PLAYS_KEY

    path = tmp_path / "state.db"
    with StateStore(path, clock=lambda: T0) as store:
        written = keys_written(store)
        d = director(store)
        started = []
        for i in range(6):  # a decision a minute: written with the first one only
            started += plan(d, COLD_EVENING, ADULT, T0 + 60 * i, n=1).tracks
        assert written.count(OWN_PLAYS_KEY) == 1 and len(started) == 6
        own = d.library.own
    # the daemon stops without a word (a power cut): the next start knows all six as its own, worn as before
    with StateStore(path, clock=lambda: T0) as store:
        again = director(store, seed=2).library.own
        assert all(again.started(t.uri) and again.echo(t.uri) for t in started)
        assert [round(again.wear(t.uri, T0 + 400), 6) for t in started] == \
               [round(own.wear(t.uri, T0 + 400), 6) for t in started]
        d2 = director(store, seed=2)
        plan(d2, COLD_EVENING, ADULT, T0 + 400 + OWN_PLAYS_KEEP_S, n=1)  # ten minutes on: written again
        assert all(t.uri in store.get_json(OWN_PLAYS_KEY)["tracks"] for t in started)
        # the record written after these decisions (as an older version wrote it with every decision): a start it
        # holds is not replayed, no hearing counted twice
        older = director(store, seed=3).library.own
        assert [round(older.wear(t.uri, T0 + 400), 6) for t in started] == \
               [round(own.wear(t.uri, T0 + 400), 6) for t in started]
