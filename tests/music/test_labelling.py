"""Labelling the rules' genres between decisions: what a loose genre search brings of another context's genre is known
for what it is before it plays (the daemon's conductor has the director do it; the simulation does it alike)."""

from __future__ import annotations

import random

from device.config.schema import Config, WeatherConfig
from device.core.catalog import CatalogError
from device.core.state import StateStore
from device.devtools.memory_catalog import Library
from device.devtools.messy_world import build
from device.music.candidates import CACHE_TTL_S, PAGE
from device.music.director import LABELS_KEY, MusicDirector
from device.music.labelling import LABEL_REQUESTS, label_requests
from device.music.scope import LABEL_PAGES

CONFIG = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))
T0 = 1_767_000_000.0


def account():
    return build(1).catalog.with_account(Library("me"), [])


def artist_searches(catalog, since: int = 0) -> list[tuple[str, int]]:
    return [(query, offset) for op, query, offset in catalog.calls[since:] if op == "search_artists"]


def label_all(d: MusicDirector, now: float) -> int:
    """Labelling rounds until nothing is left to search; returns the rounds."""
    rounds = 0
    while d.label(now + rounds * 10):
        rounds += 1
        assert rounds < 100, "labelling never ends"
    return rounds


def test_a_fresh_device_labels_every_rule_genre_first_and_the_second_pages_between_decisions():
    catalog = account()
    d = MusicDirector(CONFIG, catalog, None, random.Random(1), strategy="learn")
    genres = sorted(d.scope.every)
    made = d.prepare(T0)
    assert made == len(genres) == len(artist_searches(catalog))
    assert artist_searches(catalog) == [(f'genre:"{g}"', 0) for g in genres]  # every first page, in one order
    assert d.prepare(T0 + 1) == 0  # labelled: once in a device's life

    before = len(catalog.calls)
    assert d.label(T0 + 10) == LABEL_REQUESTS  # then a few requests at a time, between decisions
    label_all(d, T0 + 20)
    second = artist_searches(catalog, before)
    full = [g for g in genres if len(d.fetcher.peek(f'artists|genre:"{g}"', "artist")) == PAGE]
    assert LABEL_PAGES == 2 and sorted(second) == sorted((f'genre:"{g}"', PAGE) for g in full)  # no page past a short one

    quiet = len(catalog.calls)
    assert d.label(T0 + 3600) == 0 and len(catalog.calls) == quiet  # nothing falls due within the day
    assert d.label(T0 + CACHE_TTL_S + 1) == LABEL_REQUESTS  # a day later the oldest answers are asked again
    assert artist_searches(catalog, quiet) == [(f'genre:"{g}"', 0) for g in genres[:LABEL_REQUESTS]]


def test_what_the_labelling_finds_keeps_a_loose_searchs_neighbour_out():
    """The messy world's "soul" search also brings funk artists (a neighbour no word gives away); once the rules'
    genres are labelled, the director knows them for funk, which a cold rainy morning does not call for."""
    world = build(1)
    catalog = world.catalog.with_account(Library("me"), [])
    d = MusicDirector(CONFIG, catalog, None, random.Random(1), strategy="learn")
    soul = catalog.search_tracks('genre:"soul"', offset=0, limit=PAGE)
    funk_only = [t for t in soul if "soul" not in world.genres_of(t.uri)
                 and {"funk", "motown"} & set(world.genres_of(t.uri))]
    assert funk_only, "the world's soul search brings no neighbour: this test shows nothing"
    d.scope.begin(["soul", "jazz"])
    assert not any(d.scope.labels.seen_under(t.artists[:1]) & d.scope.others for t in funk_only)
    d.prepare(T0)
    label_all(d, T0 + 10)
    d.scope.begin(["soul", "jazz"])
    named = [t for t in funk_only if "funk" in world.genres_of(t.uri)]
    assert named and all("funk" in d.scope.labels.seen_under(t.artists[:1]) for t in named)


class Unreachable:
    """The catalogue with its artist search down at the calls numbered in `fails` (1 the first; a network fault:
    no answer)."""

    def __init__(self, catalog, fails: tuple[int, ...]):
        self.catalog, self.fails, self.calls = catalog, fails, 0

    def __getattr__(self, name):
        return getattr(self.catalog, name)

    def search_artists(self, query, *, offset=0, limit=10):
        self.calls += 1
        if self.calls in self.fails:
            raise CatalogError("Spotify is unreachable (timeout)")
        return self.catalog.search_artists(query, offset=offset, limit=limit)


