"""The Home Assistant part alone, run by the real supervisor against the test broker, on a hub the test drives."""

from __future__ import annotations

from pathlib import Path

from broker import PASSWORD, USER, Broker

from device.config import parse_config
from device.core.clock import SystemClock
from device.core.parts import Hub
from device.core.state import StateStore
from device.homeassistant.part import HomeAssistantPart
from device.runtime.daemon import Runtime
from device.runtime.supervisor import Supervisor


def mqtt_yaml(broker: Broker, *, password: str = PASSWORD, extra: str = "") -> str:
    return (f"mqtt:\n  enabled: true\n  host: 127.0.0.1\n  port: {broker.port}\n  username: {USER}\n"
            f"  password: {password}\n  device_id: test1\n  reconnect_min_s: 0.2\n  reconnect_max_s: 2\n{extra}")


class PartRig:
    def __init__(self, tmp: Path, broker: Broker, *, password: str = PASSWORD, store: StateStore | None = None,
                 hub: Hub | None = None, extra: str = ""):
        self.config = parse_config(mqtt_yaml(broker, password=password, extra=extra) +
                                   f"daemon:\n  state_dir: {tmp}\n  require_time_sync: false\n")
        self.hub = hub or Hub()
        self.store = store or StateStore(tmp / "state.db").open()
        self.part = HomeAssistantPart(Runtime(self.config, self.hub, self.store, SystemClock(require_sync=False)))
        self.supervisor = Supervisor([self.part], backoff_min=0.1, backoff_max=0.5)

    def start(self) -> PartRig:
        self.supervisor.start()
        return self

    def stop(self) -> None:
        self.supervisor.stop(3)
