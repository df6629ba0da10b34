"""The player's lineup and its judge: what Mirrorball has lined up, and how each observed playback state becomes events.

Pure: no requests, no state store. The player feeds it Spotify's playback answers and carries out what follows
(marking plays in the history, saving the lineup).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from device.core.feedback import Action, Feedback, judge
from device.core.saved import SavedLineup
from device.core.times import clock_text
from device.core.values import Track
from device.spotify.answers import progress_s, track_from_json
from device.spotify.interface import PlayerEvent

log = logging.getLogger("device.spotify.player")  # one logger for the player's lines, whichever piece writes them

APP_SKIP_WINDOW_S = 30.0  # a skip from another app sooner than this after a track started is an early skip
END_TOLERANCE_S = 3.0  # a track that ran to within this of its end was played through
COMMAND_GRACE_S = 5.0  # after our own command, playback may briefly still show the old state

State = Literal["idle", "playing", "paused", "backoff"]


def describe(track: Track | None) -> str:
    return f"{track.name!r} by {', '.join(track.artists) or 'unknown'}" if track else "nothing"


class Lineup:
    """The picks sent with the play command (`sent`, `pos` the one playing), those sent to Spotify's queue, those
    held back, the track playing and since when, and the player's state (see Player.state)."""

    def __init__(self, *, skip_window_s: float = APP_SKIP_WINDOW_S, backoff_s: float = 15 * 60):
        self.skip_window_s = skip_window_s
        self.backoff_s = backoff_s
        self.state: State = "idle"
        self.backoff_until = 0.0
        self.grace_until = 0.0
        self.sent: list[Track] = []  # the uris list sent with play()
        self.pos = 0
        self.queued: list[Track] = []  # sent to Spotify's queue, not started yet
        self.upcoming: list[Track] = []  # picks held back, sent as the queue runs down
        self.ours: dict[str, Track] = {}
        self.current: Track | None = None
        self.started_at: float | None = None  # minus time spent paused: now - started_at is time played
        self.paused_at: float | None = None  # while paused: when the position stopped
        self.autoplay_on: str | None = None  # device where Spotify's autoplay followed our last pick

    # ------------------------------------------------------------ the queue model

    def fresh(self, tracks: Sequence[Track], recent, now: float, *, replacing: bool = False) -> list[Track]:
        """Picks not played within the no-repeat window (`recent(uri, now)`) and not lined up already (replacing: a
        new play() drops the held-back picks, but what sits in Spotify's queue will still play)."""
        seen = {t.uri for t in self.queued}
        if not replacing:
            seen |= {t.uri for t in self.sent[self.pos:]} | {t.uri for t in self.upcoming}
        out = []
        for t in tracks:
            if t.uri in seen or recent(t.uri, now):
                continue
            seen.add(t.uri)
            out.append(t)
        return out

    def waiting(self) -> set[str]:
        """The picks lined up that have not started yet: sent, queued or held back."""
        return {t.uri for t in self.sent[self.pos + 1:]} | {t.uri for t in self.queued} | {t.uri for t in self.upcoming}

    def ahead(self) -> int:
        return max(0, len(self.sent) - self.pos - 1) + len(self.queued)

    def advance(self) -> Track | None:
        """Our own skip: the next pick lined up."""
        if self.queued:
            return self.queued.pop(0)
        if self.pos + 1 < len(self.sent):
            self.pos += 1
            return self.sent[self.pos]
        return None

    def start(self, track: Track | None, now: float) -> None:
        self.current, self.started_at = track, now
        if self.paused_at is not None:  # a track that starts while paused starts paused
            self.paused_at = max(self.paused_at, now)

    def unpause(self, now: float) -> None:
        """The time spent paused does not count as played."""
        if self.paused_at is not None and self.started_at is not None:
            self.started_at += max(0.0, now - self.paused_at)
        self.paused_at = None

    def saved(self, now: float, device_id: str | None) -> SavedLineup | None:
        """What to keep in the state store now (None: nothing of ours is lined up on the speaker `device_id`)."""
        if self.state not in ("playing", "paused") or device_id is None:
            return None
        return SavedLineup(at=now, device=device_id, paused=self.state == "paused", current=self.current,
                           queued=tuple(self.queued), rest=tuple(self.sent[self.pos + 1:]))

    # ------------------------------------------------------------ judging playback

    def backoff(self, now: float, why: str) -> PlayerEvent:
        self.state = "backoff"
        self.backoff_until = now + self.backoff_s
        self.sent, self.pos, self.queued, self.upcoming = [], 0, [], []
        log.info("%s: Mirrorball leaves playback alone until %s", why,
                 clock_text(self.backoff_until, now=now, seconds=False))
        track, self.current = self.current, None
        return PlayerEvent("takeover", track, now, why)

    def judge(self, pb: dict | None, now: float, our_id: str | None) -> list[PlayerEvent]:
        """The events one playback answer (GET /me/player) shows, given what we had lined up on the speaker
        `our_id`."""
        if now < self.grace_until:  # our own command may not show yet: judge nothing until it does
            return []
        device = (pb or {}).get("device") or {}
        if pb is None or not pb.get("item"):
            self.state = "idle"
            log.info("playback stopped (nothing active on the account)")
            track, self.current = self.current, None
            return [PlayerEvent("stopped", track, now, "nothing playing")]
        if our_id and device.get("id") and device["id"] != our_id:
            return [self.backoff(now, f"playback moved to {device.get('name')!r}")]
        item = pb["item"]
        uri = item.get("uri")
        known = uri in self.ours or (self.current and uri == self.current.uri)
        if not known and self.ahead() == 0 and not self.upcoming and self.current is not None:
            # our last pick ended and Spotify's autoplay went on with its own choice: not a person's doing
            events = self._ended(self.current, now - progress_s(pb))
            self.state, self.current = "idle", None
            self.autoplay_on = our_id
            log.info("the picks ran out; Spotify's autoplay went on with %r", item.get("name"))
            return events + [PlayerEvent("stopped", None, now, "picks ran out; Spotify's autoplay went on")]
        if not known:
            return [self.backoff(now, f"another app started {item.get('name')!r}")]
        events: list[PlayerEvent] = []
        if self.current is None or uri != self.current.uri:
            events.extend(self._changed(item, pb, now))
        if not pb.get("is_playing"):
            if self.state == "playing":
                last = not self.queued and self.pos >= len(self.sent) - 1 and not self.upcoming
                if last and progress_s(pb) == 0 and self.current is not None:
                    end = (self.started_at or now) + self.current.duration_ms / 1000
                    events.extend(self._ended(self.current, min(now, end)))
                    self.state = "idle"
                    log.info("the picks ran out; playback ended")
                    events.append(PlayerEvent("stopped", self.current, now, "picks ran out"))
                else:
                    events.append(self.backoff(now, "playback was paused from another app"))
        elif self.state == "paused":
            self.state = "playing"
            self.paused_at = None
            self.started_at = now - int(pb.get("progress_ms") or 0) / 1000  # resumed some time since the last look
            log.info("playback resumed from another app")
        return events

    def _ended(self, old: Track | None, changed_at: float) -> list[PlayerEvent]:
        """How the track we last saw ended: played through, skipped early (a dislike) or skipped later."""
        if old is None or self.started_at is None:
            return []
        played = max(0.0, changed_at - self.started_at)
        if played >= old.duration_ms / 1000 - END_TOLERANCE_S:
            log.info("played through: %s", describe(old))
            return [PlayerEvent("finished", old, changed_at, played_s=played)]
        if judge(Action.SKIP, played, self.skip_window_s) is Feedback.EARLY_SKIP:
            log.info("skipped in another Spotify app after %.0f s: %s (an early skip: a dislike)", played,
                     describe(old))
            return [PlayerEvent("app_skip", old, changed_at, f"skipped after {played:.0f} s", played)]
        log.info("skipped in another Spotify app after %.0f s: %s (a late skip)", played, describe(old))
        return [PlayerEvent("skipped", old, changed_at, f"skipped after {played:.0f} s", played)]

    def _changed(self, item: dict, pb: dict, now: float) -> list[PlayerEvent]:
        # progress runs only while playing: a paused track changed at (when it was paused) - progress. The pause may
        # have caught the next track just after the last poll saw the old one: that one played through before it.
        at = now if pb.get("is_playing") or self.paused_at is None else self.paused_at
        changed_at = at - progress_s(pb)
        events = self._ended(self.current, changed_at)
        uri = item["uri"]
        if self.queued and self.queued[0].uri == uri:
            self.queued.pop(0)
        else:
            later = [i for i in range(self.pos + 1, len(self.sent)) if self.sent[i].uri == uri]
            if later:
                self.pos = later[0]
            else:
                self.queued = [t for t in self.queued if t.uri != uri]
        track = self.ours.get(uri) or track_from_json(item)
        self.start(track, changed_at)
        events.append(PlayerEvent("started", track, changed_at))
        log.info("now playing %s" if pb.get("is_playing") else "next up, paused: %s", describe(track))
        return events

    # ------------------------------------------------------------ after a reload or a restart

    def adopt(self, pb: dict | None, now: float, saved: SavedLineup, live: bool) -> list[PlayerEvent] | None:
        """A new player's first look: the speaker plays `saved` (lined up before a reload or a restart, `live`: it
        can still be playing)? Then carry on with it and return []. Has another app started something over it
        meanwhile? Then back off, as a poll would have, and return the takeover. None: nothing to carry on with."""
        if not live or not pb or not pb.get("item"):
            return None
        item, device = pb["item"], pb.get("device") or {}
        uri = item.get("uri")
        on_ours = device.get("id") == saved.device
        picks = saved.picks
        known = {t.uri: t for t in picks}
        ours = on_ours and uri in known
        if not pb.get("is_playing") and not saved.paused:
            return None  # stopped or paused while nobody watched: nothing to carry on with, nobody to yield to
        if not ours:
            if not pb.get("is_playing"):
                return None
            self.state = "playing"  # what a poll would have seen: our music, then someone else's
            return [self.backoff(now, f"while Mirrorball restarted, another app started {item.get('name')!r}"
                                 if on_ours else f"while Mirrorball restarted, playback moved to "
                                 f"{device.get('name')!r}")]
        track = known[uri]
        order = [t.uri for t in picks]
        after = picks[order.index(uri) + 1:]
        self.queued = [t for t in after if t in saved.queued]
        self.sent, self.pos = [track] + [t for t in after if t in saved.rest], 0
        self.ours.update(known)
        self.current, self.started_at = track, now - progress_s(pb)
        self.state = "playing" if pb.get("is_playing") else "paused"
        self.paused_at = None if pb.get("is_playing") else now
        self.grace_until = 0.0
        return []
