"""The MusicCatalog on the Web API (through the stand-in): search pages of 10, playlist items, top tracks."""

from __future__ import annotations

import pytest

from device.core.catalog import CatalogError
from device.devtools.standins.spotify.genres import GenreFilter
from device.spotify.catalog import SpotifyCatalog
from device.spotify.errors import RateLimited


@pytest.fixture
def catalog(rig):
    return SpotifyCatalog(rig.client)


def test_search_tracks_with_genre_and_year_filters(catalog, rig):
    found = catalog.search_tracks('genre:"jazz" year:1965-1999', limit=10)
    jazz = GenreFilter().artist_ids(rig.standin.world, "jazz")  # loose, as the service matches: swing too
    expected = {t.uri for t in rig.standin.tracks.values() if set(t.artist_ids) & jazz.keys() and 1965 <= t.year <= 1999}
    assert found and {t.uri for t in found} <= expected
    assert all(t.year and 1965 <= t.year <= 1999 for t in found)
    assert all(t.source == 'search:genre:"jazz" year:1965-1999' for t in found)


def test_search_pages_at_most_10(catalog, rig):
    found = catalog.search_tracks("genre:pop", offset=0, limit=15)
    assert len(found) == 15 and len({t.uri for t in found}) == 15
    limits = [int(e.query["limit"]) for e in rig.standin.exchanges if e.path == "/v1/search"]
    offsets = [int(e.query["offset"]) for e in rig.standin.exchanges if e.path == "/v1/search"]
    assert limits == [10, 5] and offsets == [0, 10]


def test_standin_refuses_limit_over_10(rig):
    with pytest.raises(CatalogError, match="Spotify error 400: Invalid limit"):
        rig.client._call("search", rig.client.sp.search, "genre:pop", limit=11)  # past the client's clamp


def test_read_own_playlist(catalog, rig):
    playlist = next(p for p in rig.standin.playlists.values() if p.owner == rig.standin.user_id)
    tracks = catalog.playlist_tracks(f"spotify:playlist:{playlist.id}", limit=50)
    assert [t.uri.rsplit(":", 1)[-1] for t in tracks] == list(playlist.track_ids)
    assert rig.standin.requests[-1] == f"GET /v1/playlists/{playlist.id}/items"


def test_spotify_owned_playlist_cannot_be_read(catalog, rig):
    editorial = next(p for p in rig.standin.playlists.values() if p.owner == "spotify")
    with pytest.raises(CatalogError, match="404"):
        catalog.playlist_tracks(editorial.uri)


def test_top_tracks(catalog, rig):
    top = catalog.top_tracks(limit=20)
    assert len(top) == 20 and top[0].uri == rig.standin.tracks[rig.standin.top_track_ids[0]].uri
    assert top[0].source == "top tracks"


def test_catalog_errors_are_catalog_errors(catalog, rig):
    rig.standin.fail("GET", "/v1/search", 429, retry_after=30)
    with pytest.raises(RateLimited) as info:
        catalog.search_tracks("genre:rock")
    assert isinstance(info.value, CatalogError)
    assert str(info.value).startswith("Spotify rate limited until")
