"""Face detectors: OpenCV's YuNet CNN (default, with eye landmarks) and the Haar frontal cascade, largest first."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from device.config.schema import VisionConfig
from device.vision.crop import Box
from device.vision.model_files import model_file

log = logging.getLogger(__name__)

HAAR_CASCADE = "haarcascade_frontalface_default.xml"

# The second opinion on each Haar face: OpenCV's frontalface_alt cascade (trained apart from the default one), run
# on the box and a quarter of its side around it, scaled so that the box is _CONFIRM_SIDE pixels, looking only for
# faces 0.6-1.5 times the box. Picked on 1,000 UTKFace test faces pasted into photo scenes; what it keeps and drops
# is measured by `python -m training.detect_check` (docs/benchmarks.md, "Phantom faces with Haar"): about 3 ms a box here.
CONFIRM_CASCADE = "haarcascade_frontalface_alt.xml"
_CONFIRM_CONTEXT = 0.25
_CONFIRM_SIDE = 48
_CONFIRM_SIZES = (0.6, 1.5)
_CONFIRM_SCALE_STEP = 1.1
_CONFIRM_NEIGHBORS = 3


# OpenCV's YuNet (MIT licence): installed by `make models` beside the age model, never committed.
YUNET_FILE = "face_detection_yunet_2023mar.onnx"
YUNET_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
YUNET_URL = ("https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
             "face_detection_yunet_2023mar.onnx")
YUNET_ENV = "MIRRORBALL_YUNET"
# The smallest face side searched for when vision.min_face_px is empty: YuNet's box of a face 36 px wide (chip
# framing) is about 31 px wide; Haar's cost grows with every smaller scale, so it keeps its 40.
DEFAULT_MIN_FACE = {"yunet": 24, "haar": 40}
_YUNET_SIZES = 4  # networks kept, one per input size


class DetectorError(Exception):
    """A detector cannot be built; str() is one sentence naming the file."""


@dataclass(frozen=True)
class Face:
    """One face found: its box and, from YuNet, five landmarks (eyes, nose tip, mouth corners) as float (5, 2)."""

    box: Box
    landmarks: np.ndarray | None = None
    score: float = 1.0

    def moved(self, scale: float, dx: int, dy: int) -> Face:
        """The same face in the coordinates of a frame that this one's frame was cut (at dx, dy) and scaled from."""
        bx, by, bw, bh = self.box
        box = (int(round(bx / scale)) + dx, int(round(by / scale)) + dy, int(round(bw / scale)), int(round(bh / scale)))
        marks = None if self.landmarks is None else self.landmarks / scale + np.array([dx, dy], dtype=np.float32)
        return Face(box, marks, self.score)


class FaceDetector(Protocol):
    name: str

    def detect_faces(self, frame_rgb: np.ndarray) -> list[Face]:
        """Faces, largest first, at most max_faces."""

    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        """Face boxes (x, y, w, h), largest first, at most max_faces."""


def _largest_first(boxes: list[Box], max_faces: int) -> list[Box]:
    return sorted(boxes, key=lambda b: (-(b[2] * b[3]), b[1], b[0]))[:max_faces]


def default_yunet_path() -> Path:
    """$MIRRORBALL_YUNET; else models/ of a source checkout; else <prefix>/../models (where make install puts it)."""
    return model_file(YUNET_FILE, YUNET_ENV)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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

    name = "haar"
    problem: str | None = None  # why YuNet is not running, when this detector stands in for it

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

    def detect_faces(self, frame_rgb: np.ndarray) -> list[Face]:
        return [Face(box) for box in self.detect(frame_rgb)]


