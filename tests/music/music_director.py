"""The music tests' director and moments: a config, a cold evening, listeners, and a director made as the daemon (or
a simulation baseline) makes it, with plan() as the simulation drives it."""

import random

from music_fakes import small_catalog

from device.config.schema import Config, WeatherConfig
from device.core.feedback import Action, judge
from device.core.values import Audience, Listener
from device.devtools.baselines import BASELINE_DIRECTORS
from device.music.context import Context
from device.music.director import MusicDirector

CONFIG = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))
COLD_EVENING = Context(condition="overcast", temperature="cold", temperature_c=4.0, daylight=False,
                       time_of_day="evening", season="winter", light="dim", year=2026, weather_age_s=60)
ADULT = Audience((Listener(1, "40-49", 45.0, 0.0),), 0.0)
FAMILY = Audience((Listener(1, "40-49", 45.0, 0.0), Listener(2, "0-12", 7.0, 0.0)), 0.0)
DAY = 86400.0
T0 = 1_767_000_000.0
LEVELS = ("cold|evening|adults", "evening|adults", "*")


def director(store=None, catalog=None, config=CONFIG, seed=1, strategy=None, **kw):
    """The daemon's director (learn, rules), or a simulation baseline's made from it (random, source_learner)."""
    if strategy in BASELINE_DIRECTORS:
        return BASELINE_DIRECTORS[strategy](config, catalog or small_catalog(), store, random.Random(seed), **kw)
    return MusicDirector(config, catalog or small_catalog(), store, random.Random(seed), strategy=strategy, **kw)


def plan(d, context, audience, now, n=1):
    """A decision whose picks all start on the speaker at once (as in the simulation): played from `now`."""
    decision = d.plan(context, audience, now, n=n)
    for t in decision.tracks:
        d.played.mark(t.uri, now)
    return decision


def skip(played_s):
    return judge(Action.SKIP, played_s, CONFIG.music.skip_dislike_s)
