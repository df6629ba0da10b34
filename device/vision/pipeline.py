"""One sampled frame -> faces, ages, age groups, room light and the tracked Audience; frames are not kept."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from device.config.schema import AgeGroup, Config
from device.core.values import Audience
from device.vision.age import AgeEstimator, group_probabilities, probability_under
from device.vision.crop import Box
from device.vision.detect import Face, make_detector
from device.vision.light import LightMeter, frame_brightness
from device.vision.track import AudienceTracker, FaceObservation, iou

log = logging.getLogger(__name__)

# Searching near a known face: the region reaches one face side beyond the face on every side (found the
# moved face 29 times in 30, at about 0.1x the cost of a whole-frame search; a miss falls back to the whole
# frame) and is shrunk so that the face is this many times the smallest detectable face (cheaper, still found).
_NEAR_MARGIN = 1.0
_NEAR_FACE_SCALE = 1.5
_DUPLICATE_IOU = 0.3
_NEAR_SIZES = (0.5, 2.0)  # a face found near a tracked one counts when its side is this many times the tracked side
# Motion gating while nobody is there: frames are compared as small grey thumbnails; a thumbnail pixel whose
# brightness moved by more than this many levels (of 255) has changed (sensor noise and exposure drift do not).
_THUMB_SIZE = (64, 48)
_PIXEL_CHANGE = 16


@dataclass(frozen=True)
class FaceResult:
    """One face found in a frame: its box, expected age, likeliest group and every group's probability."""

    box: Box
    age: float
    group: str
    groups: Mapping[str, float]
    child_p: float = 0.0  # probability of an age under 13
    minor_p: float = 0.0  # probability of an age under 18


@dataclass(frozen=True)
class FrameResult:
    """What one frame told us. Holds no pixels."""

    faces: tuple[FaceResult, ...]
    light: str
    brightness: float
    audience: Audience
    scan: str  # "full" (whole frame searched), "near" (around the tracked faces), "skipped" (idle, nothing moved)


def build_pipeline(config: Config, *, estimator=None, detector=None) -> VisionPipeline:
    """The pipeline the config describes: its detector, the age model (loaded here), tracker and light meter.

    Raises the detector's DetectorError or the model's ModelError (one sentence naming the file)."""
    v = config.vision
    if detector is None:
        detector = make_detector(v)
    if estimator is None:
        estimator = AgeEstimator(v.model, threads=v.threads)
    min_face = getattr(detector, "min_face_px", None) or v.min_face_px or 40
    return VisionPipeline(detector, estimator, AudienceTracker.from_config(config), LightMeter.from_config(v),
                          v.age_groups, min_face_px=min_face, full_scan_every=v.full_scan_every,
                          motion_threshold=v.motion_threshold, idle_scan_every=v.idle_scan_every)


