"""Face detectors: OpenCV's Haar frontal cascade (default) and YuNet, both returning boxes largest first."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from device.config.schema import VisionConfig
from device.vision.crop import Box

log = logging.getLogger(__name__)

HAAR_CASCADE = "haarcascade_frontalface_default.xml"


class DetectorError(Exception):
    """A detector cannot be built; str() is one sentence naming the file."""


class FaceDetector(Protocol):
    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        """Face boxes (x, y, w, h), largest first, at most max_faces."""


def _largest_first(boxes: list[Box], max_faces: int) -> list[Box]:
    return sorted(boxes, key=lambda b: (-(b[2] * b[3]), b[1], b[0]))[:max_faces]


def haar_cascade_path() -> Path:
    """The frontal-face cascade bundled with opencv-python-headless 4.x."""
    data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not data:
        raise DetectorError("this OpenCV build bundles no Haar cascades (cv2.data is missing): "
                            "install opencv-python-headless<5")
    return Path(data) / HAAR_CASCADE


class HaarDetector:
    """OpenCV's Haar frontal-face cascade on the grey frame."""

    def __init__(self, *, min_face_px: int = 40, max_faces: int = 6, scale_factor: float = 1.1,
                 min_neighbors: int = 5) -> None:
        if not hasattr(cv2, "CascadeClassifier"):
            raise DetectorError("this OpenCV build has no CascadeClassifier: install opencv-python-headless<5")
        path = haar_cascade_path()
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise DetectorError(f"the Haar cascade {path} is missing or unreadable")
        self.min_face_px = int(min_face_px)
        self.max_faces = int(max_faces)
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)

    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
        found = self._cascade.detectMultiScale(gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                                               minSize=(self.min_face_px, self.min_face_px))
        boxes = [tuple(int(v) for v in b) for b in (found if len(found) else [])]
        return _largest_first(boxes, self.max_faces)


class YuNetDetector:
    """OpenCV's YuNet CNN face detector (cv2.FaceDetectorYN) from an ONNX file."""

    def __init__(self, model_path: str | Path, *, min_face_px: int = 40, max_faces: int = 6,
                 score_threshold: float = 0.8, nms_threshold: float = 0.3) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise DetectorError(f"the YuNet face detector model {path} does not exist")
        try:
            self._net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), score_threshold, nms_threshold, 5000)
        except cv2.error as exc:
            raise DetectorError(f"the YuNet face detector model {path} cannot be loaded "
                                f"({str(exc).strip().splitlines()[-1] if str(exc).strip() else 'OpenCV error'})") from None
        self._size: tuple[int, int] | None = None
        self.min_face_px = int(min_face_px)
        self.max_faces = int(max_faces)

    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        height, width = frame_rgb.shape[:2]
        if self._size != (width, height):
            self._net.setInputSize((width, height))
            self._size = (width, height)
        _, faces = self._net.detect(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR))
        boxes: list[Box] = []
        for face in faces if faces is not None else []:
            x, y, w, h = (int(round(v)) for v in face[:4])
            if min(w, h) >= self.min_face_px:
                boxes.append((x, y, w, h))
        return _largest_first(boxes, self.max_faces)


def make_detector(vision_cfg: VisionConfig) -> FaceDetector:
    """The detector the config names, with its minimum face size and face limit."""
    if vision_cfg.detector == "yunet":
        if not vision_cfg.yunet_model:
            raise DetectorError("vision.detector is yunet but vision.yunet_model names no ONNX file")
        return YuNetDetector(vision_cfg.yunet_model, min_face_px=vision_cfg.min_face_px,
                             max_faces=vision_cfg.max_faces)
    return HaarDetector(min_face_px=vision_cfg.min_face_px, max_faces=vision_cfg.max_faces)
