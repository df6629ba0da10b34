"""Every read the music sources make, sent by the real client to Prism (an independent mock server that serves the
2026 Web API reference and answers 422 to any request the reference does not allow), and parsed from its answers.

Skips with a reason when Prism is absent: set PRISM to its executable, or put `prism` on the PATH
(npm install @stoplight/prism-cli).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from device.config.schema import SpotifyConfig
from device.music.catalog import AlbumRef, ArtistRef, PlaylistRef
from device.spotify.auth import TokenCache, TokenManager
from device.spotify.catalog import SpotifyCatalog
from device.spotify.client import SpotifyClient
from device.values import Track

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "specs" / "spotify-web-api.openapi.yml"
PRISM = os.environ.get("PRISM") or shutil.which("prism")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prism():
    if not PRISM:
        pytest.skip("Prism is not installed (npm install @stoplight/prism-cli; or set PRISM to its executable)")
    if not SPEC.exists():
        pytest.skip(f"the Web API reference is absent ({SPEC})")
    port = _free_port()
    proc = subprocess.Popen([PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("Prism exited: " + (proc.stdout.read() if proc.stdout else ""))
                time.sleep(0.5)
        else:
            pytest.fail("Prism did not start listening within 120 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def catalog(prism, tmp_path):
    cfg = SpotifyConfig(client_id="prism", api_url=prism, request_timeout_s=10)
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
