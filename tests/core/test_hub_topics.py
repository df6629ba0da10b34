"""The hub's topics are typed: one Topic per value, each published by some part and read by another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from device.core.parts import Hub
from device.core.topics import Topic

DEVICE = Path(__file__).resolve().parents[2] / "device"


def test_a_topic_by_member_or_by_name_is_the_same_value_and_other_names_are_refused():
    hub = Hub()
    hub.publish(Topic.LIGHT, "dim")
    assert hub.latest("light") == "dim" and hub.latest(Topic.LIGHT) == "dim"
    hub.publish("audience", 1)
    assert hub.latest(Topic.AUDIENCE) == 1 and hub.latest(Topic.WEATHER, "none") == "none"
    with pytest.raises(ValueError):
        hub.publish("decision", object())
    with pytest.raises(ValueError):
        hub.latest("playing")


def hub_calls(method: str) -> set[str]:
    """The topics named in every `<x>.hub.<method>(topic, ...)` or `hub.<method>(...)` call in device/."""
    found: set[str] = set()
    for path in DEVICE.rglob("*.py"):
        if "standins" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                    and node.args):
                continue
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "hub"
                    or isinstance(owner, ast.Attribute) and owner.attr == "hub"):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(Topic(arg.value).value)
            elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "Topic":
                found.add(Topic[arg.attr].value)
            else:
                raise AssertionError(f"{path}:{node.lineno}: hub.{method} with a topic this test cannot read")
    return found


def test_every_topic_is_published_and_read_and_nothing_else_is():
    topics = {t.value for t in Topic}
    assert hub_calls("publish") == topics
    assert hub_calls("latest") == topics
