"""Shared fixtures of the foundation tests: a datagram socket standing where systemd's $NOTIFY_SOCKET would be."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def notify_listener(tmp_path):
    """A factory: notify_listener(timeout) -> (address, bound socket); every socket is closed after the test."""
    opened = []

    def listen(timeout: float) -> tuple[str, socket.socket]:
        path = tmp_path / f"notify{len(opened)}.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(path))
        sock.settimeout(timeout)
        opened.append(sock)
        return str(path), sock

    yield listen
    for sock in opened:
        sock.close()
