"""Shared by `mirrorball bench` and `mirrorball estimate`: the config (file or defaults) and photo loading."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from device.config.schema import Config

ASSETS = Path(__file__).resolve().parents[1] / "assets"
BENCH_PHOTO = ASSETS / "astronaut_640x480.jpg"


def config_or_defaults(path: str | None) -> Config:
    """The config file when it exists (errors raise ConfigError), else every default: these commands need none."""
    if path and Path(path).is_file():
        from device.config import load_config

        return load_config(path)
    return Config()


def read_rgb(path: str | Path) -> np.ndarray | None:
    """A photo as an RGB uint8 array, or None when it is missing or not an image."""
    if not Path(path).is_file():
        return None  # (OpenCV would print a warning of its own)
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        return None
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
