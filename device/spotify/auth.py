"""Spotify login for a headless device: the PKCE authorization-code flow, the 0600 token cache and refreshing."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from device.config.schema import SpotifyConfig
from device.core.times import clamped, clock_text, retry_after, within
from device.spotify.errors import (
    BadAnswer,
    LoginNeeded,
    NetworkError,
    QuotaExceeded,
    RateLimited,
    ServerError,
    SpotifyError,
    Timeout,
)

log = logging.getLogger(__name__)

# The minimum: read playback state and devices, control playback, read what plays, save likes, read top tracks.
# The minimum: playback state and control, what is playing, saving likes, and the music sources that read the
# user's library: saved tracks, top tracks and artists, recently played, own and collaborative playlists.
SCOPES = ("user-read-playback-state", "user-modify-playback-state", "user-read-currently-playing",
          "user-library-modify", "user-library-read", "user-top-read", "user-read-recently-played",
          "playlist-read-private", "playlist-read-collaborative")
TOKEN_FILE = "spotify-token.json"
REFRESH_MARGIN_S = 60  # refresh this long before the access token expires
DEFAULT_RETRY_AFTER_S = 60.0  # a 429 without a readable Retry-After
TOKEN_LIFETIME_S = 3600.0  # what the accounts service grants; assumed when an answer does not say
MAX_TOKEN_LIFETIME_S = 24 * 3600.0  # a longer expires_in (or a saved expiry further ahead) is not believed


def client_secret(cfg: SpotifyConfig) -> str | None:
    """The optional client secret, from systemd credentials, the environment, its file or the config."""
    from device.config.secrets import SecretError, read_secret

    try:
        return read_secret("spotify_client_secret", cfg.client_secret, cfg.client_secret_file)
    except SecretError as exc:  # the secret is optional with PKCE: go on without it, and say so
        log.warning("%s; logging in without the client secret (PKCE)", exc)
        return None


def token_path(state_dir: str | Path) -> Path:
    return Path(state_dir) / TOKEN_FILE


class TokenCache:
    """The token JSON in the state directory: created atomically with mode 0600, never readable by others."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.problem = ""  # why the last load() found no usable login

    def load(self) -> dict | None:
        self.problem = f"no saved login in {self.path}"
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except PermissionError:
            self.problem = (f"{self.path} is not readable by this user: run mirrorball auth as the service user "
                            f"(sudo -u mirrorball mirrorball auth)")
            return None
        except (OSError, ValueError) as exc:
            self.problem = f"{self.path} is unreadable ({type(exc).__name__})"
            return None
        if not isinstance(data, dict) or not data.get("refresh_token"):
            self.problem = f"{self.path} holds no refresh token"
            return None
        self.problem = ""
        return data

    def save(self, token: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".spotify-token.", dir=self.path.parent)  # mkstemp creates it 0600
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(token, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)  # the rename itself survives a power cut
            finally:
                os.close(dir_fd)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def clear(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class TokenEndpoint:
    """POSTs to the accounts service's /api/token and maps its failures onto SpotifyError types."""

    def __init__(self, cfg: SpotifyConfig, *, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, secret: str | None = None):
        self.cfg = cfg
        self.url = cfg.accounts_url.rstrip("/") + "/api/token"
        self.session = session or requests.Session()
        self.clock = clock
        self.secret = secret

    def request(self, form: dict) -> dict:
        form = dict(form, client_id=self.cfg.client_id)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.secret:
            pair = f"{self.cfg.client_id}:{self.secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        try:
            resp = self.session.post(self.url, data=form, headers=headers, timeout=self.cfg.request_timeout_s)
        except requests.Timeout:
            raise Timeout(self.cfg.request_timeout_s) from None
        except requests.RequestException as exc:
            raise NetworkError(type(exc).__name__) from None
        if resp.status_code == 200:
            try:
                token = resp.json()
            except ValueError:
                token = None
            if not isinstance(token, dict) or not isinstance(token.get("access_token"), str):
                raise BadAnswer("the token answer holds no access token")
            lifetime = clamped(token.get("expires_in", TOKEN_LIFETIME_S), 0.0, MAX_TOKEN_LIFETIME_S, TOKEN_LIFETIME_S)
            token["expires_at"] = self.clock() + lifetime
            return token
        try:
            body = resp.json()
        except ValueError:
            body = {}
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):  # API-style error body
            error = error.get("reason") or error.get("message")
        description = body.get("error_description", "") if isinstance(body, dict) else ""
        if resp.status_code == 429:
            raise rate_limited(resp.headers, self.clock(), quota=error == "QUOTA_EXCEEDED")
        if resp.status_code >= 500:
            raise ServerError(resp.status_code, "token endpoint")
        if error == "invalid_grant":
            raise LoginNeeded(f"Spotify refused the saved login: {description or 'invalid_grant'}")
        if error in ("invalid_client", "unauthorized_client"):
            raise LoginNeeded(f"Spotify refused the client ID: {description or error}")
        raise LoginNeeded(f"token request failed with {resp.status_code} {error or ''}".strip())


def rate_limited(headers, now: float, *, quota: bool, reason: str | None = None) -> RateLimited:
    """The error for a 429 (from the Web API or the accounts service): its Retry-After bounded (unreadable: 60 s;
    beyond MAX_WAIT_S: clamped, and the status says so)."""
    wait = retry_after((headers or {}).get("Retry-After"), now=now, default=DEFAULT_RETRY_AFTER_S)
    retry_at, clamp = now + wait.seconds, wait.describe_clamp()
    if quota:
        return QuotaExceeded(retry_at, now=now, clamp=clamp)
    return RateLimited(retry_at, reason=reason, now=now, clamp=clamp)


