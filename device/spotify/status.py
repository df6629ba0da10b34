"""The player's status in words, for `systemctl status` and `mirrorball doctor`."""

from __future__ import annotations

from device.core.times import clock_text
from device.spotify.client import SpotifyClient
from device.spotify.errors import QuotaExceeded
from device.spotify.lineup import Lineup, State, describe
from device.spotify.speaker import Speaker


def status_text(client: SpotifyClient, speaker: Speaker, lineup: Lineup, state: State, busy: str, now: float) -> str:
    """What the speaker does now, or why it does not: a rate limit, the last error, a back-off, someone else's
    music (`busy`), or idle."""
    if client.rate_limited_until() is not None:
        return client.status()
    error = speaker.error
    if speaker.lifted_rate_limit():  # stale: saying "rate limited until <a time past>" would be untrue
        if lineup.state in ("playing", "paused", "backoff"):
            error = None  # the music (or the back-off) is what is true now
        else:
            what = "quota wait" if isinstance(error, QuotaExceeded) else "rate limit"
            return (f"Spotify {what} over at {clock_text(error.retry_at, now=now)}; "
                    "will try again at the next start of music")
    if error is not None:
        return str(error)
    if state == "backoff":
        return ("playback was changed from another Spotify app; leaving it alone until "
                + clock_text(lineup.backoff_until, now=now, seconds=False))
    if state == "playing" and lineup.current is not None:
        return f"playing {describe(lineup.current)} on {speaker.name}"
    if state == "paused":
        return f"paused on {speaker.name}"
    return busy or "idle"
