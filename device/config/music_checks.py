"""Cross-field checks of the weather and music sections that per-field type and range checks cannot make."""

from __future__ import annotations

from device.config.schema import Config, RuleWhen


def _check_when(when: RuleWhen, path: str, groups: list[str]) -> list[tuple[str, str]]:
    problems = []
    for i, name in enumerate(when.groups):
        if name not in groups:
            problems.append((f"{path}.groups[{i}]",
                             f"unknown age group {name!r}; groups are {', '.join(groups)} (vision.age_groups)"))
    if when.min_listeners is not None and when.max_listeners is not None and when.min_listeners > when.max_listeners:
        problems.append((f"{path}.min_listeners",
                         f"min_listeners ({when.min_listeners}) is above max_listeners ({when.max_listeners})"))
    return problems


def check_music(config: Config) -> list[tuple[str, str]]:
    """(key path, message) for each problem in the weather and music sections; empty when all is well."""
    problems: list[tuple[str, str]] = []
    groups = [g.name for g in config.vision.age_groups]
    bands = config.weather.temperature
    order = [("freezing_below", bands.freezing_below), ("cold_below", bands.cold_below),
             ("mild_below", bands.mild_below), ("warm_below", bands.warm_below)]
    for (lo_name, lo), (hi_name, hi) in zip(order, order[1:]):
        if not lo < hi:
            problems.append((f"weather.temperature.{hi_name}",
                             f"temperature bands must ascend: {hi_name} ({hi}) must be above {lo_name} ({lo})"))
    w = config.weather
    if (w.latitude is None) != (w.longitude is None):
        problems.append(("weather.latitude" if w.latitude is None else "weather.longitude",
                         "give both latitude and longitude, or neither (and a place name)"))
    if w.provider == "openweathermap" and not (w.api_key or w.api_key_file):
        problems.append(("weather.api_key", "openweathermap needs an API key (api_key_file or "
                                            "$CREDENTIALS_DIRECTORY/openweathermap_api_key) — or use open-meteo"))
    m = config.music
    names: dict[str, int] = {}
    for i, rule in enumerate(m.rules or []):
        path = f"music.rules[{i}]"
        if not rule.name:
            problems.append((f"{path}.name", "every rule needs a name (`mirrorball why` shows it)"))
        elif rule.name in names:
            problems.append((f"{path}.name", f"rule name {rule.name!r} is also used by music.rules[{names[rule.name]}]"))
        else:
            names[rule.name] = i
        if not (rule.moods or rule.genres):
            problems.append((path, "a rule needs moods or genres to search for"))
        problems += _check_when(rule.when, f"{path}.when", groups)
    for i, playlist in enumerate(m.playlists):
        path = f"music.playlists[{i}]"
        if not playlist.uri.startswith("spotify:playlist:"):
            problems.append((f"{path}.uri", f"expected spotify:playlist:<id>, got {playlist.uri!r}"))
        problems += _check_when(playlist.when, f"{path}.when", groups)
    return problems
