"""The reconnect schedule, on a fake clock: a broker gone for ten minutes is found again within 30 s of its return,
with the default settings and the project's one back-off."""

from __future__ import annotations

import pytest

from device.config.schema import MqttConfig
from device.core.backoff import Backoff
from device.homeassistant.link import CONNECT_TIMEOUT_S, Connection


@pytest.mark.parametrize("back_at", [600.0, 600.5, 611.0, 613.7, 619.9, 1800.0])
def test_a_broker_back_after_ten_minutes_is_found_within_30_s(back_at):
    cfg = MqttConfig()
    c = Connection(Backoff(cfg.reconnect_min_s, cfg.reconnect_max_s))
    now, attempts = 0.0, 0
    while True:
        now = max(now, c.next_try)
        assert c.due(now)
        c.trying(now)
        attempts += 1
        if now >= back_at:
            c.up()
            break
        now += CONNECT_TIMEOUT_S  # the worst case: each failed attempt waits out the connect timeout
        c.failed("connection refused", now)
    assert c.state == "up" and now - back_at <= 30, (now - back_at, attempts)
    assert attempts < back_at / cfg.reconnect_max_s + 10, "the back-off spaced the attempts out"
    assert c.backoff.failures == 0


def test_a_lost_connection_after_a_refused_login_keeps_the_reason():
    c = Connection(Backoff(1.0, 20.0))
    c.trying(0.0)
    c.failed("the MQTT broker at h:1883 refused the login (Not authorized): check mqtt.username and the password", 0.0)
    c.lost("lost the connection", 0.1)  # paho's disconnect that follows a refused CONNACK
    assert c.reason.startswith("the MQTT broker at h:1883 refused the login") and c.backoff.failures == 1
