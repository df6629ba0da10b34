"""The demo: the real daemon on replayed photos, with loopback Spotify and Open-Meteo stand-ins and mock button pins."""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from device.core.clock import SystemClock
from device.core.notify import Notifier
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn
from device.runtime.assembly import build_parts
from device.runtime.daemon import Daemon

log = logging.getLogger("device.devtools.demo")

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "demo"
CLIENT_ID = "mirrorball-demo"
SPEAKER = "Living Room"
# The music's draws, seeded: each run of the demo picks alike (fixed before its picks were seen; the daemon itself
# draws unseeded). A fresh device can still queue a loose genre search's neighbour (issue 21, docs/music-simulation.md).
DEMO_SEED = 1
FPS = 2.0  # the demo samples at one steady rate, so that frame number i is shown at i / FPS seconds
BUTTON_PIN = 17

# The replayed "camera": (photo, seconds shown). An empty room, a listener walking in and staying, the room empty again.
TIMELINE: tuple[tuple[str, float], ...] = (
    ("00-empty.jpg", 1.5), ("01-empty.jpg", 1.5),
    ("02-listener.jpg", 0.5), ("03-listener.jpg", 0.5), ("04-listener.jpg", 0.5), ("05-listener.jpg", 0.5),
    ("06-listener.jpg", 0.5), ("07-listener.jpg", 16.0),
    ("08-empty.jpg", 1.0), ("09-empty.jpg", 12.0),
)
# The scripted button: (seconds after start, "tap" or "hold").
PRESSES: tuple[tuple[float, str], ...] = ((10.0, "tap"), (14.0, "hold"))
HOLD_S = 1.3


@dataclass
class DemoResult:
    frames: int = 0
    faces: int = 0
    decisions: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    spotify_requests: list[str] = field(default_factory=list)
    heard: list[dict] = field(default_factory=list)  # what the speaker played, judged at the stand-in

    @property
    def catalog_requests(self) -> dict:
        """Catalog requests per decision (p50, p95, max; cache hits not counted)."""
        from device.music.candidates import request_summary

        return request_summary([d["catalog_requests"] for d in self.decisions if d.get("catalog_requests") is not None])

    def to_json(self) -> dict:
        return {"frames": self.frames, "faces": self.faces, "decisions": self.decisions, "feedback": self.feedback,
                "errors": self.errors, "spotify_requests": self.spotify_requests,
                "catalog_requests_per_decision": self.catalog_requests, "heard": self.heard}


class _Collector(logging.Handler):
    """Keeps every log record of the run: the event lines, and the errors for the summary."""

    def __init__(self, started: float, echo: Callable[[str], None] | None):
        super().__init__(logging.INFO)
        self.started = started
        self.echo = echo
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {message}")
        if self.echo is not None:
            name = record.name.removeprefix("device.")
            self.echo(f"{time.monotonic() - self.started:6.1f}s  {name:<18} {message}")


def write_frames(folder: Path) -> int:
    """The timeline as numbered copies of the demo photos, for the images source."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for photo, seconds in TIMELINE:
        for _ in range(max(1, round(seconds * FPS))):
            shutil.copyfile(ASSETS / photo, folder / f"{n:04d}.jpg")
            n += 1
    return n


def write_config(path: Path, *, frames: Path, state: Path, weather: OpenMeteoStandIn, spotify: SpotifyStandIn) -> None:
    path.write_text(f"""\
# Written by `mirrorball demo`: the real config loader reads it.
camera:
  source: images
  images: {frames}
  loop: true
  idle_fps: {FPS}
  active_fps: {FPS}
  present_fps: {FPS}
vision:
  leave_after_s: 3
weather:
  latitude: 52.52
  longitude: 13.41
  forecast_url: {weather.forecast_url}
  geocoding_url: {weather.geocoding_url}
music:
  idle: pause
  pause_after_minutes: 0.05
spotify:
  client_id: {CLIENT_ID}
  speaker: {SPEAKER.lower()}
  api_url: {spotify.api_url}
  accounts_url: {spotify.accounts_url}
  poll_s: 2
button:
  enabled: true
  pin: {BUTTON_PIN}
daemon:
  state_dir: {state}
  require_time_sync: false
  tick_s: 0.25
