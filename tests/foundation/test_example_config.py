"""The example config is valid, documents every key, and matches the schema's defaults."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from device.config import load_config
from device.config.schema import Config
from device.devtools.example_config import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "mirrorball.example.yaml"


def test_example_is_generated_from_the_schema():
    assert EXAMPLE.read_text() == render(), (
        "config/mirrorball.example.yaml is out of date: run "
        "'.venv/bin/python -m device.devtools.example_config > config/mirrorball.example.yaml'")


def test_example_loads_to_the_defaults():
    assert load_config(EXAMPLE) == Config()


def test_check_config_cli_on_the_example():
    result = subprocess.run([sys.executable, "-m", "device", "check-config", str(EXAMPLE)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{EXAMPLE}: OK (")
    assert len(result.stdout.splitlines()) == 1


def test_check_config_cli_lists_every_problem(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("camera:\n  width: 5\nweather:\n  latitude: 123\n  longitude: 1\n")
    result = subprocess.run([sys.executable, "-m", "device", "--config", str(bad), "check-config"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:2:10: camera.width: must be between 160 and 4096, got 5",
        f"{bad}:4:13: weather.latitude: must be between -90 and 90, got 123",
        f"{bad}: 2 problems",
    ]


def test_inline_secret_in_a_readable_file_is_warned_about(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("spotify:\n  client_id: abc\n  client_secret: s3cr3t\n")
    cfg.chmod(0o644)
    result = subprocess.run([sys.executable, "-m", "device", "check-config", str(cfg)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    assert "readable by group/others" in result.stderr and "chmod 600" in result.stderr
    assert "s3cr3t" not in result.stderr + result.stdout
    cfg.chmod(0o600)
    result = subprocess.run([sys.executable, "-m", "device", "check-config", str(cfg)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.stderr == ""


def test_uncommenting_the_default_rules_gives_the_default_rules(tmp_path):
    from device.music.rules import default_rules

    lines = EXAMPLE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "The default set, used while `rules` is empty" in line) + 1
    end = start
    while end < len(lines) and lines[end].startswith("  #  "):
        lines[end] = "  " + lines[end][3:]  # delete the '#'
        end += 1
    assert end - start > 20
    edited = tmp_path / "config.yaml"
    edited.write_text("\n".join(lines) + "\n")
    assert load_config(edited).music.rules == default_rules(Config())
