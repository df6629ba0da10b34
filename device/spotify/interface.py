"""What the conductor needs from a speaker: the Player interface and the events a player reports."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from device.core.values import Track


@dataclass(frozen=True)
class PlayerEvent:
    """Something the player noticed. kind: started, finished (played through), app_skip (skipped in another
    Spotify app within 30 s of its start: an early skip), skipped (skipped later in another app: a late skip),
    takeover (another app changed playback: Mirrorball backs off), stopped (playback ended or the speaker went
    away). The 30 s window is SpotifyPlayer's skip_window_s (pass music.skip_dislike_s); the kinds of feedback and
    the rule between them are device.core.feedback's."""

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
    def recent(self, uri: str, now: float) -> bool:
        """Not to be picked now: started within the no-repeat window (the one play history, marked when a track
        starts) or lined up to play (device.core.history.NoRepeat: what the music director asks)."""

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
