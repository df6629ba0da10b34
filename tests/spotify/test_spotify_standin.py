"""The stand-in behaves like the 2026 Web API, restrictions included (one test per rule), and serves a real-shaped world."""

from __future__ import annotations

import re

import requests

from device.devtools.standins.spotify import GenreFilter, RateLimit, SpotifyStandIn
from device.devtools.standins.spotify_world import EDITORIAL_PREFIX, GENRES
from device.devtools.standins.spotify_world_gen import generate

WITHDRAWN_FIELDS = {"artist": {"genres", "popularity", "followers"},
                    "track": {"popularity", "preview_url", "available_markets", "linked_from"},
                    "album": {"genres", "label", "popularity", "available_markets", "album_group"},
                    "playlist": {"tracks"}, "user": {"country", "email", "product", "explicit_content", "followers"}}


def api(s, method, path, token, **kw):
    return requests.request(method, s.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5, **kw)


def withdrawn_fields(body, where="") -> list[str]:
    """Every withdrawn field anywhere in a JSON body (playlist items' `track` included)."""
    found = []
    if isinstance(body, dict):
        kind = body.get("type")
        found += [f"{where}.{k}" for k in WITHDRAWN_FIELDS.get(kind, ()) if k in body]
        if "added_by" in body and "track" in body:
            found.append(f"{where}.track")
        for k, v in body.items():
            found += withdrawn_fields(v, f"{where}.{k}")
    elif isinstance(body, list):
        for i, v in enumerate(body):
            found += withdrawn_fields(v, f"{where}[{i}]")
    return found


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


def test_search_limit_is_1_to_10_and_offset_at_most_1000(standin):
    tok = standin.issue_token()["access_token"]

    def search(**params):
        return api(standin, "GET", "/search", tok, params={"q": "genre:rock", "type": "track", **params})

    for bad, message in (({"limit": 0}, "Invalid limit"), ({"limit": 11}, "Invalid limit"),
                         ({"limit": 50}, "Invalid limit"), ({"offset": 1001}, "Invalid offset"),
                         ({"offset": -1}, "Invalid offset"), ({"limit": "ten"}, "Invalid limit or offset")):
        r = search(**bad)
        assert r.status_code == 400 and r.json() == {"error": {"status": 400, "message": message}}, bad
    assert len(search().json()["tracks"]["items"]) == 5  # the documented default
    assert len(search(limit=10).json()["tracks"]["items"]) == 10
    assert search(offset=1000, limit=10).status_code == 200
    assert api(standin, "GET", "/search", tok, params={"type": "track"}).status_code == 400  # q is required
    assert api(standin, "GET", "/search", tok, params={"q": "x", "type": "song"}).status_code == 400


def test_genre_and_year_filter_tracks_and_artists_though_no_object_carries_a_genre(standin):
    tok, world = standin.issue_token()["access_token"], standin.world
    found = GenreFilter().artist_ids(world, "indie pop")  # loose: test_spotify_mess.py shows how
    r = api(standin, "GET", "/search", tok, params={"q": 'genre:"indie pop" year:1980-2009', "type": "track",
                                                    "limit": 10}).json()["tracks"]
    expected = [t for t in world.tracks.values() if set(t.artist_ids) & found.keys() and 1980 <= t.year <= 2009]
    assert r["total"] == len(expected) > 10
    assert all(world.tracks[t["id"]].id in {e.id for e in expected} for t in r["items"])
    r = api(standin, "GET", "/search", tok, params={"q": "genre:jazz", "type": "artist", "limit": 10}).json()
    artists = r["artists"]["items"]
    jazz = GenreFilter().artist_ids(world, "jazz")
    assert artists and all(a["id"] in jazz for a in artists)
    assert r["artists"]["total"] == len(jazz) > len(world.artists_in("jazz"))
    assert all(set(a) == {"external_urls", "href", "id", "images", "name", "type", "uri"} for a in artists)
    r = api(standin, "GET", "/search", tok, params={"q": "genre:jazz year:1960-1969", "type": "artist"}).json()
    assert all(world.artists[a["id"]].active_from <= 1969 and world.artists[a["id"]].active_to >= 1960
               for a in r["artists"]["items"])
    # a genre no rule names is searchable too
    r = api(standin, "GET", "/search", tok, params={"q": 'genre:"sea shanties"', "type": "track"}).json()
    assert r["tracks"]["total"] > 0


