"""The conductor part: audience + weather + time -> the music director -> the speaker; button and player feedback back."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from device.core.catalog import CatalogError
from device.core.feedback import BUTTON_ACTIONS, Action, judge
from device.core.parts import Hub, Part, Unavailable
from device.core.state import StateError
from device.core.topics import Topic
from device.core.values import Audience, ButtonEvent
from device.hardware.led import StatusLed, led_state
from device.music.context import context_for
from device.music.director import Decision, MusicDirector
from device.spotify.build import Spotify, build_spotify
from device.spotify.errors import LoginNeeded, SpotifyError

log = logging.getLogger(__name__)

RETRY_PLAY_S = 30.0  # after a start that did not happen (speaker asleep, rate limit), try again this much later
FADE_STEP_S = 3.0  # fade_out: lower the volume one step this often
FADE_STEPS = 6
BUTTON_LATENCY_S = 0.25  # look at the button's events at least this often, so a press acts at once


class ConductorPart(Part):
    """Decides when to start, refill, pause or fade the music, and turns feedback into learning.

    Every step: button events first (each is written to the state store before it is acted on), then what the
    player noticed (played through, skipped in another app), then the audience: an arrival starts music chosen
    for the listeners, a change of listeners lines up picks for the new audience, and when everybody has left the
    configured idle behaviour (keep playing, fade out, pause) starts after music.pause_after_minutes.
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
        self.planned_groups: tuple[str, ...] | None = None  # the listeners the current music was chosen for
        self.last_decision: Decision | None = None
        self.absent_since: float | None = None
        self.idle_done = False
        self.fade_step = 0
        self.next_fade = 0.0
        self.next_poll = 0.0
        self.next_try = 0.0

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
        self.next_poll = self.next_try = 0.0

    def stop(self) -> None:
        self.led.close()
        if self.spotify is not None:
            self.spotify.client.close()  # its kept-alive connections would otherwise outlive a reload
        self.spotify = None
        self.director = None

    def status(self) -> str:
        if self.spotify is None:
            return ""
        text = self.spotify.player.status()
        catalog_error = self.director.fetcher.last_error if self.director is not None else None
        if text == "idle" and self.audience.present and catalog_error:  # e.g. Spotify unreachable: say so
            text = f"nothing to play: {catalog_error}"
        if self.spotify.player.state == "playing" and self.planned_groups:
            text += f" for {', '.join(self.planned_groups)}"
        return text

    # ------------------------------------------------------------ the loop

    def step(self, now: float) -> float:
        player = self.spotify.player
        while (event := self.hub.take()) is not None:
            if isinstance(event, ButtonEvent):
                self._button(event)
        if now >= self.next_poll:
            for event in player.poll(self.wall()):
                self._player_event(event)
            self._line_up()
            self.next_poll = now + player.poll_interval()
        self.audience = self.hub.latest(Topic.AUDIENCE, Audience())
        if self.audience.present:
            self._present(now)
        else:
            self._absent(now)
        self._show_led()
        return min(BUTTON_LATENCY_S, max(0.05, self.next_poll - now))

    def _present(self, now: float) -> None:
        player = self.spotify.player
        self.absent_since = None
        if self.idle_done or self.fade_step:
            self.idle_done, self.fade_step = False, 0
            if player.state == "paused":
                player.resume()
        groups = self.audience.groups
        if player.state == "idle" and now >= self.next_try:
            decision = self._plan(self.config.spotify.queue_ahead + 1)
            if decision.tracks and player.play(decision.tracks, volume=decision.brief.volume):
                self._line_up()
                self.planned_groups = groups
                self.next_poll = min(self.next_poll, now + player.poll_interval())  # not the idle minute
            else:
                self.next_try = now + RETRY_PLAY_S
        elif player.state == "playing" and groups != self.planned_groups:
            decision = self._plan(self.config.spotify.queue_ahead)
            player.extend(decision.tracks, first=True)  # ahead of picks held back for the old listeners
            self._line_up()
            player.set_volume(decision.brief.volume)
            log.info("listeners changed to %s: the next picks follow them", ", ".join(groups))
            self.planned_groups = groups

    def _absent(self, now: float) -> None:
        player = self.spotify.player
        if self.absent_since is None:
            self.absent_since = now
            if self.planned_groups:
                log.info("everybody left; idle behaviour '%s' in %g min", self.config.music.idle,
                         self.config.music.pause_after_minutes)
        if self.idle_done or player.state != "playing":
            return
        if now - self.absent_since < self.config.music.pause_after_minutes * 60:
            return
        idle = self.config.music.idle
        if idle == "keep_playing":
            self.idle_done = True
        elif idle == "pause":
            if player.pause():
                log.info("nobody here for %g min: paused", self.config.music.pause_after_minutes)
                self.idle_done, self.planned_groups = True, None
        elif now >= self.next_fade:  # fade_out
            self.fade_step += 1
            start = self.last_decision.brief.volume if self.last_decision else self.config.music.volume
            player.set_volume(round(start * max(0, FADE_STEPS - self.fade_step) / FADE_STEPS))
            self.next_fade = now + FADE_STEP_S
            if self.fade_step >= FADE_STEPS and player.pause():
                log.info("nobody here: faded out and paused")
                self.idle_done, self.planned_groups = True, None

    # ------------------------------------------------------------ decisions

    def _context(self):
        place = self.hub.latest(Topic.PLACE)
        return context_for(self.config, weather=self.hub.latest(Topic.WEATHER),
                           latitude=getattr(place, "latitude", None), light=self.hub.latest(Topic.LIGHT),
                           now=self.wall(), now_local=self.clock.local_now())

    def _plan(self, n: int) -> Decision:
        decision = self.director.plan(self._context(), self.audience, self.wall(), n)
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
                self._feedback(skipped, BUTTON_ACTIONS["tap"], self.wall(), played_s)
        elif event.kind == "hold":
            liked = player.like()
            if liked is not None:
                self._feedback(liked, BUTTON_ACTIONS["hold"], self.wall(), player.played_s())
        elif event.kind == "double_tap":
            player.toggle()

    def _player_event(self, event) -> None:
        if event.track is None:
            return
        if event.kind == "finished":
            self._feedback(event.track, Action.END, event.at, event.played_s)
        elif event.kind in ("app_skip", "skipped"):  # skipped in another app: the same rule as the button's tap
            self._feedback(event.track, Action.SKIP, event.at, event.played_s)
        elif event.kind == "takeover":
            self.planned_groups = None

    def _feedback(self, track, action: Action, at: float, played_s: float | None) -> None:
        kind = judge(action, played_s, self.config.music.skip_dislike_s)
        self.director.feedback(track, kind, at, played_s=played_s)

    def _show_led(self) -> None:
        player = self.spotify.player
        self.led.show(led_state(attention=player.needs_attention, playing=player.state == "playing",
                                listening=not self.audience.present))
