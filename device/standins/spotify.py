"""A loopback stand-in for the Spotify Web API and accounts service: real HTTP, state, and scriptable faults."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PLAYER_COMMANDS = {("PUT", "/v1/me/player"), ("PUT", "/v1/me/player/play"), ("PUT", "/v1/me/player/pause"),
                   ("POST", "/v1/me/player/next"), ("PUT", "/v1/me/player/volume"), ("POST", "/v1/me/player/queue")}


def spotify_id(seed: str) -> str:
    """A stable 22-character base-62 id, like Spotify's."""
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    out = []
    for _ in range(22):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(out)


@dataclass
class FakeTrack:
    name: str
    artist: str
    genre: str
    year: int
    duration_ms: int = 200_000
    explicit: bool = False
    popularity: int = 50
    id: str = ""

    def __post_init__(self):
        self.id = self.id or spotify_id(f"track:{self.artist}:{self.name}")

    @property
    def uri(self) -> str:
        return f"spotify:track:{self.id}"


@dataclass
class FakePlaylist:
    name: str
    track_ids: list[str]
    description: str = ""
    owner: str = "listener"
    id: str = ""

    def __post_init__(self):
        self.id = self.id or spotify_id(f"playlist:{self.owner}:{self.name}")

    @property
    def uri(self) -> str:
        return f"spotify:playlist:{self.id}"


@dataclass
class FakeDevice:
    name: str
    type: str = "Speaker"
    restricted: bool = False
    volume: int = 50
    supports_volume: bool = True
    awake: bool = True
    id: str = ""

    def __post_init__(self):
        self.id = self.id or spotify_id(f"device:{self.name}")[:20].lower()


@dataclass
class Fault:
    """Answer matching requests with an error (or just slow them down): used `times` times (None: forever)."""

    method: str
    path: str  # a regular expression matched against the whole path, e.g. r"/v1/me/player/play"
    status: int | None = None  # None: no error (latency or drop_device only)
    message: str = ""
    reason: str | None = None
    retry_after: float | None = None
    latency: float = 0.0
    drop_device: str | None = None  # this device falls asleep (vanishes from the list) on the matching request
    times: int | None = 1
    oauth: bool = False  # an OAuth-style error body ({"error": "...", "error_description": "..."})

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and re.fullmatch(self.path, path) is not None


@dataclass
class Exchange:
    method: str
    path: str
    query: dict
    status: int
    body: object  # parsed JSON or None