def test_playlist_search_finds_other_peoples_playlists_whose_items_are_refused(standin):
    tok, me = standin.issue_token()["access_token"], standin.user_id
    owners, found = [], []
    for offset in range(0, 30, 10):
        page = api(standin, "GET", "/search", tok, params={"q": "chill", "type": "playlist", "limit": 10,
                                                           "offset": offset}).json()["playlists"]
        found += page["items"]
        owners += [p["owner"]["id"] for p in page["items"]]
    assert len(found) >= 10 and owners.count(me) <= len(owners) // 10  # mostly other users' and Spotify's
    assert "spotify" in owners
    other = next(p for p in found if p["owner"]["id"] not in (me, "spotify"))
    r = api(standin, "GET", f"/playlists/{other['id']}/items", tok)
    assert r.status_code == 403 and r.json() == {"error": {"status": 403, "message": "Forbidden"}}
    meta = api(standin, "GET", f"/playlists/{other['id']}", tok).json()
    assert meta["name"] == other["name"] and "items" not in meta and "tracks" not in meta
    editorial = next(p for p in found if p["owner"]["id"] == "spotify")
    assert editorial["id"].startswith(EDITORIAL_PREFIX)
    for path in (f"/playlists/{editorial['id']}", f"/playlists/{editorial['id']}/items"):
        r = api(standin, "GET", path, tok)
        assert r.status_code == 404 and r.json() == {"error": {"status": 404, "message": "Resource not found"}}
    mine = [p for p in standin.playlists.values() if p.owner == me]
    shared = [p for p in standin.playlists.values() if me in p.collaborators]
    assert mine and shared and all(p.collaborative and not p.public for p in shared)
    for p in mine + shared:
        r = api(standin, "GET", f"/playlists/{p.id}/items", tok, params={"limit": 50})
        assert r.status_code == 200 and [i["item"]["id"] for i in r.json()["items"]] == list(p.track_ids)[:50]


def test_withdrawn_operations_are_refused(clock):
    with SpotifyStandIn(clock=clock) as s, SpotifyStandIn(clock=clock, withdrawn_status=404) as s404:
        track, artist = next(iter(s.world.tracks.values())), next(iter(s.world.artists.values()))
        calls = [("GET", "/recommendations?seed_genres=jazz"), ("GET", f"/audio-features/{track.id}"),
                 ("GET", f"/artists/{artist.id}/top-tracks"), ("GET", f"/artists/{artist.id}/related-artists"),
                 ("GET", f"/tracks?ids={track.id}"), ("GET", f"/playlists/{next(iter(s.playlists))}/tracks"),
                 ("PUT", f"/me/tracks?ids={track.id}"), ("GET", "/browse/featured-playlists"),
                 ("GET", "/users/listener/playlists"), ("GET", "/markets")]
        for stand_in, status in ((s, 403), (s404, 404)):
            tok = stand_in.issue_token()["access_token"]
            for method, path in calls:
                r = api(stand_in, method, path, tok)
                assert r.status_code == status and r.json()["error"]["status"] == status, path
        tok = s.issue_token()["access_token"]
        assert api(s, "GET", f"/tracks/{track.id}", tok).status_code == 200  # the single read is still there


