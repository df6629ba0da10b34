"""Room light level (dark, dim, bright) from the mean brightness of sampled frames; no frame is kept."""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from device.config.schema import VisionConfig

log = logging.getLogger(__name__)

LEVELS = ("dark", "dim", "bright")
# Rec. 601 luma weights, the ones OpenCV's RGB2GRAY uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_STRIDE = 4  # every 4th row and column: 1/16 of the pixels is plenty for a mean


def frame_brightness(frame_rgb: np.ndarray) -> float:
    """Mean luma of an RGB uint8 frame, 0 (black) to 255 (white)."""
    sample = frame_rgb[::_STRIDE, ::_STRIDE]
    if sample.ndim == 2:
        return float(sample.mean())
    # The luma weights sum to 1 only up to rounding: clip so that white reads 255, not 255.000002.
    return float(np.clip(sample.reshape(-1, 3).mean(axis=0) @ _LUMA, 0.0, 255.0))


class LightMeter:
    """Classifies the running mean brightness of the last few frames, with a margin against flapping."""

    def __init__(self, *, dark_below: float = 40.0, dim_below: float = 100.0, margin: float = 8.0,
                 window: int = 5):
        if not dark_below <= dim_below:
            raise ValueError(f"light_dark_below ({dark_below}) must not exceed light_dim_below ({dim_below})")
        self.dark_below = float(dark_below)
        self.dim_below = float(dim_below)
        self.margin = float(margin)
        self._recent: deque[float] = deque(maxlen=max(1, int(window)))
        self._level: str | None = None

    @classmethod
    def from_config(cls, vision_cfg: VisionConfig) -> LightMeter:
        return cls(dark_below=vision_cfg.light_dark_below, dim_below=vision_cfg.light_dim_below,
                   margin=vision_cfg.light_margin, window=vision_cfg.window_frames)

    @property
    def level(self) -> str:
        """dark, dim or bright; unknown before the first frame."""
        return self._level or "unknown"

    @property
    def brightness(self) -> float | None:
        return sum(self._recent) / len(self._recent) if self._recent else None

    def _classify(self, value: float) -> str:
        if value < self.dark_below:
            return "dark"
        if value < self.dim_below:
            return "dim"
        return "bright"

    def update(self, brightness: float) -> str:
        """Add one frame's mean brightness; return the room's light level."""
        self._recent.append(float(brightness))
        mean = self.brightness
        target = self._classify(mean)
        if self._level is None:
            self._level = target
            log.info("room light: %s (brightness %.0f)", target, mean)
        elif target != self._level:
            # Move only when the mean is clearly past the threshold between the two levels.
            shifted = self._classify(mean + self.margin if LEVELS.index(target) < LEVELS.index(self._level)
                                     else mean - self.margin)
            if shifted != self._level:
                log.info("room light: %s (was %s, brightness %.0f)", shifted, self._level, mean)
                self._level = shifted
        return self._level

    def reset(self) -> None:
        """Forget the recent frames (the camera went away)."""
        self._recent.clear()
        self._level = None
