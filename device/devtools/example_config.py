"""Writes the fully commented example config from the schema, so that the example can never fall behind it.

`python -m device.devtools.example_config > config/mirrorball.example.yaml`; a test checks the committed file matches.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import textwrap
from typing import Any, get_type_hints

from device.config.schema import Config

HEADER = """\
# Mirrorball configuration: /etc/mirrorball/config.yaml
#
# Every key is optional: what you leave out takes the default shown here. After editing, check it with
#     mirrorball check-config /etc/mirrorball/config.yaml
# and apply it without a restart with
#     sudo systemctl reload mirrorball
# (an invalid file is rejected with every problem logged, and the running config is kept).
#
# Secrets do not belong here: put the Spotify client secret in a file named by spotify.client_secret_file,
# or in systemd's credential store (LoadCredential=spotify_client_secret:/path in the unit), or in the
# environment variable MIRRORBALL_SPOTIFY_CLIENT_SECRET. Same for the OpenWeatherMap key (openweathermap_api_key).
"""

INTRO = {
    "music": "Rules turn the weather, time and audience into a music brief. Leave `rules` empty for the default\n"
             "set (printed by `python -m device.music.rules`); write your own list to replace it.",
    "spotify": "Create an app at https://developer.spotify.com/dashboard, add the redirect URI below to it,\n"
               "put its client ID here, then run `mirrorball auth` once over SSH.",
}


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        if value == "" or value.strip() != value or any(c in value for c in ":#{}[],&*!|>'\"%@`") \
                or value.lower() in ("yes", "no", "true", "false", "null", "on", "off"):
            return json.dumps(value)
        return value
    raise TypeError(value)


def _flow(value: Any) -> str:
    """A value on one line: scalars, or a dataclass/list in YAML flow style."""
    if dataclasses.is_dataclass(value):
        items = [f"{f.name}: {_flow(getattr(value, f.name)) or 'null'}" for f in dataclasses.fields(value)]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _default_rules_lines() -> list[str]:
    """The default music rules as commented YAML under `rules:`; deleting each '#' makes them live."""
    from device.music.rules import default_rules, rules_yaml

    lines = rules_yaml(default_rules(Config())).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "rules:") + 1
    return ["    # The default set, used while `rules` is empty. To edit it, delete the '#' of each line below:"] + \
        [f"  #{line[2:]}" for line in lines[start:]]


AFTER_KEY = {"music.rules": _default_rules_lines}


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" if line else f"{indent}#" for line in text.splitlines()]


def render_section(obj: Any, indent: str = "", path: str = "") -> list[str]:
    lines: list[str] = []
    hints = get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        doc = f.metadata.get("doc", "")
        if doc:
            lines += _comment(textwrap.fill(doc, 100 - len(indent)), indent)
        if dataclasses.is_dataclass(value) and dataclasses.is_dataclass(hints[f.name]):
            lines.append(f"{indent}{f.name}:")
            lines += render_section(value, indent + "  ", f"{path}.{f.name}")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            lines.append(f"{indent}{f.name}:")
            lines += [f"{indent}  - {_flow(item)}" for item in value]
        elif isinstance(value, list):
            lines.append(f"{indent}{f.name}: {_flow(value)}")
        else:
            lines.append(f"{indent}{f.name}: {_scalar(value)}".rstrip())
        extra = AFTER_KEY.get(f"{path}.{f.name}".lstrip("."))
        if extra is not None:
            lines += extra()
    return lines


def render(config: Config | None = None) -> str:
    config = config or Config()
    out = [HEADER]
    for f in dataclasses.fields(config):
        out.append("")
        out.append(f"# ---- {f.name}: {f.metadata.get('doc', '')}")
        if f.name in INTRO:
            out += _comment(INTRO[f.name], "")
        out.append(f"{f.name}:")
        out += render_section(getattr(config, f.name), "  ", f.name)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
