"""The music policy (pure): context + audience + rules -> a Brief saying what to play, how loud, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from device.config.schema import Config, Rule, RuleWhen
from device.core.values import Audience, Listener
from device.music.context import UNKNOWN, Context
from device.music.rules import CHILD_MAX_AGE, child_groups, is_fallback, rules_of

# People favour the music of their teens and early twenties: the years they were this old.
ERA_FROM_AGE = 14
ERA_TO_AGE = 24
# Listeners too young for a formative era of their own get the music of the last this many years.
RECENT_YEARS = 5


@dataclass(frozen=True)
class Brief:
    """What to look for: the policy's answer, used for candidate search, ranking and `mirrorball why`."""

    present: bool
    listeners: tuple[tuple[str, float], ...]  # (age group, age) per listener
    moods: tuple[str, ...]
    genres: tuple[str, ...]
    eras: tuple[tuple[int, int], ...]  # one year range per distinct adult era (blended when they overlap)
    explicit: bool
    family_safe: bool
    volume: int | None  # None only in a recorded brief that lacks it (see from_dict)
    rules: tuple[str, ...]  # names of the rules that fired
    idle: str | None  # nobody present: keep_playing, fade_out or pause
    idle_after_s: float | None
    explanation: str
    safe_reason: str = ""  # family-safe: a child is listening, or a child was here within music.family_safe_minutes

    @property
    def era(self) -> tuple[int, int] | None:
        """The whole span of the listeners' eras."""
        if not self.eras:
            return None
        return min(e[0] for e in self.eras), max(e[1] for e in self.eras)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["era"] = list(self.era) if self.era else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Brief:
        """A brief as to_dict wrote it; a recorded one that lacks a field (an earlier version's, a partial one) reads
        it as unsaid: nobody present, nothing wanted, no rule, explicit allowed, no volume.

        >>> Brief.from_dict({"rules": ["rainy: chill"], "family_safe": True}).rules, Brief.from_dict({}).volume
        (('rainy: chill',), None)
        """
        fields = {**UNSAID, **{k: v for k, v in data.items() if k in cls.__dataclass_fields__}}
        for key in ("listeners", "moods", "genres", "rules"):
            fields[key] = tuple(tuple(x) if isinstance(x, list) else x for x in fields.get(key) or ())
        fields["eras"] = tuple(tuple(e) for e in fields.get("eras") or ())
        return cls(**fields)


# What a recorded brief that lacks a field says of it (Brief.from_dict).
UNSAID = {"present": False, "listeners": (), "moods": (), "genres": (), "eras": (), "explicit": True,
          "family_safe": False, "volume": None, "rules": (), "idle": None, "idle_after_s": None, "explanation": ""}


def era_for_age(age: float, year: int) -> tuple[int, int]:
    """The years a listener of `age` was 14-24, e.g. 45 in 2026 -> (1995, 2005); recent years for the young."""
    born = year - int(round(age))
    end = min(born + ERA_TO_AGE, year)
    start = min(born + ERA_FROM_AGE, year - RECENT_YEARS)
    return start, end


