"""The in-memory catalog keeps the 2026 Web API's rules, so tests and the simulation cannot lean on a kinder world."""

import dataclasses

import pytest
from music_fakes import small_catalog

from device.core.catalog import CatalogError
from device.devtools.memory_catalog import parse_query


def test_other_users_playlist_items_are_refused_like_the_service_refuses_them():
    catalog = small_catalog()
    with pytest.raises(CatalogError) as alice:
        catalog.playlist_tracks("spotify:playlist:user-chill")
    assert alice.value.http_status == 403 and alice.value.refused
    assert str(alice.value) == "Spotify refused the request (403): Forbidden"  # worded as the HTTP catalog's
    with pytest.raises(CatalogError) as editorial:
        catalog.playlist_tracks("spotify:playlist:official-chill")
    assert editorial.value.http_status == 404 and editorial.value.refused
    assert catalog.playlist_tracks("spotify:playlist:named")  # own
    assert catalog.playlist_tracks("spotify:playlist:shared")  # collaborative


@pytest.mark.parametrize("call", [
    lambda c: c.search_tracks("genre:jazz", limit=11), lambda c: c.search_tracks("genre:jazz", limit=0),
    lambda c: c.search_tracks("genre:jazz", offset=1001), lambda c: c.search_artists("genre:jazz", limit=20),
    lambda c: c.artist_albums("a000", limit=11), lambda c: c.saved_tracks(limit=51),
    lambda c: c.playlist_tracks("spotify:playlist:named", limit=51), lambda c: c.top_tracks(limit=51),
])
def test_limits_and_offsets_outside_the_documented_bounds_are_refused(call):
    with pytest.raises(CatalogError) as refused:
        call(small_catalog())
    assert refused.value.http_status == 400


def test_search_honours_offset_1000_and_genre_and_year_filters_on_tracks_and_artists():
    catalog = small_catalog(per_genre=100)
    assert catalog.search_tracks("genre:jazz", offset=1000) == []
    found = catalog.search_tracks('genre:"bossa nova" year:1995-2005', limit=10)
    assert found and all(1995 <= t.year <= 2005 for t in found)
    artists = catalog.search_artists('genre:"bossa nova"')
    assert [a.name for a in artists] == ["bossa nova band 0", "bossa nova band 1", "bossa nova band 2"]
    assert catalog.search_artists("genre:jazz year:2030-2031") == []
    assert parse_query('genre:"indie folk" year:1990-1999') == ([], "indie folk", (1990, 1999))


def test_no_withdrawn_field_is_exposed():
    catalog = small_catalog()
    artist = catalog.search_artists("genre:jazz")[0]
    album = catalog.artist_albums(artist.id)[0]
    track = catalog.album_tracks(album)[0]
    withdrawn = {"genres", "popularity", "followers", "preview_url", "available_markets", "label"}
    for value in (artist, album, track):
        assert not withdrawn & {f.name for f in dataclasses.fields(value)}
    assert track.year == album.year  # dated by the album's release
