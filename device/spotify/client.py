"""The Spotify Web API client: spotipy pointed at the configured URLs, with every failure mapped onto a typed error."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import requests
import spotipy
from requests.adapters import HTTPAdapter
from spotipy.exceptions import SpotifyException
from urllib3.util.retry import Retry

from device.config.schema import Config, SpotifyConfig
from device.spotify.auth import TokenCache, TokenManager, client_secret, rate_limited, token_path
from device.spotify.errors import (
    ApiError,
    BadAnswer,
    DeviceNotFound,
    Forbidden,
    LoginNeeded,
    NetworkError,
    NoActiveDevice,
    NotPremium,
    RateLimited,
    ServerError,
    SpotifyError,
    Timeout,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = (500, 502, 503, 504)  # never 429: urllib3 would sleep the whole Retry-After (hours, sometimes)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+")


class _SpotipyLogFilter:
    """Keeps access tokens out of spotipy's debug lines and drops its error lines (we log our own, once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if record.levelno >= logging.ERROR and ("HTTP Error for" in msg or "Max Retries" in msg):
            return False
        if "Bearer" in msg or "refresh_token" in msg or "code_verifier" in msg:
            record.msg, record.args = _BEARER.sub(r"\1<redacted>", msg), ()
            if "refresh_token" in record.msg or "code_verifier" in record.msg:
                record.msg = "(spotipy request details redacted)"
        return True


def _install_log_filter() -> None:
    for name in ("spotipy.client", "spotipy.oauth2"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _SpotipyLogFilter) for f in logger.filters):
            logger.addFilter(_SpotipyLogFilter())


def _session(retries: int, backoff_factor: float) -> requests.Session:
    session = requests.Session()
    retry = Retry(total=retries, connect=retries, read=False, status=retries, backoff_factor=backoff_factor,
                  status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "PUT"}),
                  respect_retry_after_header=False, raise_on_status=False)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _message(exc: SpotifyException) -> str:
    msg = str(exc.msg or "")
    return msg.split(":\n", 1)[1].strip() if ":\n" in msg else msg.strip()


