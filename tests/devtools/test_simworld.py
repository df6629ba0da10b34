"""The project's simulated households and their messy catalogue: search as loose as the service's, reissues and
duplicates of one recording, refusals; weather that matters to some households only, tiring, sparse presses and a
library that drifts; nothing hidden in what the device reads."""

import random
import statistics
from dataclasses import replace

import pytest

from device.core.catalog import CatalogError
from device.core.values import WeatherReading
from device.devtools.households import make_household
from device.devtools.households_protocol import Moment
from device.devtools.messy_world import DEAD_GENRES, build


@pytest.fixture(scope="module")
def world():
    return build(1)


@pytest.fixture(scope="module")
def house():
    return make_household(0, 1, 14)


def _moment(at=1_767_900_000.0, code=0, temp=12.0, ages=(40.0,), hour=15):
    from datetime import UTC, datetime

    return Moment(at, datetime(2026, 1, 8, hour, tzinfo=UTC), 52.1, WeatherReading(at - 600, temp, code, True), ages)


def test_genre_search_is_loose_and_some_genre_words_find_nothing(world):
    catalog = world.catalog
    for dead in DEAD_GENRES & set(world.genres):
        assert world.source.artists_in(dead)  # the genre is there ...
        assert catalog.search_tracks(f'genre:"{dead}"') == []  # ... and the filter does not know it
    found = set()
    for page in range(20):
        found |= {g for t in catalog.search_tracks('genre:"rock"', offset=page * 10) for g in world.genres_of(t.uri)}
    assert "rock" in found and found & {"hard rock", "garage rock", "progressive rock", "post-rock"}
    artists = catalog.search_artists('genre:"pop"', limit=10, offset=0)
    assert artists


def test_reissues_and_compilations_are_other_releases_of_one_recording(world):
    remasters = [t for t in world.tracks if "- Remastered" in t.track.name]
    assert remasters
    r = remasters[0]
    original = world.catalog.item(world.recording[r.track.uri])
    assert original.track.uri != r.track.uri and r.track.year > original.track.year
    assert r.track.artists == original.track.artists and world.traits[world.recording[r.track.uri]]
    assert world.source.tracks[r.track.uri.rsplit(":", 1)[1]].original_id == original.track.uri.rsplit(":", 1)[1]
    assert r.track.uri not in world.traits  # one recording, one set of traits: the stand-in's, not a second notion
    hits = [t for t in world.tracks if world.recording[t.track.uri] != t.track.uri and "Remastered" not in t.track.name]
    assert hits  # greatest-hits copies under new URIs, same titles
    query = f'{r.track.artists[0]} {r.track.name.split(" - ")[0]} year:{r.track.year}-{r.track.year}'
    found = [t.uri for t in world.catalog.search_tracks(query)]
    assert r.track.uri in found and original.track.uri not in found  # year: goes by the reissue's year


def test_the_device_reads_no_hidden_field_and_bounds_and_refusals_hold(house):
    catalog = house.catalog
    track = catalog.search_tracks('genre:"jazz"')[0]
    assert not hasattr(track, "genres") and not hasattr(track, "calm")
    for call in (lambda: catalog.search_tracks('genre:"jazz"', limit=11),
                 lambda: catalog.search_tracks('genre:"jazz"', offset=1001),
                 lambda: catalog.saved_tracks(limit=51)):
        with pytest.raises(CatalogError) as refused:
            call()
        assert refused.value.http_status == 400
    mine = catalog.my_playlists()
    user = catalog.user_id()
    others = [p for p in mine if p.owner not in (user, "spotify") and not p.collaborative]
    spotify = [p for p in mine if p.owner == "spotify"]
    for p in others + spotify:
        with pytest.raises(CatalogError) as refused:
            catalog.playlist_tracks(p.uri)
        assert refused.value.http_status in (403, 404)
    assert all(catalog.playlist_tracks(p.uri) for p in mine if p.owner == user or p.collaborative)


def test_weather_matters_to_some_households_and_not_to_others(world):
    minded = indifferent = 0
    # Rain wants calm music and less bright; a clear day adds a little for bright music. So the test's recording is
    # calm and dark: hundreds tie at calm 1.0, and a calm but bright one gains only about 0.2 x the household's
    # weather sense (0.092 for seed 1's first such tie once re-releases no longer drew traits of their own).
    calm = max(world.traits, key=lambda r: (world.traits[r].calm - world.traits[r].bright, r))
    assert world.traits[calm].calm > 0.8 and world.traits[calm].bright < 0
    track = world.catalog.item(calm).track
    for index in range(12):
        h = make_household(index, 1, 7)
        dry, wet = _moment(code=0), _moment(code=61)
        change = h.appeal(track, dry.at, wet) - h.appeal(track, dry.at, dry)
        if h.group == "weather-minded":
            minded += 1
            assert change > 0.3  # rain: a calm, dark recording is wanted more
        else:
            indifferent += 1
            assert change == 0
    assert minded and indifferent


def test_tiring_of_a_recording_reaches_its_other_releases(world):
    h = make_household(3, 1, 7)
    remaster = next(t for t in world.tracks if "- Remastered" in t.track.name)
    original = world.catalog.item(world.recording[remaster.track.uri]).track
    m = _moment()
    before = h.appeal(remaster.track, m.at, m)
    h.hears(original, m.at - 3600, m)
    assert h.appeal(remaster.track, m.at, m) < before - 0.5


def test_presses_are_sparse_skips_early_and_likes_rare(world):
    h = make_household(5, 1, 7)
    rng = random.Random(2)
    reactions = []
    m = _moment()
    for i, item in enumerate(rng.sample(world.tracks, 400)):
        reactions.append(h.hears(item.track, m.at + i * 86400 * 10, replace(m, at=m.at + i * 86400 * 10)))
    kinds = [r.kind for r in reactions]
    assert kinds.count("nothing") > len(kinds) / 2
    assert 0 < kinds.count("like") < len(kinds) / 10
    skips = [r.at_s for r in reactions if r.kind == "skip"]
    assert skips and statistics.median(skips) <= 30


def test_the_library_drifts_with_the_speakers_likes_and_plays(world):
    h = make_household(7, 1, 14)
    saved0 = list(h.catalog.library.saved)
    moments = iter(h.moments())
    first = next(moments)
    liked = None
    for item in (t for t in world.tracks if t.track.uri not in saved0):
        if h.hears(item.track, first.at, first).kind == "like":
            liked = item.track.uri
            break
    assert liked and h.catalog.library.saved[0] == liked  # liked on the speaker, saved
    assert h.catalog.recently_played(limit=50)[0].uri == liked  # the speaker's plays echo in recently played
    for _ in moments:
        pass
    assert len(h.catalog.library.saved) > len(saved0) + 1  # finds elsewhere, saved over two weeks


def test_a_household_is_the_same_for_the_same_index_and_seed():
    a, b = make_household(2, 1, 5), make_household(2, 1, 5)
    assert list(a.moments()) == list(b.moments())
    assert a.catalog.library == b.catalog.library
    assert make_household(3, 1, 5).catalog.library != a.catalog.library
