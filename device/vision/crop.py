"""The one face-crop function: (frame, face box) -> the age model's input, shared by training and runtime."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels


@dataclass(frozen=True)
class CropSpec:
    """How a detector box becomes a model input; the values come from the model's JSON sidecar.

    size: side of the square output, pixels (the model's input size).
    box_scale: side of the crop as a multiple of the box's mean side.
    center_shift: the crop's centre lies this many box sides below the box's centre.
    """

    size: int
    box_scale: float
    center_shift: float

    def __post_init__(self) -> None:
        if self.size < 8:
            raise ValueError(f"crop size must be at least 8 pixels, got {self.size}")
        if not self.box_scale > 0:
            raise ValueError(f"crop box_scale must be positive, got {self.box_scale}")


def crop_window(box: Box, spec: CropSpec) -> tuple[int, int, int]:
    """The square window (x0, y0, side) in frame pixels that face_crop cuts for this box."""
    x, y, w, h = box
    mean_side = (w + h) / 2.0
    side = max(1, int(round(spec.box_scale * mean_side)))
    cx = x + w / 2.0
    cy = y + h / 2.0 + spec.center_shift * mean_side
    x0 = int(round(cx - side / 2.0))
    y0 = int(round(cy - side / 2.0))
    return x0, y0, side


def face_crop(frame_rgb: np.ndarray, box: Box, spec: CropSpec) -> np.ndarray:
    """Cut the square window around a face box (black outside the frame) and resize it: uint8 (size, size, 3) RGB."""
    if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB frame of shape (height, width, 3), got {frame_rgb.shape}")
    frame = frame_rgb if frame_rgb.dtype == np.uint8 else np.clip(frame_rgb, 0, 255).astype(np.uint8)
    height, width = frame.shape[:2]
    x0, y0, side = crop_window(box, spec)
    x1, y1 = x0 + side, y0 + side
    if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
        window = frame[y0:y1, x0:x1]  # inside the frame: resize the view itself, no copy
    else:  # the part of the window inside the frame, then black padding for the rest
        ix0, iy0 = max(0, x0), max(0, y0)
        ix1, iy1 = min(width, x1), min(height, y1)
        window = np.zeros((side, side, 3), dtype=np.uint8)
        if ix1 > ix0 and iy1 > iy0:
            window[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = frame[iy0:iy1, ix0:ix1]
    if side == spec.size:
        return np.ascontiguousarray(window)
    interpolation = cv2.INTER_AREA if side > spec.size else cv2.INTER_LINEAR
    return cv2.resize(window, (spec.size, spec.size), interpolation=interpolation)
