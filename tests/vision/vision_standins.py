"""Test helpers for the vision tests: an age estimator stand-in with the real one's interface, and real-model lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from device.vision.age import AgeEstimate, default_model_path

ASSETS = Path(__file__).resolve().parents[2] / "device" / "assets"
ASTRONAUT = ASSETS / "astronaut_640x480.jpg"
COFFEE = ASSETS / "coffee.jpg"
DEMO = ASSETS / "demo"


class FixedAgeEstimator:
    """AgeEstimator's interface (ages, runtime, estimate) with a fixed Gaussian age distribution per face.

    For tests of tracking, sampling and camera handling, which do not depend on what the model says."""

    runtime = "stand-in"

    def __init__(self, age: float = 38.0, sigma: float = 3.0):
        self.ages = np.arange(0, 101, dtype=np.float64)
        dist = np.exp(-0.5 * ((self.ages - age) / sigma) ** 2)
        self._dist = dist / dist.sum()
        self.calls = 0

    def estimate(self, frame_rgb: np.ndarray, boxes, landmarks=None) -> list[AgeEstimate]:
        self.calls += 1
        assert frame_rgb.ndim == 3 and frame_rgb.dtype == np.uint8
        return [AgeEstimate(age=float(self._dist @ self.ages), distribution=self._dist.copy()) for _ in boxes]


def real_model_or_skip() -> Path:
    """The trained age model (models/age_int8.tflite or $MIRRORBALL_MODEL); skips the test when it is absent."""
    path = default_model_path()
    if not path.is_file() or not path.with_suffix(".json").is_file():
        pytest.skip(f"the trained age model {path} (and its .json sidecar) is not there yet: "
                    f"train it (issue 3) or set MIRRORBALL_MODEL")
    return path
