"""Any text at all gives a valid config or a ConfigError naming a position; never another exception."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_settings import examples

from device.config import ConfigError, parse_config
from device.config.schema import Config

KEYS = ["camera", "vision", "weather", "music", "spotify", "button", "led", "daemon", "debug", "source", "width",
        "latitude", "longitude", "age_groups", "rules", "when", "groups", "name", "min_age", "max_age", "speaker",
        "redirect_uri", "volume", "tick_s", "genres", "condition"]
leaves = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   st.text(max_size=20), st.sampled_from(["images", "haar", "rain", "http://127.0.0.1:1/x"]))
documents = st.recursive(leaves, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)), max_leaves=25)


def check(text: str) -> None:
    try:
        config = parse_config(text, "fuzz.yaml")
    except ConfigError as exc:
        assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)
    else:
        assert isinstance(config, Config)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_structured_yaml(document):
    check(yaml.safe_dump(document))


@settings(max_examples=examples(300))
@given(st.text(max_size=200))
def test_arbitrary_text(text):
    check(text)
