"""Policy (pure): default rules, several listeners, the family-safe case, eras, volume, idle, user rules, validation."""

import pytest

from device.config import parse_config
from device.config.music_checks import check_music
from device.config.schema import (
    AgeGroup,
    Config,
    MusicConfig,
    NamedPlaylist,
    Rule,
    RuleWhen,
    TemperatureBands,
    VisionConfig,
    WeatherConfig,
)
from device.core.values import Audience, Listener
from device.music.context import Context
from device.music.policy import Brief, blend_eras, decide, era_for_age
from device.music.rules import default_rules, rules_yaml

CONFIG = Config(weather=WeatherConfig(latitude=52.1, longitude=5.1))


def audience(*ages_groups):
    return Audience(tuple(Listener(i, group, age, 0.0) for i, (group, age) in enumerate(ages_groups)), 0.0)


ADULT = ("40-49", 45.0)
CHILD = ("0-12", 8.0)


def context(**kw):
    base = dict(condition="clear", temperature="mild", temperature_c=15.0, daylight=True, time_of_day="afternoon",
                season="spring", light="bright", year=2026, weather_age_s=60.0)
    return Context(**(base | kw))


@pytest.mark.parametrize("ctx, rule, genre, mood", [
    (context(condition="rain", temperature="mild"), "rainy: chill and acoustic", "acoustic", "lo-fi"),
    (context(condition="drizzle"), "rainy: chill and acoustic", "chill", "chill"),
    (context(condition="clear", temperature="warm"), "sunny and warm: upbeat", "dance", "upbeat"),
    (context(condition="partly cloudy", temperature="hot"), "hot: tropical", "reggaeton", "beach"),
    (context(condition="overcast", temperature="cold"), "cold: warm jazz", "jazz", "mellow"),
    (context(condition="snow", temperature="freezing"), "snow: warm jazz", "jazz", "cozy"),
    (context(time_of_day="night", light="dark"), "night: calmer and quieter", "ambient", "calm"),
])
def test_default_rules_follow_what_people_expect(ctx, rule, genre, mood):
    brief = decide(ctx, audience(ADULT), CONFIG)
    assert rule in brief.rules
    assert genre in brief.genres and mood in brief.moods


def test_clear_and_warm_is_upbeat_and_hot_adds_tropical():
    warm = decide(context(temperature="warm"), audience(ADULT), CONFIG)
    assert warm.rules == ("sunny and warm: upbeat",)
    assert warm.genres[:3] == ("dance", "pop", "funk")
    hot = decide(context(temperature="hot"), audience(ADULT), CONFIG)
    assert set(hot.rules) == {"sunny and warm: upbeat", "hot: tropical"}
    assert "reggaeton" in hot.genres and "tropical" in hot.moods


def test_night_is_calmer_and_quieter_than_the_same_evening():
    evening = decide(context(condition="rain", time_of_day="evening"), audience(ADULT), CONFIG)
    night = decide(context(condition="rain", time_of_day="night"), audience(ADULT), CONFIG)
    assert "ambient" in night.genres and "ambient" not in evening.genres
    assert evening.volume == CONFIG.music.volume
    assert night.volume == CONFIG.music.night_volume
    assert night.rules[0] == "night: calmer and quieter"  # heavier weight first
    loud = Config(music=MusicConfig(volume=90, max_volume=60, night_volume=80))
    assert decide(context(), audience(ADULT), loud).volume == 60  # capped by max_volume
    assert decide(context(time_of_day="night"), audience(ADULT), loud).volume == 60


def test_lights_down_makes_the_same_evening_calmer():
    bright = decide(context(time_of_day="evening", light="bright"), audience(ADULT), CONFIG)
    dark = decide(context(time_of_day="evening", light="dark"), audience(ADULT), CONFIG)
    assert "lights down: calm" in dark.rules and "lights down: calm" not in bright.rules
    assert "relax" in dark.moods and "relax" not in bright.moods


def test_a_child_present_makes_it_family_safe():
    alone = decide(context(condition="rain"), audience(ADULT), CONFIG)
    family = decide(context(condition="rain"), audience(ADULT, CHILD), CONFIG)
    assert alone.explicit and not alone.family_safe
    assert family.family_safe and not family.explicit
    assert family.rules[0] == "children present: family"
    assert "children's music" in family.genres and "acoustic" in family.genres
    assert "family-safe" in family.explanation
    assert family.eras == ((1995, 2005),)  # the era follows the adult


def test_a_child_is_recognised_by_the_probability_under_13_at_the_configured_threshold():
    from device.core.values import Listener
    from device.music.policy import Safety

    teen_looking = Audience((Listener(1, "40-49", 45.0, 0.0), Listener(2, "13-19", 14.2, 0.0, child_p=0.3)))
    assert decide(context(), teen_looking, CONFIG).family_safe  # default threshold 0.25
    strict = Config(music=MusicConfig(child_threshold=0.5))
    assert not decide(context(), teen_looking, strict).family_safe
    recent = decide(context(), audience(ADULT), CONFIG, safety=Safety(child_recent=True))
    assert recent.family_safe and not recent.explicit and "a child was here" in recent.explanation


def test_a_child_is_recognised_by_age_even_in_a_custom_group():
    config = Config(vision=VisionConfig(age_groups=[AgeGroup("kids", 0, 15), AgeGroup("grown-ups", 16, None)]))
    brief = decide(context(), audience(("kids", 9.0)), config)
    assert brief.family_safe and not brief.explicit
    assert "children present: family" not in brief.rules  # that default rule needs a group ending at 12