""")


def log_in(config_path: Path, spotify: SpotifyStandIn) -> None:
    """`mirrorball auth`'s PKCE flow, with the stand-in's login page approving it as a person would."""
    from device.config import load_config
    from device.spotify.auth import LoginFlow, TokenCache, token_path

    config = load_config(config_path)
    flow = LoginFlow(config.spotify, TokenCache(token_path(config.daemon.state_dir)))
    flow.finish(spotify.approve(flow.authorize_url()))
    log.info("logged in to the Spotify stand-in with PKCE (token cache in the state directory)")


def press(factory, kind: str) -> None:
    pin = factory.pin(BUTTON_PIN)
    pin.drive_low()  # pull-up: pressed connects the pin to ground
    time.sleep(HOLD_S if kind == "hold" else 0.12)
    pin.drive_high()


def run_demo(seconds: float = 40.0, *, echo: Callable[[str], None] | None = print) -> DemoResult:
    from gpiozero.pins.mock import MockFactory

    started = time.monotonic()
    collector = _Collector(started, echo)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(collector)
    root.setLevel(logging.INFO)
    tmp = Path(tempfile.mkdtemp(prefix="mirrorball-demo-"))
    factory = MockFactory()
    result = DemoResult()
    try:
        with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID, speed=10.0) as spotify:
            weather.set_weather(weather_code=61, temperature_2m=7.0, apparent_temperature=4.5, is_day=0)
            frames = tmp / "frames"
            n = write_frames(frames)
            config_path = tmp / "config.yaml"
            write_config(config_path, frames=frames, state=tmp / "state", weather=weather, spotify=spotify)
            log.info("stand-ins on %s (Spotify) and %s (Open-Meteo); %d frames replayed at %g per second",
                     spotify.base_url, weather.url, n, FPS)
            log_in(config_path, spotify)
            daemon = Daemon(config_path, parts_factory=lambda runtime: build_parts(runtime, rng=random.Random(DEMO_SEED)),
                            notifier=Notifier(address=""), clock=SystemClock(require_sync=False),
                            pin_factory=factory)
            thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
            thread.start()
            for at, kind in PRESSES:
                if at >= seconds:
                    break
                _sleep_until(started + at)
                log.info("pressing the button: %s", kind)
                press(factory, kind)
            _sleep_until(started + seconds)
            log.info("demo over after %.0f s: stopping", time.monotonic() - started)
            daemon.request_stop()
            thread.join(10)
            result.spotify_requests = list(spotify.requests)
            vision = _part(daemon, "vision")
            if vision is not None:
                result.frames, result.faces = vision.frames_seen, vision.faces_seen
            _collect_state(tmp / "state" / "state.db", result)
            result.heard = _heard(spotify, result.decisions)
    finally:
        root.removeHandler(collector)
        root.setLevel(old_level)
        factory.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result.errors = collector.errors
    return result


def _sleep_until(deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def _part(daemon: Daemon, name: str):
    if daemon.supervisor is None:
        return None
    return next((r.part for r in daemon.supervisor.runners if r.part.name == name), None)


def _heard(spotify: SpotifyStandIn, decisions: list[dict]) -> list[dict]:
    """Every track the stand-in's speaker played, for how long, with the catalogue's own genres for it and whether
    they are only another context's (a genre that only rules which did not fire in any decision name)."""
    from device.config.schema import Config
    from device.music.rules import rules_of
    from device.music.sources import genres_for

    rules = rules_of(Config())
    fired = {name for d in decisions for name in (d["brief"].get("rules") or ())}
    wanted = {g for r in rules if r.name in fired for g in genres_for(r)}
    others = {g for r in rules for g in genres_for(r)} - wanted
    out = []
    for start, end, track in spotify.playback.heard(0.0, spotify.now()):
        genres = sorted(spotify.world.genres_of(track))
        out.append({"track": f"{track.name} (spotify:track:{track.id})", "seconds": round(end - start, 1),
                    "genres": genres, "other_context": bool(set(genres) & others) and not set(genres) & wanted})
    return out


def _collect_state(db: Path, result: DemoResult) -> None:
    from device.core.state import StateStore

    with StateStore(db) as store:
        for d in store.decisions(limit=1000):
            p = d.payload
            brief = p.get("brief", {})
            context = p.get("context", {})
            result.decisions.append({
                "at": d.at,
                "audience": [group for group, _age in brief.get("listeners", [])],
                "weather": {k: context.get(k) for k in ("condition", "temperature", "temperature_c")},
                "brief": {k: brief.get(k) for k in ("moods", "genres", "era", "explicit", "volume", "rules")},
                "played": [f"{pick['name']} ({pick['uri']})" for pick in p.get("picks", [])],
                "explanation": p.get("explanation", ""),
                "catalog_requests": p.get("catalog_requests"),
                "refused": p.get("refused", []),
            })
        for e in store.events():
            result.feedback.append({"at": e.at, "event": e.kind, **e.payload})
