"""The one face-crop function: (frame, face box, eye landmarks) -> the age model's input, shared by training and runtime."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

# Where the eyes lie inside a YuNet box (fractions of its width and height; the eye in the image's left half first),
# the medians over 300 letterboxed UTKFace chips of each shared set: used when a face has no landmarks (Haar).
BOX_EYES = ((0.270, 0.370), (0.742, 0.365))


@dataclass(frozen=True)
class CropSpec:
    """How a detected face becomes a model input; the values come from the model's JSON sidecar.

    size: side of the square output, pixels (the model's input size).
    align: True: eye-aligned (the eyes levelled and placed where the UTKFace chips have them); False: the older
        box framing (box_scale, center_shift), kept to score models trained that way.
    eye_center: where the midpoint between the eyes lands, fractions of the output side (x, y).
    eye_distance: the distance between the eyes, a fraction of the output side.
    box_scale: (box framing) side of the crop as a multiple of the box's mean side.
    center_shift: (box framing) the crop's centre lies this many box sides below the box's centre.
    """

    size: int
    box_scale: float = 0.95
    center_shift: float = 0.07
    align: bool = False
    eye_center: tuple[float, float] = (0.490, 0.284)
    eye_distance: float = 0.405

    def __post_init__(self) -> None:
        if self.size < 8:
            raise ValueError(f"crop size must be at least 8 pixels, got {self.size}")
        if not self.box_scale > 0:
            raise ValueError(f"crop box_scale must be positive, got {self.box_scale}")
        if not 0 < self.eye_distance < 1:
            raise ValueError(f"crop eye_distance must lie between 0 and 1, got {self.eye_distance}")

    def to_json(self) -> dict:
        out = {"size": self.size, "align": self.align}
        if self.align:
            out.update(eye_center=list(self.eye_center), eye_distance=self.eye_distance)
        else:
            out.update(box_scale=self.box_scale, center_shift=self.center_shift)
        return out

    @classmethod
    def from_json(cls, crop: dict) -> CropSpec:
        if crop.get("align"):
            cx, cy = (float(v) for v in crop["eye_center"])
            return cls(size=int(crop["size"]), align=True, eye_center=(cx, cy), eye_distance=float(crop["eye_distance"]))
        return cls(size=int(crop["size"]), box_scale=float(crop["box_scale"]), center_shift=float(crop["center_shift"]))


def crop_window(box: Box, spec: CropSpec) -> tuple[int, int, int]:
    """The square window (x0, y0, side) in frame pixels that the box framing cuts for this box."""
    x, y, w, h = box
    mean_side = (w + h) / 2.0
    side = max(1, int(round(spec.box_scale * mean_side)))
    cx = x + w / 2.0
    cy = y + h / 2.0 + spec.center_shift * mean_side
    x0 = int(round(cx - side / 2.0))
    y0 = int(round(cy - side / 2.0))
    return x0, y0, side


def eye_points(box: Box, landmarks: np.ndarray | None) -> np.ndarray:
    """The two eyes (image-left one first) as float64 (2, 2): from the landmarks, else where a box has them."""
    if landmarks is not None:
        pts = np.asarray(landmarks, dtype=np.float64).reshape(-1, 2)[:2]
        return pts[np.argsort(pts[:, 0], kind="stable")]
    x, y, w, h = box
    return np.array([[x + fx * w, y + fy * h] for fx, fy in BOX_EYES], dtype=np.float64)


def _window(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """frame[y0:y1, x0:x1], black where the window leaves the frame (a view when it lies inside)."""
    height, width = frame.shape[:2]
    if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
        return frame[y0:y1, x0:x1]
    window = np.zeros((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if ix1 > ix0 and iy1 > iy0:
        window[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = frame[iy0:iy1, ix0:ix1]
    return window


def _aligned(frame: np.ndarray, eyes: np.ndarray, spec: CropSpec) -> np.ndarray:
    (ax, ay), (bx, by) = eyes
    distance = max(math.hypot(bx - ax, by - ay), 1e-3)
    angle = math.atan2(by - ay, bx - ax)
    scale = spec.size * spec.eye_distance / distance  # output pixels per frame pixel
    cos, sin = math.cos(angle), math.sin(angle)
    mx, my = (ax + bx) / 2.0, (ay + by) / 2.0
    tx, ty = spec.eye_center[0] * spec.size, spec.eye_center[1] * spec.size
    # The part of the frame the output shows: the output square mapped back, plus a pixel for interpolation.
    half = spec.size / scale
    corners = [((u - tx) / spec.size * half, (v - ty) / spec.size * half)
               for u in (0, spec.size) for v in (0, spec.size)]
    xs = [mx + cos * du - sin * dv for du, dv in corners]
    ys = [my + sin * du + cos * dv for du, dv in corners]
    x0, y0 = int(math.floor(min(xs))) - 1, int(math.floor(min(ys))) - 1
    x1, y1 = int(math.ceil(max(xs))) + 2, int(math.ceil(max(ys))) + 2
    window = _window(frame, x0, y0, x1, y1)
    # Shrinking by more than 1.5x: average the pixels first (INTER_AREA), then rotate at about 1:1.
    sx = sy = 1.0
    if scale < 1 / 1.5:
        w, h = window.shape[1], window.shape[0]
        nw, nh = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
        window = cv2.resize(window, (nw, nh), interpolation=cv2.INTER_AREA)
        sx, sy = nw / w, nh / h
    # Frame point p -> output: R(-angle) * (p - mid) * scale + target; in window pixels p = (q / s) + (x0, y0).
    r = scale * np.array([[cos, sin], [-sin, cos]])
    # (INTER_AREA maps pixel centres: q + 0.5 = s * (w + 0.5), so w = (q + 0.5 - 0.5 s) / s.)
    a = r @ np.diag([1 / sx, 1 / sy])
    offset = np.array([tx, ty]) - r @ np.array([mx - x0, my - y0]) + a @ np.array([0.5 - 0.5 * sx, 0.5 - 0.5 * sy])
    matrix = np.hstack([a, offset[:, None]])
    return cv2.warpAffine(np.ascontiguousarray(window), matrix, (spec.size, spec.size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def face_crop(frame_rgb: np.ndarray, box: Box, spec: CropSpec, landmarks: np.ndarray | None = None) -> np.ndarray:
    """The model input for one face: uint8 (size, size, 3) RGB, black outside the frame.

    Eye-aligned specs level the eyes (landmarks: YuNet's five points, or None to place the eyes where a box has
    them) and put them where the UTKFace chips have them; box-framed specs cut the square window around the box."""
    if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB frame of shape (height, width, 3), got {frame_rgb.shape}")
    frame = frame_rgb if frame_rgb.dtype == np.uint8 else np.clip(frame_rgb, 0, 255).astype(np.uint8)
    if spec.align:
        return _aligned(frame, eye_points(box, landmarks), spec)
    x0, y0, side = crop_window(box, spec)
    window = _window(frame, x0, y0, x0 + side, y0 + side)
    if side == spec.size:
        return np.ascontiguousarray(window)
    interpolation = cv2.INTER_AREA if side > spec.size else cv2.INTER_LINEAR
    return cv2.resize(window, (spec.size, spec.size), interpolation=interpolation)
