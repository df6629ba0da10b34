"""One simulated hour of the real daemon loop with faults (python -m device.soak --hours 1): nothing leaks or breaks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from device.soak import fd_growth
from device.vision.age import default_model_path

ROOT = Path(__file__).resolve().parents[2]


def test_one_simulated_hour():
    if not default_model_path().is_file():
        pytest.skip("the age model is not there (models/age_int8.tflite)")
    # A process of its own: the figures are this daemon's, not those of the test session around it.
    done = subprocess.run([sys.executable, "-m", "device.soak", "--hours", "1", "--speedup", "200", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    figures = json.loads(done.stdout)
    assert figures["simulated_h"] >= 1.0
    assert figures["errors_unhandled"] == 0, figures["unhandled"]
    assert figures["errors_logged"] == 0, figures["errors"]
    assert figures["daemon_alive_at_end"]
    # the stand-ins' own sockets are left out; kept-alive connections are counted apart (pooled, bounded per host)
    assert fd_growth(figures) <= 0, figures
    assert figures["connections_end"] <= 4, "API, accounts and weather: about one pooled connection each"
    assert figures["threads_end"] <= figures["threads_start"], figures
    assert figures["rss_end_mb"] - figures["rss_start_mb"] <= 5.0, figures
    assert figures["decisions"] >= 3, "music was chosen for both visits and refilled"
    assert figures["button_events"] == figures["presses"] == 4, "every press reached the state store"
    assert figures["dropped_events"] == 0
    assert figures["spotify_faults"] == 2 and figures["weather_faults"] == 1 and figures["reloads"] == 1
