"""Plays picks on the configured Spotify Connect speaker: the Player interface and its Spotify implementation."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Callable, Literal, Sequence

from device.config.schema import SpotifyConfig
from device.spotify.client import SpotifyClient
from device.spotify.errors import (BadAnswer, DeviceNotFound, DeviceRestricted, Forbidden, LoginNeeded,
                                   NoActiveDevice, NotPremium, QuotaExceeded, RateLimited, SpeakerAmbiguous,
                                   SpeakerMissing, SpotifyError)
from device.times import clamped, clock_text, finite, within
from device.values import Track

log = logging.getLogger(__name__)

APP_SKIP_WINDOW_S = 30.0  # a skip from another app this soon after a track started counts as a dislike
END_TOLERANCE_S = 3.0  # a track that ran to within this of its end was played through
COMMAND_GRACE_S = 5.0  # after our own command, playback may briefly still show the old state
SPEAKER_RETRY_MIN_S, SPEAKER_RETRY_MAX_S = 5.0, 300.0
IDLE_POLL_S = 60.0
MAX_TRACK_MS = 24 * 3600 * 1000  # a longer duration or progress in an answer is read as this
HISTORY_KEY = "spotify.played"
LINEUP_KEY = "spotify.lineup"  # what Mirrorball last had lined up on the speaker, so a new player can adopt it


@dataclass(frozen=True)
class PlayerEvent:
    """Something the player noticed. kind: started, finished (played through), app_skip (skipped in another
    Spotify app within 30 s of its start: a dislike), skipped (skipped later in another app), takeover
    (another app changed playback: Mirrorball backs off), stopped (playback ended or the speaker went away).
    The 30 s window is SpotifyPlayer's skip_window_s (pass music.skip_dislike_s)."""

    kind: Literal["started", "finished", "app_skip", "skipped", "takeover", "stopped"]
    track: Track | None
    at: float
    detail: str = ""
    played_s: float | None = None  # finished/app_skip/skipped: how long the track played


class Player(ABC):
    """What the conductor needs from a speaker. Methods never raise for Spotify trouble: they return False/None
    and status() says why."""

    @abstractmethod
    def play(self, tracks: Sequence[Track], *, volume: int | None = None) -> bool:
        """Start these picks on the speaker: the first one now, the rest lined up as needed."""

    @abstractmethod
    def extend(self, tracks: Sequence[Track], *, first: bool = False) -> int:
        """Add upcoming picks; returns how many were accepted (repeats are refused). first: they replace the
        picks held back so far (chosen for listeners who changed) and play next after what is already lined up
        on the speaker."""

    @abstractmethod
    def wants(self) -> int:
        """How many more picks would keep the queue from running out (0: enough)."""

    @abstractmethod
    def needs(self) -> int:
        """How many picks the player asks for now: after it started, skipped, took new picks or watched its
        music play, wants() while it plays; else 0. The conductor plans that many and hands them to extend(),
        then calls top_up()."""

    @abstractmethod
    def top_up(self) -> None:
        """Send held-back picks to the speaker's queue until queue_ahead are lined up (after a needs())."""

    @abstractmethod
    def skip(self) -> Track | None:
        """Skip to the next pick; returns the track that was skipped."""

    @abstractmethod
    def like(self) -> Track | None:
        """Save the current track to the library; returns it."""

    @abstractmethod
    def pause(self) -> bool: ...

    @abstractmethod
    def resume(self) -> bool: ...

    @abstractmethod
    def toggle(self) -> bool:
        """Pause when playing, else resume."""

    @abstractmethod
    def set_volume(self, percent: int) -> bool: ...

    @abstractmethod
    def poll(self, now: float | None = None) -> list[PlayerEvent]:
        """Look at the playback state (call every poll_interval() seconds)."""

    @abstractmethod
    def poll_interval(self) -> float: ...

    @abstractmethod
    def status(self) -> str: ...

    @property
    @abstractmethod
    def state(self) -> Literal["idle", "playing", "paused", "backoff"]:
        """idle (an error, if any, is in status() and stays until a command succeeds), playing, paused, or
        backoff (another Spotify app changed playback: hands off until spotify.manual_backoff_minutes pass)."""

    @property
    @abstractmethod
    def now_playing(self) -> Track | None: ...


