"""The households protocol: what a household model file gives the simulation, and how the simulation loads one.

A households file is a Python file that defines

    make_household(index: int, seed: int, days: int) -> household

called once per household and strategy (each strategy meets a fresh household: the same index and seed must give
the same household, state and all). The household it returns has

    catalog        an object with the methods of device.core.catalog.MusicCatalog (the account's catalogue and
                   library: pages, limits and refusals raised as device.core.catalog.CatalogError)
    moments()      the listening moments, in time order: an iterable of Moment (below)
    hears(track, at, moment) -> Reaction
                   what the listeners do with a track the speaker started at `at` (Unix seconds)

and may have

    genres_of(uri) -> tuple[str, ...]
                   the track's true genres, for the simulation's off-rule figure (never shown to the device)
    group          a word for the kind of household it is (e.g. "weather-minded"): skip rates per group
    appeal(track, at, moment) -> float
                   how much the listeners want the track now (hidden; higher is wanted more), for the reference
                   strategies best_top and best_library only: how low skips could go knowing it
    appeal_parts(track, at, moment) -> Mapping[str, float]
                   the same appeal in named parts (e.g. the recording, the moment, tiring), for `--parts`: the mean
                   of each part over every strategy's plays per week (where a strategy wins or loses; never shown to
                   the device)

A household sees only device.core's values (Track, WeatherReading) and the tracks the speaker starts; it never sees
the device's rules, sources, learners or decisions.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from device.core.values import WeatherReading

REACTIONS = ("nothing", "skip", "like")
CHILD_MAX_AGE = 12  # a listener this old or younger counts as a child in the simulation's figures


@dataclass(frozen=True)
class Moment:
    """A stretch of listening: when, where, the weather, who is in the room, and how many tracks it lasts."""

    at: float  # Unix seconds of the first track
    local: datetime  # the same instant in the household's local time
    latitude: float
    weather: WeatherReading
    ages: tuple[float, ...]  # the people present, in years (the camera's estimates)
    light: str = "bright"  # bright | dim | dark
    tracks: int = 6  # tracks the moment lasts, unless nothing can be found


@dataclass(frozen=True)
class Reaction:
    """What the listeners did with a started track: nothing (it played to its end), skip at second `at_s`, or like
    (pressed at second `at_s`, the track plays on)."""

    kind: Literal["nothing", "skip", "like"] = "nothing"
    at_s: float = 0.0

    def __post_init__(self):
        if self.kind not in REACTIONS:
            raise ValueError(f"a household's reaction must be one of {', '.join(REACTIONS)}, not {self.kind!r}")
        if self.at_s < 0:
            raise ValueError(f"a reaction's second must be >= 0, not {self.at_s}")


class HouseholdsFileError(Exception):
    """A households file that cannot be used; the message names the file and what is wrong."""


def load_households(path: str | Path):
    """The `make_household` of a households file, checked to exist and be callable."""
    path = Path(path)
    if not path.is_file():
        raise HouseholdsFileError(f"{path}: no such households file")
    name = f"_households_{zlib.crc32(str(path.resolve()).encode()):08x}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HouseholdsFileError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise HouseholdsFileError(f"{path}: failed to load ({type(exc).__name__}: {exc})") from exc
    make = getattr(module, "make_household", None)
    if not callable(make):
        raise HouseholdsFileError(f"{path}: defines no make_household(index, seed, days) function")
    return make


def check_household(house, path: str) -> None:
    """A clear error when a household lacks what the protocol asks for."""
    for name in ("catalog", "moments", "hears"):
        if not hasattr(house, name):
            raise HouseholdsFileError(f"{path}: make_household returned {type(house).__name__} without `{name}` "
                                      "(the protocol: docs/music-simulation.md)")
    for method in ("search_tracks", "search_artists", "saved_tracks", "top_tracks", "recently_played",
                   "my_playlists", "playlist_tracks", "user_id", "artist_albums", "album_tracks", "top_artists"):
        if not callable(getattr(house.catalog, method, None)):
            raise HouseholdsFileError(f"{path}: the household's catalog has no {method}() (device.core.catalog."
                                      "MusicCatalog's methods)")


def check_moment(moment, path: str) -> Moment:
    if not isinstance(moment, Moment):
        raise HouseholdsFileError(f"{path}: moments() gave {type(moment).__name__}, not a protocol Moment")
    return moment


def check_reaction(reaction, path: str) -> Reaction:
    if not isinstance(reaction, Reaction):
        raise HouseholdsFileError(f"{path}: hears() gave {type(reaction).__name__}, not a protocol Reaction")
    return reaction


def check_parts(parts, path: str) -> dict[str, float]:
    """appeal_parts' answer: names and finite numbers."""
    if not isinstance(parts, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int | float) and math.isfinite(v) for k, v in parts.items()):
        raise HouseholdsFileError(f"{path}: appeal_parts() must give names and finite numbers, not {parts!r:.80}")
    return {k: float(v) for k, v in parts.items()}
