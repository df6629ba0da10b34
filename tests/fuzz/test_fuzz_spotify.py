"""Any answer from the Spotify Web API gives a value or a SpotifyError (client, catalog); the player never raises."""

from __future__ import annotations

import tempfile
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path

import pytest
from fuzz_http import Answer, fuzz_session, json_values, numbers, objects
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from property_settings import examples

from device.config.schema import SpotifyConfig
from device.core.catalog import AlbumRef
from device.core.values import Track
from device.spotify.auth import TokenCache, TokenManager
from device.spotify.catalog import SpotifyCatalog
from device.spotify.client import SpotifyClient
from device.spotify.errors import SpotifyError
from device.spotify.player import SpotifyPlayer
from device.spotify.speaker import select_speaker

NOW = 1_800_000_000.0
KEYS = ["devices", "id", "name", "is_active", "is_restricted", "type", "volume_percent", "item", "uri", "is_playing",
        "progress_ms", "device", "context", "tracks", "items", "track", "album", "release_date", "artists",
        "duration_ms", "explicit", "playlists", "owner", "error", "status", "message", "reason"]
anything = json_values(KEYS)
uris = st.sampled_from(["spotify:track:aaaa", "spotify:track:bbbb", "spotify:playlist:cccc", ""]) | st.text(max_size=8)
artist = objects({"name": st.text(max_size=6)}, KEYS)
album = objects({"release_date": st.sampled_from(["2020-01-01", "19", "", "abcd"]) | st.text(max_size=6)}, KEYS)
track = objects({"uri": uris, "name": st.text(max_size=6), "artists": st.lists(artist | anything, max_size=2),
                 "album": album, "duration_ms": numbers, "explicit": st.booleans(),
                 "type": st.sampled_from(["track", "episode"])}, KEYS)
device = objects({"id": st.sampled_from(["dev1", "dev2", ""]) | anything,
                  "name": st.sampled_from(["Living Room", "living room", "Living Room 2", "Kitchen"]),
                  "is_active": st.booleans(), "is_restricted": st.booleans(), "type": st.text(max_size=5),
                  "volume_percent": numbers}, KEYS)
devices_body = objects({"devices": st.lists(device | anything, max_size=3)}, KEYS)
playback_body = objects({"item": track, "is_playing": st.booleans(), "progress_ms": numbers,
                         "device": device, "context": objects({"uri": uris}, KEYS)}, KEYS)
paging = objects({"items": st.lists(track | objects({"track": track, "item": track}, KEYS) | st.none() | anything,
                                    max_size=4)}, KEYS)
search_body = objects({"tracks": paging, "playlists": paging, "artists": paging}, KEYS)
error_body = objects({"error": objects({"status": numbers, "message": st.text(max_size=10),
                                        "reason": st.sampled_from(["QUOTA_EXCEEDED", "PREMIUM_REQUIRED",
                                                                   "NO_ACTIVE_DEVICE"])}, KEYS)}, KEYS)
statuses = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 429, 500, 503])
http_dates = st.datetimes(timezones=st.just(UTC)).map(lambda d: format_datetime(d, usegmt=True))
headers = st.fixed_dictionaries({}, optional={"Retry-After": st.one_of(st.text(max_size=6), numbers.map(str),
                                                                       http_dates)})


def answers(body):
    """Mostly a 200 with a body of the expected shape (so that the parsers get deep), else anything."""
    ok = st.builds(Answer, st.just(200), body)
    return st.one_of(ok, ok, ok, st.builds(Answer, statuses, st.one_of(body, error_body, anything), headers,
                                            st.one_of(st.none(), st.none(), st.binary(max_size=20))))


@pytest.fixture(scope="module")
def wired():
    """A client, player and catalog whose every request (token refreshes too) is answered by the fuzz adapter."""
    session, adapter = fuzz_session()
    folder = Path(tempfile.mkdtemp(prefix="mirrorball-fuzz-"))
    cfg = SpotifyConfig(client_id="fuzz", speaker="living room", api_url="https://fuzz.invalid/v1",
                        accounts_url="https://fuzz.invalid", request_timeout_s=1)
    cache = TokenCache(folder / "spotify-token.json")

    clock = [NOW]
    tokens = TokenManager(cfg, cache, session=session, clock=lambda: clock[0])
    client = SpotifyClient(cfg, tokens, clock=lambda: clock[0], retries=0)
    client.sp._session.mount("https://", adapter)
    return cfg, cache, clock, tokens, client, adapter


def reset(wired):
    cfg, cache, clock, tokens, client, adapter = wired
    tokens._token = {"access_token": "a", "refresh_token": "r", "expires_at": clock[0] + 10**6, "scope": ""}
    tokens._dead = None  # as after a new login (fuzzed token answers may have killed or replaced the last one)
    client._blocked = None  # a Retry-After of the previous example may lie centuries ahead
    adapter.route = None
    adapter.sent = 0
    return client, adapter


