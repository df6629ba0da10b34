"""The conductor part: audience + weather + time -> the music director -> the speaker; button and player feedback back."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from device.core import overrides
from device.core.catalog import CatalogError
from device.core.feedback import BUTTON_ACTIONS, Action, judge
from device.core.parts import Hub, Part, Unavailable
from device.core.state import StateError
from device.core.times import clock_text
from device.core.topics import Topic
from device.core.values import Audience, ButtonEvent, NowPlaying, VolumeRequest
from device.hardware.led import StatusLed, led_state
from device.music.context import context_for
from device.music.director import Decision, MusicDirector
from device.music.labelling import LABEL_EVERY_S
from device.music.policy import Safety, children_in
from device.runtime.session import PLAYING, Session
from device.spotify.build import Spotify, build_spotify
from device.spotify.errors import LoginNeeded, SpotifyError

log = logging.getLogger(__name__)

RETRY_PLAY_S = 30.0  # after a start that did not happen (speaker asleep, rate limit), try the same picks this later
CLEAN_POLL_S = 2.0  # family-safe with explicit music still lined up (or just replaced): look this often
WATCH_AFTER_CLEAN_S = 60.0  # ... for this long after the music was made clean
PENDING_S = 30 * 60  # picks planned for a start that did not happen are tried again for this long, then re-planned
FADE_STEP_S = 3.0  # fade_out: lower the volume one step this often
FADE_STEPS = 6
BUTTON_LATENCY_S = 0.25  # look at the button's events at least this often, so a press acts at once


class ConductorPart(Part):
    """Decides when to start, refill, clean, pause or fade the music, and turns feedback into learning.

    Every step: button events first (each is written to the state store before it is acted on), then the audience
    into the session (device/runtime/session.py: arrived, listening, family-safe, speaker unavailable, left,
    fading, paused), then what the player noticed (played through, skipped in another app). An arrival starts music
    chosen for the listeners (a speaker that will not play is tried again with the same picks after the player's
    back-off, nothing re-planned); a child makes the music family-safe at once; a change of listeners lines up
    picks for the new audience; when everybody has left, music.idle acts after music.pause_after_minutes. At its
    start and between decisions it has the director label the rules' genres (device/music/labelling.py).
    """

    name = "conductor"

    def __init__(self, runtime, *, spotify_factory: Callable[..., Spotify] = build_spotify,
                 rng: random.Random | None = None, wall: Callable[[], float] = time.time,
                 mono: Callable[[], float] = time.monotonic):
        self.config = runtime.config
        self.hub: Hub = runtime.hub
        self.store = runtime.store
        self.clock = runtime.clock
        self.spotify_factory = spotify_factory
        self.rng = rng or random.Random()
        self.wall = wall
        self.mono = mono
        self.led = StatusLed(self.config.led, pin_factory=getattr(runtime, "pin_factory", None))
        self.spotify: Spotify | None = None
        self.director: MusicDirector | None = None
        self.audience = Audience()
        self.session = self._new_session()
        self.last_decision: Decision | None = None
        self.pending: Decision | None = None  # picks planned for a start that has not happened: tried again as they are
        self.next_poll = 0.0
        self.next_label = 0.0  # the director labels the rules' genres between decisions, this often (see step)

    def _new_session(self) -> Session:
        return Session(family_safe_s=self.config.music.family_safe_minutes * 60, explicit=self.explicit_setting)

    @property
    def explicit_setting(self) -> str:
        """music.explicit in effect (allowed, not_with_children, never): the config's, or Home Assistant's switch."""
        return overrides.with_overrides(self.config, overrides.current(self.hub)).music.explicit

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if not self.config.spotify.client_id:
            raise Unavailable("Spotify not configured: set spotify.client_id in the config, then run mirrorball auth")
        spotify = self.spotify_factory(self.config, store=self.store, clock=self.wall)
        try:
            spotify.client.devices()
        except LoginNeeded as exc:
            spotify.client.close()
            raise Unavailable(str(exc)) from None
        except SpotifyError as exc:  # rate limits, a sleeping speaker, a network blip: the player copes
            log.info("Spotify reachable with trouble: %s", exc)
        self.spotify = spotify
        self.director = MusicDirector(self.config, spotify.catalog, self.store, self.rng, played=spotify.player)
        self.director.prepare(self.wall())  # a fresh device labels the rules' genres before its first pick
        self.session, self.pending, self.next_poll = self._new_session(), None, 0.0

    def stop(self) -> None:
        self.led.close()
        if self.spotify is not None:
            self.spotify.client.close()  # its kept-alive connections would otherwise outlive a reload
        self.spotify = None
        self.director = None

    def status(self) -> str:
        if self.spotify is None:
            return ""
        s, player = self.session, self.spotify.player
        text = player.status()
        catalog_error = self.director.fetcher.last_error if self.director is not None else None
        if text == "idle" and self.audience.present and catalog_error:  # e.g. Spotify unreachable: say so
            text = f"nothing to play: {catalog_error}"
        if player.state == "playing" and s.groups:
            text += f" for {', '.join(s.groups)}"
        if s.state == "family-safe" and s.made_safe_at is not None:
            text += f"; family-safe since {clock_text(s.made_safe_at)} ({s.reason})"
        if s.state == "speaker unavailable":  # nothing is planned meanwhile
            text += f"; {s.why}, trying again in {max(0.0, s.retry_at - self.mono()):.0f} s"
        return text

    # ------------------------------------------------------------ the loop

    def step(self, now: float) -> float:
        player, s = self.spotify.player, self.session
        while (event := self.hub.take()) is not None:
            if isinstance(event, ButtonEvent):
                self._button(event)
            elif isinstance(event, VolumeRequest):  # Home Assistant's volume number
                player.set_volume(min(event.percent, self.config.music.max_volume))
        self.audience = self.hub.latest(Topic.AUDIENCE, Audience())
        children = children_in(self.audience, self.config)
        s.explicit = self.explicit_setting
        for action in s.see(now, present=self.audience.present, child=bool(children)):
            self._act(action, now, children)
        player.clean_only = s.clean_only(now)
        if now >= self.next_poll:
            for event in player.poll(self.wall()):
                self._player_event(event)
            if player.clean_only and player.explicit_lined_up():
                self._make_clean(now, "an explicit track came up while family-safe")
            self._line_up()
            self.next_poll = now + self._poll_interval(now)
        if s.state in (*PLAYING, "left", "fading") and player.state in ("idle", "backoff"):
            s.stopped(now, self.audience.present)  # it ran out, another app took over, the speaker went away
        if s.state in ("arrived", "speaker unavailable") and player.state in ("playing", "paused"):
            s.started(now)  # our own music from before a reload or restart, adopted by the player: carry on
            if s.state == "family-safe":
                self._make_clean(now, f"{s.reason}; music from before a restart")
        elif s.may_start(now):
            self._start(now)
        elif s.state in PLAYING and self.audience.groups != s.groups and player.state == "playing":
            self._listeners_changed()
        elif s.idle_due(now, self.config.music.pause_after_minutes * 60):
            self._idle(now)
        if now >= self.next_label:  # after this step's decisions: labelling waits for them, not they for it
            self.director.label(self.wall())
            self.next_label = self.mono() + LABEL_EVERY_S
        self._show_led()
        self.hub.publish(Topic.NOW_PLAYING, NowPlaying(player.state, player.now_playing))
        return min(BUTTON_LATENCY_S, max(0.05, self.next_poll - now))

    def _poll_interval(self, now: float) -> float:
        s, player = self.session, self.spotify.player
        watching = s.clean_only(now) and (player.explicit_lined_up() or (
            s.made_safe_mono is not None and now - s.made_safe_mono < WATCH_AFTER_CLEAN_S))
        return min(CLEAN_POLL_S, player.poll_interval()) if watching else player.poll_interval()

    def _act(self, action: str, now: float, children) -> None:
        player = self.spotify.player
        if action == "clean":
            who = ", ".join(f"listener {c.id} (p(under 13) {c.child_p:.2f}, age {c.age:.0f})" for c in children)
            self._make_clean(now, f"a child is listening: {who}" if who else "a child is listening")
        elif action == "resume" and player.state == "paused":
            player.resume()
        elif action == "left" and self.session.groups:
            log.info("everybody left; idle behaviour '%s' in %g min", self.config.music.idle,
                     self.config.music.pause_after_minutes)
        elif action == "explicit allowed again":
            log.info("no child seen for %g min: explicit tracks may play again", self.config.music.family_safe_minutes)

    def _start(self, now: float) -> None:
        player, s = self.spotify.player, self.session
        wait = player.retry_at(self.wall()) - self.wall()
        if wait > 0:  # the player's back-off: ask nothing of the catalogue or the speaker until it is over
            s.refused(now, retry_at=now + wait, why="speaker unavailable")
            return
        groups, was = self.audience.groups, s.state
        pending = self.pending
        if pending is None or tuple(sorted({g for g, _ in pending.brief.listeners})) != groups or \
                pending.brief.family_safe != s.safe(now) or self.wall() - pending.at > PENDING_S:
            self.pending = self._plan(self.config.spotify.queue_ahead + 1, now)
        decision = self.pending
        if decision.tracks and player.play(decision.tracks, volume=decision.brief.volume):
            s.started(now)
            s.groups, self.pending = groups, None
            self._line_up()
            self.next_poll = min(self.next_poll, now + player.poll_interval())  # not the idle minute
            if s.state == "family-safe":
                self._make_clean(now, f"{s.reason} from the start")
            return
        if not decision.tracks:
            self.pending = None
        why = "speaker unavailable" if decision.tracks else "nothing to play"
        s.refused(now, retry_at=now + max(player.retry_at(self.wall()) - self.wall(), RETRY_PLAY_S), why=why)
        if was != s.state:  # one line when it begins, not one per try
            log.info("%s (%s): trying again every %.0f s or more, nothing planned meanwhile", why, player.status(),
                     s.retry_at - now)

    def _listeners_changed(self) -> None:
        player, groups = self.spotify.player, self.audience.groups
        decision = self._plan(self.config.spotify.queue_ahead)
        player.extend(decision.tracks, first=True)  # ahead of picks held back for the old listeners
        self._line_up()
        player.set_volume(decision.brief.volume)
        log.info("listeners changed to %s: the next picks follow them", ", ".join(groups))
        self.session.groups = groups

    def _make_clean(self, now: float, why: str) -> None:
        """Family-safe at once: replace what is explicit on the speaker by clean picks (or pause), say so."""
        player, s = self.spotify.player, self.session
        player.clean_only = True
        done = "nothing explicit was playing or lined up"
        if player.explicit_lined_up():
            try:
                tracks = self._plan(self.config.spotify.queue_ahead + 1, now).tracks
            except CatalogError as exc:
                log.warning("no clean picks to play instead: %s", exc)
                tracks = []
            done = player.make_clean(tracks, volume=self.last_decision.brief.volume if self.last_decision else None)
            if done is None:
                done = f"the speaker did not take it yet ({player.status()}); trying again in {CLEAN_POLL_S:g} s"
        s.made_safe_at, s.made_safe_mono = self.wall(), now
        self.next_poll = min(self.next_poll, now + CLEAN_POLL_S)  # watch what the speaker does next closely
        log.info("family-safe: %s; %s", why, done)
        try:
            self.store.add_event("family_safe", {"why": why, "done": done, "listeners": list(self.audience.groups)})
        except StateError as exc:
            log.warning("family-safe event not recorded: %s", exc)

    def _idle(self, now: float) -> None:
        player, s, idle = self.spotify.player, self.session, self.config.music.idle
        if player.state != "playing":
            return
        if idle == "keep_playing":
            s.idle_done("kept")
        elif idle == "pause":
            if player.pause():
                log.info("nobody here for %g min: paused", self.config.music.pause_after_minutes)
                s.idle_done("paused")
        elif now >= s.next_fade:  # fade_out
            step = s.faded(now, FADE_STEP_S)
            start = self.last_decision.brief.volume if self.last_decision else self.config.music.volume
            player.set_volume(round(start * max(0, FADE_STEPS - step) / FADE_STEPS))
            if step >= FADE_STEPS and player.pause():
                log.info("nobody here: faded out and paused")
                s.idle_done("paused")

    # ------------------------------------------------------------ decisions

    def _context(self):
        place = self.hub.latest(Topic.PLACE)
        return context_for(self.config, weather=self.hub.latest(Topic.WEATHER),
                           latitude=getattr(place, "latitude", None), light=self.hub.latest(Topic.LIGHT),
                           now=self.wall(), now_local=self.clock.local_now())

    def _plan(self, n: int, now: float | None = None) -> Decision:
        now = self.mono() if now is None else now
        self.director.config = overrides.with_overrides(self.config, overrides.current(self.hub))  # the switches
        self.director.prepare(self.wall())  # rule genres never labelled (a start's pass failed): before any pick
        safety = Safety(self.explicit_setting, child_recent=self.session.safe(now))
        decision = self.director.plan(self._context(), self.audience, self.wall(), n, safety)
        self.last_decision = decision
        return decision

    def _line_up(self) -> None:
        """After each start, skip, new picks or poll: plan as many picks as the player needs to keep its queue
        from running out, hand them over, and let it line them up on the speaker."""
        player = self.spotify.player
        wanted = player.needs()
        if wanted and self.director is not None:
            try:
                player.extend(self._plan(wanted).tracks)
            except CatalogError as exc:  # e.g. the catalog is rate limited too: play what is lined up
                log.warning("could not get more picks: %s", exc)
        player.top_up()

    # ------------------------------------------------------------ feedback

    def _button(self, event: ButtonEvent) -> None:
        player = self.spotify.player
        current = player.now_playing
        try:  # the press is on disk before anything acts on it
            self.store.add_event("button", {"kind": event.kind, "uri": current.uri if current else None})
        except StateError as exc:
            log.warning("button %s not recorded: %s", event.kind, exc)
        if event.kind == "tap":
            played_s = player.played_s()  # an early skip (a dislike) or a late one (moving on): judge() decides
            skipped = player.skip()
            self._line_up()
            if skipped is not None:
                self._feedback(skipped, BUTTON_ACTIONS["tap"], self.wall(), played_s, press=True)
        elif event.kind == "hold":
            liked = player.like()
            if liked is not None:
                self._feedback(liked, BUTTON_ACTIONS["hold"], self.wall(), player.played_s(), press=True)
        elif event.kind == "double_tap":
            player.toggle()

    def _feedback(self, track, action: Action, at: float, played_s: float | None, *, press: bool) -> None:
        """Learn from what the listener did (judge(): an early or late skip, a like, a play-through) unless the
        household's switches say not to (learning paused; a press in guest mode)."""
        if overrides.teaches(overrides.current(self.hub), self.config, press=press):
            kind = judge(action, played_s, self.config.music.skip_dislike_s)
            self.director.feedback(track, kind, at, played_s=played_s)

    def _player_event(self, event) -> None:
        if event.track is None:
            return
        if event.kind == "finished":
            self._feedback(event.track, Action.END, event.at, event.played_s, press=False)
        elif event.kind in ("app_skip", "skipped"):  # skipped in another app: the same rule as the button's tap
            self._feedback(event.track, Action.SKIP, event.at, event.played_s, press=True)
        elif event.kind == "takeover":
            self.session.groups = None

    def _show_led(self) -> None:
        player = self.spotify.player
        self.led.show(led_state(attention=player.needs_attention, playing=player.state == "playing",
                                listening=not self.audience.present))
