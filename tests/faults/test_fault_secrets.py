"""No secret in the logs of a whole daemon run under faults (DEBUG level); the token cache stays 0600."""

from __future__ import annotations

import logging
import stat

from fault_rig import CLIENT_ID, Appliance, wait_for

from device.core.values import ButtonEvent
from device.devtools.standins.open_meteo import OpenMeteoStandIn
from device.devtools.standins.spotify import SpotifyStandIn
from device.spotify.auth import token_path

SECRET = "cs-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def test_no_token_or_client_secret_in_any_log_line(tmp_path):
    with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id=CLIENT_ID, client_secret=SECRET) as spotify:
        a = Appliance(tmp_path, weather, spotify, extra={"spotify": {"client_secret": SECRET, "poll_s": 2}})
        a.config_path.chmod(0o644)
        try:
            a.start()
            a.wait_status("playing", 10)
            spotify.expire_access_tokens()  # a 401, then a refresh with the refresh token and the secret
            wait_for(lambda: "POST /api/token" in spotify.accounts_requests[1:], 10)
            spotify.fail("GET", "/v1/me/player", 500, times=3)
            spotify.fail("PUT", "/v1/me/player/volume", 429, retry_after=1)
            a.daemon.hub.post(ButtonEvent("hold", 0.0))
            wait_for(lambda: spotify.saved, 5)
            spotify.revoke()  # the refresh token refused: an error body travels back
            a.wait_status("Spotify login needed", 10)
        finally:
            a.stop()
        with spotify.lock:
            tokens = list(spotify._access) + list(spotify._refresh)
        text = a.logs.text()
        assert len(tokens) >= 3 and len(a.logs.records) > 50
        assert a.logs.lines(logging.WARNING, "readable"), "the world-readable config holding a secret is warned about"
        leaked = [t for t in tokens + [SECRET] if t in text]
        assert leaked == [], f"{len(leaked)} secret(s) in the logs"
        for record in a.logs.records:  # also in arguments a handler might format differently
            assert SECRET not in repr(record.args) and not any(t in repr(record.args) for t in tokens)
        mode = stat.S_IMODE(token_path(a.state_dir).stat().st_mode)
        assert mode == 0o600, oct(mode)
        assert not list(a.state_dir.glob(".spotify-token.*")), "no temporary token file left behind"