def check_client_call(call):
    try:
        return call()
    except SpotifyError as exc:
        assert str(exc)
        return None


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(answers(devices_body), answers(playback_body))
def test_client_reads(wired, devices_answer, playback_answer):
    client, adapter = reset(wired)
    adapter.answer = devices_answer
    found = check_client_call(client.devices)
    if found is not None:
        try:
            select_speaker(found, "living room")
        except SpotifyError:
            pass
    adapter.answer = playback_answer
    check_client_call(client.playback)
    assert adapter.sent >= 1, "the calls reached the transport"


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(answers(search_body), answers(paging))
def test_catalog(wired, search_answer, page_answer):
    client, adapter = reset(wired)
    catalog = SpotifyCatalog(client)
    adapter.answer = search_answer
    for result in (check_client_call(lambda: catalog.search_tracks("genre:pop", limit=12)),
                   check_client_call(lambda: catalog.search_artists('genre:"chill"'))):
        assert result is None or isinstance(result, list)
    adapter.answer = page_answer
    for result in (check_client_call(lambda: catalog.playlist_tracks("spotify:playlist:cccc")),
                   check_client_call(catalog.top_tracks), check_client_call(catalog.saved_tracks),
                   check_client_call(catalog.recently_played),
                   check_client_call(lambda: catalog.album_tracks(AlbumRef("alb", "x", 1999)))):
        assert result is None or all(isinstance(t, Track) for t in result)
    for result in (check_client_call(catalog.top_artists), check_client_call(lambda: catalog.artist_albums("art")),
                   check_client_call(catalog.my_playlists)):
        assert result is None or isinstance(result, list)
    assert adapter.sent >= 1, "the calls reached the transport"


GOOD_DEVICES = Answer(200, {"devices": [{"id": "dev1", "name": "Living Room", "is_active": True,
                                         "is_restricted": False, "type": "Speaker", "volume_percent": 50}]})
PICKS = [Track(uri="spotify:track:aaaa", name="A", artists=("X",), duration_ms=200_000),
         Track(uri="spotify:track:bbbb", name="B", artists=("Y",), duration_ms=200_000)]


# The two failures (a fresh clone's make test drew them; CI had not): a 429 whose Retry-After time.localtime
# cannot represent: OSError [Errno 75] (1e17 s) and OverflowError (1e19 s), raised by every command's status line.
# Fixed in device/core/times.py: Retry-After is clamped to MAX_WAIT_S and clock_text never raises.
RATE_LIMITED_FOR_AGES = [Answer(429, {"error": {"status": 429, "message": "API rate limit exceeded"}},
                                {"Retry-After": after}) for after in ("100000000000000000", "10000000000000000000")]


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(answers(devices_body), answers(playback_body), st.lists(answers(playback_body), max_size=3))
@example(GOOD_DEVICES, RATE_LIMITED_FOR_AGES[0], [])
@example(GOOD_DEVICES, RATE_LIMITED_FOR_AGES[1], [])
def test_player_never_raises(wired, devices_answer, first_poll, later):
    cfg, *_ = wired
    client, adapter = reset(wired)
    player = SpotifyPlayer(cfg, client, clock=lambda: wired[2][0])
    adapter.answer = devices_answer
    assert player.play(PICKS) in (True, False)
    assert adapter.sent >= 1
    adapter.answer = Answer(204)
    adapter.route = lambda request: GOOD_DEVICES if request.path_url.endswith("/devices") else None
    player.play(PICKS)
    adapter.route = None
    for answer in [first_poll, *later]:
        wired[2][0] += 11
        adapter.answer = answer
        events = player.poll()
        assert isinstance(events, list)
        assert isinstance(player.status(), str)
    for command in (player.skip, player.like, player.pause, player.resume, lambda: player.set_volume(30)):
        adapter.answer = first_poll
        command()


saved_track = objects({"uri": uris, "name": st.text(max_size=4), "artists": st.lists(st.text(max_size=3), max_size=2),
                       "duration_ms": numbers, "explicit": st.booleans(), "year": numbers, "source": st.text(max_size=3)},
                      KEYS + ["at", "paused", "current", "queued", "rest"])
lineups = objects({"at": numbers | st.just(NOW - 30), "device": st.sampled_from(["dev1", "dev2", ""]) | anything,
                   "paused": st.booleans(), "context": st.none() | uris, "current": saved_track,
                   "queued": st.lists(saved_track, max_size=2), "rest": st.lists(saved_track, max_size=2)},
                  KEYS + ["at", "paused", "current", "queued", "rest"]) | anything
histories = st.dictionaries(uris, numbers | anything, max_size=4) | anything


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(lineups, histories, answers(playback_body), answers(devices_body))
def test_player_with_anything_in_the_state_store_never_raises(wired, lineup, history, playback_answer,
                                                              devices_answer):
    """What a new player reads back from the state store (the picks lined up before a restart, the play history:
    times among them) may be anything an older version, a bug or a damaged file left there."""
    from device.core.history import HISTORY_KEY
    from device.core.state import StateStore
    from device.spotify.memory import LINEUP_KEY

    cfg, *_ = wired
    client, adapter = reset(wired)
    with StateStore(":memory:") as store:
        store.set_json(LINEUP_KEY, lineup)
        store.set_json(HISTORY_KEY, history)
        player = SpotifyPlayer(cfg, client, clock=lambda: wired[2][0], store=store)
        adapter.answer = playback_answer
        assert isinstance(player.poll(), list)  # the first poll looks for its own picks from before the restart
        assert isinstance(player.status(), str)
        adapter.answer = devices_answer
        assert player.play(PICKS) in (True, False)
        wired[2][0] += 11
        adapter.answer = playback_answer
        assert isinstance(player.poll(), list) and isinstance(player.status(), str)