def test_a_fault_ends_a_labelling_round_and_after_a_back_off_the_first_pass_goes_on_where_it_stopped():
    """A start on a shaky network: the first pass stops at the fault, tries nothing more for 30 s (then 60 s...),
    and is finished by the next prepare (before a decision) once that is over; a success resets the back-off."""
    catalog = Unreachable(account(), fails=(2, 3))
    d = MusicDirector(CONFIG, catalog, None, random.Random(1), strategy="learn")
    every = len(d.scope.every)
    assert d.prepare(T0) == 2 and len(d.scope.unlabelled()) == every - 1  # one answered, one failed
    assert d.labelling.state(T0 + 10) == "waiting"
    assert d.prepare(T0 + 10) == 0 and d.label(T0 + 10, 100) == 0 and catalog.calls == 2  # no request meanwhile
    assert d.prepare(T0 + 30) == 1 and d.labelling.state(T0 + 60) == "waiting"  # failed again: 60 s now
    assert d.prepare(T0 + 50) == 0
    assert d.prepare(T0 + 90) == every - 1 and d.scope.unlabelled() == []  # the rest of the first pass at once
    assert d.labelling.state(T0 + 90) == "due" and d.labelling.backoff.failures == 0  # second pages still to do
    label_all(d, T0 + 100)
    assert d.labelling.state(T0 + 3600) == "done"


def test_a_labelling_round_leaves_the_last_decisions_error_for_the_status():
    catalog = Unreachable(account(), fails=(1,))
    d = MusicDirector(CONFIG, catalog, None, random.Random(1), strategy="learn")
    d.fetcher.new_round()
    d.fetcher.last_error = "Spotify refused the search (403)"  # what the last decision met
    d.prepare(T0)  # its own round, failing
    assert d.fetcher.last_error == "Spotify refused the search (403)"
    d.prepare(T0 + 60)  # and succeeding
    assert d.fetcher.last_error == "Spotify refused the search (403)" and d.fetcher.round_requests == 0


def test_labels_lost_while_the_searches_answers_were_kept_are_read_again(tmp_path):
    """Power lost between writing a search's answer and the labels: the answers count as searched today, so the
    labels are read from them again rather than left empty for a day."""
    store = StateStore(tmp_path / "state.db").open()
    catalog = account()
    d = MusicDirector(CONFIG, catalog, store, random.Random(1), strategy="learn")
    d.prepare(T0)
    label_all(d, T0 + 10)
    labelled = dict(d.labels.counts)
    store.set_json(LABELS_KEY, None)  # the labels lost, the answers kept
    asked = len(catalog.calls)
    again = MusicDirector(CONFIG, catalog, store, random.Random(1), strategy="learn")
    assert not again.labels.counts
    assert again.prepare(T0 + 600) == 0 and len(catalog.calls) == asked
    assert again.labels.counts == labelled
    store.close()


def test_labels_and_what_was_searched_outlive_a_restart(tmp_path):
    """A restarted daemon neither labels its genres afresh nor asks again what it asked today."""
    store = StateStore(tmp_path / "state.db").open()
    catalog = account()
    d = MusicDirector(CONFIG, catalog, store, random.Random(1), strategy="learn")
    d.prepare(T0)
    label_all(d, T0 + 10)
    asked = len(catalog.calls)
    again = MusicDirector(CONFIG, catalog, store, random.Random(1), strategy="learn")
    assert again.prepare(T0 + 600) == 0 and again.label(T0 + 600, 100) == 0
    assert len(catalog.calls) == asked
    store.close()


def test_the_simulation_and_the_daemon_label_at_the_same_pace():
    """label_requests: LABEL_REQUESTS every LABEL_EVERY_S between two decisions (the conductor's cadence)."""
    assert label_requests(0) == 0 and label_requests(9.9) == 0
    assert label_requests(10) == LABEL_REQUESTS and label_requests(240) == 24 * LABEL_REQUESTS
    assert label_requests(-5) == 0
