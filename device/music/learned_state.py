"""What the appliance has learned, as saved: versioned, and migrated from every earlier version (never dropped).

Version 1 (up to issue 15) held only the source bandit: Beta tallies per source and context bucket, liked and
disliked tracks, recent plays. Version 2 adds the taste model; a version-1 state keeps all of its own and seeds the
taste model with its genre evidence (a mood source's evidence goes to the genres the mood now stands for).
Version 3 (issue 20) counts late skips apart from early skips (dislikes), in the source tallies and the taste
model's counts, and no longer holds the tracks planned: what played when is the play history, marked when a track
starts (device.core.history). An earlier state keeps its tallies, its liked and disliked tracks and its taste
model; its late skips were not told apart (the source tallies left them out, the taste model counted them among its
skips: they stay there, as early skips); its planned tracks are dropped (planned is not played: those that did
start are in the play history).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from device.core.feedback import Feedback
from device.music.learner import Learner, Tally
from device.music.sources import MOOD_GENRES
from device.music.taste import TasteModel

STATE_VERSION = 3
MAX_REPLAY = 50  # observations replayed per tally when seeding the taste model from version 1


class LearnedStateTooNew(Exception):
    """The saved state was written by a newer Mirrorball; it is kept aside, not overwritten."""


@dataclass
class Learned:
    sources: Learner = field(default_factory=Learner)
    taste: TasteModel = field(default_factory=TasteModel)
    migrated_from: int | None = None


def dump(learned: Learned) -> dict:
    return {"version": STATE_VERSION, "sources": learned.sources.to_json(), "taste": learned.taste.to_json()}


def load(data: dict | None) -> Learned:
    """The learned state from its saved form, any version up to this one; LearnedStateTooNew for a later one."""
    if not data:
        return Learned()
    version = data.get("version")
    if version == 1:
        return migrate_v1(data)
    if version == 2:  # the readers take version 2's shorter records (see the module's docstring)
        return Learned(Learner.from_json(data["sources"]), TasteModel.from_json(data["taste"]), migrated_from=2)
    if version == STATE_VERSION:
        return Learned(Learner.from_json(data["sources"]), TasteModel.from_json(data["taste"]))
    raise LearnedStateTooNew(f"learned state version {version!r} is not one this Mirrorball knows (1..{STATE_VERSION})")


def _level_context(level: str) -> list[str]:
    """A version-1 context bucket as taste-model context keys: '*' -> [''], 'evening|adults' -> tod and company,
    'cold|evening|adults' -> temperature with time of day."""
    if level == "*":
        return [""]
    parts = level.split("|")
    if len(parts) == 2:
        return [f"tod:{parts[0]}", f"who:{parts[1]}"]
    return [f"tt:{parts[0]}/{parts[1]}"]


def _descriptors_of_arm(arm: str) -> list[str]:
    kind, _, value = arm.partition(":")
    if kind == "genre":
        return [f"genre:{value}"]
    if kind == "mood":
        return [f"genre:{g}" for g in MOOD_GENRES.get(value, (value,))]
    return [f"source:{kind}"]


def _source_key(arm: str) -> list[str]:
    kind, _, value = arm.partition(":")
    if kind == "mood":  # the mood-playlist source went; its evidence goes to the genres the mood stands for
        return [f"genre:{g}" for g in MOOD_GENRES.get(value, (value,))]
    return [arm]


def migrate_v1(data: dict) -> Learned:
    """Version 1 -> 3: the source tallies and liked/disliked tracks are kept (mood sources become the genres they
    stand for); the taste model is seeded by replaying the tallies on the matching features."""
    old = Learner.from_json(data)
    sources = Learner(liked=old.liked, disliked=old.disliked)
    taste = TasteModel()
    for level, arms in old.stats.items():
        for arm, tally in arms.items():
            for key in _source_key(arm):
                merged = sources.stats.setdefault(level, {}).setdefault(key, Tally())
                for kind in Feedback:
                    merged.add(kind, tally.count(kind))
            names = [d if not k else f"{d}|{k}" for d in _descriptors_of_arm(arm) for k in _level_context(level)]
            for outcome in Feedback:
                for _ in range(min(MAX_REPLAY, int(round(tally.count(outcome))))):
                    taste.learn(names, outcome)
    return Learned(sources, taste, migrated_from=1)
