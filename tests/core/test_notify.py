"""sd_notify messages arrive on a real datagram socket, as systemd would receive them."""

from __future__ import annotations

import socket

import pytest

from device.core.notify import Notifier


@pytest.fixture
def notify_socket(notify_listener):
    return notify_listener(2)


def receive(sock) -> str:
    return sock.recv(4096).decode()


def test_messages_reach_the_socket(notify_socket):
    address, sock = notify_socket
    notifier = Notifier(address=address, watchdog_usec="20000000")
    notifier.ready("starting")
    assert receive(sock) == "READY=1\nSTATUS=starting"
    notifier.watchdog()
    assert receive(sock) == "WATCHDOG=1"
    notifier.status('playing "Song"   for 30-39\n· rain 7°C')
    assert receive(sock) == 'STATUS=playing "Song" for 30-39 · rain 7°C'
    notifier.status('playing "Song" for 30-39 · rain 7°C')  # unchanged: not sent again
    notifier.reloading()
    assert receive(sock).startswith("RELOADING=1\nMONOTONIC_USEC=")
    notifier.stopping()
    assert receive(sock) == "STOPPING=1"
    assert notifier.watchdog_interval == 10.0
    notifier.close()


def test_abstract_socket_address():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0mirrorball-test-notify")
    sock.settimeout(2)
    try:
        Notifier(address="@mirrorball-test-notify").ready()
        assert sock.recv(100) == b"READY=1"
    finally:
        sock.close()


def test_without_systemd_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    notifier = Notifier()
    assert not notifier.enabled and notifier.watchdog_interval is None
    assert notifier.send("READY=1") is False


def test_gone_socket_does_not_raise(tmp_path):
    assert Notifier(address=str(tmp_path / "missing.sock")).send("READY=1") is False
