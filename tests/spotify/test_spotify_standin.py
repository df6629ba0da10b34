"""The stand-in itself behaves like the Web API where the project relies on it."""

from __future__ import annotations

import requests

from device.standins.spotify import SpotifyStandIn


def api(s, method, path, token, **kw):
    return requests.request(method, s.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5, **kw)


def test_speed_shortens_tracks_and_the_queue_plays_first(clock):
    with SpotifyStandIn(clock=clock) as normal, SpotifyStandIn(clock=clock, speed=10) as s:
        tok = s.issue_token()["access_token"]
        ids = list(s.tracks)[:3]
        assert s.tracks[ids[0]].duration_ms == normal.tracks[ids[0]].duration_ms // 10  # a song in seconds
        dev = s.device("Living Room").id
        assert api(s, "PUT", f"/me/player/play?device_id={dev}", tok,
                   json={"uris": [f"spotify:track:{i}" for i in ids[:2]]}).status_code == 204
        assert api(s, "POST", f"/me/player/queue?uri=spotify:track:{ids[2]}", tok).status_code == 204
        clock.advance(s.tracks[ids[0]].duration_ms / 1000 + 5)
        now = api(s, "GET", "/me/player/currently-playing", tok).json()
        assert now["item"]["id"] == ids[2]  # the queue plays before the rest of the list
        assert now["item"]["duration_ms"] == s.tracks[ids[2]].duration_ms
        assert 4900 <= now["progress_ms"] <= 5100
        s.sleep_device("Living Room")
        assert api(s, "GET", "/me/player", tok).status_code == 204
        assert "Living Room" not in [d["name"] for d in api(s, "GET", "/me/player/devices", tok).json()["devices"]]
        s.wake_device("Living Room")
        assert "Living Room" in [d["name"] for d in api(s, "GET", "/me/player/devices", tok).json()["devices"]]


def test_errors_are_shaped_like_spotifys(standin):
    tok = standin.issue_token()["access_token"]
    r = api(standin, "GET", "/search?q=genre:pop&type=track&limit=11", tok)
    assert r.status_code == 400 and r.json() == {"error": {"status": 400, "message": "Invalid limit"}}
    r = api(standin, "GET", "/me/player/devices", "nonsense")
    assert r.status_code == 401 and r.json()["error"]["message"] == "Invalid access token"
    r = api(standin, "PUT", "/me/player/pause", tok)
    assert r.json() == {"error": {"status": 404, "message": "Player command failed: No active device found",
                                  "reason": "NO_ACTIVE_DEVICE"}}
    standin.fail("GET", "/v1/me/top/tracks", 429, retry_after=7)
    r = api(standin, "GET", "/me/top/tracks", tok)
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert api(standin, "GET", "/me/top/tracks", tok).status_code == 200  # the fault was used up
    assert standin.requests == ["GET /v1/search", "GET /v1/me/player/devices", "PUT /v1/me/player/pause",
                                "GET /v1/me/top/tracks", "GET /v1/me/top/tracks"]


def test_search_filters_and_paging(standin):
    tok = standin.issue_token()["access_token"]
    r = api(standin, "GET", "/search", tok, params={"q": 'genre:"indie pop" year:1980-2009', "type": "track",
                                                    "limit": 10, "offset": 0}).json()["tracks"]
    ids = [t["id"] for t in r["items"]]
    assert ids and all(standin.tracks[i].genre == "indie pop" and 1980 <= standin.tracks[i].year <= 2009
                       for i in ids)
    assert r["total"] == len([t for t in standin.tracks.values()
                              if t.genre == "indie pop" and 1980 <= t.year <= 2009])
    r = api(standin, "GET", "/search", tok, params={"q": "feel good", "type": "playlist", "limit": 10}).json()
    assert {p["name"]: p["owner"]["id"] for p in r["playlists"]["items"]} == {
        "Upbeat Dance Party": "listener", "Today's Top Hits": "spotify"}