class TokenManager:
    """Hands out a fresh access token (refreshing it when due). Never interactive: without a usable token it
    raises LoginNeeded. Implements spotipy's auth-manager protocol (get_access_token(as_dict=False))."""

    def __init__(self, cfg: SpotifyConfig, cache: TokenCache, *, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time, secret: str | None = None):
        self.cfg = cfg
        self.cache = cache
        self.clock = clock
        self.endpoint = TokenEndpoint(cfg, session=session, clock=clock, secret=secret)
        self._lock = threading.Lock()
        self._token: dict | None = None
        self._dead: LoginNeeded | None = None  # set once the refresh token was refused
        self._dead_refresh: str | None = None

    def get_access_token(self, as_dict: bool = False, check_cache: bool = True) -> str:
        with self._lock:
            token = self._current()
            if token["expires_at"] - self.clock() < REFRESH_MARGIN_S:
                token = self._refresh(token)
            return dict(token) if as_dict else token["access_token"]

    def force_refresh(self) -> None:
        """After a 401: the access token is no good, get a new one with the refresh token."""
        with self._lock:
            self._refresh(self._current())

    def status(self) -> str:
        try:
            with self._lock:
                self._current()
        except LoginNeeded as exc:
            return str(exc)
        return ""

    def _current(self) -> dict:
        if not self.cfg.client_id:
            raise LoginNeeded("spotify.client_id is not set")
        if self._token is None:
            loaded = self.cache.load()  # re-read each time: `mirrorball auth` may have saved a new login
            if loaded is not None and (self._dead is None or loaded["refresh_token"] != self._dead_refresh):
                self._token, self._dead = loaded, None
        if self._dead is not None:
            raise self._dead
        if self._token is None:
            raise LoginNeeded(self.cache.problem or f"no saved login in {self.cache.path}")
        # read back from the file: an expiry that is no time, or lies further ahead than any token lives, is due now
        expires = within(self._token.get("expires_at"), 0.0, self.clock() + MAX_TOKEN_LIFETIME_S)
        self._token["expires_at"] = 0.0 if expires is None else expires
        return self._token

    def _refresh(self, token: dict) -> dict:
        try:
            fresh = self.endpoint.request({"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        except LoginNeeded as exc:
            self._dead, self._dead_refresh = exc, token["refresh_token"]
            self._token = None
            log.warning("Spotify refresh token refused: %s", exc)
            raise
        fresh.setdefault("refresh_token", token["refresh_token"])
        fresh.setdefault("scope", token.get("scope", ""))
        self.cache.save(fresh)
        self._token = fresh
        log.info("Spotify access token refreshed; valid until %s", clock_text(fresh["expires_at"]))
        return fresh


# ---------------------------------------------------------------- the interactive login (`mirrorball auth` only)


class LoginError(Exception):
    """The pasted URL does not complete this login (state mismatch, denied, no code)."""


@dataclass
class LoginFlow:
    """One PKCE login attempt: the URL to open, then finish() with the URL the browser was redirected to."""

    cfg: SpotifyConfig
    cache: TokenCache
    secret: str | None = None
    session: requests.Session | None = None
    clock: Callable[[], float] = time.time

    def __post_init__(self):
        if not self.cfg.client_id:
            raise LoginError("spotify.client_id is not set: create an app at developer.spotify.com/dashboard "
                             "and put its client ID in the config")
        self.verifier = secrets.token_urlsafe(64)[:128]
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        self.challenge = base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
        self.state = secrets.token_urlsafe(16)

    def authorize_url(self) -> str:
        query = urlencode({
            "client_id": self.cfg.client_id, "response_type": "code", "redirect_uri": self.cfg.redirect_uri,
            "code_challenge_method": "S256", "code_challenge": self.challenge, "state": self.state,
            "scope": " ".join(SCOPES),
        })
        return f"{self.cfg.accounts_url.rstrip('/')}/authorize?{query}"

    def finish(self, pasted: str) -> dict:
        """Check the redirected URL, trade its code for tokens, save them; returns the token (do not print it)."""
        pasted = pasted.strip()
        params = parse_qs(urlsplit(pasted).query)
        if "error" in params:
            raise LoginError(f"Spotify did not grant access: {params['error'][0]}")
        if params.get("state", [None])[0] != self.state:
            raise LoginError("the pasted URL belongs to a different login attempt (state mismatch); "
                             "open the newest URL and paste the address it leads to")
        code = params.get("code", [None])[0]
        if not code:
            raise LoginError("the pasted URL has no ?code=...: paste the whole address from the browser's address bar")
        endpoint = TokenEndpoint(self.cfg, session=self.session, clock=self.clock, secret=self.secret)
        try:
            token = endpoint.request({"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": self.cfg.redirect_uri, "code_verifier": self.verifier})
        except SpotifyError as exc:
            raise LoginError(str(exc)) from None
        granted = set(token.get("scope", "").split())
        missing = set(SCOPES) - granted
        if missing:
            log.warning("Spotify granted fewer scopes than asked; missing: %s", ", ".join(sorted(missing)))
        self.cache.save(token)
        return token