def test_no_object_carries_a_withdrawn_field(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    me = standin.user_id
    own = next(p for p in standin.playlists.values() if p.owner == me)
    artist, album = next(iter(w.artists.values())), next(iter(w.albums.values()))
    paths = ["/search?q=genre:pop&type=track,artist,album,playlist&limit=10", "/search?q=happy&type=playlist",
             "/me/top/tracks", "/me/top/artists", "/me/tracks", "/me/player/recently-played", "/me/playlists", "/me",
             f"/artists/{artist.id}", f"/artists/{artist.id}/albums", f"/albums/{album.id}",
             f"/albums/{album.id}/tracks", f"/tracks/{album.track_ids[0]}", f"/playlists/{own.id}",
             f"/playlists/{own.id}/items"]
    for path in paths:
        r = api(standin, "GET", path, tok)
        assert r.status_code == 200, path
        assert withdrawn_fields(r.json()) == [], path
    track = api(standin, "GET", f"/tracks/{album.track_ids[0]}", tok).json()
    assert re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}\d{7}", track["external_ids"]["isrc"])
    assert isinstance(track["explicit"], bool) and track["album"]["release_date_precision"] in ("year", "month", "day")


def test_scopes_are_required_as_the_spec_lists_them(standin):
    playback_only = standin.issue_token("user-read-playback-state user-modify-playback-state")["access_token"]
    for path in ("/me/top/tracks", "/me/top/artists", "/me/tracks", "/me/player/recently-played", "/me/playlists",
                 f"/playlists/{next(p.id for p in standin.playlists.values() if p.owner == standin.user_id)}/items"):
        r = api(standin, "GET", path, playback_only)
        assert r.status_code == 403 and r.json() == {"error": {"status": 403, "message": "Insufficient client scope"}}
    assert api(standin, "GET", "/search?q=genre:jazz&type=track", playback_only).status_code == 200  # no scope
    assert api(standin, "GET", "/me/player/devices", playback_only).status_code == 200
    library = standin.issue_token("user-library-modify")["access_token"]
    track = next(iter(standin.tracks.values()))
    assert api(standin, "PUT", f"/me/library?uris={track.uri}", library).status_code == 200
    playlist = next(iter(standin.playlists.values()))
    assert api(standin, "PUT", f"/me/library?uris={playlist.uri}", library).status_code == 403  # a follow
    assert api(standin, "GET", "/me/player/devices", library).status_code == 403


def test_rate_limit_is_a_rolling_window_with_retry_after(clock):
    with SpotifyStandIn(clock=clock, rate_limit=RateLimit(requests=5, window_s=30)) as s:
        tok = s.issue_token()["access_token"]
        for _ in range(5):
            assert api(s, "GET", "/me/player/devices", tok).status_code == 200
            clock.advance(1)
        r = api(s, "GET", "/me/player/devices", tok)
        assert r.status_code == 429 and r.headers["Retry-After"] == "25"
        assert r.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
        clock.advance(25)  # the first request leaves the window: one more may pass
        assert api(s, "GET", "/me/player/devices", tok).status_code == 200
        assert api(s, "GET", "/me/player/devices", tok).status_code == 429
    with SpotifyStandIn(clock=clock) as s:  # on by default, at a budget a client that polls never meets
        tok = s.issue_token()["access_token"]
        assert all(api(s, "GET", "/me/player/devices", tok).status_code == 200 for _ in range(RateLimit().requests))
        assert api(s, "GET", "/search?q=genre:pop&type=track", tok).status_code == 429
    with SpotifyStandIn(clock=clock, rate_limit=None) as s:
        tok = s.issue_token()["access_token"]
        assert all(api(s, "GET", "/me", tok).status_code == 200 for _ in range(RateLimit().requests + 5))


