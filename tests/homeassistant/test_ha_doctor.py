"""`mirrorball doctor`'s Home Assistant row logs in to a real broker: PASS, or FAIL with what to fix; no password shown."""

from __future__ import annotations

import os

from broker import PASSWORD
from ha_rig import mqtt_yaml

from device.commands.doctor import check_mqtt
from device.config import parse_config


def test_doctor_logs_in_to_the_broker(broker):
    check = check_mqtt(parse_config(mqtt_yaml(broker)))
    assert check.outcome == "PASS" and f"127.0.0.1:{broker.port} as mirrorball" in check.detail


def test_doctor_says_a_wrong_password_and_the_fix(broker):
    check = check_mqtt(parse_config(mqtt_yaml(broker, password="wrong-one-1234")))
    assert check.outcome == "FAIL" and "refused the login" in check.detail, check
    assert "mosquitto_passwd" in check.hint and "wrong-one-1234" not in check.detail + check.hint


def test_doctor_says_the_broker_is_not_there(broker):
    broker.stop()
    check = check_mqtt(parse_config(mqtt_yaml(broker)))
    assert check.outcome == "FAIL" and "connection refused" in check.detail, check
    assert "mqtt.host and mqtt.port" in check.hint


def test_doctor_reads_the_password_like_the_other_secrets(broker, tmp_path, monkeypatch):
    secret = tmp_path / "mqtt_password"
    secret.write_text(PASSWORD + "\n")
    config = parse_config(mqtt_yaml(broker, password="wrong-inline") + f"  password_file: {secret}\n")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    assert check_mqtt(config).outcome == "PASS", "the file wins over the YAML"
    monkeypatch.setenv("MIRRORBALL_MQTT_PASSWORD", "wrong-env")
    assert check_mqtt(config).outcome == "FAIL", "the environment wins over the file"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "mqtt_password").write_text(PASSWORD)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert check_mqtt(config).outcome == "PASS", "systemd's credential wins over all"
    assert os.environ["MIRRORBALL_MQTT_PASSWORD"] == "wrong-env"


def test_doctor_skips_without_mqtt():
    assert check_mqtt(parse_config("")).outcome == "SKIP"