_GENRES = {  # covers every genre of the default music rules
    "pop": ["Sunny Avenue", "Neon Hearts", "Paper Planes Club"],
    "rock": ["The Granite Tapes", "Loud Valley", "Rust Orchard"],
    "jazz": ["Blue Hour Trio", "Marlowe Quintet", "Velvet Brass"],
    "soul": ["Ruby Sterling", "The Satin Band"],
    "funk": ["Groove Cartel", "The Bassment"],
    "dance": ["Strobe Theory", "Night Shift Collective"],
    "acoustic": ["Ellie Marsh", "Two Pines"],
    "chill": ["Soft Static", "Harbor Lights"],
    "lo-fi": ["Tape Hiss", "Rainy Window"],
    "bossa nova": ["Lua Nova", "Copacabana Strings"],
    "reggae": ["Island Roots", "Kingston Sun"],
    "reggaeton": ["La Ola", "Calor"],
    "tropical house": ["Palm Echo", "Coral Beat"],
    "indie": ["The Paper Kites Club", "Lantern Youth"],
    "indie folk": ["Willow & Crane", "The Hearth Singers"],
    "indie pop": ["Polaroid Summer", "Bright Hours"],
    "ambient": ["Slow Tide", "Glass Meadow"],
    "piano": ["Clara Holm", "Quiet Keys"],
    "classical": ["Aurora Chamber Players", "Northern Strings"],
    "hip-hop": ["MC Lantern", "Block Theory"],
    "electronic": ["Pulse Garden", "Quiet Circuit"],
    "country": ["Dusty Highway", "Kit Callahan"],
    "children's music": ["The Sing-Along Bus", "Puddle Jumpers"],
    "disney": ["Castle Chorus"],
    "metal": ["Iron Thistle"],
}
# (name, description, genres, owner): user playlists found by the default rules' mood words; "spotify" ones
# are listed by search but cannot be read, as in 2026.
_PLAYLISTS = [
    ("Rainy Day Jazz", "mellow cozy jazz for rain and winter", ["jazz", "bossa nova"], "listener"),
    ("Chill Acoustic Evenings", "chill acoustic lo-fi to calm down and relax", ["acoustic", "chill", "lo-fi"],
     "listener"),
    ("Upbeat Dance Party", "upbeat happy dance, feel good", ["dance", "pop", "funk"], "listener"),
    ("Beach Days", "tropical beach summer", ["reggae", "reggaeton", "tropical house"], "listener"),
    ("Fresh Morning", "fresh indie morning", ["indie", "indie pop", "indie folk"], "listener"),
    ("Sleepy Piano", "calm sleep piano and ambient", ["piano", "ambient"], "listener"),
    ("Family Sing-Along", "family kids songs", ["children's music", "disney"], "listener"),
    ("Today's Top Hits", "feel good happy pop", ["pop"], "spotify"),
    ("Chill Hits", "chill relax", ["chill"], "spotify"),
]
_WORDS = ["Morning", "Rain", "Sun", "Night", "River", "Dance", "Home", "Light", "Road", "Snow", "Summer", "Dream",
          "Fire", "Blue", "Gold", "Winter", "Cloud", "Storm", "Coffee", "Lullaby"]


def default_tracks() -> list[FakeTrack]:
    """About 330 tracks over 25 genres and six decades, deterministic."""
    tracks = []
    n = 0
    for genre, artists in _GENRES.items():
        for a, artist in enumerate(artists):
            for k in range(6):
                n += 1
                w1, w2 = _WORDS[(n * 7) % len(_WORDS)], _WORDS[(n * 3 + a) % len(_WORDS)]
                tracks.append(FakeTrack(
                    name=f"{w1} {w2} {k + 1}", artist=artist, genre=genre, year=1965 + (n * 11) % 60,
                    duration_ms=150_000 + (n * 9_973) % 150_000, explicit=(genre == "hip-hop" and k % 2 == 0),
                    popularity=20 + (n * 13) % 80))
    return tracks


