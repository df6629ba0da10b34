"""Train/serve parity: the training crops and the runtime crops of the same image are identical arrays."""

import numpy as np
import pytest
from age_helpers import astronaut, shared_faces, shipped_model

from device.config.schema import VisionConfig
from device.vision.age import AgeEstimator
from device.vision.crop import CropSpec, face_crop
from device.vision.detect import make_detector
from training.data import SplitSpec, build_crops, chip_crop, letterbox, list_images, read_rgb


def _yunet_or_skip(vision=None):
    detector = make_detector(vision or VisionConfig())
    if detector.name != "yunet":
        pytest.skip(f"the YuNet model is not installed (make models): {detector.problem}")
    return detector


def _runtime_crop(frame, spec):
    """What the device does with a camera frame: the pipeline's detector and faces, the largest one's crop as the
    estimator makes it."""
    from vision.vision_standins import FixedAgeEstimator

    from device.config.schema import Config
    from device.vision.pipeline import build_pipeline

    class Recording(FixedAgeEstimator):
        def estimate(self, frame_rgb, boxes, landmarks=None):
            self.crops = [face_crop(frame_rgb, b, spec, lm) for b, lm in zip(boxes, landmarks or [None] * len(boxes))]
            return super().estimate(frame_rgb, boxes, landmarks)

    estimator = Recording()
    pipeline = build_pipeline(Config(), estimator=estimator, detector=_yunet_or_skip())
    result = pipeline.process(frame, now=0.0)
    assert result.faces, "the runtime detector found no face"
    return estimator.crops[0]


@pytest.mark.parametrize("spec", [CropSpec(size=64, align=True), CropSpec(size=64, box_scale=0.95, center_shift=0.07)])
def test_astronaut_training_crop_equals_runtime_crop(spec):
    photo = astronaut()
    train_crop, found = chip_crop(photo, _yunet_or_skip(VisionConfig(confirm_faces=False)), spec, border=50)
    assert found
    np.testing.assert_array_equal(train_crop, _runtime_crop(letterbox(photo, 50), spec))


def test_shared_chips_aligned_training_crops_equal_runtime_crops():
    """Eye-aligned crops of real training chips (build_crops, as training caches them) equal the arrays the device's
    pipeline hands the age model for the same frame."""
    spec = CropSpec(size=64, align=True)
    _yunet_or_skip()
    items, _ = list_images(shared_faces())
    items = items[::700][:12]
    data = build_crops(items, spec, SplitSpec(), border=50, workers=1)
    for (path, _), train_crop, found in zip(items, data.crops, data.detected):
        assert found
        np.testing.assert_array_equal(train_crop, _runtime_crop(letterbox(read_rgb(path), 50), spec))


def test_shared_chips_training_crops_equal_runtime_crops():
    """For real training chips: the arrays the training cache holds equal the device's arrays for that frame,
    and the estimator's frame path gives the same ages as scoring those training crops."""
    est = AgeEstimator(shipped_model())
    items, _ = list_images(shared_faces())
    items = items[::400][:20]
    data = build_crops(items, est.crop_spec, SplitSpec(), border=est.letterbox_border, workers=1)
    detector = make_detector(VisionConfig())
    compared = 0
    for (path, _), train_crop, found in zip(items, data.crops, data.detected):
        frame = letterbox(read_rgb(path), est.letterbox_border)  # the chip seen as part of a camera frame
        boxes = detector.detect(frame)  # confirmed by the second cascade, as on the device
        if not boxes:  # the device would not see this face: nothing to compare
            continue
        assert found  # training crops are framed by the same first cascade, unconfirmed
        np.testing.assert_array_equal(train_crop, face_crop(frame, boxes[0], est.crop_spec))
        [runtime] = est.estimate(frame, boxes[:1])
        [training] = est.estimate_crops(train_crop[None])
        assert runtime.age == training.age
        compared += 1
    assert compared >= 15
