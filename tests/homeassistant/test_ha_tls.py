"""TLS to a real Mosquitto with throwaway certificates: the CA file is used, an untrusted certificate is said with its
fix, and a broker that requires client certificates gets ours."""

from __future__ import annotations

import pytest
from broker import Broker
from ha_rig import mqtt_yaml

from device.commands.doctor import check_mqtt
from device.config import parse_config


@pytest.fixture
def tls_broker(tmp_path):
    b = Broker(tmp_path / "tls", tls=True).start()
    yield b
    b.stop()


def test_tls_with_the_ca_file_logs_in(tls_broker):
    ca = tls_broker.certificates["ca.crt"]
    check = check_mqtt(parse_config(mqtt_yaml(tls_broker) + f"  tls: true\n  ca_file: {ca}\n"))
    assert check.outcome == "PASS", check


def test_an_untrusted_certificate_is_said_with_the_fix(tls_broker):
    check = check_mqtt(parse_config(mqtt_yaml(tls_broker) + "  tls: true\n"))  # the system's CAs do not know ours
    assert check.outcome == "FAIL" and "TLS certificate is not trusted" in check.detail, check
    assert "set mqtt.ca_file" in check.detail


def test_plain_mqtt_against_a_tls_port_fails(tls_broker):
    check = check_mqtt(parse_config(mqtt_yaml(tls_broker)))
    assert check.outcome == "FAIL" and "does it want TLS (mqtt.tls)" in check.detail, check


def test_client_certificates(tmp_path):
    b = Broker(tmp_path / "mtls", tls=True, client_certificates=True).start()
    try:
        c = b.certificates
        base = mqtt_yaml(b) + f"  tls: true\n  ca_file: {c['ca.crt']}\n"
        with_cert = base + f"  cert_file: {c['client.crt']}\n  key_file: {c['client.key']}\n"
        assert check_mqtt(parse_config(with_cert)).outcome == "PASS"
        check = check_mqtt(parse_config(base))
        assert check.outcome == "FAIL" and "client certificate (mqtt.cert_file)" in check.detail, check
    finally:
        b.stop()
