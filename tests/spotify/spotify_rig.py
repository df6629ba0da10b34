"""The Spotify test rig: a fake clock shared by the stand-in and the device, a logged-in client and player."""

from __future__ import annotations

from dataclasses import dataclass

from fake_clock import FakeClock

from device.config.schema import SpotifyConfig
from device.devtools.standins.spotify import SpotifyStandIn
from device.spotify.auth import SCOPES, TokenCache, TokenManager
from device.spotify.client import SpotifyClient
from device.spotify.player import SpotifyPlayer


@dataclass
class Rig:
    standin: SpotifyStandIn
    clock: FakeClock
    cfg: SpotifyConfig
    cache: TokenCache
    tokens: TokenManager
    client: SpotifyClient
    player: SpotifyPlayer

    def advance(self, seconds: float) -> None:
        """Time passes for both the speaker (stand-in) and the device (client, player)."""
        self.clock.advance(seconds)
        self.standin.advance(0)  # the stand-in reads the same clock; settle finished tracks

    def line_up(self, refill=None) -> None:
        """The conductor's turn after each start, skip, new picks or poll: it plans as many picks as the player
        needs (here: asks `refill`, when given) and has the player line them up on the speaker."""
        wanted = self.player.needs()
        if wanted and refill is not None:
            self.player.extend(refill(wanted))
        self.player.top_up()

    def poll(self, refill=None) -> list:
        """A poll as the conductor makes it: watch the playback, then line up what the player needs."""
        events = self.player.poll()
        self.line_up(refill)
        return events

    def requests_since(self, mark: int) -> list[str]:
        return self.standin.requests[mark:]


def make_rig(standin: SpotifyStandIn, clock: FakeClock, tmp_path, **cfg_overrides) -> Rig:
    values = dict(client_id=standin.client_id, api_url=standin.api_url, accounts_url=standin.accounts_url,
                  speaker="living room", queue_ahead=2, poll_s=5, manual_backoff_minutes=15)
    values.update(cfg_overrides)
    cfg = SpotifyConfig(**values)
    cache = TokenCache(tmp_path / "spotify-token.json")
    token = standin.issue_token(" ".join(SCOPES))  # what the daemon's log-in asks for, no more
    token["expires_at"] = clock() + token["expires_in"]
    cache.save(token)
    tokens = TokenManager(cfg, cache, clock=clock)
    client = SpotifyClient(cfg, tokens, clock=clock, backoff_factor=0)
    player = SpotifyPlayer(cfg, client, clock=clock, no_repeat_hours=24)
    return Rig(standin, clock, cfg, cache, tokens, client, player)
