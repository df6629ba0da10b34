"""A loopback stand-in for the Spotify Web API and accounts service, faithful to the 2026 rules (see the parts).

    with SpotifyStandIn(clock=clock) as s:          # s.api_url, s.accounts_url; s.world is the catalogue served
        s.fail("GET", r"/v1/search", 503)          # scripted faults; s.app_skip() etc. act like another app
        s.advance(30)                               # the speaker's clock moves on: tracks end, the next one starts

As messy as the service: `genre:` search matches loosely and some genre words find nothing (genres.py,
genre_filter=GenreFilter(loose=False) for the old exact match); the world has remasters, reissues, singles and
compilations of the same recordings; speakers fall asleep after SPEAKER_SLEEP_S without playing (FakeDevice's
sleep_after_s) and only a person wakes them (wake_device, app_play); Autoplay is on, as in the Spotify apps
(autoplay=False turns it off): when the list ends the service plays similar tracks of its own choice.

Parts, one job each: accounts (authorize, tokens, scopes), search, catalogue (artists, albums, tracks, playlists),
library (saved tracks, plays, top, recently played, likes), playback (devices, what plays, queue), api (token,
rate limit, withdrawn operations, scopes, Premium), server (HTTP, faults, logs), wire (shared shapes and limits).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from device.devtools.standins.spotify.accounts import ALL_SCOPES, Accounts
from device.devtools.standins.spotify.api import WebApi
from device.devtools.standins.spotify.catalogue import Catalogue
from device.devtools.standins.spotify.genres import GenreFilter
from device.devtools.standins.spotify.library import Library, wall_clock_shift
from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.playback import SPEAKER_SLEEP_S, FakeDevice, Playback
from device.devtools.standins.spotify.search import Search
from device.devtools.standins.spotify.server import Server
from device.devtools.standins.spotify.wire import Exchange, Fault, RateLimit, RateLimiter, err
from device.devtools.standins.spotify_world import Track, World, spotify_id
from device.devtools.standins.spotify_world_gen import default_world

__all__ = ["SpotifyStandIn", "FakeDevice", "GenreFilter", "Fault", "Exchange", "RateLimit", "ALL_SCOPES", "spotify_id"]


def _shortened(track: Track, speed: float) -> Track:
    """The track `speed` times shorter (a fast copy of the frozen record; dataclasses.replace is 10x slower)."""
    copy = object.__new__(Track)
    copy.__dict__.update(track.__dict__, duration_ms=max(1000, int(track.duration_ms / speed)))
    return copy


class SpotifyStandIn:
    """The fake Spotify: start() it, point the client at api_url/accounts_url, script faults and other apps."""

    def __init__(self, *, client_id: str = "mirrorball-test", client_secret: str | None = None,
                 world: World | None = None, devices: list[FakeDevice] | None = None, premium: bool = True,
                 clock: Callable[[], float] = time.monotonic, speed: float = 1.0, token_lifetime_s: int = 3600,
                 autoplay: bool = True, rate_limit: RateLimit | None = RateLimit(), withdrawn_status: int = 403,
                 registered: bool = True, genre_filter: GenreFilter | None = None):
        self.world = world if world is not None else default_world()
        self.user_id = self.world.listener.user_id
        self.premium = premium  # False: player commands answer 403 PREMIUM_REQUIRED
        self.registered = registered  # False: the user is not among the development-mode app's users (403)
        # speed: tracks are that many times shorter (a demo plays a song in seconds); every clock stays in step
        self.speed = speed
        self.tracks: dict[str, Track] = (dict(self.world.tracks) if speed == 1 else
                                         {i: _shortened(t, speed) for i, t in self.world.tracks.items()})
        self.playlists = self.world.playlists
        self._clock, self._offset = clock, 0.0
        self._wall_shift = wall_clock_shift(clock())
        self.lock = threading.RLock()
        self.accounts = Accounts(client_id, client_secret, token_lifetime_s)
        shapes = Shapes(self.world, self.tracks, lambda: self.api_url)
        self.shapes = shapes
        self.library = Library(self.world, shapes, self.wall())
        devs = devices if devices is not None else [
            FakeDevice("Living Room", sleep_after_s=SPEAKER_SLEEP_S),
            FakeDevice("Kitchen Speaker", sleep_after_s=SPEAKER_SLEEP_S),
            FakeDevice("Office TV", type="TV", restricted=True, sleep_after_s=SPEAKER_SLEEP_S)]
        self.playback = Playback(self.tracks, self.playlists, self.world.albums, devs, shapes, self.now,
                                 lambda tid, at: self.library.played(tid, at + self._wall_shift),
                                 speed=speed, autoplay=autoplay)
        self.limiter = RateLimiter(rate_limit)
        self.api = WebApi(self.accounts, Catalogue(self.world, shapes, self.user_id),
                          Search(self.world, shapes, self.user_id, self.wall, genre_filter), self.library, self.playback, self.limiter,
                          api_url=lambda: self.api_url, now=self.now, wall=self.wall, premium=lambda: self.premium,
                          registered=lambda: self.registered,
                          withdrawn_status=withdrawn_status)
        self.server = Server(self._handle, self.lock, self.sleep_device)

    # ------------------------------------------------------------ lifecycle and addresses

    @property
    def token_lifetime_s(self):
        """What the accounts service answers as `expires_in` (tests may set any value, a nonsensical one too)."""
        return self.accounts.token_lifetime_s

    @token_lifetime_s.setter
    def token_lifetime_s(self, value) -> None:
        self.accounts.token_lifetime_s = value

    def start(self) -> SpotifyStandIn:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> SpotifyStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def accounts_url(self) -> str:
        return self.base_url

    def _handle(self, method: str, path: str, query: dict, raw: bytes, headers: dict) -> tuple[int, dict, object]:
        if path.startswith("/v1/"):
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                return 400, {}, err(400, "Malformed json")[1]
            return self.api.handle(method, path, query, body, headers.get("Authorization"))
        if method == "GET" and path == "/authorize":
            return self.accounts.authorize(query)
        if method == "POST" and path == "/api/token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return self.accounts.token(form, headers.get("Authorization"))
        return 404, {}, err(404, "Service not found")[1]

    # ------------------------------------------------------------ clocks

    def now(self) -> float:
        """The speaker's clock: `clock` plus whatever advance() added."""
        return self._clock() + self._offset

    def wall(self) -> float:
        """now() as epoch seconds (played_at, added_at): a monotonic clock is shifted to today."""
        return self.now() + self._wall_shift

    def advance(self, seconds: float) -> None:
        """Move the stand-in's playback clock forward (tracks end, the next one starts)."""
        with self.lock:
            self._offset += seconds
            self.playback.settle()

    # ------------------------------------------------------------ scripting: faults, devices, accounts

    def fail(self, method: str, path: str, status: int | None = None, **kw) -> Fault:
        fault = Fault(method, path, status, **kw)
        with self.lock:
            self.server.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.server.faults.clear()

    def device(self, name: str) -> FakeDevice:
        return self.playback.device(name)

    def sleep_device(self, name: str) -> None:
        with self.lock:
            self.playback.settle()
            self.playback.sleep(name)

    def wake_device(self, name: str) -> None:
        """Someone wakes the speaker by hand (the Web API cannot)."""
        with self.lock:
            self.playback.settle()
            self.playback.wake(name)

    def revoke(self) -> None:
        """The user removed the app's access: refresh tokens give invalid_grant, access tokens 401."""
        with self.lock:
            self.accounts.revoke()

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.accounts.expire()

    def issue_token(self, scope: str | None = None) -> dict:
        """A token pair as the token endpoint would grant it (for tests that skip the login); scope None: all."""
        with self.lock:
            return self.accounts.grant(" ".join(ALL_SCOPES) if scope is None else scope)

    def approve(self, authorize_url: str) -> str:
        """What the user's browser does: open the authorize URL, log in, and land on the redirect URL."""
        import requests
        resp = requests.get(authorize_url, allow_redirects=False, timeout=5)
        if resp.status_code != 302:
            raise AssertionError(f"authorize refused: {resp.status_code} {resp.text}")
        return resp.headers["Location"]

    # ------------------------------------------------------------ other Spotify apps on the same account

    def app_skip(self) -> None:
        with self.lock:
            self.playback.settle()
            self.playback.next()

    def app_play(self, uris: list[str], device: str | None = None) -> None:
        with self.lock:
            if device is not None:  # playing on a speaker from an app wakes it
                self.playback.settle()
                self.playback.wake(device)
                self.playback.activate(self.device(device))
            self.playback.start_sequence([u.rsplit(":", 1)[-1] for u in uris], None)

    def app_pause(self) -> None:
        with self.lock:
            self.playback.settle()
            if self.playback.playing:
                self.playback.set_playing(False)

    def current(self) -> Track | None:
        with self.lock:
            self.playback.settle()
            return self.playback.current()

    def heard(self, since: float, until: float | None = None) -> list:
        """What the speaker played from `since` to `until` (now): (start, end, track) spans on the now() clock."""
        with self.lock:
            self.playback.settle()
            return self.playback.heard(since, self.now() if until is None else until)

    def position_s(self) -> float:
        with self.lock:
            self.playback.settle()
            return self.playback.position_ms() / 1000

    # ------------------------------------------------------------ what tests read

    requests = property(lambda self: self.server.requests, doc="'METHOD /v1/path' of each Web API request")
    accounts_requests = property(lambda self: self.server.accounts_requests)
    exchanges = property(lambda self: self.server.exchanges, doc="every request with its status and body")
    faults = property(lambda self: self.server.faults)
    devices = property(lambda self: self.playback.devices)
    playing = property(lambda self: self.playback.playing)
    active_id = property(lambda self: self.playback.active_id)
    sequence = property(lambda self: self.playback.sequence)
    index = property(lambda self: self.playback.index)
    queue = property(lambda self: self.playback.queue)
    context_uri = property(lambda self: self.playback.context_uri)
    saved = property(lambda self: self.library.saved_now, doc="URIs saved through PUT /me/library in this run")
    client_id = property(lambda self: self.accounts.client_id)
    _access = property(lambda self: self.accounts.access)
    _refresh = property(lambda self: self.accounts.refresh)

    @property
    def deny_login(self) -> bool:
        return self.accounts.deny_login

    @deny_login.setter
    def deny_login(self, value: bool) -> None:
        self.accounts.deny_login = value

    @property
    def autoplay(self) -> bool:
        return self.playback.autoplay

    @autoplay.setter
    def autoplay(self, value: bool) -> None:
        self.playback.autoplay = value

    @property
    def top_track_ids(self) -> list[str]:
        """The listener's top tracks (medium term) as /me/top/tracks lists them."""
        with self.lock:
            return self.library.top_track_ids(self.wall())

    def _track_obj(self, track: Track) -> dict:
        return self.shapes.track(track)
