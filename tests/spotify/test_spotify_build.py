"""build_spotify wires the config's state dir, no-repeat window and skip window into one shared client."""

from __future__ import annotations

import dataclasses

from device.config.schema import Config, DaemonConfig, MusicConfig, SpotifyConfig
from device.core.state import StateStore
from device.spotify.auth import SCOPES, TokenCache, token_path
from device.spotify.build import build_spotify


def test_build_from_config_plays_and_remembers_history(standin, clock, tmp_path):
    config = Config(spotify=SpotifyConfig(client_id=standin.client_id, api_url=standin.api_url,
                                          accounts_url=standin.accounts_url, speaker="kitchen"),
                    daemon=DaemonConfig(state_dir=str(tmp_path)),
                    music=MusicConfig(no_repeat_hours=2, skip_dislike_s=20))
    token = standin.issue_token(" ".join(SCOPES))
    TokenCache(token_path(tmp_path)).save(dict(token, expires_at=clock() + 3600))
    with StateStore(tmp_path / "state.db", clock=clock) as store:
        sp = build_spotify(config, store=store, clock=clock, backoff_factor=0)
        assert sp.player.client is sp.client and sp.catalog.client is sp.client
        assert sp.player.lineup.skip_window_s == 20 and sp.player.history.window_s == 7200
        jazz = sp.catalog.search_tracks('genre:"jazz"', limit=3)
        assert sp.player.play(jazz)
        assert standin.device("Kitchen Speaker").id == standin.active_id
        played = store.get_json("spotify.played")
        assert list(played) == [jazz[0].uri]
        # a restarted daemon still knows what was played
        again = build_spotify(config, store=store, clock=clock, backoff_factor=0)
        assert again.player.extend(jazz) == 2
        clock.advance(2 * 3600 + 1)
        fresh = build_spotify(config, store=store, clock=clock, backoff_factor=0)
        assert fresh.player.extend([dataclasses.replace(jazz[0])]) == 1
