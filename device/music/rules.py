"""The documented default rule set: what most people expect for each kind of weather, time and audience."""

from __future__ import annotations

from device.config.schema import Config, Rule, RuleWhen

# The youngest age group counts as children when it ends at this age or younger.
CHILD_MAX_AGE = 12


def child_groups(config: Config) -> tuple[str, ...]:
    """Names of the configured age groups that hold only children."""
    return tuple(g.name for g in config.vision.age_groups if g.max_age is not None and g.max_age <= CHILD_MAX_AGE)


def default_rules(config: Config) -> list[Rule]:
    """The rules used when `music.rules` is empty. Keep in step with the example config in the README."""
    rules = [
        Rule(name="rainy: chill and acoustic", when=RuleWhen(condition=["drizzle", "rain", "thunderstorm"]),
             moods=["chill", "acoustic", "lo-fi"], genres=["acoustic", "chill", "lo-fi"]),
        Rule(name="sunny and warm: upbeat", when=RuleWhen(condition=["clear", "partly cloudy"], temperature=["warm", "hot"]),
             moods=["upbeat", "dance", "happy"], genres=["dance", "pop", "funk"]),
        Rule(name="cold: warm jazz", when=RuleWhen(temperature=["freezing", "cold"]),
             moods=["mellow", "cozy", "jazz"], genres=["jazz", "soul", "bossa nova"]),
        Rule(name="snow: warm jazz", when=RuleWhen(condition=["snow"]),
             moods=["cozy", "mellow", "winter"], genres=["jazz", "soul"]),
        Rule(name="hot: tropical", when=RuleWhen(temperature=["hot"]),
             moods=["tropical", "beach", "summer"], genres=["reggaeton", "tropical house", "reggae"]),
        Rule(name="grey sky: mellow indie", when=RuleWhen(condition=["overcast", "fog"]),
             moods=["mellow", "indie"], genres=["indie", "indie folk"]),
        Rule(name="morning: fresh start", when=RuleWhen(time_of_day=["morning"]),
             moods=["morning", "fresh"], genres=["indie pop", "soul"], weight=0.5),
        Rule(name="night: calmer and quieter", when=RuleWhen(time_of_day=["night"]),
             moods=["calm", "sleep"], genres=["ambient", "piano"], weight=2.0),
        Rule(name="lights down: calm", when=RuleWhen(light=["dark"]),
             moods=["calm", "relax"], genres=["ambient", "chill"], weight=1.5),
        Rule(name="anything else: feel-good", when=RuleWhen(),
             moods=["feel good"], genres=["pop", "rock", "soul"], weight=0.5),
    ]
    children = child_groups(config)
    if children:
        rules.insert(0, Rule(name="children present: family", when=RuleWhen(groups=list(children)),
                             moods=["family", "kids"], genres=["children's music", "disney", "pop"],
                             weight=2.0))  # explicit tracks with children: music.explicit decides
    return rules


def rules_of(config: Config) -> list[Rule]:
    """The configured rules, or the default set when none are configured."""
    return list(config.music.rules) if config.music.rules else default_rules(config)


def is_fallback(rule: Rule) -> bool:
    """A rule with no conditions at all applies only when no other rule does."""
    w = rule.when
    return not (w.condition or w.temperature or w.time_of_day or w.season or w.light or w.groups
                or w.daylight is not None or w.min_listeners is not None or w.max_listeners is not None)


def _yaml_value(value) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return json.dumps(value) if any(c in str(value) for c in ":#'\"[]{},") else str(value)


def rules_yaml(rules: list[Rule]) -> str:
    """The rules as the `music.rules:` YAML a user pastes into the config and edits (non-default keys only)."""
    import dataclasses

    lines = ["music:",
             "  # Every rule whose `when` holds fires; their moods and genres are merged (heavier weight first) and",
             "  # their volumes averaged by weight. A rule without any `when` applies only when no other rule does.",
             "  rules:"]
    blank_when = RuleWhen()
    blank = Rule()
    for rule in rules:
        lines.append(f"    - name: {_yaml_value(rule.name)}")
        conditions = {f.name: getattr(rule.when, f.name) for f in dataclasses.fields(RuleWhen)
                      if getattr(rule.when, f.name) != getattr(blank_when, f.name)}
        if conditions:
            lines.append("      when: {" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in conditions.items()) + "}")
        for f in dataclasses.fields(Rule):
            if f.name in ("name", "when"):
                continue
            value = getattr(rule, f.name)
            if value != getattr(blank, f.name):
                lines.append(f"      {f.name}: {_yaml_value(value)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m device.music.rules: print the default rule set as YAML
    print(rules_yaml(default_rules(Config())), end="")
