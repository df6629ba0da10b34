"""Shared by every test folder: pytest puts this folder (tests/) on sys.path for it, so helper modules here
(age_helpers, privacy_guard) import by name from any subfolder; and the fixtures more than one folder uses."""

import socket

import property_settings  # noqa: F401  (registers the `ci` and `fuzz` profiles)
import pytest
from hypothesis import settings

# make test runs the property tests derandomized; make fuzz passes --hypothesis-profile=fuzz (loaded after this).
settings.load_profile("ci")


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
