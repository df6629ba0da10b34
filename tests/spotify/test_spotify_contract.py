"""Contract tests against ../shared's OpenAPI description: every stand-in answer fits the published schemas (withdrawn
fields absent), every request the daemon's client sends is valid, and the stand-in's rules match the spec's."""

from __future__ import annotations

import pytest
import requests

from device.core.values import Track
from device.devtools.standins.spotify.routes import SCOPES, SERVED, WITHDRAWN
from device.devtools.standins.spotify_contract import SpotifySpec, find_spec
from device.spotify.catalog import SpotifyCatalog

SPEC_PATH = find_spec()
pytestmark = pytest.mark.skipif(SPEC_PATH is None, reason="../shared/specs/spotify-web-api.openapi.yml is absent "
                                                           "(set MIRRORBALL_SHARED to the shared folder)")
pytest.importorskip("jsonschema", reason="jsonschema (a dev dependency) validates the bodies")
# Where the stand-in reads the live service rather than the spec's security list (see routes.SCOPES).
SCOPE_EXCEPTIONS = {"get-current-users-profile", "save-library-items"}
# The catalog's methods the exercise calls when the catalog has them (the music side grows and renames them).
CATALOG_CALLS = {"search_tracks": (("genre:rock year:1970-1989",), {"limit": 10}),
                 "search_artists": (("genre:jazz",), {"limit": 10}), "top_tracks": ((), {"limit": 10}),
                 "top_artists": ((), {"limit": 10}), "saved_tracks": ((), {"limit": 20}),
                 "recently_played": ((), {"limit": 20}), "my_playlists": ((), {})}


@pytest.fixture(scope="module")
def spec():
    return SpotifySpec(SPEC_PATH)


def exercise_daemon_client(rig):
    """What the daemon's client sends: the player's flows, the client's reads, the catalog's (happy and error paths)."""
    s, player, client = rig.standin, rig.player, rig.client
    catalog = SpotifyCatalog(client)
    picks = [Track(uri=t.uri, name=t.name, duration_ms=t.duration_ms) for t in list(s.tracks.values())[:8]]
    assert player.play(picks, volume=30)
    rig.line_up()
    rig.advance(5)
    rig.poll()
    client.currently_playing()
    rig.advance(picks[0].duration_ms / 1000)
    rig.poll()
    player.like()
    player.skip()
    rig.line_up()
    player.toggle()
    player.toggle()
    for kind in ("track", "artist", "album", "playlist"):
        client.search("genre:jazz year:1960-1979" if kind != "playlist" else "cozy", kind, limit=10, offset=10)
    client.top_tracks(limit=10, time_range="short_term")
    own = next(p for p in s.playlists.values() if p.owner == s.user_id)
    client.playlist_items(own.uri, limit=50)
    answers = {name: getattr(catalog, name)(*args, **kwargs) for name, (args, kwargs) in CATALOG_CALLS.items()}
    albums = catalog.artist_albums(answers["search_artists"][0].id, limit=10)
    catalog.album_tracks(albums[0], limit=50)
    other = next(p for p in s.playlists.values() if p.owner not in (s.user_id, "spotify") and p.public)
    for uri in (other.uri, next(p for p in s.playlists.values() if p.editorial).uri):
        try:
            client.playlist_items(uri)
        except Exception:
            pass  # 403 and 404: the documented refusals
    rig.advance(3)
    rig.poll()
    # error paths
    s.fail("GET", "/v1/me/player/devices", 503)
    client.devices()
    s.expire_access_tokens()
    client.devices()
    s.fail("PUT", "/v1/me/player/play", 404, message="Device not found", times=2)
    player.play(picks[-2:])
    rig.line_up()
    s.fail("GET", "/v1/search", 429, retry_after=1)
    try:
        client.search("genre:jazz", "track")
    except Exception:
        pass
    rig.advance(2)
    s.sleep_device("Living Room")
    client.playback()
    try:
        client.pause()
    except Exception:
        pass


def exercise_every_operation(standin):
    """Every operation the stand-in serves, straight over HTTP, with its refusals."""
    tok = standin.issue_token()["access_token"]
    w, me = standin.world, standin.user_id

    def get(path, token=tok, **params):
        return requests.get(standin.api_url + path, params=params, headers={"Authorization": f"Bearer {token}"},
                            timeout=5)

    artist, album = next(iter(w.artists.values())), next(iter(w.albums.values()))
    own = next(p for p in standin.playlists.values() if p.owner == me)
    shared = next(p for p in standin.playlists.values() if me in p.collaborators)
    other = next(p for p in standin.playlists.values() if p.owner not in (me, "spotify") and p.public)
    editorial = next(p for p in standin.playlists.values() if p.editorial)
    get("/search", q="genre:pop year:2000-2010", type="track,artist,album,playlist", limit=10, offset=990)
    get("/search", q="summer", type="playlist", limit=10)
    get("/search", q="x", type="track", limit=11)  # 400
    for path in ("/me", "/me/top/tracks", "/me/top/artists", "/me/tracks", "/me/player/recently-played",
                 "/me/playlists", f"/artists/{artist.id}", f"/artists/{artist.id}/albums", f"/albums/{album.id}",
                 f"/albums/{album.id}/tracks", f"/tracks/{album.track_ids[0]}", f"/playlists/{own.id}",
                 f"/playlists/{own.id}/items", f"/playlists/{shared.id}/items", f"/playlists/{other.id}",
                 f"/playlists/{other.id}/items", f"/playlists/{editorial.id}", f"/playlists/{editorial.id}/items",
                 "/artists/0000000000000000000000"):
        get(path)
    get("/me/top/tracks", token=standin.issue_token("user-read-playback-state")["access_token"])  # 403 scope
    recent = get("/me/player/recently-played", limit=5).json()
    get("/me/player/recently-played", before=recent["cursors"]["before"], limit=5)
    get("/recommendations", seed_genres="jazz")  # withdrawn: 403


