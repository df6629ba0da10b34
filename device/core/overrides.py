"""The household's switches (Home Assistant): explicit music, learning and guest mode, one typed record over the config.

The record is saved in the state store (so a restart keeps it), published on the hub (Topic.OVERRIDES), and read by
the conductor through `teaches` and `with_overrides` only. A field left at None follows the config file.

>>> from device.config.schema import Config
>>> o = Overrides(explicit="never", guest=True)
>>> with_overrides(Config(), o).music.explicit, teaches(o, Config(), press=True), teaches(o, Config(), press=False)
('never', False, True)
>>> o == overrides_from_json(overrides_to_json(o))
True
>>> switch_states(Overrides(), Config())
{'explicit': True, 'learning': True, 'guest': False}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from device.config.schema import Config

OVERRIDES_KEY = "overrides"
OVERRIDES_VERSION = 1
Explicit = Literal["not_with_children", "never"]
EXPLICIT_VALUES = ("not_with_children", "never")


@dataclass(frozen=True)
class Overrides:
    """explicit: "not_with_children" (explicit tracks only while no child is present; a child always wins) or "never";
    learning: False pauses all learning (what was learned still chooses); guest: presses still skip and like on the
    speaker but teach nothing (the household's taste stays theirs)."""

    explicit: Explicit | None = None
    learning: bool | None = None
    guest: bool = False

    def changed(self, **changes) -> Overrides:
        return dataclasses.replace(self, **changes)


def with_overrides(config: Config, overrides: Overrides) -> Config:
    """The config the music is chosen with: the explicit switch replaces the music section's explicit setting."""
    if overrides.explicit is None:
        return config
    music = dataclasses.replace(config.music, explicit=overrides.explicit)
    return dataclasses.replace(config, music=music)


def teaches(overrides: Overrides, config: Config, *, press: bool) -> bool:
    """Whether a piece of feedback may teach the household's taste now: nothing while learning is off (in the config
    or by the switch); a person's press (button, Home Assistant, a skip in another app) not in guest mode."""
    if not learning_on(overrides, config):
        return False
    return not (press and overrides.guest)


def learning_on(overrides: Overrides, config: Config) -> bool:
    """The switch can pause learning; it cannot start it where the config turned it off (music.learning: false)."""
    return config.music.learning and overrides.learning is not False


def switch_states(overrides: Overrides, config: Config) -> dict[str, bool]:
    """What each switch shows: explicit on (allowed while no child listens), learning on, guest mode on."""
    return {"explicit": with_overrides(config, overrides).music.explicit != "never",
            "learning": learning_on(overrides, config), "guest": overrides.guest}


def overrides_to_json(o: Overrides) -> dict:
    return {"version": OVERRIDES_VERSION, "explicit": o.explicit, "learning": o.learning, "guest": o.guest}


def overrides_from_json(d) -> Overrides:
    """The saved record; Overrides() for none. ValueError for a record this release cannot read."""
    if d is None:
        return Overrides()
    if not isinstance(d, dict) or d.get("version") != OVERRIDES_VERSION:
        raise ValueError(f"overrides record of version {d.get('version') if isinstance(d, dict) else d!r:.20}; "
                         f"this release reads version {OVERRIDES_VERSION}")
    explicit = d.get("explicit")
    if explicit not in (None, *EXPLICIT_VALUES):
        raise ValueError(f"overrides: explicit must be one of {EXPLICIT_VALUES}, got {explicit!r:.30}")
    learning = d.get("learning")
    return Overrides(explicit=explicit, learning=None if learning is None else bool(learning),
                     guest=bool(d.get("guest")))


def current(hub) -> Overrides:
    """The switches as they are now (published on the hub by the Home Assistant part; none: the config alone)."""
    from device.core.topics import Topic

    return hub.latest(Topic.OVERRIDES, Overrides())
