"""The simulation's catalogue is the Spotify stand-in's world, answering as the stand-in answers; households' tastes
reach beyond what the rules name, and what they follow is refused as the service refuses it."""

import random

import pytest

from device.config.schema import Config
from device.core.catalog import CatalogError
from device.devtools.simworld import build_world, catalog_for, make_household
from device.devtools.standins.spotify.catalogue import Catalogue
from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.search import Search
from device.music.rules import default_rules
from device.music.sources import genres_for

BASE = "http://127.0.0.1:1/v1"


@pytest.fixture(scope="module")
def world():
    return build_world(3)


@pytest.fixture(scope="module")
def catalog(world):
    return catalog_for(world, make_household(random.Random("test"), world, 0))


def _standin(world):
    shapes = Shapes(world.source, world.source.tracks, lambda: BASE)
    return Search(world.source, shapes), Catalogue(world.source, shapes, "user0")


@pytest.mark.parametrize("query,offset", [('genre:"jazz"', 0), ('genre:"jazz"', 10),
                                          ('genre:"k-pop" year:2010-2019', 0),
                                          ('genre:"indie pop" year:1990-2009', 10), ('genre:"pop"', 40)])
def test_track_search_pages_are_the_standins_pages(world, catalog, query, offset):
    search, _ = _standin(world)
    status, body = search.handle({"q": query, "type": "track", "limit": "10", "offset": str(offset)}, BASE + "/search")
    assert status == 200
    expected = [t["uri"] for t in body["tracks"]["items"]]
    assert [t.uri for t in catalog.search_tracks(query, offset=offset, limit=10)] == expected
    if offset == 0:
        assert expected  # these queries find something in this world


def test_artist_search_and_album_listing_are_the_standins(world, catalog):
    search, standin = _standin(world)
    _, body = search.handle({"q": 'genre:"soul"', "type": "artist", "limit": "10"}, BASE + "/search")
    artists = catalog.search_artists('genre:"soul"')
    assert [a.id for a in artists] == [a["id"] for a in body["artists"]["items"]] and artists
    for artist in artists:  # the HTTP catalog asks for include_groups=album,single
        _, listed = standin.artist_albums(artist.id, {"include_groups": "album,single", "limit": "10"}, BASE)
        albums = catalog.artist_albums(artist.id)
        assert [a.id for a in albums] == [a["id"] for a in listed["items"]]
        assert [a.year for a in albums] == [int(a["release_date"][:4]) for a in listed["items"]]
        tracks = catalog.album_tracks(albums[0])
        assert [t.uri for t in tracks] == [f"spotify:track:{t}" for t in world.source.albums[albums[0].id].track_ids]


def test_followed_playlists_of_others_and_of_spotify_are_refused(world, catalog):
    mine = catalog.my_playlists()
    others = [p for p in mine if p.owner not in ("user0", "spotify") and not p.collaborative]
    editorial = [p for p in mine if p.owner == "spotify"]
    assert others and editorial
    with pytest.raises(CatalogError) as forbidden:
        catalog.playlist_tracks(others[0].uri)
    assert forbidden.value.http_status == 403 and str(forbidden.value) == "Spotify refused the request (403): Forbidden"
    with pytest.raises(CatalogError) as missing:
        catalog.playlist_tracks(editorial[0].uri)
    assert missing.value.http_status == 404
    own = [p for p in mine if p.owner == "user0" or p.collaborative]
    assert own and all(catalog.playlist_tracks(p.uri) for p in own)


def test_search_bounds_hold_on_the_world(catalog):
    for call in (lambda: catalog.search_tracks('genre:"jazz"', limit=11),
                 lambda: catalog.search_tracks('genre:"jazz"', offset=1001),
                 lambda: catalog.search_artists('genre:"jazz"', limit=0)):
        with pytest.raises(CatalogError) as refused:
            call()
        assert refused.value.http_status == 400


def test_tastes_cover_genres_no_rule_names_and_artists_the_learner_cannot_see(world):
    named = {g for rule in default_rules(Config()) for g in genres_for(rule)}
    unnamed = set(world.genres) - named
    assert len(unnamed) > len(world.genres) / 2  # most of the world's genres are named by no rule
    house = make_household(random.Random("tastes"), world, 1)
    assert set(house.genre) == set(world.genres) and set(house.artist) == {a.id for a in world.artists}
    loved = [g for g, v in house.genre.items() if v >= 1.2]
    assert loved
    assert set(world.calm) == {a.id for a in world.artists}  # a hidden trait per artist ...
    track = catalog_for(world, house).search_tracks('genre:"jazz"')[0]
    assert not hasattr(track, "calm") and not hasattr(track, "genres")  # ... that no answer carries
