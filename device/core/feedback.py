"""The feedback vocabulary: what a listener did with a started track (a press, a skip in another app, nothing) as one kind.

Every reader of feedback (the conductor, the learners, `mirrorball why` and `stats`, the simulation) uses these kinds;
`judge` is the one place where a skip becomes an early skip (a dislike) or a late skip (the listener moved on).
"""

from __future__ import annotations

from enum import StrEnum


class Feedback(StrEnum):
    """What an action on a started track means, as learned and recorded."""

    LIKE = "like"  # a button hold: saved to the library
    PLAY_THROUGH = "play_through"  # played to its end: a mild like
    EARLY_SKIP = "early_skip"  # skipped within music.skip_dislike_s of its start: a dislike, the track blocked in
    #                             that context for music.dislike_block_days
    LATE_SKIP = "late_skip"  # skipped later: the listener moved on; at most a weak negative, never a block

    @property
    def words(self) -> str:
        return WORDS[self]


WORDS = {Feedback.LIKE: "like", Feedback.PLAY_THROUGH: "play-through", Feedback.EARLY_SKIP: "early skip",
         Feedback.LATE_SKIP: "late skip"}


class Action(StrEnum):
    """What the listener did with the track playing."""

    SKIP = "skip"  # a button tap, or "next" in another Spotify app
    LIKE = "like"  # a button hold
    END = "end"  # nothing: the track played to its end


BUTTON_ACTIONS = {"tap": Action.SKIP, "hold": Action.LIKE}  # the button's presses that are feedback (ButtonEvent.kind)

# Words earlier versions recorded in the state store, read as today's kinds.
LEGACY_WORDS = {"dislike": Feedback.EARLY_SKIP, "neutral": Feedback.LATE_SKIP}


def judge(action: Action | str, played_s: float | None, skip_dislike_s: float) -> Feedback:
    """The kind of feedback an action is, from how long the track had played (seconds; None: not known).

    A skip before skip_dislike_s is an early skip; at or after it, a late skip. A skip whose time is not known is a
    late skip: a track is never blocked on a guess. skip_dislike_s = 0: no skip is a dislike.

    >>> judge(Action.SKIP, 10, 30), judge("skip", 120, 30), judge("skip", None, 30)
    (<Feedback.EARLY_SKIP: 'early_skip'>, <Feedback.LATE_SKIP: 'late_skip'>, <Feedback.LATE_SKIP: 'late_skip'>)
    >>> judge("like", 5, 30), judge(Action.END, 200, 30)
    (<Feedback.LIKE: 'like'>, <Feedback.PLAY_THROUGH: 'play_through'>)
    """
    action = Action(action)
    if action is Action.LIKE:
        return Feedback.LIKE
    if action is Action.END:
        return Feedback.PLAY_THROUGH
    if played_s is None or played_s >= skip_dislike_s:
        return Feedback.LATE_SKIP
    return Feedback.EARLY_SKIP


def parse(word: object) -> Feedback:
    """A recorded feedback word as a kind, earlier versions' words included.

    >>> parse("dislike"), parse("late_skip")
    (<Feedback.EARLY_SKIP: 'early_skip'>, <Feedback.LATE_SKIP: 'late_skip'>)
    """
    if isinstance(word, Feedback):
        return word
    if isinstance(word, str):
        if word in LEGACY_WORDS:
            return LEGACY_WORDS[word]
        try:
            return Feedback(word)
        except ValueError:
            pass
    raise ValueError(f"unknown feedback kind {word!r:.40}; expected one of {', '.join(Feedback)}")
