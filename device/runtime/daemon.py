"""The service `mirrorball run` starts: config, state, supervised parts, sd_notify, SIGHUP reload, clean stop."""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from device.config import Config, ConfigError, load_config, secret_warnings
from device.core.clock import SystemClock
from device.core.notify import Notifier
from device.core.parts import Hub, Part
from device.core.state import StateError, StateStore
from device.core.topics import Topic
from device.runtime.supervisor import Supervisor

log = logging.getLogger(__name__)

EXIT_CONFIG = 78  # EX_CONFIG; the unit's RestartPreventExitStatus=78 stops a restart storm on a bad config
# Parts get this long to stop: a part inside one step (a model still loading, an inference on a slow or emulated CPU)
# finishes it first; a process that exits while one runs native code can abort. systemd's TimeoutStopSec is 10.
STOP_BUDGET_S = 8.0


@dataclasses.dataclass
class Runtime:
    """What every part may use: the config, the hub between parts, the state store and the clock."""

    config: Config
    hub: Hub
    store: StateStore
    clock: SystemClock
    pin_factory: object = None  # gpiozero pin factory; None: gpiozero's default (the demo passes mock pins)


PartsFactory = Callable[[Runtime], list[Part]]


def default_parts(runtime: Runtime) -> list[Part]:
    from device.runtime.assembly import build_parts

    return build_parts(runtime)


class Daemon:
    def __init__(self, config_path: str | Path, *, parts_factory: PartsFactory = default_parts,
                 notifier: Notifier | None = None, clock: SystemClock | None = None,
                 status_every_s: float = 5.0, pin_factory: object = None):
        self.config_path = Path(config_path)
        self.parts_factory = parts_factory
        self.notifier = notifier or Notifier()
        self.clock = clock
        self.status_every_s = status_every_s
        self.pin_factory = pin_factory
        self.config: Config | None = None
        self.store: StateStore | None = None
        self.hub = Hub()
        self.supervisor: Supervisor | None = None
        self._wake = threading.Event()
        self._stop_requested = False
        self._reload_requested = False
        self.state_problem = ""

    # ------------------------------------------------------------ signals

    def request_stop(self, *_args) -> None:
        self._stop_requested = True
        self._wake.set()

    def request_reload(self, *_args) -> None:
        self._reload_requested = True
        self._wake.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGHUP, self.request_reload)

    # ------------------------------------------------------------ main

    def run(self) -> int:
        try:
            self.config = load_config(self.config_path)
        except ConfigError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error("not starting: fix the config above, then 'systemctl restart mirrorball'")
            self.notifier.send(f"STATUS=config error in {self.config_path}: run mirrorball check-config")
            return EXIT_CONFIG
        for warning in secret_warnings(self.config, self.config_path):
            log.warning("%s", warning)
        if self.clock is None:
            self.clock = SystemClock(require_sync=self.config.daemon.require_time_sync)
        self.store = self._open_store(self.config)
        self._start_parts()
        self.notifier.ready(self.status_line())
        log.info("mirrorball running with %s", self.config_path)
        try:
            self._loop()
        finally:
            self.notifier.stopping()
            log.info("stopping")
            if self.supervisor:
                self.supervisor.stop(STOP_BUDGET_S)
            if self.store:
                self.store.close()
            self.notifier.close()
        return 0

    def _loop(self) -> None:
        interval = self.config.daemon.tick_s
        if self.notifier.watchdog_interval:
            interval = min(interval, self.notifier.watchdog_interval)
        last_status = 0.0
        while not self._stop_requested:
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop_requested:
                break
            if self._reload_requested:
                self._reload_requested = False
                self.reload()
            if self.supervisor is None or self.supervisor.healthy():
                self.notifier.watchdog()
            else:
                log.error("a part has hung; withholding the watchdog ping so that systemd restarts the service")
            now = time.monotonic()
            if now - last_status >= self.status_every_s:
                last_status = now
                line = self.status_line()
                self.hub.publish(Topic.STATUS, line)  # Home Assistant's status sensor shows the same sentence
                self.notifier.status(line)

    def reload(self) -> bool:
        """Re-read the config: apply it if valid, else log every problem and keep the running one."""
        self.notifier.reloading()
        try:
            new = load_config(self.config_path)
        except ConfigError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error("config reload rejected: %d problem(s); still running with the last good config",
                      len(exc.problems))
            self.notifier.ready(self.status_line())
            return False
        for warning in secret_warnings(new, self.config_path):
            log.warning("%s", warning)
        changed = [f.name for f in dataclasses.fields(Config) if getattr(new, f.name) != getattr(self.config, f.name)]
        if not changed:
            log.info("config reloaded: nothing changed")
        else:
            log.info("config reloaded: applying changes to %s", ", ".join(changed))
            if self.supervisor:
                self.supervisor.stop(STOP_BUDGET_S)
            if new.daemon.state_dir != self.config.daemon.state_dir:
                self.store.close()
                self.store = self._open_store(new)
            self.clock.require_sync = new.daemon.require_time_sync
            self.config = new
            self._start_parts()
        self.notifier.ready(self.status_line())
        return True

    def _start_parts(self) -> None:
        runtime = Runtime(self.config, self.hub, self.store, self.clock, self.pin_factory)
        self.supervisor = Supervisor(self.parts_factory(runtime))
        self.supervisor.start()

    def _open_store(self, config: Config) -> StateStore:
        path = Path(config.daemon.state_dir) / "state.db"
        try:
            store = StateStore(path).open()
            self.state_problem = ""
            return store
        except (StateError, OSError) as exc:
            self.state_problem = f"state not saved: {exc}"
            log.error("%s; keeping state in memory until the next restart", self.state_problem)
            return StateStore(":memory:").open()

    def status_line(self) -> str:
        """One sentence for `systemctl status`, e.g. 'playing "Song" for 30-39 · rain 7°C'."""
        parts = self.supervisor.descriptions() if self.supervisor else []
        if self.clock is not None and not self.clock.synchronised():
            parts.append("time of day unknown (clock not synchronised)")
        if self.state_problem:
            parts.append(self.state_problem)
        return " · ".join(parts) if parts else "running"