def test_the_library_follows_what_was_played(clock):
    with SpotifyStandIn(clock=clock) as s:
        tok, w = s.issue_token()["access_token"], s.world
        recent = api(s, "GET", "/me/player/recently-played", tok, params={"limit": 50}).json()["items"]
        assert len(recent) == 50 and recent[0]["played_at"] > recent[-1]["played_at"]
        top = [t["id"] for t in api(s, "GET", "/me/top/tracks", tok, params={"limit": 50}).json()["items"]]
        top_artists = [a["id"] for a in api(s, "GET", "/me/top/artists", tok).json()["items"]]
        assert len(set(top_artists[:10]) & set(w.listener.loved_artist_ids)) >= 5  # the world's taste shows
        # play three tracks through, and skip one after 10 s: only those that played 30 s count
        played = [t for t in s.tracks.values() if t.id not in top][:4]
        dev = s.device("Living Room").id
        assert api(s, "PUT", f"/me/player/play?device_id={dev}", tok,
                   json={"uris": [t.uri for t in played]}).status_code == 204
        clock.advance(10)
        assert api(s, "POST", "/me/player/next", tok).status_code == 204
        for t in played[1:]:
            clock.advance(t.duration_ms / 1000)
        recent = api(s, "GET", "/me/player/recently-played", tok, params={"limit": 3}).json()["items"]
        assert [i["track"]["id"] for i in recent] == [t.id for t in reversed(played[1:])]
        for _ in range(40):  # a track played again and again climbs into the short-term top
            s.app_play([played[1].uri])
            clock.advance(played[1].duration_ms / 1000 + 1)
            s.advance(0)
        top = api(s, "GET", "/me/top/tracks", tok, params={"time_range": "short_term", "limit": 1}).json()["items"]
        assert top[0]["id"] == played[1].id
        assert api(s, "PUT", f"/me/library?uris={played[2].uri}", tok).status_code == 200
        saved = api(s, "GET", "/me/tracks", tok, params={"limit": 2}).json()
        assert saved["items"][0]["track"]["id"] == played[2].id and saved["total"] > 100
        assert s.saved == [played[2].uri]
        lists = api(s, "GET", "/me/playlists", tok, params={"limit": 50}).json()["items"]
        owners = {p["owner"]["id"] for p in lists}
        assert s.user_id in owners and "spotify" in owners and len(owners) > 3
        assert any(p["collaborative"] for p in lists)