def blend_eras(eras: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Merge overlapping or touching year ranges, oldest first."""
    merged: list[list[int]] = []
    for start, end in sorted(eras):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


@dataclass(frozen=True)
class Safety:
    """What decides explicit music beyond this moment's audience, as the conductor's session knows it: the
    music.explicit setting in effect (the config's, or a runtime override) and whether a child was seen within
    music.family_safe_minutes though none is in view now."""

    explicit: str = "not_with_children"  # allowed, not_with_children or never
    child_recent: bool = False


def is_child(listener: Listener, children: tuple[str, ...], threshold: float = 1.0) -> bool:
    """A child: the age model gives an age under 13 at least `threshold` probability (music.child_threshold), or
    the listener's age group or expected age is a child's. A child the model places at 14 still counts."""
    return listener.child_p >= threshold or listener.group in children or listener.age <= CHILD_MAX_AGE


def children_in(audience: Audience, config: Config) -> tuple[Listener, ...]:
    """The listeners who count as children under the config's age groups and music.child_threshold."""
    groups, threshold = child_groups(config), config.music.child_threshold
    return tuple(l for l in audience.listeners if is_child(l, groups, threshold))


def rule_matches(when: RuleWhen, context: Context, audience: Audience) -> bool:
    """All given conditions hold; an empty list matches anything."""
    if when.condition and context.condition not in when.condition:
        return False
    if when.temperature and context.temperature not in when.temperature:
        return False
    if when.time_of_day and context.time_of_day not in when.time_of_day:
        return False
    if when.season and context.season not in when.season:
        return False
    if when.light and context.light not in when.light:
        return False
    if when.daylight is not None and context.daylight is not when.daylight:
        return False
    if when.groups and not set(when.groups) & set(audience.groups):
        return False
    count = len(audience.listeners)
    if when.min_listeners is not None and count < when.min_listeners:
        return False
    if when.max_listeners is not None and count > when.max_listeners:
        return False
    return True


def fired_rules(rules: list[Rule], context: Context, audience: Audience) -> list[Rule]:
    """The matching rules, strongest first (stable for equal weights); fallbacks only when nothing else fits."""
    specific = [r for r in rules if not is_fallback(r) and r.weight > 0 and rule_matches(r.when, context, audience)]
    chosen = specific or [r for r in rules if is_fallback(r) and r.weight > 0]
    return sorted(chosen, key=lambda r: -r.weight)


def _weighted(rules: list[Rule], attr: str) -> float | None:
    pairs = [(getattr(r, attr), r.weight) for r in rules if getattr(r, attr) is not None]
    total = sum(w for _, w in pairs)
    if not pairs or total <= 0:
        return None
    return round(sum(v * w for v, w in pairs) / total, 3)


def _unique(items) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)


def decide(context: Context, audience: Audience, config: Config, rules: list[Rule] | None = None,
           safety: Safety | None = None) -> Brief:
    """The brief for this moment. Pure: the same inputs always give the same brief.

    A rainy winter evening with a 45-year-old and an 8-year-old, under the default rules:

    >>> from device.config.schema import Config
    >>> from device.music.context import Context
    >>> from device.core.values import Audience, Listener
    >>> evening = Context(condition="rain", temperature="cold", temperature_c=6.0, time_of_day="evening",
    ...                   season="winter", year=2026)
    >>> two = Audience((Listener(1, "40-49", 45.0, since=0.0), Listener(2, "0-12", 8.0, since=0.0)))
    >>> brief = decide(evening, two, Config())
    >>> brief.rules
    ('children present: family', 'rainy: chill and acoustic', 'cold: warm jazz')
    >>> brief.family_safe, brief.explicit, brief.eras, brief.volume
    (True, False, ((1995, 2005),), 40)

    A 40-year-old and a child the model reads as 14, but with p(under 13) 0.6: family-safe all the same. The child
    gone but seen within music.family_safe_minutes: still family-safe; with explicit allowed, explicit may play.

    >>> teen = Listener(2, "13-19", 14.0, since=0.0, child_p=0.6)
    >>> decide(evening, Audience((Listener(1, "40-49", 45.0, since=0.0), teen)), Config()).family_safe
    True
    >>> adult = Audience((Listener(1, "40-49", 45.0, since=0.0),))
    >>> decide(evening, adult, Config(), safety=Safety(child_recent=True)).explicit
    False
    >>> decide(evening, adult, Config(), safety=Safety("allowed", child_recent=True)).explicit
    True
    >>> decide(evening, Audience(), Config()).idle
    'pause'
    """
    music = config.music
    rules = rules_of(config) if rules is None else rules
    fired = fired_rules(rules, context, audience)
    safety = safety or Safety(music.explicit)
    kids = children_in(audience, config)
    adults = [l for l in audience.listeners if l not in kids]

    family_safe = bool(kids) or safety.child_recent
    allowed = safety.explicit == "allowed" or (safety.explicit == "not_with_children" and not family_safe)
    explicit = allowed and all(r.explicit is not False for r in fired)

    eras: tuple[tuple[int, int], ...] = ()
    if context.year is not None and audience.listeners:
        eras = blend_eras([era_for_age(l.age, context.year) for l in (adults or kids)])

    ruled_volume = _weighted(fired, "volume")
    volume = int(round(ruled_volume)) if ruled_volume is not None else music.volume
    if context.time_of_day == "night":
        volume = min(volume, music.night_volume)
    volume = max(0, min(volume, music.max_volume))

    brief = Brief(
        present=audience.present,
        listeners=tuple((l.group, round(l.age, 1)) for l in audience.listeners),
        moods=_unique(m for r in fired for m in r.moods),
        genres=_unique(g for r in fired for g in r.genres),
        eras=eras, explicit=explicit, family_safe=family_safe, volume=volume,
        rules=tuple(r.name for r in fired),
        idle=None if audience.present else music.idle,
        idle_after_s=None if audience.present else music.pause_after_minutes * 60,
        explanation="",
        safe_reason="a child is listening" if kids else "a child was here a short while ago" if family_safe else "",
    )
    return _with_explanation(brief, context)


def _with_explanation(brief: Brief, context: Context) -> Brief:
    if brief.present:
        who = ", ".join(f"{group} ({age:.0f})" for group, age in brief.listeners)
        head = f"{len(brief.listeners)} listener{'s' if len(brief.listeners) != 1 else ''}: {who}"
    else:
        head = f"nobody present ({brief.idle.replace('_', ' ')} after {brief.idle_after_s / 60:.0f} min)"
    parts = [head, context.describe()]
    if brief.rules:
        parts.append("rules: " + "; ".join(f"'{name}'" for name in brief.rules))
    if brief.genres or brief.moods:
        parts.append("so " + ", ".join(_unique(brief.moods[:3] + brief.genres[:3])))  # each word once
    if brief.eras:
        parts.append("era " + " + ".join(f"{a}-{b}" for a, b in brief.eras))
    if brief.family_safe:
        parts.append(f"family-safe ({brief.safe_reason or 'a child is listening'})")
    elif not brief.explicit:
        parts.append("no explicit tracks")
    if context.time_of_day == "night":
        parts.append(f"night volume {brief.volume}%")
    else:
        parts.append(f"volume {brief.volume}%")
    if context.time_of_day == UNKNOWN:
        parts.append("clock not synchronised")
    return replace(brief, explanation="; ".join(parts))
