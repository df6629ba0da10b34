"""The fault matrix's rigs: the real daemon (Daemon + build_parts) or one real part, wired to the loopback stand-ins."""

from __future__ import annotations

import dataclasses
import logging
import random
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml
from fake_clock import FakeClock
from waiting import wait_for  # noqa: F401  (the fault tests import it from here too)

from device.config import load_config
from device.core.clock import SystemClock
from device.core.notify import Notifier
from device.core.parts import Hub
from device.core.state import StateStore
from device.core.values import Audience, Listener
from device.devtools.demo import ASSETS, log_in, write_config
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn
from device.runtime.conductor import ConductorPart
from device.runtime.daemon import Daemon, Runtime
from device.spotify.auth import TokenCache, token_path

CLIENT_ID = "mirrorball-demo"
LISTENER_PHOTO = "07-listener.jpg"
EMPTY_PHOTO = "09-empty.jpg"
SCOPES = ("user-read-playback-state user-modify-playback-state user-read-currently-playing "
          "user-library-modify user-library-read user-top-read user-read-recently-played playlist-read-private "
          "playlist-read-collaborative")


def merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


class LogCapture(logging.Handler):
    """Every formatted log line of a run (with tracebacks), for assertions and the secret grep."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock2:
            self.records.append(record)
            record.formatted = self.format(record)

    def text(self) -> str:
        with self._lock2:
            return "\n".join(getattr(r, "formatted", r.getMessage()) for r in self.records)

    def lines(self, level: int = logging.DEBUG, contains: str = "") -> list[str]:
        with self._lock2:
            return [r.getMessage() for r in self.records if r.levelno >= level and contains in r.getMessage()]

    def unhandled(self) -> list[str]:
        """Log lines carrying a traceback: an exception nothing in the product expected."""
        with self._lock2:
            return [getattr(r, "formatted", r.getMessage()) for r in self.records if r.exc_info]


class Appliance:
    """The whole daemon as `mirrorball run` builds it, on replayed photos, with the stand-ins and mock button pins."""

    def __init__(self, tmp: Path, weather: OpenMeteoStandIn, spotify: SpotifyStandIn, *, photo: str = LISTENER_PHOTO,
                 extra: dict | None = None, login: bool = True):
        from gpiozero.pins.mock import MockFactory

        self.tmp, self.weather, self.spotify = tmp, weather, spotify
        self.frames = tmp / "frames"
        self.frames.mkdir(parents=True, exist_ok=True)
        if photo:
            shutil.copyfile(ASSETS / photo, self.frames / "0000.jpg")
        self.state_dir = tmp / "state"
        self.config_path = tmp / "config.yaml"
        self.write(extra or {})
        if login:
            log_in(self.config_path, spotify)
        self.factory = MockFactory()
        self.logs = LogCapture()
        self.daemon: Daemon | None = None
        self.thread: threading.Thread | None = None
        self.rc: int | None = None

    def write(self, extra: dict) -> None:
        """The demo's config (device.devtools.demo.write_config) with these keys changed."""
        write_config(self.config_path, frames=self.frames, state=self.state_dir, weather=self.weather,
                     spotify=self.spotify)
        data = yaml.safe_load(self.config_path.read_text())
        data["camera"].update(idle_fps=4, active_fps=4, present_fps=2)
        data["vision"]["leave_after_s"] = 30
        self.config_path.write_text(yaml.safe_dump(merge(data, extra), sort_keys=False))

    def start(self) -> Appliance:
        root = logging.getLogger()
        root.addHandler(self.logs)
        self._old_level = root.level
        root.setLevel(logging.DEBUG)
        self.daemon = Daemon(self.config_path, notifier=Notifier(address=""), clock=SystemClock(require_sync=False),
                             pin_factory=self.factory)

        def run():
            self.rc = self.daemon.run()

        self.thread = threading.Thread(target=run, name="daemon-under-test", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.request_stop()
        if self.thread is not None:
            self.thread.join(10)
        logging.getLogger().removeHandler(self.logs)
        logging.getLogger().setLevel(getattr(self, "_old_level", logging.WARNING))
        self.factory.close()

    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def status(self) -> str:
        return self.daemon.status_line() if self.daemon and self.daemon.supervisor else ""

    def wait_status(self, text: str, timeout: float = 0.0) -> str:
        wait_for(lambda: text in self.status(), timeout)
        return self.status()

    def part(self, name: str):
        sup = self.daemon.supervisor if self.daemon else None
        return next((r.part for r in sup.runners if r.part.name == name), None) if sup else None

    def runner(self, name: str):
        sup = self.daemon.supervisor if self.daemon else None
        return next((r for r in sup.runners if r.part.name == name), None) if sup else None


@dataclasses.dataclass
class ConductorRig:
    """The real conductor part (music director, Spotify client and player) on the real config, stepped by hand."""

    part: ConductorPart
    standin: SpotifyStandIn
    hub: Hub
    store: StateStore
    clock: FakeClock

    def step(self, seconds: float = 0.0) -> None:
        self.clock.advance(seconds)
        self.part.step(self.clock())

    def arrive(self, *groups: str) -> None:
        listeners = tuple(Listener(i, g, 35.0, self.clock()) for i, g in enumerate(groups or ("30-39",)))
        self.hub.publish("audience", Audience(listeners, self.clock()))


@contextmanager
def appliances(tmp: Path, weather_now: dict, **spotify_kw):
    """A factory of daemons (Appliance, not started) sharing one weather and one Spotify stand-in; every one is
    stopped when the block ends. weather_now: the Open-Meteo stand-in's current weather."""
    made: list[Appliance] = []
    with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID, **spotify_kw) as spotify:
        weather.set_weather(**weather_now)

        def make(**kw) -> Appliance:
            a = Appliance(tmp / f"a{len(made)}", weather, spotify, **kw)
            made.append(a)
            return a

        try:
            yield make
        finally:
            for a in made:
                a.stop()


def conductor_rig(tmp: Path, standin: SpotifyStandIn, clock: FakeClock, *, speaker: str = "living room",
                  extra: str = "") -> ConductorRig:
    config_path = tmp / "config.yaml"
    config_path.write_text(f"spotify:\n  client_id: {standin.client_id}\n  api_url: {standin.api_url}\n"
                           f"  accounts_url: {standin.accounts_url}\n  speaker: {speaker}\n  queue_ahead: 2\n"
                           f"  request_timeout_s: 1\n"
                           f"music:\n  idle: pause\n  pause_after_minutes: 1\n"
                           f"daemon:\n  state_dir: {tmp}\n  require_time_sync: false\n{extra}")
    config = load_config(config_path)
    token = standin.issue_token(SCOPES)
    token["expires_at"] = clock() + token["expires_in"]
    TokenCache(token_path(tmp)).save(token)
    store = StateStore(tmp / "state.db", clock=clock).open()
    hub = Hub()
    part = ConductorPart(Runtime(config, hub, store, SystemClock(require_sync=False)), rng=random.Random(7),
                         wall=clock, mono=clock)
    return ConductorRig(part, standin, hub, store, clock)