class SpotifyClient:
    """Thin typed wrapper over spotipy. Every method raises only SpotifyError subclasses.

    After a 429 no request is sent until its Retry-After has passed: calls raise RateLimited at once.
    A 401 triggers one token refresh and one repeat of the request.
    """

    def __init__(self, cfg: SpotifyConfig, tokens: TokenManager, *, clock: Callable[[], float] = time.time,
                 retries: int = 2, backoff_factor: float = 0.3):
        _install_log_filter()
        self.cfg = cfg
        self.tokens = tokens
        self.clock = clock
        self.sp = spotipy.Spotify(auth_manager=tokens, requests_session=_session(retries, backoff_factor),
                                  requests_timeout=cfg.request_timeout_s, retries=retries,
                                  status_retries=retries, status_forcelist=RETRY_STATUSES)
        self.sp.prefix = cfg.api_url.rstrip("/") + "/"
        self._blocked: RateLimited | None = None

    def close(self) -> None:
        """Closes the connections kept alive to the Web API and the accounts service (a reload builds new ones)."""
        self.sp._session.close()
        self.tokens.endpoint.session.close()

    @classmethod
    def from_config(cls, config: Config, **kwargs) -> SpotifyClient:
        cfg = config.spotify
        tokens = TokenManager(cfg, TokenCache(token_path(config.daemon.state_dir)), secret=client_secret(cfg),
                              clock=kwargs.get("clock", time.time))
        return cls(cfg, tokens, **kwargs)

    # ------------------------------------------------------------ the one call path

    def rate_limited_until(self) -> float | None:
        if self._blocked is not None and self.clock() < self._blocked.retry_at:
            return self._blocked.retry_at
        return None

    def status(self) -> str:
        """Why Spotify cannot be used right now ("" when nothing is known to be wrong)."""
        if self.rate_limited_until() is not None:
            return str(self._blocked)
        return self.tokens.status()

    def _call(self, what: str, fn: Callable, *args, **kwargs):
        if self._blocked is not None:
            if self.clock() < self._blocked.retry_at:
                raise self._blocked
            self._blocked = None
        for attempt in (1, 2):
            try:
                try:
                    result = fn(*args, **kwargs)
                    if result is not None and not isinstance(result, dict):  # the Web API answers objects
                        raise BadAnswer(f"{what}: {type(result).__name__}")
                    return result
                except (AttributeError, TypeError, KeyError, ValueError) as exc:  # spotipy reading an odd body
                    raise BadAnswer(f"{what}: {type(exc).__name__}") from None
                except SpotifyException as exc:
                    if exc.http_status == 401 and attempt == 1:
                        log.info("Spotify said the access token is no good (%s); refreshing it", what)
                        self.tokens.force_refresh()
                        continue
                    raise self._map(what, exc) from None
            except RateLimited as exc:  # also from the token endpoint: then hold back every request too
                if self._blocked is not exc:
                    self._blocked = exc
                    log.warning("%s (token refresh)", exc)
                raise
            except requests.Timeout:
                raise Timeout(self.cfg.request_timeout_s) from None
            except requests.ConnectionError as exc:
                raise NetworkError(_connection_detail(exc)) from None
            except requests.RequestException as exc:
                raise NetworkError(type(exc).__name__) from None
        raise AssertionError("unreachable")

    def _map(self, what: str, exc: SpotifyException) -> SpotifyError:
        status, reason, message = exc.http_status, exc.reason, _message(exc)
        lower = message.lower()
        if status == 429:
            error: RateLimited = rate_limited(exc.headers, self.clock(), quota=reason == "QUOTA_EXCEEDED"
                                              or "quota" in lower, reason=reason)
            self._blocked = error
            log.warning("%s (%s)", error, what)
            return error
        if status == 401:
            return LoginNeeded(f"Spotify rejected the access token even after a refresh: {message}")
        if status == 403:
            if reason == "PREMIUM_REQUIRED" or "premium" in lower:
                return NotPremium(message)
            return Forbidden(message, reason)
        if status == 404:
            if reason == "NO_ACTIVE_DEVICE" or "no active device" in lower:
                return NoActiveDevice(message)
            if "device not found" in lower:
                return DeviceNotFound(message)
            return ApiError(status, message, reason)
        if status >= 500:
            return ServerError(status, message)
        return ApiError(status, message or "request refused", reason)

    # ------------------------------------------------------------ operations (only non-deprecated ones)

    def devices(self) -> list[dict]:
        found = (self._call("GET /me/player/devices", self.sp.devices) or {}).get("devices", [])
        if not isinstance(found, list):
            raise BadAnswer(f"GET /me/player/devices: devices is a {type(found).__name__}")
        return [d for d in found if isinstance(d, dict) and isinstance(d.get("name", ""), str)]

    def playback(self) -> dict | None:
        return self._call("GET /me/player", self.sp.current_playback)

    def currently_playing(self) -> dict | None:
        return self._call("GET /me/player/currently-playing", self.sp.currently_playing)

    def transfer(self, device_id: str, play: bool = False) -> None:
        self._call("PUT /me/player", self.sp.transfer_playback, device_id, force_play=play)

    def play(self, device_id: str | None, *, uris: list[str] | None = None) -> None:
        self._call("PUT /me/player/play", self.sp.start_playback, device_id=device_id, uris=uris)

    def pause(self, device_id: str | None = None) -> None:
        self._call("PUT /me/player/pause", self.sp.pause_playback, device_id)

    def next(self, device_id: str | None = None) -> None:
        self._call("POST /me/player/next", self.sp.next_track, device_id)

    def volume(self, percent: int, device_id: str | None = None) -> None:
        self._call("PUT /me/player/volume", self.sp.volume, int(max(0, min(100, percent))), device_id)

    def queue(self, uri: str, device_id: str | None = None) -> None:
        self._call("POST /me/player/queue", self.sp.add_to_queue, uri, device_id)

    def search(self, query: str, kind: str, *, limit: int = 10, offset: int = 0) -> dict:
        limit = max(1, min(10, limit))  # the 2026 API refuses more than 10
        return self._call("GET /search", self.sp.search, query, limit=limit, offset=offset, type=kind) or {}

    def save(self, uris: list[str]) -> None:
        self._call("PUT /me/library", self.sp.current_user_saved_tracks_add, uris)

    def top_tracks(self, *, limit: int = 20, offset: int = 0, time_range: str = "medium_term") -> dict:
        return self._call("GET /me/top/tracks", self.sp.current_user_top_tracks, limit=limit, offset=offset,
                          time_range=time_range) or {}

    # The reads below go to the reference's exact paths (spotipy adds a trailing slash to some, e.g. "me/" and
    # "albums/{id}/tracks/", which the reference does not have). Ids are the bare base-62 ids.

    def _read(self, what: str, path: str, **params) -> dict:
        return self._call(what, self.sp._get, path, **{k: v for k, v in params.items() if v is not None}) or {}

    def me(self) -> dict:
        return self._read("GET /me", "me")

    def top_artists(self, *, limit: int = 20, offset: int = 0, time_range: str = "medium_term") -> dict:
        return self._read("GET /me/top/artists", "me/top/artists", limit=limit, offset=offset, time_range=time_range)

    def saved_tracks(self, *, limit: int = 50, offset: int = 0) -> dict:
        return self._read("GET /me/tracks", "me/tracks", limit=limit, offset=offset)

    def recently_played(self, *, limit: int = 50) -> dict:
        return self._read("GET /me/player/recently-played", "me/player/recently-played", limit=limit)

    def my_playlists(self, *, limit: int = 50, offset: int = 0) -> dict:
        return self._read("GET /me/playlists", "me/playlists", limit=limit, offset=offset)

    def artist_albums(self, artist_id: str, *, limit: int = 10, offset: int = 0) -> dict:
        limit = max(1, min(10, limit))  # the 2026 API refuses more than 10
        return self._read("GET /artists/{id}/albums", f"artists/{_bare(artist_id)}/albums",
                          include_groups="album,single", limit=limit, offset=offset)

    def album_tracks(self, album_id: str, *, limit: int = 50, offset: int = 0) -> dict:
        return self._read("GET /albums/{id}/tracks", f"albums/{_bare(album_id)}/tracks", limit=limit, offset=offset)

    def playlist_items(self, playlist: str, *, limit: int = 50, offset: int = 0) -> dict:
        return self._call("GET /playlists/{id}/items", self.sp.playlist_items, playlist, limit=limit,
                          offset=offset, additional_types=("track",)) or {}


def _bare(spotify_id: str) -> str:
    """'spotify:album:abc' or 'abc' -> 'abc' (safe in a URL path)."""
    bare = spotify_id.rsplit(":", 1)[-1]
    if not bare.isalnum():
        raise ValueError(f"not a Spotify id: {spotify_id!r}")
    return bare


def _connection_detail(exc: Exception) -> str:
    text = str(exc)
    for hint in ("Name or service not known", "Temporary failure in name resolution", "Connection refused",
                 "Network is unreachable", "timed out"):
        if hint in text:
            return hint.lower()
    return type(exc).__name__
