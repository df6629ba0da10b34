"""The stand-in is as messy as the 2026 service: loose genre search, re-released recordings, sleeping speakers, Autoplay."""

from __future__ import annotations

import doctest

import pytest
import requests

from device.core.values import Track
from device.devtools.standins.spotify import FakeDevice, GenreFilter, SpotifyStandIn
from device.devtools.standins.spotify.playback import SPEAKER_SLEEP_S
from device.devtools.standins.spotify.search import Search
from device.devtools.standins.spotify_world_gen import default_world, generate


def api(s, method, path, token, **kw):
    return requests.request(method, s.api_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5, **kw)


def search(s, token, q, kind="artist", **params):
    return api(s, "GET", "/search", token, params={"q": q, "type": kind, "limit": 10, **params}).json()[kind + "s"]


def device_names(s, token) -> list[str]:
    return [d["name"] for d in api(s, "GET", "/me/player/devices", token).json()["devices"]]


@pytest.mark.parametrize("module", ["genres", "autoplay", "playback"])
def test_the_docstring_examples_hold(module):
    import importlib

    mod = importlib.import_module(f"device.devtools.standins.spotify.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------ genre: search

def test_acoustic_is_no_search_genre_though_artists_play_it(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    assert w.artists_in("acoustic")  # the catalogue has them ...
    for q in ("genre:acoustic", 'genre:"acoustic"', "genre:alternative"):
        assert search(standin, tok, q)["total"] == 0  # ... the genre filter finds none of them
        assert search(standin, tok, q, "track")["total"] == 0
    assert search(standin, tok, 'genre:"indie folk"')["total"] > 0  # where some of them are found instead


def test_genre_matches_loosely_and_ranks_by_hidden_popularity_among_all_matches(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    found = []
    for offset in range(0, 60, 10):
        found += search(standin, tok, "genre:pop", offset=offset)["items"]
    artists = [w.artists[a["id"]] for a in found]
    assert len(artists) > 2 * len(w.artists_in("pop"))
    tags = {g for a in artists for g in a.genres}
    assert {"k-pop", "indie pop", "dream pop"} <= tags  # tagged with the word
    assert "dance" in tags  # a neighbour of pop, not a word of it
    assert any("pop" not in a.genres for a in artists[:10])  # the first page is not only exact matches
    match = GenreFilter().artist_ids(w, "pop")  # 1 for a word of it, 0.5 for a neighbour such as dance
    assert {match[a.id] for a in artists} == {1.0, 0.5}
    ranked = [a.popularity * match[a.id] for a in artists]
    assert ranked == sorted(ranked, reverse=True)
    swing_only = next(a for a in w.artists_in("swing") if "jazz" not in a.genres)  # jazz brings its sub-genres
    track = w.tracks_of(swing_only.id)[0]
    assert track.id in {t.id for t in Search(w).find("track", f'genre:jazz artist:"{swing_only.name}"')}
    two_words = {g for a in Search(w).find("artist", 'genre:"indie pop"') for g in a.genres}
    assert {"indie", "k-pop"} <= two_words  # either word of the genre


def test_the_exact_genre_filter_is_still_there_for_comparison(clock):
    w = default_world()
    with SpotifyStandIn(clock=clock, genre_filter=GenreFilter(loose=False, unsearchable=frozenset())) as s:
        tok = s.issue_token()["access_token"]
        assert search(s, tok, "genre:pop")["total"] == len(w.artists_in("pop"))
        assert search(s, tok, "genre:acoustic")["total"] == len(w.artists_in("acoustic")) > 0
    assert not GenreFilter(loose=False).artist_ids(w, "acoustic")  # unsearchable words apply either way


# ------------------------------------------------------------ the same recordings, released again

def test_a_1970s_song_remastered_decades_later_is_found_by_the_remasters_year(standin):
    tok, w = standin.issue_token()["access_token"], standin.world
    remaster = next(t for t in w.tracks.values() if " - Remastered 20" in t.name
                    and 1970 <= w.tracks[t.original_id].year < 1980)
    first, year = w.tracks[remaster.original_id], remaster.year
    assert year >= 2000 and remaster.name == f"{first.name} - Remastered {year}"
    assert remaster.isrc != first.isrc and remaster.artist_ids == first.artist_ids
    assert w.albums[remaster.album_id].name.endswith(f"(Remastered {year})")
    who = f'track:"{first.name}" artist:"{w.artists[first.artist_ids[0]].name}"'
    in_remaster_year = {t["id"] for t in search(standin, tok, f"{who} year:{year}", "track")["items"]}
    in_first_year = {t["id"] for t in search(standin, tok, f"{who} year:{first.year}", "track")["items"]}
    assert remaster.id in in_remaster_year and first.id not in in_remaster_year
    assert first.id in in_first_year and remaster.id not in in_first_year
    body = api(standin, "GET", f"/tracks/{remaster.id}", tok).json()
    assert body["album"]["release_date"].startswith(str(year)) and body["external_ids"]["isrc"] == remaster.isrc


def test_one_recording_on_a_single_an_album_and_a_compilation_under_one_isrc(standin):
    tok, w = standin.issue_token()["access_token"], standin.world

    def kinds(t):
        return {w.albums[v.album_id].album_type for v in w.versions_of(t) if v.isrc == t.isrc}

    song = next(t for t in w.tracks.values() if not t.original_id and {"single", "album", "compilation"} <= kinds(t))
    found = search(standin, tok, f"isrc:{song.isrc}", "track")["items"]
    assert len(found) >= 3 and {t["name"] for t in found} == {song.name}
    assert {t["album"]["album_type"] for t in found} >= {"single", "album", "compilation"}
    assert len({t["id"] for t in found}) == len(found)  # three ids for one song
    names = search(standin, tok, f'track:"{song.name}" artist:"{song.artist}"', "track")["items"]
    assert sum(t["name"] == song.name for t in names) >= 3


def test_compilations_of_old_tracks_and_deluxe_reissues(standin):
    w = standin.world
    best_of = [al for al in w.albums.values() if al.album_type == "compilation"
               and all(w.tracks[t].original_id for t in al.track_ids)]
    assert len(best_of) > 50
    for al in best_of:
        originals = [w.tracks[w.tracks[t].original_id] for t in al.track_ids]
        assert all(o.year < al.year and o.artist_ids[0] == al.artist_ids[0] for o in originals)
        assert [w.tracks[t].isrc for t in al.track_ids] == [o.isrc for o in originals]
    deluxe = next(al for al in w.albums.values() if al.name.endswith("(Deluxe Edition)"))
    bonus = [w.tracks[t] for t in deluxe.track_ids if not w.tracks[t].original_id]
    assert bonus and all(" - " in t.name for t in bonus)  # a demo or live take: another recording, same title


def test_the_listener_and_other_people_play_and_list_the_copies_too():
    a, b = generate(11), generate(11)
    assert list(a.tracks) == list(b.tracks) and a.listener == b.listener and a.playlists == b.playlists
    copies = sum(1 for tid, _ in a.listener.plays if a.tracks[tid].original_id)
    assert 0.05 * len(a.listener.plays) < copies < 0.5 * len(a.listener.plays)
    listed = [t for p in a.playlists.values() for t in p.track_ids]
    assert any(a.tracks[t].original_id for t in listed)
    assert any(a.tracks[t].original_id for t, _ in a.listener.saved)


# ------------------------------------------------------------ speakers that fall asleep

def test_a_paused_speaker_falls_asleep_and_refuses_play_until_someone_wakes_it(standin, clock):
    tok, s = standin.issue_token()["access_token"], standin
    dev = s.device("Living Room").id
    track = next(iter(s.tracks.values()))
    assert api(s, "PUT", f"/me/player/play?device_id={dev}", tok, json={"uris": [track.uri]}).status_code == 204
    clock.advance(10)
    assert api(s, "PUT", "/me/player/pause", tok).status_code == 204
    clock.advance(SPEAKER_SLEEP_S - 60)
    assert "Living Room" in device_names(s, tok) and api(s, "GET", "/me/player", tok).status_code == 200
    clock.advance(61)
    assert "Living Room" not in device_names(s, tok)
    assert api(s, "GET", "/me/player", tok).status_code == 204  # the playback state went with it
    r = api(s, "PUT", f"/me/player/play?device_id={dev}", tok, json={"uris": [track.uri]})
    assert r.status_code == 404 and r.json() == {"error": {"status": 404, "message": "Device not found"}}
    r = api(s, "PUT", "/me/player/play", tok, json={"uris": [track.uri]})
    assert r.json()["error"]["reason"] == "NO_ACTIVE_DEVICE"
    assert api(s, "PUT", "/me/player", tok, json={"device_ids": [dev], "play": True}).status_code == 404
    clock.advance(6 * 3600)
    assert "Living Room" not in device_names(s, tok)  # the Web API cannot wake it
    s.wake_device("Living Room")  # someone can
    assert api(s, "PUT", f"/me/player/play?device_id={dev}", tok, json={"uris": [track.uri]}).status_code == 204


def test_a_playing_speaker_stays_awake_the_one_it_left_idles_and_an_app_wakes_one(standin, clock):
    tok, s = standin.issue_token()["access_token"], standin
    track = next(iter(s.tracks.values()))
    lr, kitchen = s.device("Living Room").id, s.device("Kitchen Speaker").id
    assert api(s, "PUT", f"/me/player/play?device_id={kitchen}", tok, json={"uris": [track.uri]}).status_code == 204
    clock.advance(SPEAKER_SLEEP_S - 300)
    assert api(s, "PUT", "/me/player", tok, json={"device_ids": [lr], "play": True}).status_code == 204
    clock.advance(600)
    assert device_names(s, tok) == ["Living Room", "Kitchen Speaker"]  # the idle TV dropped off
    clock.advance(SPEAKER_SLEEP_S - 500)  # the kitchen idles from the moment playback left it
    assert device_names(s, tok) == ["Living Room"] and s.playing  # Autoplay keeps the living room playing
    clock.advance(3 * 3600)
    assert device_names(s, tok) == ["Living Room"] and s.playing
    s.app_play([track.uri], device="Kitchen Speaker")  # someone plays on it from their phone
    assert "Kitchen Speaker" in device_names(s, tok) and s.active_id == kitchen


def test_a_speaker_without_sleep_after_stays_listed(clock):
    with SpotifyStandIn(clock=clock, devices=[FakeDevice("Hi-Fi"), FakeDevice("Nap", sleep_after_s=60)]) as s:
        tok = s.issue_token()["access_token"]
        clock.advance(59)
        assert device_names(s, tok) == ["Hi-Fi", "Nap"]
        clock.advance(2)
        assert device_names(s, tok) == ["Hi-Fi"]
        clock.advance(30 * 86_400)
        assert device_names(s, tok) == ["Hi-Fi"]


def test_the_player_reports_a_speaker_that_fell_asleep_and_plays_once_it_is_woken(rig):
    s, player = rig.standin, rig.player
    tracks = [t for t in s.tracks.values() if t.genre == "soul"][:3]
    picks = [Track(uri=t.uri, name=t.name, artists=(t.artist,), duration_ms=t.duration_ms) for t in tracks]
    assert player.play(picks[:2]) and player.pause()
    rig.advance(SPEAKER_SLEEP_S + 1)
    player.poll()
    assert not player.play(picks[2:])
    assert "speaker 'living room' not found among Spotify Connect devices (asleep" in player.status()
    s.wake_device("Living Room")
    rig.advance(30)  # past the player's back-off
    assert player.play(picks[2:]) and s.current().id == tracks[2].id


# ------------------------------------------------------------ Autoplay

def _play_and_run(s, clock, token, uri, tracks):
    dev = s.device("Living Room").id
    assert api(s, "PUT", f"/me/player/play?device_id={dev}", token, json={"uris": [uri]}).status_code == 204
    for _ in range(tracks):
        cur = s.current()
        if cur is None or not s.playing:
            break
        clock.advance(cur.duration_ms / 1000 + 1)
        s.advance(0)


def test_autoplay_is_on_and_plays_similar_tracks_of_the_services_choice_explicit_ones_too(standin, clock):
    tok, s, w = standin.issue_token()["access_token"], standin, standin.world
    assert s.autoplay  # the Spotify apps' default
    start = next(t for t in w.tracks.values() if t.genre == "hip-hop" and not t.explicit)
    _play_and_run(s, clock, tok, start.uri, 20)
    auto = [w.tracks[i] for i in s.playback.autoplayed]
    assert len(auto) >= 20 and s.playing and len(set(s.sequence)) == len(s.sequence)
    assert s.playback.autoplayer.similar_genres(start) & w.genres_of(auto[0])
    assert any(t.explicit for t in auto)  # nobody asked for these, nor for them to be clean
    assert api(s, "GET", "/me/player", tok).json()["item"]["id"] == auto[-1].id


def test_autoplay_off_stops_when_the_list_ends(clock):
    with SpotifyStandIn(clock=clock, autoplay=False) as s:
        tok = s.issue_token()["access_token"]
        _play_and_run(s, clock, tok, next(iter(s.tracks.values())).uri, 3)
        assert not s.playing and s.playback.autoplayed == []
