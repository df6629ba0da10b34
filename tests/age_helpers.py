"""Shared helpers for the age-model tests: the shipped model, the shared faces and the astronaut frame."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def shipped_model() -> Path:
    """models/age_int8.tflite (with its sidecar), or skip."""
    path = REPO / "models" / "age_int8.tflite"
    if not path.is_file() or not path.with_suffix(".json").is_file():
        pytest.skip(f"the trained age model {path} and its .json sidecar are not in the checkout")
    return path


def shared_faces() -> Path:
    """../shared/datasets/utkface-crop-part1 (or $MIRRORBALL_SHARED/...), or skip."""
    base = Path(os.environ["MIRRORBALL_SHARED"]) if os.environ.get("MIRRORBALL_SHARED") else REPO.parent / "shared"
    folder = base / "datasets" / "utkface-crop-part1"
    if not folder.is_dir():
        pytest.skip(f"the shared UTKFace crops are not at {folder}")
    return folder


def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data", reason="scikit-image provides the public-domain astronaut photo")
    return np.ascontiguousarray(data.astronaut())
