"""An independent validator: Prism (npm @stoplight/prism-cli) mocks the spec and rejects requests that break it; the
daemon's client, and the traffic it sent to the stand-in, must pass it untouched. `make prism` installs Prism."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from test_spotify_contract import CATALOG_CALLS, exercise_daemon_client

from device.config.schema import SpotifyConfig
from device.core.catalog import AlbumRef, ArtistRef, PlaylistRef
from device.core.values import Track
from device.devtools.standins.spotify_contract import find_spec
from device.spotify.auth import SCOPES, TokenCache, TokenManager
from device.spotify.catalog import SpotifyCatalog
from device.spotify.client import SpotifyClient

REPO = Path(__file__).resolve().parents[2]
PRISM_ERROR = "https://stoplight.io/prism/errors#"


def find_prism() -> str | None:
    for candidate in (os.environ.get("MIRRORBALL_PRISM"), REPO / ".cache/prism/node_modules/.bin/prism",
                      shutil.which("prism")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


SPEC, PRISM = find_spec(), find_prism()
pytestmark = [
    pytest.mark.skipif(SPEC is None, reason="../shared/specs/spotify-web-api.openapi.yml is absent"),
    pytest.mark.skipif(PRISM is None, reason="Prism is not installed: `make prism` installs npm's "
                                             "@stoplight/prism-cli into .cache/prism (needs npm and its registry)"),
]


@pytest.fixture(scope="module")
def prism_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(url + "/markets", timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Prism did not start: {proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def rejections(answers: list[tuple[str, str, int, object]]) -> list[str]:
    """Prism's own verdicts (invalid request, unknown path ...), as opposed to the spec's example answers."""
    return [f"{method} {url} {status}: {body.get('detail')} {body.get('validation', '')}"
            for method, url, status, body in answers
            if isinstance(body, dict) and str(body.get("type", "")).startswith(PRISM_ERROR)]


def _answer(resp: requests.Response):
    try:
        return resp.json()
    except ValueError:
        return None


def test_the_daemons_client_is_not_rejected_by_prism(prism_url, tmp_path):
    cfg = SpotifyConfig(client_id="mirrorball-prism", api_url=prism_url, accounts_url=prism_url,
                        speaker="living room")
    cache = TokenCache(tmp_path / "token.json")
    cache.save({"access_token": "prism", "refresh_token": "prism", "token_type": "Bearer", "scope": " ".join(SCOPES),
                "expires_in": 3600, "expires_at": time.time() + 3600})
    client = SpotifyClient(cfg, TokenManager(cfg, cache), backoff_factor=0, retries=0)
    answers: list = []
    client.sp._session.hooks["response"].append(
        lambda resp, *a, **k: answers.append((resp.request.method, resp.url, resp.status_code, _answer(resp))))
    uri = "spotify:track:11dFghVXANMlKmJXsNCbNl"
    calls = [client.devices, client.playback, client.currently_playing, lambda: client.transfer("dev1", play=True),
             lambda: client.play("dev1", uris=[uri]), lambda: client.play(None, uris=[uri]),
             lambda: client.pause("dev1"), lambda: client.next("dev1"), lambda: client.volume(30, "dev1"),
             lambda: client.queue(uri, "dev1"), lambda: client.save([uri]),
             lambda: client.top_tracks(limit=10, time_range="short_term"),
             lambda: client.playlist_items("spotify:playlist:3cEYpjA9oz9GiPac4AsH4n", limit=50)]
    calls += [lambda kind=kind: client.search('genre:"indie pop" year:1990-1999', kind, limit=10, offset=1000)
              for kind in ("track", "artist", "album", "playlist")]
    catalog = SpotifyCatalog(client)
    for name, (args, kwargs) in CATALOG_CALLS.items():
        if hasattr(catalog, name):
            calls.append(lambda name=name, args=args, kwargs=kwargs: getattr(catalog, name)(*args, **kwargs))
    for call in calls:
        try:
            call()
        except Exception:
            pass  # the mock's example bodies need not make sense to the client; Prism's verdict is what counts
    assert len(answers) >= len(calls) - 1
    assert rejections(answers) == []
    # and the check bites: Prism rejects what the 2026 API refuses
    r = requests.get(f"{prism_url}/search", params={"q": "x", "type": "track", "limit": 50},
                     headers={"Authorization": "Bearer prism"}, timeout=10)
    assert r.status_code == 422 and "limit" in rejections([("GET", r.url, r.status_code, r.json())])[0]


def test_the_traffic_the_daemon_sent_to_the_stand_in_passes_prism(prism_url, rig):
    exercise_daemon_client(rig)
    answers = []
    for e in rig.standin.exchanges:
        if not e.path.startswith("/v1/"):
            continue
        resp = requests.request(e.method, prism_url + e.path.removeprefix("/v1"), params=e.query,
                                json=e.sent if e.sent is not None else None,
                                headers={"Authorization": "Bearer prism"}, timeout=10)
        answers.append((e.method, resp.url, resp.status_code, _answer(resp)))
    assert len(answers) > 30
    assert rejections(answers) == []


@pytest.fixture
def catalog(prism_url, tmp_path):
    cfg = SpotifyConfig(client_id="prism", api_url=prism_url, request_timeout_s=10)
    tokens = TokenManager(cfg, TokenCache(tmp_path / "token.json"), clock=time.time)
    tokens._token = {"access_token": "a", "refresh_token": "r", "expires_at": time.time() + 3600,
                     "scope": "user-library-read user-top-read user-read-recently-played playlist-read-private"}
    return SpotifyCatalog(SpotifyClient(cfg, tokens, retries=0))


def test_every_source_read_is_a_request_the_reference_allows_and_parses(catalog):
    """A 422 (a request the reference refuses) would raise: each call below passed Prism's validation."""
    assert catalog.user_id()
    tracks = catalog.search_tracks('genre:"jazz" year:1990-1999', offset=990, limit=10)
    assert all(isinstance(t, Track) for t in tracks)
    assert all(isinstance(a, ArtistRef) for a in catalog.search_artists('genre:"bossa nova"', limit=10))
    albums = catalog.artist_albums("0TnOYISbd1XYRBk9myaseg", limit=10)
    assert all(isinstance(a, AlbumRef) for a in albums)
    album = albums[0] if albums else AlbumRef("4aawyAB9vmqN3uQ7FjRGTy", "x", 1999)
    assert all(isinstance(t, Track) for t in catalog.album_tracks(album, limit=50))
    assert all(isinstance(t, Track) for t in catalog.saved_tracks(limit=50))
    assert all(isinstance(t, Track) for t in catalog.top_tracks(limit=50))
    assert all(isinstance(a, ArtistRef) for a in catalog.top_artists(limit=50))
    assert all(isinstance(t, Track) for t in catalog.recently_played(limit=50))
    playlists = catalog.my_playlists(limit=50)
    assert all(isinstance(p, PlaylistRef) for p in playlists)
    assert all(isinstance(t, Track) for t in catalog.playlist_tracks("spotify:playlist:3cEYpjA9oz9GiPac4AsH4n"))


def test_limits_past_the_reference_are_clamped_before_they_are_sent(catalog):
    # the client never sends what the reference refuses, whatever a caller asks for
    catalog.search_tracks("genre:pop", limit=25)
    catalog.artist_albums("0TnOYISbd1XYRBk9myaseg", limit=30)
    catalog.saved_tracks(limit=80)
    catalog.playlist_tracks("spotify:playlist:3cEYpjA9oz9GiPac4AsH4n", limit=100)
