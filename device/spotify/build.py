"""Builds Spotify's pieces from the config: one client (one token manager) shared by the player and the catalog."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from device.config.schema import Config
from device.spotify.catalog import SpotifyCatalog
from device.spotify.client import SpotifyClient
from device.spotify.player import SpotifyPlayer


@dataclass(frozen=True)
class Spotify:
    client: SpotifyClient
    player: SpotifyPlayer
    catalog: SpotifyCatalog


def build_spotify(config: Config, *, store=None, clock: Callable[[], float] = time.time, **client_kwargs) -> Spotify:
    """The token cache is <daemon.state_dir>/spotify-token.json; `store` (a StateStore) keeps the play history."""
    client = SpotifyClient.from_config(config, clock=clock, **client_kwargs)
    player = SpotifyPlayer(config.spotify, client, clock=clock, no_repeat_hours=config.music.no_repeat_hours,
                           store=store, skip_window_s=config.music.skip_dislike_s)
    return Spotify(client, player, SpotifyCatalog(client))