class VisionPipeline:
    """Detector + age estimator + audience tracker + light meter, one frame at a time.

    While faces are tracked, only the regions around them are searched (shrunk to a cheap size), with a
    whole-frame search every `full_scan_every` frames and whenever a tracked face is not found near its place.
    While nobody is there, a frame that barely differs from the last searched one is not searched (motion
    gating), except every `idle_scan_every` frames."""

    def __init__(self, detector, estimator, tracker: AudienceTracker, light: LightMeter,
                 age_groups: Sequence[AgeGroup], *, min_face_px: int = 40, full_scan_every: int = 4,
                 motion_threshold: float = 0.01, idle_scan_every: int = 10):
        self.detector = detector
        self.estimator = estimator
        self.tracker = tracker
        self.light = light
        self.age_groups = list(age_groups)
        self.min_face_px = int(min_face_px)
        # The shrunk near-search region is at most (1 + 2 * margin) face sides of _NEAR_FACE_SCALE smallest faces.
        self._near_side = int(np.ceil((1 + 2 * _NEAR_MARGIN) * _NEAR_FACE_SCALE * self.min_face_px / 16) * 16)
        self.full_scan_every = max(1, int(full_scan_every))
        self.motion_threshold = float(motion_threshold)
        self.idle_scan_every = max(1, int(idle_scan_every))
        self._since_full = 0
        self._idle_thumb: np.ndarray | None = None  # a 64x48 grey thumbnail of the last searched idle frame
        if getattr(detector, "name", "") == "yunet":  # its near-search network, allocated now rather than at an arrival
            self._full(np.zeros((self._near_side, self._near_side, 3), np.uint8))
        self._idle_skipped = 0

    # ------------------------------------------------------------ detection

    def detect(self, frame_rgb: np.ndarray) -> tuple[list[Box], str]:
        """Face boxes in this frame and how they were searched: "full", "near", or "skipped" (nobody there
        and nothing moved since the last search)."""
        faces, scan = self.detect_faces(frame_rgb)
        return [f.box for f in faces], scan

    def _full(self, frame_rgb: np.ndarray) -> list[Face]:
        if hasattr(self.detector, "detect_faces"):
            return list(self.detector.detect_faces(frame_rgb))
        return [Face(tuple(int(v) for v in box)) for box in self.detector.detect(frame_rgb)]

    def detect_faces(self, frame_rgb: np.ndarray) -> tuple[list[Face], str]:
        """The faces in this frame (boxes, and landmarks where the detector gives them) and how they were searched."""
        known = self.tracker.last_boxes()
        if not known:
            return self._detect_idle(frame_rgb)
        self._idle_thumb = None
        self._since_full += 1
        if self._since_full >= self.full_scan_every:
            self._since_full = 0
            return self._full(frame_rgb), "full"
        faces: list[Face] = []
        for box in known:
            for found in self._detect_near(frame_rgb, box):
                if all(iou(found.box, other.box) < _DUPLICATE_IOU for other in faces):
                    faces.append(found)
        if len(faces) < len(known):
            # Someone was not found near their last place (moved far, turned or left): search the whole frame.
            self._since_full = 0
            return self._full(frame_rgb), "full"
        faces.sort(key=lambda f: -(f.box[2] * f.box[3]))
        return faces, "near"

    def _detect_idle(self, frame_rgb: np.ndarray) -> tuple[list[Face], str]:
        thumb = cv2.resize(cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY), _THUMB_SIZE, interpolation=cv2.INTER_AREA)
        if (self.motion_threshold > 0 and self._idle_thumb is not None
                and self._idle_skipped + 1 < self.idle_scan_every
                and float((cv2.absdiff(thumb, self._idle_thumb) > _PIXEL_CHANGE).mean()) < self.motion_threshold):
            self._idle_skipped += 1
            return [], "skipped"
        self._idle_thumb = thumb
        self._idle_skipped = 0
        self._since_full = 0
        return self._full(frame_rgb), "full"

    def _detect_near(self, frame_rgb: np.ndarray, box: Box) -> list[Face]:
        height, width = frame_rgb.shape[:2]
        x, y, w, h = box
        side = max(w, h)
        margin = _NEAR_MARGIN * side
        x0, y0 = max(0, int(x - margin)), max(0, int(y - margin))
        x1, y1 = min(width, int(x + w + margin)), min(height, int(y + h + margin))
        if x1 - x0 < self.min_face_px or y1 - y0 < self.min_face_px:
            return []
        region = frame_rgb[y0:y1, x0:x1]
        scale = min(1.0, _NEAR_FACE_SCALE * self.min_face_px / side)
        if scale < 1.0:
            region = cv2.resize(region, (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))),
                                interpolation=cv2.INTER_AREA)
        # Every near search gets the same square input (the region top left, black beyond): a CNN detector then keeps
        # one network for it instead of re-allocating for each region's size (memory grew 32 MB an hour in the soak).
        canvas = np.zeros((self._near_side, self._near_side, 3), np.uint8)
        h, w = min(region.shape[0], self._near_side), min(region.shape[1], self._near_side)
        canvas[:h, :w] = region[:h, :w]
        region = canvas
        # A moved face keeps about its size: a much smaller or larger box in the shrunk region is not it (YuNet took
        # a whole empty demo scene, shrunk to about 100x100 pixels, for a face 3 times the tracked one).
        found = [face.moved(scale, x0, y0) for face in self._full(np.ascontiguousarray(region))]
        return [f for f in found if _NEAR_SIZES[0] * side <= max(f.box[2], f.box[3]) <= _NEAR_SIZES[1] * side]

    # ------------------------------------------------------------ ages

    def faces(self, frame_rgb: np.ndarray, faces: Sequence[Face | Box]) -> list[FaceResult]:
        """Age and group probabilities of each face (one batched model call); plain boxes count as faces
        without landmarks."""
        if not faces:
            return []
        faces = [f if isinstance(f, Face) else Face(tuple(int(v) for v in f)) for f in faces]
        boxes = [f.box for f in faces]
        results = []
        for box, estimate in zip(boxes, self.estimator.estimate(frame_rgb, boxes, [f.landmarks for f in faces])):
            probs = group_probabilities(estimate, self.estimator.ages, self.age_groups)
            group = max(probs, key=probs.get)
            results.append(FaceResult(box=tuple(int(v) for v in box), age=float(estimate.age), group=group,
                                      groups=probs, child_p=probability_under(estimate, self.estimator.ages, 13),
                                      minor_p=probability_under(estimate, self.estimator.ages, 18)))
        return results

    # ------------------------------------------------------------ the frame step

    def process(self, frame_rgb: np.ndarray, now: float) -> FrameResult:
        """Everything one frame tells: faces, ages, groups, light, and the audience as of `now`."""
        brightness = frame_brightness(frame_rgb)
        light = self.light.update(brightness)
        found, scan = self.detect_faces(frame_rgb)
        faces = self.faces(frame_rgb, found)
        audience = self.tracker.update(now, [FaceObservation(f.box, f.age, f.groups, f.child_p, f.minor_p)
                                                   for f in faces])
        return FrameResult(faces=tuple(faces), light=light, brightness=brightness, audience=audience, scan=scan)

    def no_frame(self, now: float) -> Audience:
        """No frame could be had (camera unavailable): nobody is seen and the light is unknown."""
        self.light.reset()
        self._since_full = 0
        self._idle_thumb = None
        return self.tracker.update_unseen(now)
