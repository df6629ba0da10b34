"""The stand-in's Web API front door: token, registered user, rate limit, withdrawn operations, scope, Premium, handler."""

from __future__ import annotations

from collections.abc import Callable

from device.devtools.standins.spotify.accounts import Accounts
from device.devtools.standins.spotify.catalogue import Catalogue
from device.devtools.standins.spotify.library import Library
from device.devtools.standins.spotify.playback import Playback
from device.devtools.standins.spotify.routes import PREMIUM_ONLY, SCOPES, route
from device.devtools.standins.spotify.search import Search
from device.devtools.standins.spotify.wire import RateLimiter, default_message, err


class WebApi:
    """api.spotify.com/v1 over the stand-in's parts. Answers (status, headers, body)."""

    def __init__(self, accounts: Accounts, catalogue: Catalogue, search: Search, library: Library,
                 playback: Playback, limiter: RateLimiter, *, api_url: Callable[[], str], now: Callable[[], float],
                 wall: Callable[[], float], premium: Callable[[], bool], registered: Callable[[], bool],
                 withdrawn_status: int):
        self.accounts, self.catalogue, self.search, self.library = accounts, catalogue, search, library
        self.playback, self.limiter = playback, limiter
        self.api_url, self.now, self.wall, self.premium, self.registered = api_url, now, wall, premium, registered
        self.withdrawn_status = withdrawn_status

    def handle(self, method: str, path: str, q: dict, body: dict | None, auth: str | None) -> tuple[int, dict, object]:
        scopes, why = self.accounts.bearer(auth)
        if scopes is None:
            return 401, {}, err(401, why)[1]
        if not self.registered():  # development mode: only the (at most 5) users added in the dashboard
            return 403, {}, err(403, "Check settings on developer.spotify.com/dashboard, the user may not be "
                                     "registered.")[1]
        retry_after = self.limiter.admit(self.now())
        if retry_after is not None:
            return 429, {"Retry-After": str(retry_after)}, err(429, "API rate limit exceeded")[1]
        self.playback.settle()
        r = route(method, path.removeprefix("/v1"))
        if r.withdrawn:
            status = self.withdrawn_status
            return status, {}, err(status, default_message(status))[1]
        if r.operation is None:
            return 404, {}, err(404, "Service not found")[1]
        need = SCOPES.get(r.operation)
        if need and not scopes & set(need):
            return 403, {}, err(403, "Insufficient client scope")[1]
        if r.operation in PREMIUM_ONLY and not self.premium():
            return 403, {}, err(403, "Player command failed: Premium required", "PREMIUM_REQUIRED")[1]
        status, out = self._call(r.operation, r.args, q, body or {}, scopes, self.api_url() + path.removeprefix("/v1"))
        return status, {}, out

    def _call(self, op: str, args: tuple, q: dict, body: dict, scopes: set[str], url: str):
        c, lib, p = self.catalogue, self.library, self.playback
        if op == "search":
            return self.search.handle(q, url)
        if op == "get-current-users-profile":
            return c.me()
        if op in ("get-users-top-tracks", "get-users-top-artists"):
            return lib.top(op.rsplit("-", 1)[-1], q, url, self.wall())
        if op == "get-users-saved-tracks":
            return lib.saved_tracks(q, url)
        if op == "get-recently-played":
            return lib.recently_played(q, url)
        if op == "save-library-items":
            return lib.save(q, scopes, self.wall())
        if op == "get-a-list-of-current-users-playlists":
            return c.my_playlists(q, url)
        reads = {"get-an-artist": lambda: c.artist(*args),
                 "get-an-artists-albums": lambda: c.artist_albums(*args, q, url),
                 "get-an-album": lambda: c.album(*args, url),
                 "get-an-albums-tracks": lambda: c.album_tracks(*args, q, url),
                 "get-track": lambda: c.track(*args),
                 "get-playlist": lambda: c.playlist(*args, url),
                 "get-playlists-items": lambda: c.playlist_items(*args, q, url)}
        if op in reads:
            return reads[op]()
        player = {"get-information-about-the-users-current-playback": lambda: p.state(True),
                  "get-the-users-currently-playing-track": lambda: p.state(False),
                  "get-a-users-available-devices": lambda: p.get_devices(q, body),
                  "transfer-a-users-playback": lambda: p.transfer(q, body),
                  "start-a-users-playback": lambda: p.play(q, body),
                  "pause-a-users-playback": lambda: p.pause(q, body),
                  "skip-users-playback-to-next-track": lambda: p.skip(q, body),
                  "set-volume-for-users-playback": lambda: p.volume(q, body),
                  "add-to-queue": lambda: p.enqueue(q, body)}
        return player[op]()