class SpotifyStandIn:
    """The fake Spotify: start() it, point the client at api_url/accounts_url, script faults and other apps."""

    def __init__(self, *, client_id: str = "mirrorball-test", client_secret: str | None = None,
                 tracks: list[FakeTrack] | None = None, playlists: list[FakePlaylist] | None = None,
                 devices: list[FakeDevice] | None = None, premium: bool = True, user_id: str = "listener",
                 clock: Callable[[], float] = time.monotonic, speed: float = 1.0, token_lifetime_s: int = 3600,
                 autoplay: bool = False):
        self.client_id, self.client_secret = client_id, client_secret
        self.user_id, self.premium = user_id, premium
        # speed: tracks are that many times shorter (a demo plays a song in seconds); every clock stays in step
        self.speed = speed
        self.tracks = {t.id: dataclasses.replace(t, duration_ms=max(1000, int(t.duration_ms / speed)))
                       for t in (tracks if tracks is not None else default_tracks())}
        if playlists is None:
            playlists = [FakePlaylist(name, [i for i, t in self.tracks.items() if t.genre in genres][:40],
                                      description, owner=owner)
                         for name, description, genres, owner in _PLAYLISTS]
        self.playlists = {p.id: p for p in playlists}
        devs = devices if devices is not None else [FakeDevice("Living Room"), FakeDevice("Kitchen Speaker"),
                                                    FakeDevice("Office TV", type="TV", restricted=True)]
        self.devices = {d.id: d for d in devs}
        self._clock, self._offset = clock, 0.0
        self.autoplay = autoplay  # like the app's Autoplay setting: when the list ends, play something similar
        self.token_lifetime_s = token_lifetime_s
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.requests: list[str] = []  # "METHOD /v1/path" in the order received (Web API only)
        self.accounts_requests: list[str] = []
        self.exchanges: list[Exchange] = []
        self.saved: list[str] = []
        self.top_track_ids = [t.id for t in sorted(self.tracks.values(), key=lambda t: -t.popularity)[:50]]
        # OAuth state
        self._codes: dict[str, dict] = {}
        self._access: dict[str, dict] = {}  # token -> {"expired": bool, "scope": str}
        self._refresh: dict[str, dict] = {}  # token -> {"revoked": bool, "scope": str}
        self.deny_login = False
        # playback state
        self.active_id: str | None = None
        self.playing = False
        self.context_uri: str | None = None
        self.sequence: list[str] = []  # track ids of the list or context being played
        self.index = -1
        self.queue: list[str] = []  # user queue, plays before the rest of the sequence, survives play()
        self._pos_ms = 0.0
        self._pos_at = 0.0
        self.changed_at = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> "SpotifyStandIn":
        owner = self

        class Handler(_Handler):
            standin = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="spotify-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "SpotifyStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def accounts_url(self) -> str:
        return self.base_url

    # ------------------------------------------------------------ scripting

    def now(self) -> float:
        """The speaker's clock: `clock` plus whatever advance() added."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the stand-in's playback clock forward (tracks end, the next one starts)."""
        with self.lock:
            self._offset += seconds
            self._settle()

    def fail(self, method: str, path: str, status: int | None = None, **kw) -> Fault:
        fault = Fault(method, path, status, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def device(self, name: str) -> FakeDevice:
        return next(d for d in self.devices.values() if d.name == name)

    def sleep_device(self, name: str) -> None:
        with self.lock:
            dev = self.device(name)
            dev.awake = False
            if self.active_id == dev.id:
                self.active_id, self.playing = None, False

    def wake_device(self, name: str) -> None:
        with self.lock:
            self.device(name).awake = True

    def revoke(self) -> None:
        """The user removed the app's access: refresh tokens give invalid_grant, access tokens 401."""
        with self.lock:
            for r in self._refresh.values():
                r["revoked"] = True
            for a in self._access.values():
                a["expired"] = True

    def expire_access_tokens(self) -> None:
        with self.lock:
            for a in self._access.values():
                a["expired"] = True

    def issue_token(self, scope: str = "") -> dict:
        """A token pair as the token endpoint would grant it (for tests that skip the login)."""
        with self.lock:
            return self._grant(scope)

    def approve(self, authorize_url: str) -> str:
        """What the user's browser does: open the authorize URL, log in, and land on the redirect URL."""
        import requests
        resp = requests.get(authorize_url, allow_redirects=False, timeout=5)
        if resp.status_code != 302:
            raise AssertionError(f"authorize refused: {resp.status_code} {resp.text}")
        return resp.headers["Location"]

    # other Spotify apps acting on the same account (no HTTP request, no request-log entry)

    def app_skip(self) -> None:
        with self.lock:
            self._settle()
            self._next()

    def app_play(self, uris: list[str], device: str | None = None) -> None:
        with self.lock:
            if device is not None:
                self.active_id = self.device(device).id
            self._start_sequence([u.rsplit(":", 1)[-1] for u in uris], None)

    def app_pause(self) -> None:
        with self.lock:
            self._settle()
            self._set_playing(False)

    def current(self) -> FakeTrack | None:
        with self.lock:
            self._settle()
            return self._current()

    def position_s(self) -> float:
        with self.lock:
            self._settle()
            return self._position_ms() / 1000

    # ------------------------------------------------------------ playback model

    def _current(self) -> FakeTrack | None:
        if 0 <= self.index < len(self.sequence):
            return self.tracks.get(self.sequence[self.index])
        return None

    def _position_ms(self) -> float:
        if not self.playing:
            return self._pos_ms
        return self._pos_ms + (self.now() - self._pos_at) * 1000

    def _set_position(self, ms: float) -> None:
        self._pos_ms, self._pos_at = ms, self.now()

    def _set_playing(self, playing: bool) -> None:
        self._pos_ms = self._position_ms()
        self._pos_at = self.now()
        self.playing = playing
        self.changed_at = self.now()

    def _start_sequence(self, ids: list[str], context_uri: str | None) -> None:
        self.sequence, self.index, self.context_uri = list(ids), 0, context_uri
        self._set_position(0)
        self.playing = bool(ids)
        self.changed_at = self.now()

    def _next(self) -> None:
        if self.queue:  # the user queue goes first; the played item is inserted after the current one
            self.sequence.insert(self.index + 1, self.queue.pop(0))
        self.index += 1
        if self.index >= len(self.sequence) and self.autoplay and self.sequence:
            last = self.tracks[self.sequence[-1]]
            similar = [i for i, t in self.tracks.items() if t.genre == last.genre and i not in self.sequence]
            if similar:
                self.sequence.append(similar[0])
        if self.index >= len(self.sequence):
            self.index = len(self.sequence) - 1
            self.playing = False
            self._set_position(0)
        else:
            self._set_position(0)
        self.changed_at = self.now()

    def _settle(self) -> None:
        """Let time pass: finished tracks give way to the next ones."""
        while self.playing and self._current() is not None:
            cur = self._current()
            pos = self._position_ms()
            if pos < cur.duration_ms:
                return
            ended_at = self._pos_at + (cur.duration_ms - self._pos_ms) / 1000
            self._next()
            if self.playing:
                self._pos_ms, self._pos_at = 0.0, ended_at
            self.changed_at = ended_at

    # ------------------------------------------------------------ OAuth

    def _grant(self, scope: str) -> dict:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self._access[access] = {"expired": False, "scope": scope}
        self._refresh[refresh] = {"revoked": False, "scope": scope}
        return {"access_token": access, "token_type": "Bearer", "scope": scope,
                "expires_in": self.token_lifetime_s, "refresh_token": refresh}

    def handle_authorize(self, q: dict) -> tuple[int, dict, object]:
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != self.client_id:
            return 400, {}, {"error": "invalid_client", "error_description": "Invalid client"}
        if not re.match(r"http://(127\.0\.0\.1|\[::1\]):\d+/", redirect):
            return 400, {}, {"error": "invalid_request", "error_description": "Invalid redirect URI"}
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return 400, {}, {"error": "invalid_request", "error_description": "code_challenge required (S256)"}
        params = {"state": q["state"]} if "state" in q else {}
        if self.deny_login:
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = {"challenge": q["code_challenge"], "redirect_uri": redirect,
                                 "scope": q.get("scope", "")}
            params = {"code": code, **params}
        return 302, {"Location": f"{redirect}?{urlencode(params)}"}, None

    def handle_token(self, form: dict, auth_header: str | None) -> tuple[int, dict, object]:
        def refuse(error: str, description: str) -> tuple[int, dict, object]:
            return 400, {}, {"error": error, "error_description": description}

        client_id = form.get("client_id")
        if auth_header and auth_header.startswith("Basic "):
            cid, _, secret = base64.b64decode(auth_header[6:]).decode().partition(":")
            client_id = cid
            if self.client_secret is not None and secret != self.client_secret:
                return refuse("invalid_client", "Invalid client secret")
        if client_id != self.client_id:
            return refuse("invalid_client", "Invalid client")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            info = self._codes.pop(form.get("code", ""), None)
            if info is None:
                return refuse("invalid_grant", "Invalid authorization code")
            if form.get("redirect_uri") != info["redirect_uri"]:
                return refuse("invalid_grant", "Invalid redirect URI")
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
            if digest != info["challenge"]:
                return refuse("invalid_grant", "code_verifier was incorrect")
            return 200, {}, self._grant(info["scope"])
        if grant == "refresh_token":
            info = self._refresh.get(form.get("refresh_token", ""))
            if info is None or info["revoked"]:
                return refuse("invalid_grant", "Refresh token revoked")
            access = secrets.token_urlsafe(24)
            self._access[access] = {"expired": False, "scope": info["scope"]}
            return 200, {}, {"access_token": access, "token_type": "Bearer", "scope": info["scope"],
                             "expires_in": self.token_lifetime_s}
        return refuse("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    # ------------------------------------------------------------ Web API

    def handle_api(self, method: str, path: str, q: dict, body: dict | None, auth: str | None):
        bearer = auth[7:] if auth and auth.startswith("Bearer ") else None
        token = self._access.get(bearer or "")
        if token is None:
            return _err(401, "Invalid access token")
        if token["expired"]:
            return _err(401, "The access token expired")
        self._settle()
        if (method, path) in PLAYER_COMMANDS and not self.premium:
            return _err(403, "Player command failed: Premium required", "PREMIUM_REQUIRED")
        route = {
            ("GET", "/v1/me/player/devices"): self._get_devices,
            ("GET", "/v1/me/player"): self._get_player,
            ("GET", "/v1/me/player/currently-playing"): self._get_currently_playing,
            ("PUT", "/v1/me/player"): self._transfer,
            ("PUT", "/v1/me/player/play"): self._play,
            ("PUT", "/v1/me/player/pause"): self._pause,
            ("POST", "/v1/me/player/next"): self._skip,
            ("PUT", "/v1/me/player/volume"): self._volume,
            ("POST", "/v1/me/player/queue"): self._enqueue,
            ("GET", "/v1/search"): self._search,
            ("PUT", "/v1/me/library"): self._save,
            ("GET", "/v1/me/top/tracks"): self._top_tracks,
        }.get((method, path))
        if route is not None:
            return route(q, body or {})
        m = re.fullmatch(r"/v1/playlists/([A-Za-z0-9]+)/items", path)
        if m and method == "GET":
            return self._playlist_items(m.group(1), q)
        return _err(404, "Service not found")

    def _device_obj(self, d: FakeDevice) -> dict:
        return {"id": d.id, "is_active": d.id == self.active_id, "is_private_session": False,
                "is_restricted": d.restricted, "name": d.name, "type": d.type,
                "volume_percent": d.volume if d.supports_volume else None, "supports_volume": d.supports_volume}

    def _get_devices(self, q, body):
        return 200, {"devices": [self._device_obj(d) for d in self.devices.values() if d.awake]}

    def _state(self, with_device: bool) -> tuple[int, object]:
        cur = self._current()
        active = self.devices.get(self.active_id or "")
        if cur is None or active is None or not active.awake:
            return 204, None
        out = {"timestamp": int(self.changed_at * 1000), "progress_ms": int(min(self._position_ms(), cur.duration_ms)),
               "is_playing": self.playing, "item": self._track_obj(cur), "currently_playing_type": "track"}
        if self.context_uri:
            out["context"] = {"type": "playlist", "uri": self.context_uri,
                              "href": f"{self.api_url}/playlists/{self.context_uri.rsplit(':', 1)[-1]}",
                              "external_urls": {"spotify": "https://open.spotify.com/playlist/"
                                                + self.context_uri.rsplit(":", 1)[-1]}}
        if with_device:
            out.update({"device": self._device_obj(active), "repeat_state": "off", "shuffle_state": False})
        return 200, out

    def _get_player(self, q, body):
        return self._state(True)

    def _get_currently_playing(self, q, body):
        return self._state(False)

    def _target(self, device_id: str | None) -> tuple[FakeDevice | None, tuple | None]:
        if device_id:
            dev = self.devices.get(device_id)
            if dev is None or not dev.awake:
                return None, _err(404, "Device not found")
        else:
            dev = self.devices.get(self.active_id or "")
            if dev is None or not dev.awake:
                return None, _err(404, "Player command failed: No active device found", "NO_ACTIVE_DEVICE")
        if dev.restricted:
            return None, _err(403, "Player command failed: Restriction violated", "DEVICE_NOT_CONTROLLABLE")
        return dev, None

    def _transfer(self, q, body):
        ids = body.get("device_ids")
        if not isinstance(ids, list) or len(ids) != 1:
            return _err(400, "Exactly one device_id is required")
        dev, error = self._target(ids[0])
        if error:
            return error
        self.active_id = dev.id
        if body.get("play") and self._current() is not None:
            self._set_playing(True)
        return 204, None

    def _play(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        self.active_id = dev.id
        if "uris" in body:
            ids = []
            for uri in body["uris"]:
                tid = uri.rsplit(":", 1)[-1]
                if not uri.startswith("spotify:track:") or tid not in self.tracks:
                    return _err(400, f"Invalid track uri: {uri}")
                ids.append(tid)
            self._start_sequence(ids, None)
        elif "context_uri" in body:
            pid = body["context_uri"].rsplit(":", 1)[-1]
            playlist = self.playlists.get(pid)
            if playlist is None or not playlist.track_ids:
                return _err(404, "Non existing context")
            self._start_sequence(playlist.track_ids, playlist.uri)
        else:
            if self._current() is None:
                return _err(404, "Player command failed: Nothing to resume", "NO_ACTIVE_DEVICE")
            if self.playing:
                return _err(403, "Player command failed: Restriction violated", "ALREADY_PLAYING")
            self._set_playing(True)
        return 204, None

    def _pause(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        if not self.playing:
            return _err(403, "Player command failed: Restriction violated", "ALREADY_PAUSED")
        self._set_playing(False)
        return 204, None

    def _skip(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        self._next()
        return 204, None

    def _volume(self, q, body):
        try:
            pct = int(q.get("volume_percent", ""))
        except ValueError:
            return _err(400, "volume_percent must be an integer")
        if not 0 <= pct <= 100:
            return _err(400, "volume_percent must be between 0 and 100")
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        if not dev.supports_volume:
            return _err(403, "Player command failed: Cannot control device volume", "VOLUME_CONTROL_DISALLOW")
        dev.volume = pct
        return 204, None

    def _enqueue(self, q, body):
        uri = q.get("uri", "")
        if not uri.startswith("spotify:track:") or uri.rsplit(":", 1)[-1] not in self.tracks:
            return _err(400, f"Invalid uri: {uri}")
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        self.queue.append(uri.rsplit(":", 1)[-1])
        return 204, None

    def _save(self, q, body):
        uris = [u for u in q.get("uris", "").split(",") if u]
        if not uris or len(uris) > 40:
            return _err(400, "Missing or too many uris (1..40)")
        for uri in uris:
            if not re.fullmatch(r"spotify:(track|album|episode|show|audiobook|user|playlist):[A-Za-z0-9]+", uri):
                return _err(400, f"Invalid URI: {uri}")
            if uri not in self.saved:
                self.saved.append(uri)
        return 200, None

    def _paging(self, path: str, items: list, q: dict, *, max_limit: int, default_limit: int) -> tuple[int, object]:
        try:
            limit = int(q.get("limit", default_limit))
            offset = int(q.get("offset", 0))
        except ValueError:
            return _err(400, "Invalid limit or offset")
        if not 1 <= limit <= max_limit:
            return _err(400, "Invalid limit")
        if not 0 <= offset <= 1000:
            return _err(400, "Invalid offset")
        page = items[offset:offset + limit]
        base = f"{self.api_url}{path}"
        extra = {k: v for k, v in q.items() if k not in ("limit", "offset")}

        def link(off: int) -> str:
            return f"{base}?{urlencode({**extra, 'offset': off, 'limit': limit})}"

        return 200, {"href": link(offset), "items": page, "limit": limit,
                     "next": link(offset + limit) if offset + limit < len(items) else None, "offset": offset,
                     "previous": link(max(0, offset - limit)) if offset > 0 else None, "total": len(items)}

    def _search(self, q, body):
        query, kinds = q.get("q", ""), set(q.get("type", "").split(","))
        if not query or not kinds or not kinds <= {"track", "playlist", "album", "artist", "show", "episode",
                                                   "audiobook"}:
            return _err(400, "Missing or invalid parameter")
        filters, words = _parse_query(query)
        out = {}
        if "track" in kinds:
            found = [self._track_obj(t) for t in self.tracks.values() if _track_matches(t, filters, words)]
            status, page = self._paging("/search", found, q, max_limit=10, default_limit=5)
            if status != 200:
                return status, page
            out["tracks"] = page
        if "playlist" in kinds:
            found = [self._playlist_obj(p) for p in self.playlists.values()
                     if not words or any(w in f"{p.name} {p.description}".casefold() for w in words)]
            status, page = self._paging("/search", found, q, max_limit=10, default_limit=5)
            if status != 200:
                return status, page
            out["playlists"] = page
        return 200, out

    def _top_tracks(self, q, body):
        items = [self._track_obj(self.tracks[i]) for i in self.top_track_ids]
        return self._paging("/me/top/tracks", items, q, max_limit=50, default_limit=20)

    def _playlist_items(self, pid: str, q: dict):
        playlist = self.playlists.get(pid)
        if playlist is None or playlist.owner == "spotify":  # 2026: Spotify-owned playlists cannot be read
            return _err(404, "Resource not found")
        owner = self._user_obj(playlist.owner)
        items = [{"added_at": "2025-01-01T12:00:00Z", "added_by": owner, "is_local": False,
                  "item": self._track_obj(self.tracks[t])} for t in playlist.track_ids]
        return self._paging(f"/playlists/{pid}/items", items, q, max_limit=50, default_limit=20)

    # ------------------------------------------------------------ JSON objects shaped like Spotify's

    def _user_obj(self, user: str) -> dict:
        return {"external_urls": {"spotify": f"https://open.spotify.com/user/{user}"},
                "href": f"{self.api_url}/users/{user}", "id": user, "type": "user", "uri": f"spotify:user:{user}"}

    def _track_obj(self, t: FakeTrack) -> dict:
        artist_id = spotify_id(f"artist:{t.artist}")
        album_id = spotify_id(f"album:{t.artist}:{t.year}")
        artist = {"external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
                  "href": f"{self.api_url}/artists/{artist_id}", "id": artist_id, "name": t.artist,
                  "type": "artist", "uri": f"spotify:artist:{artist_id}"}
        album = {"album_type": "album", "total_tracks": 10, "available_markets": ["DE", "GB", "US"],
                 "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
                 "href": f"{self.api_url}/albums/{album_id}", "id": album_id,
                 "images": [{"url": f"https://i.scdn.co/image/{album_id}", "height": 640, "width": 640}],
                 "name": f"{t.artist} {t.year}", "release_date": str(t.year), "release_date_precision": "year",
                 "type": "album", "uri": f"spotify:album:{album_id}", "artists": [artist]}
        return {"album": album, "artists": [artist], "available_markets": ["DE", "GB", "US"], "disc_number": 1,
                "duration_ms": t.duration_ms, "explicit": t.explicit, "external_ids": {"isrc": f"XX{t.id[:10]}"},
                "external_urls": {"spotify": f"https://open.spotify.com/track/{t.id}"},
                "href": f"{self.api_url}/tracks/{t.id}", "id": t.id, "is_playable": True, "name": t.name,
                "popularity": t.popularity, "preview_url": None, "track_number": 1, "type": "track",
                "uri": t.uri, "is_local": False}

    def _playlist_obj(self, p: FakePlaylist) -> dict:
        owner = dict(self._user_obj(p.owner), display_name=p.owner.title())
        ref = {"href": f"{self.api_url}/playlists/{p.id}/items", "total": len(p.track_ids)}
        return {"collaborative": False, "description": p.description,
                "external_urls": {"spotify": f"https://open.spotify.com/playlist/{p.id}"},
                "href": f"{self.api_url}/playlists/{p.id}", "id": p.id, "images": [], "name": p.name,
                "owner": owner, "public": True, "snapshot_id": spotify_id(f"snap:{p.id}"), "items": ref,
                "type": "playlist", "uri": p.uri}


def _err(status: int, message: str, reason: str | None = None) -> tuple[int, dict]:
    error = {"status": status, "message": message}
    if reason:
        error["reason"] = reason
    return status, {"error": error}


def _parse_query(query: str) -> tuple[dict, list[str]]:
    filters, words = {}, []
    for m in re.finditer(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)', query):
        if m.group(1):
            filters[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            filters[m.group(3).lower()] = m.group(4)
        else:
            words.extend((m.group(5) or m.group(6)).casefold().split())
    return filters, words


def _track_matches(t: FakeTrack, filters: dict, words: list[str]) -> bool:
    if "genre" in filters and filters["genre"].casefold() != t.genre:
        return False
    if "year" in filters:
        lo, _, hi = filters["year"].partition("-")
        try:
            if not int(lo) <= t.year <= int(hi or lo):
                return False
        except ValueError:
            return False
    if "artist" in filters and filters["artist"].casefold() not in t.artist.casefold():
        return False
    text = f"{t.name} {t.artist} {t.genre}".casefold()
    return all(w in text for w in words)


class _Handler(BaseHTTPRequestHandler):
    standin: SpotifyStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the stand-in keeps its own request log
        pass

    def _dispatch(self, method: str) -> None:
        s = self.standin
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        is_api = path.startswith("/v1/")
        with s.lock:
            (s.requests if is_api else s.accounts_requests).append(f"{method} {path}")
            fault = next((f for f in s.faults if f.matches(method, path)), None)
            if fault is not None and fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    s.faults.remove(fault)
        if fault is not None and fault.latency:
            time.sleep(fault.latency)
        headers: dict = {}
        if fault is not None and fault.drop_device:
            s.sleep_device(fault.drop_device)
        if fault is not None and fault.status is not None:
            status = fault.status
            if fault.oauth:
                body = {"error": fault.reason or "server_error", "error_description": fault.message}
            else:
                body = _err(status, fault.message or _default_message(status), fault.reason)[1]
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
        else:
            with s.lock:
                if is_api:
                    try:
                        parsed = json.loads(raw) if raw else None
                    except ValueError:
                        status, body = _err(400, "Malformed json")
                    else:
                        status, body = s.handle_api(method, path, query, parsed, self.headers.get("Authorization"))
                elif method == "GET" and path == "/authorize":
                    status, headers, body = s.handle_authorize(query)
                elif method == "POST" and path == "/api/token":
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    status, headers, body = s.handle_token(form, self.headers.get("Authorization"))
                else:
                    status, body = _err(404, "Service not found")
        with s.lock:
            s.exchanges.append(Exchange(method, path, query, status, body))
        data = json.dumps(body).encode() if body is not None else b""
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test): fine
            self.close_connection = True

    def do_GET(self):
        self._dispatch("GET")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")


def _default_message(status: int) -> str:
    return {400: "Bad request", 401: "The access token expired", 403: "Forbidden", 404: "Not found",
            429: "API rate limit exceeded", 500: "Server error", 502: "Bad gateway",
            503: "Service unavailable"}.get(status, "Error")
