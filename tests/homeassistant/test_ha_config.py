"""The mqtt section is validated like every other: file:line:column, did-you-mean, ranges, topics, cross-checks."""

from __future__ import annotations

import pytest

from device.config import ConfigError, load_config, parse_config, secret_warnings
from device.homeassistant.part import device_id


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.yaml")
    return [str(p) for p in caught.value.problems]


def test_off_by_default():
    assert parse_config("").mqtt.enabled is False


def test_typos_ranges_and_topics_are_named_with_file_line_and_column():
    found = problems("mqtt:\n  enabled: true\n  prot: 1883\n  port: 70000\n  base_topic: home/#\n"
                     "  device_id: 'my pi'\n")
    assert any(p.startswith("c.yaml:3:3: mqtt.prot: unknown key; did you mean 'port'") for p in found), found
    assert any(p.startswith("c.yaml:4:9: mqtt.port: must be between 1 and 65535") for p in found), found
    assert any(p.startswith("c.yaml:5:15: mqtt.base_topic: must be an MQTT topic without wildcards") for p in found)
    assert any("mqtt.device_id: must be 1-64 letters" in p for p in found), found


def test_cross_checks():
    found = problems("mqtt:\n  key_file: /k.pem\n  password: x\n  reconnect_min_s: 30\n  reconnect_max_s: 5\n")
    text = "\n".join(found)
    assert "mqtt.key_file: is used only with TLS" in text and "mqtt.key_file: needs the client certificate" in text
    assert "mqtt.username: a password is given" in text and "mqtt.reconnect_min_s: must not exceed" in text


def test_an_inline_password_in_a_readable_file_is_warned_about(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("mqtt:\n  username: u\n  password: hunter2-secret\n")
    path.chmod(0o644)
    warnings = secret_warnings(load_config(path), path)
    assert warnings and "mqtt.password" in warnings[0] and "hunter2-secret" not in warnings[0]
    path.chmod(0o600)
    assert secret_warnings(load_config(path), path) == []


def test_the_device_id_is_hashed_from_the_machine_id_never_the_id_itself(tmp_path):
    machine = tmp_path / "machine-id"
    machine.write_text("0123456789abcdef0123456789abcdef\n")
    ident = device_id("", machine)
    assert len(ident) == 12 and ident not in machine.read_text() and ident == device_id("", machine)
    assert device_id("kitchen", machine) == "kitchen"
