"""The daemon's loop in-process: notify protocol, reload keeps the last good config, stop on request."""

from __future__ import annotations

import logging
import threading

import pytest
from waiting import PATIENCE_S, wait_for

from device.core.clock import SystemClock
from device.core.notify import Notifier
from device.core.parts import Part
from device.runtime.daemon import EXIT_CONFIG, Daemon


class Recorder(Part):
    """A part that remembers the config it was built with."""

    name = "recorder"

    def __init__(self, runtime, built):
        self.runtime = runtime
        built.append(runtime.config)

    def start(self):
        pass

    def step(self, now):
        return 0.02

    def status(self):
        return f"volume {self.runtime.config.music.volume}"


@pytest.fixture
def notify(notify_listener):
    return notify_listener(0.05)


def drain(sock) -> list[str]:
    got = []
    try:
        while True:
            got.append(sock.recv(4096).decode())
    except (TimeoutError, BlockingIOError):
        return got


class Inbox:
    """The notify messages received so far (waits are on what arrived, never on a fixed sleep)."""

    def __init__(self, sock):
        self.sock, self.messages = sock, []

    def has(self, wanted) -> bool:
        self.messages += drain(self.sock)
        return any(wanted(m) for m in self.messages)


def write_config(path, volume, state_dir):
    path.write_text(f"music:\n  volume: {volume}\ndaemon:\n  tick_s: 0.05\n  state_dir: {state_dir}\n"
                    f"  require_time_sync: false\n")


def test_ready_reload_and_stop(tmp_path, notify, caplog):
    caplog.set_level(logging.INFO)
    address, sock = notify
    cfg = tmp_path / "config.yaml"
    write_config(cfg, 30, tmp_path / "state")
    built = []
    daemon = Daemon(cfg, parts_factory=lambda rt: [Recorder(rt, built)],
                    notifier=Notifier(address=address, watchdog_usec="200000"),
                    clock=SystemClock(require_sync=False), status_every_s=0.05)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("rc", daemon.run()))
    thread.start()
    inbox = Inbox(sock)
    try:
        assert wait_for(lambda: inbox.has(lambda m: m == "STATUS=volume 30") and inbox.has(lambda m: m == "WATCHDOG=1"))
        assert inbox.messages[0].startswith("READY=1")

        inbox.messages.clear()
        cfg.write_text("music:\n  volume: loud\n")  # invalid: keep running with the last good config
        daemon.request_reload()
        assert wait_for(lambda: "config reload rejected" in caplog.text
                        and inbox.has(lambda m: m.startswith("READY=1")))
        assert daemon.config.music.volume == 30 and len(built) == 1
        assert "music.volume: must be a whole number, got 'loud'" in caplog.text
        assert inbox.has(lambda m: m.startswith("RELOADING=1"))

        write_config(cfg, 55, tmp_path / "state")  # valid: applied without a restart
        daemon.request_reload()
        assert wait_for(lambda: inbox.has(lambda m: m == "STATUS=volume 55"))
        assert daemon.config.music.volume == 55 and len(built) == 2
        assert "applying changes to music" in caplog.text
    finally:
        daemon.request_stop()
        thread.join(PATIENCE_S)
    assert not thread.is_alive(), "the daemon stopped when asked"
    assert result["rc"] == 0
    assert inbox.has(lambda m: m == "STOPPING=1")


def test_invalid_config_at_start_exits_with_ex_config(tmp_path, caplog):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("weather:\n  latitude: 123\n")
    daemon = Daemon(cfg, parts_factory=lambda rt: [], notifier=Notifier(address=""))
    assert daemon.run() == EXIT_CONFIG
    assert "config.yaml:2:13: weather.latitude: must be between -90 and 90, got 123" in caplog.text


def test_unwritable_state_dir_keeps_running_in_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = tmp_path / "config.yaml"
    write_config(cfg, 30, blocker / "state")  # a directory under a file cannot be created
    daemon = Daemon(cfg, parts_factory=lambda rt: [], notifier=Notifier(address=""),
                    clock=SystemClock(require_sync=False))
    thread = threading.Thread(target=daemon.run)
    thread.start()
    try:
        assert wait_for(lambda: daemon.store is not None and daemon.status_line().startswith("state not saved"))
        daemon.store.add_event("like", {})
    finally:
        daemon.request_stop()
        thread.join(5)