def test_artists_albums_and_tracks(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    artist = max(w.artists.values(), key=lambda a: len([al for al in w.albums.values() if a.id in al.artist_ids]))
    r = api(standin, "GET", f"/artists/{artist.id}/albums", tok, params={"limit": 10})
    albums = r.json()["items"]
    assert albums and [a["release_date"] for a in albums] == sorted((a["release_date"] for a in albums), reverse=True)
    assert api(standin, "GET", f"/artists/{artist.id}/albums", tok, params={"limit": 11}).status_code == 400
    singles = sorted((al for al in w.albums.values() if artist.id in al.artist_ids and al.album_type == "single"),
                     key=lambda al: al.release_date, reverse=True)
    assert [a["id"] for a in api(standin, "GET", f"/artists/{artist.id}/albums", tok,
                                 params={"include_groups": "single"}).json()["items"]] == [al.id for al in singles[:5]]
    album = albums[0]
    tracks = api(standin, "GET", f"/albums/{album['id']}/tracks", tok, params={"limit": 50}).json()
    assert tracks["total"] == album["total_tracks"] and [t["track_number"] for t in tracks["items"]] == list(
        range(1, album["total_tracks"] + 1))
    full = api(standin, "GET", f"/albums/{album['id']}", tok).json()
    assert full["tracks"]["items"][0]["id"] == tracks["items"][0]["id"] and "upc" in full["external_ids"]
    assert api(standin, "GET", "/artists/0000000000000000000000", tok).status_code == 404
    assert api(standin, "GET", "/albums/0000000000000000000000/tracks", tok).status_code == 404


def test_the_world_is_deterministic_and_shaped_like_the_real_catalogue():
    a, b = generate(11), generate(11)
    assert list(a.tracks) == list(b.tracks) and a.listener == b.listener
    assert list(generate(12).tracks) != list(a.tracks)
    w = a
    assert len(w.artists) > 300 and len(w.tracks) > 5000 and len(GENRES) >= 60
    for unnamed in ("k-pop", "sea shanties", "fado", "drill"):  # genres no Mirrorball rule names
        assert w.artists_in(unnamed)
    precision = {al.release_date_precision for al in w.albums.values()}
    assert precision == {"year", "month", "day"}
    old = [al for al in w.albums.values() if al.year < 1975]
    assert sum(al.release_date_precision == "year" for al in old) > len(old) / 2  # older: mostly to the year
    years = {t.year // 10 * 10 for t in w.tracks.values()}
    assert {1960, 1970, 1980, 1990, 2000, 2010, 2020} <= years

    def explicit_share(genre):
        ts = [t for t in w.tracks.values() if t.genre == genre]
        return sum(t.explicit for t in ts) / len(ts)

    assert explicit_share("hip-hop") > 0.3 and explicit_share("children's music") == 0
    owners = [p.owner for p in w.playlists.values()]
    assert owners.count(w.listener.user_id) < len(owners) / 20 and owners.count("spotify") >= 20


def test_prose_rules_of_play_and_search_filters(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    dev = standin.device("Living Room").id
    track = next(iter(standin.tracks.values()))
    play = f"/me/player/play?device_id={dev}"
    r = api(standin, "PUT", play, tok, json={"uris": [track.uri], "offset": {"position": 0}})
    assert r.status_code == 400  # offset: "only available when context_uri corresponds to an album or playlist"
    assert api(standin, "PUT", play, tok, json={"uris": [track.uri], "position_ms": -5}).status_code == 400
    album = next(al for al in w.albums.values() if len(al.track_ids) > 3)
    assert api(standin, "PUT", play, tok, json={"context_uri": album.uri, "offset": {"position": 2}}).status_code == 204
    assert standin.current().id == album.track_ids[2] and standin.context_uri == album.uri
    assert api(standin, "PUT", play, tok, json={"context_uri": album.uri, "offset": {"position": 99}}).status_code == 400
    # tag:new (released in the past two weeks) and tag:hipster (lowest 10 % popularity) apply to albums only
    new = api(standin, "GET", "/search", tok, params={"q": "tag:new", "type": "album", "limit": 10}).json()
    cutoff = standin.wall() - 14 * 86_400
    assert all(w.albums[a["id"]].release_date_precision == "day" and
               __import__("calendar").timegm(tuple(map(int, a["release_date"].split("-"))) + (0, 0, 0)) >= cutoff
               for a in new["albums"]["items"])
    hip = api(standin, "GET", "/search", tok, params={"q": "tag:hipster", "type": "album", "limit": 10}).json()
    ranked = sorted(al.popularity for al in w.albums.values())
    assert 0 < hip["albums"]["total"] and all(w.albums[a["id"]].popularity <= ranked[len(ranked) // 10]
                                              for a in hip["albums"]["items"])


def test_a_user_the_development_mode_app_does_not_list_is_refused(standin):
    tok = standin.issue_token()["access_token"]
    assert api(standin, "GET", "/me", tok).status_code == 200
    standin.registered = False
    for method, path in (("GET", "/me"), ("GET", "/search?q=x&type=track"), ("GET", "/me/player/devices")):
        r = api(standin, method, path, tok)
        assert r.status_code == 403 and "may not be registered" in r.json()["error"]["message"]


def test_search_in_memory_finds_what_the_stand_in_pages(standin):
    from device.devtools.standins.spotify.search import Search

    tok = standin.issue_token()["access_token"]
    query = 'genre:"indie pop" year:1990-2009'
    records = Search(standin.world).find("track", query)
    page = api(standin, "GET", "/search", tok, params={"q": query, "type": "track", "limit": 10}).json()["tracks"]
    assert [t.id for t in records[:10]] == [t["id"] for t in page["items"]] and len(records) == page["total"]