class YuNetDetector:
    """OpenCV's YuNet CNN face detector (cv2.FaceDetectorYN) from its ONNX file, checked against its sha256.

    input_scale < 1 searches a frame shrunk by that factor (cheaper; faces below about 30 px at that scale are lost)."""

    name = "yunet"
    problem: str | None = None

    def __init__(self, model_path: str | Path, *, min_face_px: int = 24, max_faces: int = 6,
                 score_threshold: float = 0.55, nms_threshold: float = 0.3, input_scale: float = 1.0,
                 sha256: str | None = YUNET_SHA256) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise DetectorError(f"the YuNet face detector model {path} does not exist (make models installs it)")
        if sha256 and file_sha256(path) != sha256:
            raise DetectorError(f"the YuNet face detector model {path} is not OpenCV's {YUNET_FILE} "
                                f"(its sha256 differs; make models installs the right one)")
        try:
            self._net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), float(score_threshold),
                                                  float(nms_threshold), 5000)
        except cv2.error as exc:
            raise DetectorError(f"the YuNet face detector model {path} cannot be loaded "
                                f"({str(exc).strip().splitlines()[-1] if str(exc).strip() else 'OpenCV error'})") from None
        self.path = path
        self._args = (str(path), "", (320, 320), float(score_threshold), float(nms_threshold), 5000)
        # One network per input size, the full frame's and the near searches' (a few at most): resizing one network
        # back and forth re-allocates its buffers every frame.
        self._nets: dict[tuple[int, int], object] = {}
        self.min_face_px = int(min_face_px)
        self.max_faces = int(max_faces)
        self.input_scale = float(input_scale)

    def detect_faces(self, frame_rgb: np.ndarray) -> list[Face]:
        bgr = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
        scale = self.input_scale
        if scale != 1.0:
            height, width = frame_rgb.shape[:2]
            bgr = cv2.resize(bgr, (max(1, round(width * scale)), max(1, round(height * scale))),
                             interpolation=cv2.INTER_AREA)
        height, width = bgr.shape[:2]
        if min(height, width) < self.min_face_px * scale:  # no face of the smallest size fits
            return []
        net = self._nets.get((width, height))
        if net is None:
            if len(self._nets) >= _YUNET_SIZES:
                self._nets.pop(next(iter(self._nets)))  # the size used longest ago goes
            net = self._net if not self._nets else cv2.FaceDetectorYN.create(*self._args)
            net.setInputSize((width, height))
            self._nets[(width, height)] = net
        _, found = net.detect(bgr)
        faces: list[Face] = []
        for row in found if found is not None else []:
            if not np.isfinite(row[:15]).all():  # seen on degenerate frames (a few pixels wide): not a face
                continue
            x, y, w, h = (int(round(v / scale)) for v in row[:4])
            if min(w, h) >= self.min_face_px:
                faces.append(Face((x, y, w, h), (row[4:14].reshape(5, 2) / scale).astype(np.float32), float(row[14])))
        faces.sort(key=lambda f: (-(f.box[2] * f.box[3]), f.box[1], f.box[0]))
        return faces[:self.max_faces]

    def detect(self, frame_rgb: np.ndarray) -> list[Box]:
        return [f.box for f in self.detect_faces(frame_rgb)]


def make_detector(vision_cfg: VisionConfig, *, fallback: bool = True) -> FaceDetector:
    """The detector the config names. YuNet whose model file is missing or wrong: one warning naming the file and
    Haar instead (fallback=False raises the DetectorError); the detector's `name` says which one runs."""
    kind = vision_cfg.detector
    min_face = vision_cfg.min_face_px or DEFAULT_MIN_FACE[kind]
    if kind == "yunet":
        path = Path(vision_cfg.yunet_model) if vision_cfg.yunet_model else default_yunet_path()
        try:
            return YuNetDetector(path, min_face_px=min_face, max_faces=vision_cfg.max_faces,
                                 score_threshold=vision_cfg.yunet_score, nms_threshold=vision_cfg.yunet_nms,
                                 input_scale=vision_cfg.yunet_scale)
        except DetectorError as exc:
            if not fallback:
                raise
            log.warning("%s: using the Haar detector instead", exc)
            detector = make_detector(_as_haar(vision_cfg))
            detector.name = "haar (YuNet unavailable)"
            detector.problem = str(exc)
            return detector
    return HaarDetector(min_face_px=min_face, max_faces=vision_cfg.max_faces, confirm=vision_cfg.confirm_faces)


def _as_haar(vision_cfg: VisionConfig) -> VisionConfig:
    from dataclasses import replace

    return replace(vision_cfg, detector="haar", min_face_px=vision_cfg.min_face_px)
