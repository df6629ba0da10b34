"""Plays picks on the configured Spotify Connect speaker: SpotifyPlayer, the Spotify implementation of Player.

It carries out what the conductor asks and reports what it saw; its pieces: interface.py (Player, PlayerEvent),
speaker.py (finding the speaker, commands, one error mapping), lineup.py (what is lined up; playback states judged
into events), memory.py (the play history, the saved lineup and adopting it), status.py (the status in words).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from device.config.schema import SpotifyConfig
from device.core.history import PlayHistory
from device.core.values import Track
from device.spotify.answers import BAD_ANSWER, track_from_json
from device.spotify.client import SpotifyClient
from device.spotify.errors import BadAnswer, DeviceNotFound, NoActiveDevice, SpotifyError
from device.spotify.interface import Player, PlayerEvent
from device.spotify.lineup import APP_SKIP_WINDOW_S, COMMAND_GRACE_S, Lineup, describe, log
from device.spotify.memory import adopt_saved_lineup, save_lineup
from device.spotify.speaker import Speaker
from device.spotify.status import status_text

IDLE_POLL_S = 60.0

__all__ = ["Player", "PlayerEvent", "SpotifyPlayer"]


class SpotifyPlayer(Player):
    """Plays on the speaker named in spotify.speaker through the Web API (see Player)."""

    def __init__(self, cfg: SpotifyConfig, client: SpotifyClient, *, clock: Callable[[], float] = time.time,
                 no_repeat_hours: float = 24.0, store=None, skip_window_s: float = APP_SKIP_WINDOW_S):
        self.cfg = cfg
        self.client = client
        self.clock = clock
        self.store = store
        self.history = PlayHistory(no_repeat_hours * 3600, store)
        self.speaker = Speaker(cfg, client, clock)
        self.lineup = Lineup(skip_window_s=skip_window_s, backoff_s=cfg.manual_backoff_minutes * 60)
        self._lock = threading.RLock()
        self._busy = ""  # why the last play() left the account alone
        self._looked = store is None  # looked at the speaker once for our own picks from before a restart
        self._due = False  # a start, skip, new picks or a watched poll: the queue wants topping up (needs())
        self.clean_only = False  # family-safe (set by the conductor): nothing explicit is sent to the speaker
        self._held = False  # paused by make_clean because nothing clean could start yet (not a listener's pause)

    # ------------------------------------------------------------ status

    @property
    def state(self) -> str:
        if self.lineup.state == "backoff" and self.clock() >= self.lineup.backoff_until:
            return "idle"
        return self.lineup.state

    @property
    def now_playing(self) -> Track | None:
        return self.lineup.current if self.lineup.state in ("playing", "paused") else None

    def recent(self, uri: str, now: float) -> bool:
        with self._lock:
            return self.history.recent(uri, now) or uri in self.lineup.waiting()

    def played_s(self) -> float | None:
        """How long the current track has been playing (for a button tap's feedback)."""
        if self.lineup.current is None or self.lineup.started_at is None:
            return None
        return max(0.0, (self.lineup.paused_at or self.clock()) - self.lineup.started_at)

    @property
    def error(self) -> SpotifyError | None:
        return self.speaker.error

    @property
    def needs_attention(self) -> bool:
        return self.speaker.needs_attention

    def status(self) -> str:
        return status_text(self.client, self.speaker, self.lineup, self.state, self._busy, self.clock())

    def poll_interval(self) -> float:
        return self.cfg.poll_s if self.lineup.state in ("playing", "paused") else IDLE_POLL_S

    def retry_at(self, now: float) -> float:
        """The earliest time a start could work: after another app's back-off, a missing speaker's back-off, a
        rate limit."""
        limited = self.client.rate_limited_until() or 0.0
        backoff = self.lineup.backoff_until if self.lineup.state == "backoff" else 0.0
        return max(now, self.speaker.retry_at, backoff, limited)

    def explicit_lined_up(self) -> list[Track]:
        """The explicit tracks playing or lined up on the speaker (sent with the play command or to its queue)."""
        if self.lineup.state not in ("playing", "paused"):
            return []
        lineup = self.lineup
        ahead = [lineup.current] + lineup.sent[lineup.pos + 1:] + lineup.queued
        return [t for t in ahead if t is not None and t.explicit]

    def _clean(self, tracks: Sequence[Track]) -> list[Track]:
        return [t for t in tracks if not (self.clean_only and t.explicit)]

    # ------------------------------------------------------------ internals

    def _someone_else_playing(self, pb: dict | None) -> str:
        """Why not to start now: somebody plays something of their own on this account (any device)."""
        if not pb or not pb.get("is_playing") or not pb.get("item"):
            return ""
        item = pb["item"]
        uri = item.get("uri", "")
        if uri in self.lineup.ours or self.history.recent(uri, self.clock()):
            return ""  # our own music (perhaps from before a restart)
        if self.lineup.autoplay_on and (pb.get("device") or {}).get("id") == self.lineup.autoplay_on:
            return ""  # Spotify's autoplay carrying on after our picks
        device = (pb.get("device") or {}).get("name") or "another device"
        return f"Spotify is already playing {item.get('name')!r} on {device} (another app); not taking over"

    def _in_backoff(self, now: float) -> bool:
        if self.lineup.state == "backoff":
            if now < self.lineup.backoff_until:
                return True
            self.lineup.state = "idle"
            log.info("back-off over: Mirrorball may choose the music again")
        return False

    def _start(self, track: Track | None, now: float) -> None:
        self.lineup.start(track, now)
        if track is not None:
            self.history.mark(track.uri, now)
        self._save(now)

    def _save(self, now: float | None = None) -> None:
        if self.store is not None:
            save_lineup(self.store, self.lineup.saved(self.clock() if now is None else now, self.speaker.id))

    def _look_for_own_music(self, now: float) -> list[PlayerEvent]:
        events, self._looked = adopt_saved_lineup(self.store, self.client, self.speaker, self.lineup, self.history,
                                                  now)
        if events is not None:
            self._save(now)
        return events or []

    # ------------------------------------------------------------ commands

    def play(self, tracks: Sequence[Track], *, volume: int | None = None) -> bool:
        with self._lock:
            now = self.clock()
            if not self._looked:
                self._look_for_own_music(now)
            if self._in_backoff(now):
                log.info("not starting music: %s", self.status())
                return False
            if now < self.speaker.retry_at:
                return False
            picks = self._clean(self.lineup.fresh(tracks, self.history.recent, now, replacing=True))
            if not picks:
                log.info("nothing to play: all %d picks were played within the no-repeat window", len(tracks))
                return False
            for attempt in (1, 2):
                try:
                    dev = self.speaker.find()
                    busy = self._someone_else_playing(self.client.playback()) if attempt == 1 else None
                    if busy:
                        self.speaker.error = None
                        self._busy = busy
                        log.info("not starting music: %s", busy)
                        return False
                    if not dev.get("is_active"):
                        self.client.transfer(dev["id"], play=False)
                    head = picks[:1 + self.cfg.queue_ahead]
                    self.client.play(dev["id"], uris=[t.uri for t in head])
                    break
                except (DeviceNotFound, NoActiveDevice) as exc:
                    if attempt == 2:
                        self.speaker.fail(exc, "cannot start playback")
                        return False
                    log.info("speaker went away while starting (%s); looking for it again", exc)
                except SpotifyError as exc:
                    self.speaker.fail(self.speaker.restricted(exc), "cannot start playback")
                    return False
            lineup = self.lineup
            lineup.grace_until = now + COMMAND_GRACE_S
            lineup.state, lineup.paused_at = "playing", None
            self._busy, lineup.autoplay_on = "", None
            lineup.sent, lineup.pos = head, 0
            lineup.upcoming = picks[len(head):]
            lineup.ours.update({t.uri: t for t in picks})
            self._start(head[0], now)
            self.speaker.ok(f"playing {describe(head[0])} on {dev.get('name')} "
                            f"({len(head) - 1} more sent, {len(lineup.upcoming)} held back)")
            if volume is not None:
                self.speaker.volume(dev, volume)
            self._due = True
            return True

    def extend(self, tracks: Sequence[Track], *, first: bool = False) -> int:
        with self._lock:
            if first and self.lineup.upcoming:
                log.info("dropped %d held-back picks for the new picks", len(self.lineup.upcoming))
                self.lineup.upcoming = []
            picks = self._clean(self.lineup.fresh(tracks, self.history.recent, self.clock()))
            self.lineup.upcoming.extend(picks)
            self.lineup.ours.update({t.uri: t for t in picks})
            if picks and self.lineup.state == "playing":
                self._due = True
            return len(picks)

    def wants(self) -> int:
        with self._lock:
            if self.lineup.state not in ("playing", "paused"):
                return 0
            return max(0, self.cfg.queue_ahead - len(self.lineup.upcoming))

    def needs(self) -> int:
        with self._lock:
            if not self._due or self.lineup.state != "playing" or self.speaker.device is None:
                return 0
            return self.wants()

    def top_up(self) -> None:
        with self._lock:
            due, self._due = self._due, False
            if not due or self.lineup.state != "playing" or self.speaker.device is None:
                return
            lineup = self.lineup
            lineup.upcoming = self._clean(lineup.upcoming)
            while lineup.upcoming and lineup.ahead() < self.cfg.queue_ahead:
                track = lineup.upcoming[0]
                if not self.speaker.queue(track.uri):
                    return
                lineup.queued.append(lineup.upcoming.pop(0))
                log.info("queued %s (%d lined up)", describe(track), lineup.ahead())
                self._save()

    def make_clean(self, tracks: Sequence[Track], *, volume: int | None = None) -> str | None:
        """Family-safe at once: skip through the explicit tracks waiting in the speaker's queue (the Web API cannot
        remove queue items, and a new play command leaves the queue as it is), then start the clean `tracks` over
        whatever plays. Returns what was done in words, or None when the speaker refused (status() says why)."""
        with self._lock:
            explicit = self.explicit_lined_up()
            self.lineup.upcoming = [t for t in self.lineup.upcoming if not t.explicit]
            if not explicit:
                return ""
            queued = len(self.lineup.queued)
            for _ in range(queued if any(t.explicit for t in self.lineup.queued) else 0):
                if not self._command("skip an explicit track", lambda dev: self.client.next(dev["id"])):
                    return None
                self.lineup.queued.pop(0)
            clean = self._clean(tracks)
            if not clean:
                if not self.pause():
                    return None
                self._held = True
                return f"paused {describe(self.lineup.current)}: no clean pick to play instead"
            paused = self.lineup.state == "paused" and not self._held
            if not self.play(list(clean) + self.lineup.upcoming, volume=volume):
                self._held = self.pause() or self._held  # explicit must stop even when nothing clean can start
                return None
            self._held = False
            if paused:
                self.pause()  # a listener paused it: clean now, and still paused
            what = ", ".join(describe(t) for t in explicit[:3]) + (" ..." if len(explicit) > 3 else "")
            return f"replaced {len(explicit)} explicit track{'s' if len(explicit) != 1 else ''} ({what})"

    def skip(self) -> Track | None:
        with self._lock:
            skipped = self.lineup.current
            if not self._command("skip", lambda dev: self.client.next(dev["id"])):
                return None
            self._start(self.lineup.advance(), self.clock())
            current = self.lineup.current
            self.speaker.ok(f"skipped {describe(skipped) if skipped else 'the track'}; next: "
                            f"{describe(current) if current else 'unknown'}")
            if self.lineup.state == "playing":
                self._due = True
            return skipped

    def like(self) -> Track | None:
        with self._lock:
            track = self.lineup.current
            try:
                if track is None:
                    now = self.client.currently_playing()
                    item = (now or {}).get("item")
                    if not isinstance(item, dict) or item.get("type") != "track":
                        log.info("like ignored: nothing is playing")
                        return None
                    track = track_from_json(item)
                self.client.save([track.uri])
            except SpotifyError as exc:
                self.speaker.fail(exc, "cannot save the liked track")
                return None
            self.speaker.ok(f"saved {describe(track)} to the library (liked)")
            return track

    def _command(self, what: str, send: Callable[[dict], None], harmless: str | None = None) -> bool:
        if not self.speaker.command(what, send, harmless):
            return False
        self.lineup.grace_until = self.clock() + COMMAND_GRACE_S
        return True

    def pause(self) -> bool:
        with self._lock:
            if not self._command("pause", lambda dev: self.client.pause(dev["id"]), "ALREADY_PAUSED"):
                return False
            if self.lineup.state == "playing":
                self.lineup.state, self.lineup.paused_at = "paused", self.clock()
                self._save()
            self.speaker.ok("paused")
            return True

    def resume(self) -> bool:
        with self._lock:
            def send(dev: dict) -> None:
                if dev.get("is_active"):
                    self.client.play(dev["id"])
                else:
                    self.client.transfer(dev["id"], play=True)

            if not self._command("resume", send, "ALREADY_PLAYING"):
                return False
            if self.lineup.state == "paused":  # otherwise it is not our music: resumed for them, still hands off
                self.lineup.state = "playing"
                self.lineup.unpause(self.clock())
                self._save()
            self.speaker.ok("resumed")
            return True

    def toggle(self) -> bool:
        """Pause when something plays, else resume (the double tap)."""
        with self._lock:
            if self.lineup.state == "playing":
                return self.pause()
            if self.lineup.state == "paused":
                return self.resume()
            try:  # not our music (idle, back-off): look at what the account is doing
                pb = self.client.playback()
            except SpotifyError as exc:
                self.speaker.fail(exc, "cannot read the playback state")
                return False
            return self.pause() if pb and pb.get("is_playing") else self.resume()

    def set_volume(self, percent: int) -> bool:
        with self._lock:
            return self.speaker.set_volume(percent)

    # ------------------------------------------------------------ watching playback

    def poll(self, now: float | None = None) -> list[PlayerEvent]:
        with self._lock:
            now = self.clock() if now is None else now
            if not self._looked and self.lineup.state == "idle":
                return self._look_for_own_music(now)  # adopted picks are watched from the next poll on
            if self._in_backoff(now) or self.lineup.state not in ("playing", "paused"):
                return []
            try:
                pb = self.client.playback()
            except SpotifyError as exc:
                self.speaker.fail(exc, "cannot read the playback state")
                return []
            self.speaker.ok()
            was = self.lineup.state
            try:
                events = self.lineup.judge(pb, now, self.speaker.id)
            except (SpotifyError, *BAD_ANSWER) as exc:
                bad = exc if isinstance(exc, SpotifyError) else BadAnswer(f"GET /me/player: {type(exc).__name__}")
                self.speaker.fail(bad, "cannot read the playback state")
                return []
            started = [e for e in events if e.kind == "started"]
            for event in started:
                self.history.mark(event.track.uri, event.at)
            if self.lineup.state != was:  # stopped, backed off, or paused or resumed from another app
                self._save(now)
            elif started:
                self._save(started[-1].at)
            if self.lineup.state == "playing":
                self._due = True
            return events