def test_every_stand_in_answer_matches_the_published_schema(rig, spec):
    exercise_daemon_client(rig)
    exercise_every_operation(rig.standin)
    api = [e for e in rig.standin.exchanges if e.path.startswith("/v1/")]
    assert {200, 204, 400, 401, 403, 404, 429, 503} <= {e.status for e in api}
    problems = []
    for e in api:
        problems += spec.validate(e.method, e.path, e.status, e.body)
    assert problems == []
    answered = {spec.operation(e.method, e.path)[1]["operationId"] for e in api if e.status in (200, 204)}
    assert {op for _m, _p, op in SERVED} <= answered  # every operation served was checked with a real answer


def test_every_request_the_daemon_sends_is_valid(rig, spec):
    exercise_daemon_client(rig)
    problems = []
    for e in rig.standin.exchanges:
        if e.path.startswith("/v1/"):
            problems += spec.check_request(e.method, e.path, e.query, e.sent)
    assert problems == []
    # and the check bites: what the 2026 API refuses
    assert spec.check_request("GET", "/v1/search", {"q": "x", "type": "track", "limit": "50"}) == [
        "GET /v1/search: parameter limit='50': 50 is greater than the maximum of 10"]
    assert spec.check_request("GET", "/v1/search", {"q": "x", "type": "song"})[0].startswith(
        "GET /v1/search: parameter type='song': 'song' is not one of")
    assert spec.check_request("PUT", "/v1/me/library", {}) == [
        "PUT /v1/me/library: required parameter uris is missing"]
    assert spec.check_request("PUT", "/v1/me/player/play", {}, {"uris": "spotify:track:x"}) == [
        "PUT /v1/me/player/play: body uris: 'spotify:track:x' is not of type 'array'"]


def test_no_withdrawn_operation_is_called(rig, spec):
    exercise_daemon_client(rig)
    assert spec.deprecated_calls(rig.standin.requests) == []
    used = {spec.operation(*r.split(" ", 1))[1]["operationId"] for r in rig.standin.requests}
    assert {"get-a-users-available-devices", "transfer-a-users-playback", "start-a-users-playback",
            "pause-a-users-playback", "skip-users-playback-to-next-track", "set-volume-for-users-playback",
            "add-to-queue", "search", "save-library-items", "get-users-top-tracks", "get-playlists-items",
            "get-information-about-the-users-current-playback",
            "get-the-users-currently-playing-track"} <= used


def test_the_stand_ins_withdrawn_operations_and_scopes_are_the_specs(spec):
    assert sorted(WITHDRAWN) == sorted(spec.deprecated_operations())
    for method, _pattern, op in SERVED:
        template, found = next((t, o) for _p, t, m, o in spec._ops if m == method and o["operationId"] == op)
        assert not found.get("deprecated"), op
        if op not in SCOPE_EXCEPTIONS:
            assert SCOPES.get(op, ()) == spec.scopes(method, template), op


@pytest.mark.filterwarnings("ignore:You're using:DeprecationWarning")
def test_the_checks_catch_withdrawn_calls_withdrawn_fields_and_bad_bodies(rig, spec):
    sp = rig.client.sp
    for call in (lambda: sp.recommendations(seed_genres=["jazz"]), lambda: sp._get("audio-features/abc"),
                 lambda: sp._get("playlists/abc/tracks"), lambda: sp._put("me/tracks?ids=abc")):
        try:
            call()
        except Exception:
            pass  # the stand-in refuses them; the request log still shows the attempt
    flagged = spec.deprecated_calls(rig.standin.requests)
    assert [f.split(" (")[0] for f in flagged] == ["GET /v1/recommendations", "GET /v1/audio-features/abc",
                                                   "GET /v1/playlists/abc/tracks", "PUT /v1/me/tracks"]
    assert all("deprecated" in f for f in flagged)
    assert spec.deprecated_calls(["GET /v1/no/such/thing"]) == ["GET /v1/no/such/thing (not in the API description)"]
    bad_devices = {"devices": [{"id": "x", "name": "Speaker", "volume_percent": "loud", "is_active": "yes"}]}
    assert len(spec.validate("GET", "/v1/me/player/devices", 200, bad_devices)) == 2
    assert spec.validate("GET", "/v1/me/player/devices", 200, {"devices": [{"id": None, "name": "s",
                                                                            "volume_percent": None}]}) == []
    assert spec.validate("GET", "/v1/search", 429, {"error": {"message": "x"}})  # status is required
    artist = {"external_urls": {"spotify": "x"}, "href": "x", "id": "a", "images": [], "name": "n",
              "type": "artist", "uri": "spotify:artist:a"}
    assert spec.validate("GET", "/v1/artists/a", 200, artist) == []
    assert len(spec.validate("GET", "/v1/artists/a", 200, dict(artist, genres=["jazz"], popularity=5))) == 2