def select_speaker(devices: list[dict], name: str | None) -> dict:
    """The configured speaker among the listed devices: case-insensitive, an exact name first, else a unique
    prefix. Without a name, the active device. Raises SpeakerMissing, SpeakerAmbiguous or NoActiveDevice."""
    names = [d.get("name", "") for d in devices]
    if not name:
        active = [d for d in devices if d.get("is_active")]
        if not active:
            raise NoActiveDevice("no speaker configured (spotify.speaker) and no device is active")
        return active[0]
    wanted = name.casefold().strip()
    exact = [d for d in devices if d.get("name", "").casefold().strip() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise SpeakerAmbiguous(name, [d["name"] for d in exact])
    prefix = [d for d in devices if d.get("name", "").casefold().startswith(wanted)]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise SpeakerAmbiguous(name, [d["name"] for d in prefix])
    raise SpeakerMissing(name, names)


def track_from_json(item: dict, source: str = "") -> Track:
    """A Track from the Web API's track object; BadAnswer when the object is not shaped like one."""
    try:
        album = item.get("album") or {}
        year = None
        date = album.get("release_date") or ""
        if date[:4].isdigit():
            year = int(date[:4])
        if not isinstance(item["uri"], str):
            raise TypeError("uri")
        return Track(uri=item["uri"], name=str(item.get("name", "")),
                     artists=tuple(str(a.get("name", "")) for a in item.get("artists") or []),
                     explicit=bool(item.get("explicit")),
                     duration_ms=min(MAX_TRACK_MS, max(0, int(item.get("duration_ms") or 0))),
                     year=year, source=source)
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
        raise BadAnswer(f"a track object: {type(exc).__name__}") from None


class PlayHistory:
    """When each track was last started, for the no-repeat window; kept in the state store when one is given."""

    def __init__(self, window_s: float, store=None):
        self.window_s = window_s
        self.store = store
        saved = store.get_json(HISTORY_KEY, {}) if store is not None else {}
        # read back from the store: only entries whose time is a number count (the rest say nothing usable)
        self._played: dict[str, float] = {uri: float(at) for uri, at in (saved.items() if isinstance(saved, dict)
                                          else ()) if isinstance(uri, str) and finite(at) is not None}

    def recent(self, uri: str, now: float) -> bool:
        at = self._played.get(uri)
        return at is not None and now - at < self.window_s

    def mark(self, uri: str, now: float) -> None:
        self._played[uri] = now
        self._played = {u: t for u, t in self._played.items() if now - t < self.window_s}
        if self.store is not None:
            try:
                self.store.set_json(HISTORY_KEY, self._played)
            except Exception as exc:  # the state store says why; playing goes on
                log.warning("could not save the play history: %s", exc)


class SpotifyPlayer(Player):
    """Plays on the speaker named in spotify.speaker through the Web API (see Player)."""

    def __init__(self, cfg: SpotifyConfig, client: SpotifyClient, *, clock: Callable[[], float] = time.time,
                 no_repeat_hours: float = 24.0, store=None, skip_window_s: float = APP_SKIP_WINDOW_S):
        self.cfg = cfg
        self.skip_window_s = skip_window_s
        self.client = client
        self.clock = clock
        self.history = PlayHistory(no_repeat_hours * 3600, store)
        self._lock = threading.RLock()
        self._state: str = "idle"
        self._error: SpotifyError | None = None
        self._device: dict | None = None
        self._speaker_retry_at = 0.0
        self._speaker_failures = 0
        self._backoff_until = 0.0
        self._grace_until = 0.0
        self._list: list[Track] = []  # the uris list sent with play()
        self._pos = 0
        self._queued: list[Track] = []  # sent to Spotify's queue, not started yet
        self._upcoming: list[Track] = []  # picks held back, sent as the queue runs down
        self._ours: dict[str, Track] = {}
        self._current: Track | None = None
        self._started_at: float | None = None  # minus time spent paused: now - _started_at is time played
        self._paused_at: float | None = None  # while paused: when the position stopped
        self._last_logged = ""
        self._busy = ""  # why the last play() left the account alone
        self._autoplay_on: str | None = None  # device where Spotify's autoplay followed our last pick
        self.store = store
        self._looked = store is None  # looked at the speaker once for our own picks from before a restart
        self._due = False  # a start, skip, new picks or a watched poll: the queue wants topping up (needs())

    # ------------------------------------------------------------ status

    @property
    def state(self) -> str:
        if self._state == "backoff" and self.clock() >= self._backoff_until:
            return "idle"
        return self._state

    @property
    def now_playing(self) -> Track | None:
        return self._current if self._state in ("playing", "paused") else None

    def played_s(self) -> float | None:
        """How long the current track has been playing (for a button tap's feedback)."""
        if self._current is None or self._started_at is None:
            return None
        return max(0.0, (self._paused_at or self.clock()) - self._started_at)

    @property
    def error(self) -> SpotifyError | None:
        return self._error

    @property
    def needs_attention(self) -> bool:
        """True for errors only a person can fix (login, speaker, Premium): the LED blinks fast."""
        return isinstance(self._error, (LoginNeeded, SpeakerMissing, SpeakerAmbiguous, DeviceRestricted,
                                        NotPremium))

    def _lifted_rate_limit(self) -> bool:
        """The last error is a 429 (rate limit or quota) whose Retry-After has passed: nothing is held back any
        more, only no command has run since."""
        return (isinstance(self._error, RateLimited) and self._error.retry_at is not None
                and self.clock() >= self._error.retry_at)

    def status(self) -> str:
        if self.client.rate_limited_until() is not None:
            return self.client.status()
        error = self._error
        if self._lifted_rate_limit():  # stale: saying "rate limited until <a time past>" would be untrue
            if self._state in ("playing", "paused", "backoff"):
                error = None  # the music (or the back-off) is what is true now
            else:
                what = "quota wait" if isinstance(error, QuotaExceeded) else "rate limit"
                return (f"Spotify {what} over at {clock_text(error.retry_at, now=self.clock())}; "
                        "will try again at the next start of music")
        if error is not None:
            return str(error)
        speaker = (self._device or {}).get("name") or self.cfg.speaker or "the speaker"
        state = self.state
        if state == "backoff":
            return ("playback was changed from another Spotify app; leaving it alone until "
                    + clock_text(self._backoff_until, now=self.clock(), seconds=False))
        if state == "playing" and self._current is not None:
            return f"playing {_describe(self._current)} on {speaker}"
        if state == "paused":
            return f"paused on {speaker}"
        return self._busy or "idle"

    def poll_interval(self) -> float:
        return self.cfg.poll_s if self._state in ("playing", "paused") else IDLE_POLL_S

    # ------------------------------------------------------------ internals

    def _ok(self, line: str | None = None) -> None:
        if self._error is not None:
            log.info("Spotify works again (was: %s)", self._error)
        self._error = None
        if line:
            log.info("%s", line)

    def _fail(self, exc: SpotifyError, what: str) -> None:
        self._error = exc
        text = f"{what}: {exc}"
        if text != self._last_logged:  # one line per new trouble, not one per retry
            log.warning("%s", text)
            self._last_logged = text
        if isinstance(exc, (SpeakerMissing, DeviceNotFound)):
            self._speaker_failures += 1
            delay = min(SPEAKER_RETRY_MAX_S, SPEAKER_RETRY_MIN_S * 2 ** (self._speaker_failures - 1))
            self._speaker_retry_at = self.clock() + delay
            if isinstance(exc, SpeakerMissing):
                self._error = SpeakerMissing(exc.name, exc.available, self._speaker_retry_at)

    def _speaker(self) -> dict:
        """Find the speaker by name now (it may have gone to sleep or come back since last time)."""
        dev = select_speaker(self.client.devices(), self.cfg.speaker)
        if dev.get("is_restricted"):
            raise DeviceRestricted(dev.get("name", "?"))
        if not dev.get("id"):
            raise SpeakerMissing(dev.get("name", "?"), None)
        if self._device is None or self._device.get("id") != dev["id"]:
            log.info("speaker %r found (id %s, %s)", dev.get("name"), dev["id"], dev.get("type", "device"))
        self._device = dev
        self._speaker_failures = 0
        return dev

    def _restricted(self, exc: SpotifyError) -> SpotifyError:
        if isinstance(exc, Forbidden) and exc.reason in ("DEVICE_NOT_CONTROLLABLE", "REMOTE_CONTROL_DISALLOW"):
            return DeviceRestricted((self._device or {}).get("name") or self.cfg.speaker or "?")
        return exc

    def _fresh(self, tracks: Sequence[Track], now: float, *, replacing: bool = False) -> list[Track]:
        """Picks not played within the no-repeat window and not lined up already (replacing: a new play()
        drops the held-back picks, but what sits in Spotify's queue will still play)."""
        seen = {t.uri for t in self._queued}
        if not replacing:
            seen |= {t.uri for t in self._list[self._pos:]} | {t.uri for t in self._upcoming}
        out = []
        for t in tracks:
            if t.uri in seen or self.history.recent(t.uri, now):
                continue
            seen.add(t.uri)
            out.append(t)
        return out

    def _someone_else_playing(self, pb: dict | None) -> str:
        """Why not to start now: somebody plays something of their own on this account (any device)."""
        if not pb or not pb.get("is_playing") or not pb.get("item"):
            return ""
        item = pb["item"]
        uri = item.get("uri", "")
        if uri in self._ours or self.history.recent(uri, self.clock()):
            return ""  # our own music (perhaps from before a restart)
        if self._autoplay_on and (pb.get("device") or {}).get("id") == self._autoplay_on:
            return ""  # Spotify's autoplay carrying on after our picks
        device = (pb.get("device") or {}).get("name") or "another device"
        return f"Spotify is already playing {item.get('name')!r} on {device} (another app); not taking over"

    def _in_backoff(self, now: float) -> bool:
        if self._state == "backoff":
            if now < self._backoff_until:
                return True
            self._state = "idle"
            log.info("back-off over: Mirrorball may choose the music again")
        return False

    def _start(self, track: Track | None, now: float) -> None:
        self._current, self._started_at = track, now
        if self._paused_at is not None:  # a track that starts while paused starts paused
            self._paused_at = max(self._paused_at, now)
        if track is not None:
            self.history.mark(track.uri, now)
        self._save_lineup(now)

    # ------------------------------------------------------------ across a reload or a restart

    def _save_lineup(self, now: float | None = None) -> None:
        """Keep what is lined up on the speaker (the track playing, Spotify's queue, the rest of the play list) in
        the state store: a reload or a restart builds a new player, which adopts these picks as its own."""
        if self.store is None:
            return
        lineup = None
        if self._state in ("playing", "paused") and self._device is not None:
            lineup = {"at": self.clock() if now is None else now, "device": self._device.get("id"),
                      "paused": self._state == "paused",
                      "current": asdict(self._current) if self._current else None,
                      "queued": [asdict(t) for t in self._queued],
                      "rest": [asdict(t) for t in self._list[self._pos + 1:]]}
        try:
            self.store.set_json(LINEUP_KEY, lineup)
        except Exception as exc:  # the state store says why; playing goes on
            log.warning("could not save the picks lined up: %s", exc)

    def _lineup_window(self, tracks: list[Track]) -> float:
        """How long after it was saved a lineup can still be playing: the durations of its picks (nothing pauses
        our own music unnoticed but us, and a pause of ours is saved). A pick of unknown length: the no-repeat
        window, as the play history judges "ours"."""
        if not tracks or any(t.duration_ms <= 0 for t in tracks):
            return self.history.window_s
        return sum(t.duration_ms for t in tracks) / 1000

    def _look_for_own_music(self, now: float) -> list[PlayerEvent]:
        """Once, before the first poll or play of a new player: is the speaker playing picks Mirrorball started or
        queued before a reload or a restart (the lineup in the state store, while it can still be playing)? Then
        carry on with them. Has another app started something over them meanwhile? Then back off, as a poll
        would have."""
        try:
            lineup = self.store.get_json(LINEUP_KEY)
        except Exception as exc:
            log.warning("could not read the picks lined up before the restart: %s", exc)
            lineup = None
        if not isinstance(lineup, dict) or not lineup.get("device"):
            self._looked = True
            return []
        try:
            pb = self.client.playback()
        except SpotifyError as exc:
            self._fail(exc, "cannot read the playback state")
            return []  # look again next time
        self._looked = True
        self._ok()
        try:
            current = _saved_track(lineup["current"]) if lineup.get("current") else None
            queued = [_saved_track(t) for t in lineup.get("queued") or []]
            rest = [_saved_track(t) for t in lineup.get("rest") or []]
            saved_at = within(lineup.get("at"), 0.0, now + COMMAND_GRACE_S)
            if saved_at is None:
                raise ValueError(f"saved at {lineup.get('at')!r:.40}, not a time up to now")
        except (AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
            log.warning("ignoring the picks lined up before the restart: %s", exc)
            return []
        try:
            return self._adopt(pb, now, saved_at, lineup, current, queued, rest)
        except (SpotifyError, AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
            bad = exc if isinstance(exc, SpotifyError) else BadAnswer(f"GET /me/player: {type(exc).__name__}")
            self._fail(bad, "cannot read the playback state")
            return []

    def _adopt(self, pb: dict | None, now: float, saved_at: float, lineup: dict, current: Track | None,
               queued: list[Track], rest: list[Track]) -> list[PlayerEvent]:
        picks = ([current] if current else []) + queued + rest
        if lineup.get("paused"):  # we paused it: it waits as long as the play history remembers it
            live = now - saved_at < self.history.window_s
        else:
            live = now - saved_at <= self._lineup_window(picks)
        if not live or not pb or not pb.get("item"):
            return []
        item, device = pb["item"], pb.get("device") or {}
        uri = item.get("uri")
        on_ours = device.get("id") == lineup["device"]
        known = {t.uri: t for t in picks}
        ours = on_ours and uri in known
        if not pb.get("is_playing") and not lineup.get("paused"):
            return []  # stopped or paused while nobody watched: nothing to carry on with, nobody to yield to
        if not ours:
            if not pb.get("is_playing"):
                return []
            self._state = "playing"  # what a poll would have seen: our music, then someone else's
            return [self._backoff(now, f"while Mirrorball restarted, another app started {item.get('name')!r}"
                                  if on_ours else f"while Mirrorball restarted, playback moved to "
                                  f"{device.get('name')!r}")]
        self._device = device
        track = known[uri]
        order = [t.uri for t in picks]
        after = picks[order.index(uri) + 1:]
        self._queued = [t for t in after if t in queued]
        self._list, self._pos = [track] + [t for t in after if t in rest], 0
        self._ours.update(known)
        self._current, self._started_at = track, now - _progress_s(pb)
        self._state = "playing" if pb.get("is_playing") else "paused"
        self._paused_at = None if pb.get("is_playing") else now
        self._grace_until = 0.0
        log.info("after a reload or restart: %s on %s is Mirrorball's own pick; carrying on with it (%d more lined up)",
                 _describe(track), device.get("name"), self._ahead())
        self._save_lineup(now)
        return []

    # ------------------------------------------------------------ commands

    def play(self, tracks: Sequence[Track], *, volume: int | None = None) -> bool:
        with self._lock:
            now = self.clock()
            if not self._looked:
                self._look_for_own_music(now)
            if self._in_backoff(now):
                log.info("not starting music: %s", self.status())
                return False
            if now < self._speaker_retry_at:
                return False
            picks = self._fresh(tracks, now, replacing=True)
            if not picks:
                log.info("nothing to play: all %d picks were played within the no-repeat window", len(tracks))
                return False
            for attempt in (1, 2):
                try:
                    dev = self._speaker()
                    busy = self._someone_else_playing(self.client.playback()) if attempt == 1 else None
                    if busy:
                        self._error = None
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
                        self._fail(exc, "cannot start playback")
                        return False
                    log.info("speaker went away while starting (%s); looking for it again", exc)
                except SpotifyError as exc:
                    self._fail(self._restricted(exc), "cannot start playback")
                    return False
            self._grace_until = now + COMMAND_GRACE_S
            self._state, self._paused_at = "playing", None
            self._busy, self._autoplay_on = "", None
            self._list, self._pos = head, 0
            self._upcoming = picks[len(head):]
            self._ours.update({t.uri: t for t in picks})
            self._start(head[0], now)
            self._ok(f"playing {_describe(head[0])} on {dev.get('name')} "
                     f"({len(head) - 1} more sent, {len(self._upcoming)} held back)")
            if volume is not None:
                self._volume(dev, volume)
            self._due = True
            return True

    def extend(self, tracks: Sequence[Track], *, first: bool = False) -> int:
        with self._lock:
            if first and self._upcoming:
                log.info("dropped %d held-back picks for the new picks", len(self._upcoming))
                self._upcoming = []
            picks = self._fresh(tracks, self.clock())
            self._upcoming.extend(picks)
            self._ours.update({t.uri: t for t in picks})
            if picks and self._state == "playing":
                self._due = True
            return len(picks)

    def wants(self) -> int:
        with self._lock:
            if self._state not in ("playing", "paused"):
                return 0
            return max(0, self.cfg.queue_ahead - len(self._upcoming))

    def needs(self) -> int:
        with self._lock:
            if not self._due or self._state != "playing" or self._device is None:
                return 0
            return self.wants()

    def top_up(self) -> None:
        with self._lock:
            due, self._due = self._due, False
            if due and self._state == "playing":
                self._top_up()

    def _ahead(self) -> int:
        return max(0, len(self._list) - self._pos - 1) + len(self._queued)

    def _top_up(self) -> None:
        """Keep queue_ahead picks lined up on the speaker: queue more before they run out."""
        if self._device is None:
            return
        while self._upcoming and self._ahead() < self.cfg.queue_ahead:
            track = self._upcoming[0]
            try:
                self.client.queue(track.uri, self._device["id"])
            except SpotifyError as exc:
                self._fail(self._restricted(exc), "cannot queue the next pick")
                return
            self._queued.append(self._upcoming.pop(0))
            log.info("queued %s (%d lined up)", _describe(track), self._ahead())
            self._save_lineup()

    def skip(self) -> Track | None:
        with self._lock:
            skipped = self._current
            if not self._command("skip", lambda dev: self.client.next(dev["id"])):
                return None
            self._start(self._advance_model(), self.clock())
            self._ok(f"skipped {_describe(skipped) if skipped else 'the track'}; next: "
                     f"{_describe(self._current) if self._current else 'unknown'}")
            if self._state == "playing":
                self._due = True
            return skipped

    def _advance_model(self) -> Track | None:
        if self._queued:
            return self._queued.pop(0)
        if self._pos + 1 < len(self._list):
            self._pos += 1
            return self._list[self._pos]
        return None

    def like(self) -> Track | None:
        with self._lock:
            track = self._current
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
                self._fail(exc, "cannot save the liked track")
                return None
            self._ok(f"saved {_describe(track)} to the library (liked)")
            return track

    def _command(self, what: str, send: Callable[[dict], None], harmless: str | None = None) -> bool:
        """Send one command to the speaker (looked up now); a refusal with reason `harmless` counts as done."""
        try:
            send(self._speaker())
        except SpotifyError as exc:
            if not (isinstance(exc, Forbidden) and harmless and exc.reason == harmless):
                self._fail(self._restricted(exc), f"cannot {what}")
                return False
        self._grace_until = self.clock() + COMMAND_GRACE_S
        return True

    def pause(self) -> bool:
        with self._lock:
            if not self._command("pause", lambda dev: self.client.pause(dev["id"]), "ALREADY_PAUSED"):
                return False
            if self._state == "playing":
                self._state, self._paused_at = "paused", self.clock()
                self._save_lineup()
            self._ok("paused")
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
            if self._state == "paused":  # otherwise it is not our music: resumed for them, still hands off
                self._state = "playing"
                self._unpause(self.clock())
                self._save_lineup()
            self._ok("resumed")
            return True

    def toggle(self) -> bool:
        """Pause when something plays, else resume (the double tap)."""
        with self._lock:
            if self._state == "playing":
                return self.pause()
            if self._state == "paused":
                return self.resume()
            try:  # not our music (idle, back-off): look at what the account is doing
                pb = self.client.playback()
            except SpotifyError as exc:
                self._fail(exc, "cannot read the playback state")
                return False
            return self.pause() if pb and pb.get("is_playing") else self.resume()

    def set_volume(self, percent: int) -> bool:
        with self._lock:
            try:
                dev = self._speaker()
            except SpotifyError as exc:
                self._fail(exc, "cannot set the volume")
                return False
            return self._volume(dev, percent)

    def _volume(self, dev: dict, percent: int) -> bool:
        percent = int(max(0, min(100, percent)))
        if dev.get("supports_volume") is False:
            log.info("speaker %r does not take volume commands; volume left as it is", dev.get("name"))
            return False
        if dev.get("volume_percent") == percent:
            return True
        try:
            self.client.volume(percent, dev["id"])
        except Forbidden as exc:
            log.info("speaker %r refused the volume (%s); volume left as it is", dev.get("name"), exc.reason)
            return False
        except SpotifyError as exc:
            self._fail(exc, "cannot set the volume")
            return False
        dev["volume_percent"] = percent
        log.info("volume %d %% on %s", percent, dev.get("name"))
        return True

    # ------------------------------------------------------------ watching playback

    def poll(self, now: float | None = None) -> list[PlayerEvent]:
        with self._lock:
            now = self.clock() if now is None else now
            if not self._looked and self._state == "idle":
                return self._look_for_own_music(now)  # adopted picks are watched from the next poll on
            if self._in_backoff(now) or self._state not in ("playing", "paused"):
                return []
            try:
                pb = self.client.playback()
            except SpotifyError as exc:
                self._fail(exc, "cannot read the playback state")
                return []
            self._ok()
            try:
                events = self._observe(pb, now)
            except (SpotifyError, AttributeError, TypeError, KeyError, ValueError, OverflowError) as exc:
                bad = exc if isinstance(exc, SpotifyError) else BadAnswer(f"GET /me/player: {type(exc).__name__}")
                self._fail(bad, "cannot read the playback state")
                return []
            if self._state == "playing":
                self._due = True
            return events

    def _backoff(self, now: float, why: str) -> PlayerEvent:
        self._state = "backoff"
        self._backoff_until = now + self.cfg.manual_backoff_minutes * 60
        self._list, self._pos, self._queued, self._upcoming = [], 0, [], []
        log.info("%s: Mirrorball leaves playback alone until %s", why,
                 clock_text(self._backoff_until, now=now, seconds=False))
        track, self._current = self._current, None
        self._save_lineup(now)  # nothing of ours is lined up any more
        return PlayerEvent("takeover", track, now, why)

    def _observe(self, pb: dict | None, now: float) -> list[PlayerEvent]:
        was = self._state
        events = self._judge(pb, now)
        if self._state != was and self._state in ("idle", "playing", "paused"):
            self._save_lineup(now)  # stopped, or paused or resumed from another app (a back-off saved itself)
        return events

    def _judge(self, pb: dict | None, now: float) -> list[PlayerEvent]:
        if now < self._grace_until:  # our own command may not show yet: judge nothing until it does
            return []
        device = (pb or {}).get("device") or {}
        our_id = (self._device or {}).get("id")
        if pb is None or not pb.get("item"):
            self._state = "idle"
            log.info("playback stopped (nothing active on the account)")
            track, self._current = self._current, None
            return [PlayerEvent("stopped", track, now, "nothing playing")]
        if our_id and device.get("id") and device["id"] != our_id:
            return [self._backoff(now, f"playback moved to {device.get('name')!r}")]
        item = pb["item"]
        uri = item.get("uri")
        known = uri in self._ours or (self._current and uri == self._current.uri)
        if not known and self._ahead() == 0 and not self._upcoming and self._current is not None:
            # our last pick ended and Spotify's autoplay went on with its own choice: not a person's doing
            events = self._ended(self._current, now - _progress_s(pb))
            self._state, self._current = "idle", None
            self._autoplay_on = our_id
            log.info("the picks ran out; Spotify's autoplay went on with %r", item.get("name"))
            return events + [PlayerEvent("stopped", None, now, "picks ran out; Spotify's autoplay went on")]
        if not known:
            return [self._backoff(now, f"another app started {item.get('name')!r}")]
        events: list[PlayerEvent] = []
        if self._current is None or uri != self._current.uri:
            events.extend(self._changed(item, pb, now))
        if not pb.get("is_playing"):
            if self._state == "playing":
                last = not self._queued and self._pos >= len(self._list) - 1 and not self._upcoming
                if last and _progress_s(pb) == 0 and self._current is not None:
                    end = (self._started_at or now) + self._current.duration_ms / 1000
                    events.extend(self._ended(self._current, min(now, end)))
                    self._state = "idle"
                    log.info("the picks ran out; playback ended")
                    events.append(PlayerEvent("stopped", self._current, now, "picks ran out"))
                else:
                    events.append(self._backoff(now, "playback was paused from another app"))
        elif self._state == "paused":
            self._state = "playing"
            self._paused_at = None
            self._started_at = now - int(pb.get("progress_ms") or 0) / 1000  # resumed some time since the last look
            log.info("playback resumed from another app")
        return events

    def _unpause(self, now: float) -> None:
        """The time spent paused does not count as played."""
        if self._paused_at is not None and self._started_at is not None:
            self._started_at += max(0.0, now - self._paused_at)
        self._paused_at = None

    def _ended(self, old: Track | None, changed_at: float) -> list[PlayerEvent]:
        """How the track we last saw ended: played through, skipped early (a dislike) or skipped later."""
        if old is None or self._started_at is None:
            return []
        played = max(0.0, changed_at - self._started_at)
        if played >= old.duration_ms / 1000 - END_TOLERANCE_S:
            log.info("played through: %s", _describe(old))
            return [PlayerEvent("finished", old, changed_at, played_s=played)]
        if played <= self.skip_window_s:
            log.info("skipped in another Spotify app after %.0f s: %s (counted as a dislike)", played, _describe(old))
            return [PlayerEvent("app_skip", old, changed_at, f"skipped after {played:.0f} s", played)]
        log.info("skipped in another Spotify app after %.0f s: %s", played, _describe(old))
        return [PlayerEvent("skipped", old, changed_at, f"skipped after {played:.0f} s", played)]

    def _changed(self, item: dict, pb: dict, now: float) -> list[PlayerEvent]:
        # progress runs only while playing: a paused track changed at (when it was paused) - progress. The pause may
        # have caught the next track just after the last poll saw the old one: that one played through before it.
        at = now if pb.get("is_playing") or self._paused_at is None else self._paused_at
        changed_at = at - _progress_s(pb)
        events = self._ended(self._current, changed_at)
        uri = item["uri"]
        if self._queued and self._queued[0].uri == uri:
            self._queued.pop(0)
        else:
            later = [i for i in range(self._pos + 1, len(self._list)) if self._list[i].uri == uri]
            if later:
                self._pos = later[0]
            else:
                self._queued = [t for t in self._queued if t.uri != uri]
        track = self._ours.get(uri) or track_from_json(item)
        self._start(track, changed_at)
        events.append(PlayerEvent("started", track, changed_at))
        log.info("now playing %s" if pb.get("is_playing") else "next up, paused: %s", _describe(track))
        return events


def _progress_s(pb: dict) -> float:
    """How far into its track the playback is, in seconds: the answer's progress_ms bounded to [0, MAX_TRACK_MS]
    (no number: 0)."""
    return clamped(pb.get("progress_ms"), 0, MAX_TRACK_MS, 0) / 1000


def _saved_track(d: dict) -> Track:
    """A Track as _save_lineup wrote it (JSON has lists, not tuples)."""
    return Track(**{**d, "artists": tuple(d.get("artists") or ())})


def _describe(track: Track) -> str:
    return f"{track.name!r} by {', '.join(track.artists) or 'unknown'}" if track else "nothing"
