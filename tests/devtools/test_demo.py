"""`mirrorball demo --json`: the real pipeline end to end on loopback stand-ins."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from device.devtools.standins.spotify_contract import SpotifySpec, find_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo() -> dict:
    result = subprocess.run([sys.executable, "-m", "device", "demo", "--seconds", "32", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_keys_and_pipeline(demo):
    assert set(demo) == {"frames", "faces", "decisions", "feedback", "errors", "spotify_requests",
                         "catalog_requests_per_decision", "heard"}
    assert demo["errors"] == []
    assert demo["frames"] >= 40 and demo["faces"] >= 10
    first = demo["decisions"][0]
    assert len(first["audience"]) == 1
    assert first["weather"]["condition"] == "rain" and first["weather"]["temperature_c"] == 7.0
    assert first["played"] and "rainy" in " ".join(first["brief"]["rules"])


def test_play_skip_like_and_pause_reach_the_speaker(demo):
    requests = [r.split("?")[0] for r in demo["spotify_requests"]]
    assert "PUT /v1/me/player/play" in requests
    assert "POST /v1/me/player/next" in requests  # the tap
    assert "PUT /v1/me/library" in requests  # the hold
    assert "PUT /v1/me/player/pause" in requests  # everybody left


def test_button_presses_are_recorded_and_learned(demo):
    buttons = [(e["kind"], e["uri"] is not None) for e in demo["feedback"] if e["event"] == "button"]
    assert buttons == [("tap", True), ("hold", True)]
    learned = [e["kind"] for e in demo["feedback"] if e["event"] == "feedback"]
    assert learned[:2] == ["early_skip", "like"]  # the tap 10 s into the first track: an early skip


@pytest.mark.skipif(find_spec() is None, reason="../shared/specs/spotify-web-api.openapi.yml is not present")
def test_no_withdrawn_operation_is_used(demo):
    assert SpotifySpec(find_spec()).deprecated_calls(demo["spotify_requests"]) == []


def test_every_decision_with_a_listener_plays_within_the_request_budget(demo):
    with_listener = [d for d in demo["decisions"] if d["audience"]]
    assert with_listener and all(d["played"] for d in with_listener), [d["explanation"] for d in with_listener]
    figures = demo["catalog_requests_per_decision"]
    assert figures["decisions"] == len(demo["decisions"]) and figures["p95"] <= figures["max"] <= 12
    assert all(d["catalog_requests"] <= 12 for d in demo["decisions"])


def test_the_speaker_plays_nothing_of_another_contexts_genre(demo):
    # judged at the speaker: the stand-in's playback timeline and its catalogue's own genres, not the device's labels
    assert demo["heard"], "the speaker played nothing"
    assert [h for h in demo["heard"] if h["other_context"]] == [], demo["heard"]