def test_explicit_off_in_config_or_by_a_rule():
    no = Config(music=MusicConfig(explicit="never"))
    assert not decide(context(), audience(ADULT), no).explicit
    anyway = Config(music=MusicConfig(explicit="allowed"))
    assert decide(context(condition="rain"), audience(ADULT, CHILD), anyway).explicit
    rules = [Rule(name="clean", when=RuleWhen(condition=["clear"]), genres=["pop"], explicit=False)]
    assert not decide(context(), audience(ADULT), CONFIG, rules).explicit


@pytest.mark.parametrize("age, year, era", [
    (45, 2026, (1995, 2005)), (45.4, 2026, (1995, 2005)), (30, 2026, (2010, 2020)), (70, 2026, (1970, 1980)),
    (22, 2026, (2018, 2026)), (16, 2026, (2021, 2026)), (8, 2026, (2021, 2026)), (45, 2040, (2009, 2019)),
])
def test_era_is_the_teens_and_early_twenties(age, year, era):
    assert era_for_age(age, year) == era


def test_several_adults_blend_their_eras():
    assert blend_eras([(1995, 2005), (2000, 2010), (1970, 1980)]) == ((1970, 1980), (1995, 2010))
    assert blend_eras([(1990, 2000), (2001, 2011)]) == ((1990, 2011),)
    brief = decide(context(), audience(("40-49", 45.0), ("60+", 70.0), ("40-49", 41.0)), CONFIG)
    assert brief.eras == ((1970, 1980), (1995, 2009))
    assert brief.era == (1970, 2009)
    assert "era 1970-1980 + 1995-2009" in brief.explanation


def test_unknown_clock_means_no_era_and_only_weather_rules():
    brief = decide(context(time_of_day="unknown", year=None, condition="rain"), audience(ADULT), CONFIG)
    assert brief.eras == () and brief.rules == ("rainy: chill and acoustic",)
    assert "clock not synchronised" in brief.explanation


def test_unknown_weather_still_decides():
    brief = decide(context(condition="unknown", temperature="unknown", daylight=None), audience(ADULT), CONFIG)
    assert brief.rules == ("anything else: feel-good",)
    assert brief.genres and "weather unknown" in brief.explanation


def test_nobody_present_gives_the_idle_behaviour():
    brief = decide(context(), Audience(), Config(music=MusicConfig(idle="fade_out", pause_after_minutes=5)))
    assert not brief.present and brief.idle == "fade_out" and brief.idle_after_s == 300
    assert brief.eras == () and brief.explanation.startswith("nobody present (fade out after 5 min)")
    assert decide(context(), audience(ADULT), CONFIG).idle is None


def test_user_rules_replace_the_defaults_with_group_and_count_conditions():
    rules = [
        Rule(name="teen party", when=RuleWhen(groups=["13-19"], min_listeners=3), genres=["k-pop"], moods=["party"],
             volume=65),
        Rule(name="quiet pair", when=RuleWhen(max_listeners=2), genres=["jazz"], weight=3),
        Rule(name="default", genres=["pop"]),
    ]
    config = Config(music=MusicConfig(rules=rules))
    teens = decide(context(), audience(("13-19", 15.0), ("13-19", 16.0), ("20-29", 21.0)), config)
    assert teens.rules == ("teen party",) and teens.volume == 65 and teens.genres == ("k-pop",)
    pair = decide(context(), audience(ADULT, ADULT), config)
    assert pair.rules == ("quiet pair",)
    crowd = decide(context(), audience(ADULT, ADULT, ADULT), config)
    assert crowd.rules == ("default",)  # the condition-less rule is the fallback


def test_volume_is_weight_averaged_and_genres_merge_heaviest_first():
    rules = [Rule(name="a", when=RuleWhen(condition=["clear"]), genres=["x"], volume=60, weight=1),
             Rule(name="b", when=RuleWhen(daylight=True), genres=["y"], volume=20, weight=3)]
    brief = decide(context(), audience(ADULT), CONFIG, rules)
    assert brief.volume == 30 and brief.genres == ("y", "x")


def test_brief_round_trips_through_json():
    import json

    brief = decide(context(condition="rain"), audience(ADULT, CHILD), CONFIG)
    assert Brief.from_dict(json.loads(json.dumps(brief.to_dict()))) == brief


def test_printed_default_rules_parse_back_to_the_defaults():
    text = rules_yaml(default_rules(CONFIG))
    assert parse_config(text).music.rules == default_rules(CONFIG)


def test_check_music_reports_cross_field_problems():
    config = Config(
        weather=WeatherConfig(latitude=1.0, temperature=TemperatureBands(cold_below=25.0)),
        music=MusicConfig(rules=[Rule(name="x", when=RuleWhen(groups=["30s"]), genres=["jazz"]),
                                 Rule(name="x", genres=["pop"]), Rule()],
                          playlists=[NamedPlaylist(uri="https://open.spotify.com/playlist/1",
                                                   when=RuleWhen(min_listeners=3, max_listeners=1))]))
    problems = dict(check_music(config))
    assert "unknown age group '30s'" in problems["music.rules[0].when.groups[0]"]
    assert "0-12, 13-19" in problems["music.rules[0].when.groups[0]"]
    assert "also used by music.rules[0]" in problems["music.rules[1].name"]
    assert "every rule needs a name" in problems["music.rules[2].name"]
    assert "moods or genres" in problems["music.rules[2]"]
    assert "must ascend" in problems["weather.temperature.mild_below"]
    assert "both latitude and longitude" in problems["weather.longitude"]
    assert "spotify:playlist:" in problems["music.playlists[0].uri"]
    assert "min_listeners" in problems["music.playlists[0].when.min_listeners"]
    assert check_music(CONFIG) == []
    assert ("weather.api_key" in dict(check_music(Config(weather=WeatherConfig(provider="openweathermap",
                                                                               latitude=1, longitude=2)))))
