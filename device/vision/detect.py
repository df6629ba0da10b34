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

# The second opinion on each Haar face: OpenCV's frontalface_alt cascade (trained apart from the default one), run
# on the box and a quarter of its side around it, scaled so that the box is _CONFIRM_SIDE pixels, looking only for
# faces 0.6-1.5 times the box. Picked on 1,000 UTKFace test faces pasted into photo scenes; what it keeps and drops
# is measured by `python -m training.detect_check` (README, "Phantom faces"): about 3 ms a box here.
CONFIRM_CASCADE = "haarcascade_frontalface_alt.xml"
_CONFIRM_CONTEXT = 0.25
_CONFIRM_SIDE = 48
_CONFIRM_SIZES = (0.6, 1.5)
_CONFIRM_SCALE_STEP = 1.1
_CONFIRM_NEIGHBORS = 3


class DetectorError(Exception):
    """A detector cannot be built; str() is one sentence naming the file."""


class FaceDetector(Protocol):
    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        """Face boxes (x, y, w, h), largest first, at most max_faces."""


def _largest_first(boxes: list[Box], max_faces: int) -> list[Box]:
    return sorted(boxes, key=lambda b: (-(b[2] * b[3]), b[1], b[0]))[:max_faces]


def haar_cascade_path(name: str = HAAR_CASCADE) -> Path:
    """A cascade bundled with opencv-python-headless 4.x (the frontal-face one unless named)."""
    data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not data:
        raise DetectorError("this OpenCV build bundles no Haar cascades (cv2.data is missing): "
                            "install opencv-python-headless<5")
    return Path(data) / name


def load_cascade(name: str = HAAR_CASCADE, *, hint: str = ""):
    """A bundled cascade, loaded; DetectorError (one sentence naming the file) where it cannot be."""
    if not hasattr(cv2, "CascadeClassifier"):
        raise DetectorError("this OpenCV build has no CascadeClassifier: install opencv-python-headless<5")
    path = haar_cascade_path(name)
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise DetectorError(f"the Haar cascade {path} is missing or unreadable{hint}")
    return cascade


class FaceConfirmer:
    """A second opinion on a face box: does OpenCV's frontalface_alt cascade find a face of about its size there?"""

    def __init__(self) -> None:
        self._cascade = load_cascade(CONFIRM_CASCADE, hint=" (or set vision.confirm_faces: false)")

    def confirms(self, gray: np.ndarray, box: Box) -> bool:
        """Whether the second cascade finds a face of about the box's size around the box on the grey frame."""
        x, y, w, h = box
        side = max(1, (w + h) // 2)
        pad = int(_CONFIRM_CONTEXT * side)
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(gray.shape[1], x + w + pad), min(gray.shape[0], y + h + pad)
        if x1 <= x0 or y1 <= y0:  # the box lies outside the frame
            return False
        scale = _CONFIRM_SIDE / side
        region = cv2.resize(gray[y0:y1, x0:x1], None, fx=scale, fy=scale,
                            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        smallest, largest = (int(f * _CONFIRM_SIDE) for f in _CONFIRM_SIZES)
        found = self._cascade.detectMultiScale(region, scaleFactor=_CONFIRM_SCALE_STEP, minNeighbors=_CONFIRM_NEIGHBORS,
                                               minSize=(smallest, smallest), maxSize=(largest, largest))
        return len(found) > 0


class HaarDetector:
    """OpenCV's Haar frontal-face cascade on the grey frame; each face confirmed by a second cascade unless told not to."""

    def __init__(self, *, min_face_px: int = 40, max_faces: int = 6, scale_factor: float = 1.1,
                 min_neighbors: int = 5, confirm: bool = True) -> None:
        self._cascade = load_cascade(HAAR_CASCADE)
        self._confirmer = FaceConfirmer() if confirm else None
        self.min_face_px = int(min_face_px)
        self.max_faces = int(max_faces)
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)

    @property
    def confirm(self) -> bool:
        """Whether each face must be confirmed by the second cascade."""
        return self._confirmer is not None

    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
        found = self._cascade.detectMultiScale(gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                                               minSize=(self.min_face_px, self.min_face_px))
        boxes = _largest_first([tuple(int(v) for v in b) for b in (found if len(found) else [])], len(found))
        if self._confirmer is None:
            return boxes[:self.max_faces]
        confirmed: list[Box] = []
        for box in boxes:  # largest first, until max_faces are confirmed: no box is confirmed needlessly
            if len(confirmed) == self.max_faces:
                break
            if self._confirmer.confirms(gray, box):
                confirmed.append(box)
        return confirmed


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
    return HaarDetector(min_face_px=vision_cfg.min_face_px, max_faces=vision_cfg.max_faces,
                        confirm=vision_cfg.confirm_faces)
