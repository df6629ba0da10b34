"""What the player keeps in the state store: the lineup a new player adopts (and the play history, device.core.history)."""

from __future__ import annotations

import logging

from device.core.history import PlayHistory
from device.core.saved import SavedLineup, lineup_from_json, lineup_to_json
from device.core.times import within
from device.spotify.answers import BAD_ANSWER
from device.spotify.errors import BadAnswer, SpotifyError
from device.spotify.interface import PlayerEvent
from device.spotify.lineup import COMMAND_GRACE_S, Lineup, describe
from device.spotify.speaker import Speaker

log = logging.getLogger("device.spotify.player")  # one logger for the player's lines, whichever piece writes them

LINEUP_KEY = "spotify.lineup"  # what Mirrorball last had lined up on the speaker, so a new player can adopt it


def save_lineup(store, lineup: SavedLineup | None) -> None:
    """Keep what is lined up on the speaker (None: nothing of ours) in the state store: a reload or a restart builds
    a new player, which adopts these picks as its own."""
    if store is None:
        return
    try:
        store.set_json(LINEUP_KEY, lineup_to_json(lineup))
    except Exception as exc:  # the state store says why; playing goes on
        log.warning("could not save the picks lined up: %s", exc)


def lineup_window(tracks: list, history: PlayHistory) -> float:
    """How long after it was saved a lineup can still be playing: the durations of its picks (nothing pauses
    our own music unnoticed but us, and a pause of ours is saved). A pick of unknown length: the no-repeat
    window, as the play history judges "ours"."""
    if not tracks or any(t.duration_ms <= 0 for t in tracks):
        return history.window_s
    return sum(t.duration_ms for t in tracks) / 1000


def adopt_saved_lineup(store, client, speaker: Speaker, lineup: Lineup, history: PlayHistory,
                       now: float) -> tuple[list[PlayerEvent] | None, bool]:
    """Once, before the first poll or play of a new player: is the speaker playing picks Mirrorball started or
    queued before a reload or a restart (the lineup in the state store, while it can still be playing)? Then
    carry on with them. Has another app started something over them meanwhile? Then back off, as a poll
    would have. Returns the events (None: nothing changed, nothing to save) and whether it looked (False: look
    again next time)."""
    try:
        record = store.get_json(LINEUP_KEY)
    except Exception as exc:
        log.warning("could not read the picks lined up before the restart: %s", exc)
        record = None
    if not isinstance(record, dict) or not record.get("device"):
        return None, True
    try:
        pb = client.playback()
    except SpotifyError as exc:
        speaker.fail(exc, "cannot read the playback state")
        return None, False  # look again next time
    speaker.ok()
    try:
        saved = lineup_from_json(record)
        saved_at = within(saved.at, 0.0, now + COMMAND_GRACE_S)
        if saved_at is None:
            raise ValueError(f"saved at {record.get('at')!r:.40}, not a time up to now")
    except BAD_ANSWER as exc:
        log.warning("ignoring the picks lined up before the restart: %s", exc)
        return None, True
    if saved.paused:  # we paused it: it waits as long as the play history remembers it
        live = now - saved_at < history.window_s
    else:
        live = now - saved_at <= lineup_window(saved.picks, history)
    try:
        events = lineup.adopt(pb, now, saved, live)
    except (SpotifyError, *BAD_ANSWER) as exc:
        bad = exc if isinstance(exc, SpotifyError) else BadAnswer(f"GET /me/player: {type(exc).__name__}")
        speaker.fail(bad, "cannot read the playback state")
        return None, True
    if events == []:
        speaker.device = pb.get("device") or {}
        log.info("after a reload or restart: %s on %s is Mirrorball's own pick; carrying on with it (%d more lined up)",
                 describe(lineup.current), speaker.device.get("name"), lineup.ahead())
    return events, True
