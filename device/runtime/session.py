"""The conductor's session: one state machine for who is here, whether music can start, and when it must be clean."""

from __future__ import annotations

from typing import Literal

State = Literal["empty", "arrived", "speaker unavailable", "listening", "family-safe", "left", "fading", "paused"]
PLAYING: tuple[State, ...] = ("listening", "family-safe")


class Session:
    """What the conductor is doing, as one state, and the two clocks that drive it.

    States:
      empty                nobody here, none of our music to look after (or kept playing by music.idle)
      arrived              somebody is here and nothing of ours plays: start music (the only state that plans a start)
      speaker unavailable  somebody is here but the speaker would not play (asleep, missing, another app's music):
                           plan nothing, try the same picks again at `retry_at` (the player's back-off)
      listening            our music plays for the listeners
      family-safe          our music plays and is kept clean: a child is here, or was within family_safe_s
      left                 everybody left while music played; the idle behaviour is due at `idle_at`
      fading               music.idle fade_out: turning the volume down step by step
      paused               music.idle paused the music; an arrival resumes it

    The guard is apart from the state: `safe(now)` holds while a child is in view and family_safe_s after one was
    last seen, whatever the state (a child who walks out and back in finds the music still clean).

    A child arriving and leaving, with family_safe_s of 600:

    >>> s = Session(family_safe_s=600, explicit="not_with_children")
    >>> s.see(0.0, present=True, child=False)
    []
    >>> s.state
    'arrived'
    >>> s.started(1.0); s.state
    'listening'
    >>> s.see(10.0, present=True, child=True)  # a child joins: clean the music now
    ['clean']
    >>> s.state, s.safe(10.0), s.reason
    ('family-safe', True, 'a child is listening')
    >>> s.see(40.0, present=True, child=False)  # out of view: still family-safe, for family_safe_s
    []
    >>> s.state, s.safe(609.0), s.reason
    ('family-safe', True, 'a child was here a short while ago')
    >>> s.see(611.0, present=True, child=False)  # ten minutes after the child was last seen
    ['explicit allowed again']
    >>> s.state, s.safe(611.0)
    ('listening', False)
    >>> s.see(700.0, present=False, child=False), s.state
    (['left'], 'left')

    A speaker that would not play: the same picks are tried again at the player's back-off, nothing is planned.

    >>> s = Session(family_safe_s=600, explicit="never")
    >>> _ = s.see(0.0, present=True, child=False); s.refused(0.0, retry_at=60.0, why="speaker asleep")
    >>> s.state, s.may_start(30.0), s.may_start(60.0)
    ('speaker unavailable', False, True)
    """

    def __init__(self, *, family_safe_s: float, explicit: str = "not_with_children"):
        self.family_safe_s = family_safe_s
        self.explicit = explicit  # the music.explicit in effect (the config's, or an override)
        self.state: State = "empty"
        self.child_seen: float | None = None  # when a child was last in view
        self.child_now = False
        self.retry_at = 0.0  # speaker unavailable: when to try again
        self.why = ""  # speaker unavailable: what the player said
        self.left_at: float | None = None  # left / fading: when everybody left
        self.fade_step = 0
        self.next_fade = 0.0
        self._was_safe = False
        self.groups: tuple[str, ...] | None = None  # the listeners the music playing was chosen for
        self.made_safe_at: float | None = None  # when the music was last made clean (Unix time, for the status)
        self.made_safe_mono: float | None = None  # the same on this clock (polled faster for a while after)

    # ------------------------------------------------------------ queries

    def safe(self, now: float) -> bool:
        """Family-safe now: a child in view, or one seen within family_safe_s."""
        return self.child_now or (self.child_seen is not None and now - self.child_seen < self.family_safe_s)

    def clean_only(self, now: float) -> bool:
        """Nothing explicit may be sent to the speaker now (music.explicit never, or not_with_children and safe)."""
        return self.explicit == "never" or (self.explicit == "not_with_children" and self.safe(now))

    @property
    def reason(self) -> str:
        return "a child is listening" if self.child_now else "a child was here a short while ago"

    def may_start(self, now: float) -> bool:
        """Start music now (arrived), or try the same picks again (speaker unavailable, its back-off over)."""
        return self.state == "arrived" or (self.state == "speaker unavailable" and now >= self.retry_at)

    def idle_due(self, now: float, after_s: float) -> bool:
        return self.state in ("left", "fading") and self.left_at is not None and now - self.left_at >= after_s

    # ------------------------------------------------------------ transitions

    def see(self, now: float, *, present: bool, child: bool) -> list[str]:
        """The audience of this step. Returns what to do: 'clean' (make the music family-safe at once), 'resume'
        (music.idle paused or faded it and somebody came back), 'left' (everybody left while music played),
        'explicit allowed again'."""
        actions: list[str] = []
        was_safe = self._was_safe
        self.child_now = present and child
        if self.child_now:
            self.child_seen = now
        if present:
            if self.state == "empty":
                self.state = "arrived"
            elif self.state in ("left", "fading", "paused"):
                if self.state != "left":
                    actions.append("resume")
                self.state, self.left_at, self.fade_step = "listening", None, 0
        else:
            if self.state in ("arrived", "speaker unavailable"):
                self.state = "empty"
            elif self.state in PLAYING:
                self.state, self.left_at = "left", now
                actions.append("left")
        if self.state in PLAYING:
            want = self._playing_state(now)
            if want == "family-safe" and self.state != "family-safe":
                actions.append("clean")
            self.state = want
        if was_safe and not self.safe(now) and self.explicit == "not_with_children":
            actions.append("explicit allowed again")
        self._was_safe = self.safe(now)
        return actions

    def _playing_state(self, now: float) -> State:
        return "family-safe" if self.safe(now) and self.explicit != "allowed" else "listening"

    def started(self, now: float) -> None:
        """Our music started on the speaker (chosen under the guard in force: nothing to clean)."""
        self.state, self.retry_at, self.why = self._playing_state(now), 0.0, ""

    def refused(self, now: float, *, retry_at: float, why: str) -> None:
        """The speaker would not start (asleep, missing, another app's music, a rate limit)."""
        self.state, self.retry_at, self.why = "speaker unavailable", retry_at, why

    def stopped(self, now: float, present: bool) -> None:
        """Our music is no longer playing (it ran out, another app took over, the speaker went away)."""
        if self.state in PLAYING or self.state in ("left", "fading"):
            self.state = "arrived" if present else "empty"
            self.left_at, self.fade_step, self.groups = None, 0, None

    def idle_done(self, how: str) -> None:
        """music.idle acted: 'paused' (the music is paused), 'kept' (keep_playing: it plays on, nobody here)."""
        self.state = "paused" if how == "paused" else "empty"
        self.left_at, self.fade_step = None, 0

    def faded(self, now: float, step_s: float) -> int:
        """One more fade step now; returns the step number."""
        self.state = "fading"
        self.fade_step += 1
        self.next_fade = now + step_s
        return self.fade_step
