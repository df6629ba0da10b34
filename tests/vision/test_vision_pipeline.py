"""The vision pipeline on real photos (the real Haar detector) and the room light meter."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from vision_standins import ASTRONAUT, COFFEE, DEMO, FixedAgeEstimator, real_model_or_skip

from device.config.schema import CameraConfig, Config, VisionConfig
from device.vision.light import LightMeter, frame_brightness
from device.vision.pipeline import VisionPipeline, build_pipeline
from device.vision.sources import ImageFolderSource


def rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def pipeline(config: Config, estimator=None, detector=None) -> VisionPipeline:
    return build_pipeline(config, estimator=estimator or FixedAgeEstimator(), detector=detector)


# ------------------------------------------------------------------ light


def test_frame_brightness_is_the_mean_luma():
    assert frame_brightness(np.zeros((480, 640, 3), np.uint8)) == 0
    assert frame_brightness(np.full((480, 640, 3), 255, np.uint8)) == pytest.approx(255, abs=0.5)
    green = np.zeros((120, 160, 3), np.uint8)
    green[..., 1] = 200
    assert frame_brightness(green) == pytest.approx(0.587 * 200, abs=0.5)
    photo = rgb(ASTRONAUT)
    assert frame_brightness(photo) == pytest.approx(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).mean(), abs=2.0)


def test_light_levels_with_a_margin_against_flapping():
    meter = LightMeter(dark_below=40, dim_below=100, margin=8, window=1)
    assert meter.level == "unknown"
    assert meter.update(150) == "bright"
    assert meter.update(95) == "bright"  # just below the threshold: within the margin
    assert meter.update(101) == "bright"
    assert meter.update(90) == "dim"  # clearly below
    assert meter.update(104) == "dim"  # just above: still dim
    assert meter.update(30) == "dark"
    assert meter.update(45) == "dark"
    assert meter.update(49) == "dim"
    meter.reset()
    assert meter.level == "unknown"


def test_light_uses_the_mean_of_recent_frames():
    meter = LightMeter(dark_below=40, dim_below=100, margin=0, window=3)
    assert meter.update(200) == "bright"
    assert meter.update(10) == "bright"  # mean 105
    assert meter.update(10) == "dim"  # mean 73
    assert meter.update(10) == "dark"


def test_light_rejects_crossed_thresholds():
    with pytest.raises(ValueError):
        LightMeter(dark_below=120, dim_below=100)


# ------------------------------------------------------------------ pipeline


def test_astronaut_face_is_found_and_coffee_has_none():
    p = pipeline(Config())
    result = p.process(rgb(ASTRONAUT), now=0.0)
    assert result.scan == "full"
    assert len(result.faces) >= 1
    x, y, w, h = result.faces[0].box
    assert 220 <= x <= 270 and 40 <= y <= 80 and 80 <= w <= 110  # her face, in the letterboxed frame
    assert result.faces[0].group == "30-39"  # the stand-in says 38
    assert sum(result.faces[0].groups.values()) == pytest.approx(1.0)
    assert result.light in ("dim", "bright") and not result.audience.present
    empty = pipeline(Config()).process(rgb(COFFEE), now=0.0)
    assert empty.faces == () and not empty.audience.present


def test_demo_sequence_arrives_stays_and_leaves():
    config = Config(camera=CameraConfig(source="images", images=str(DEMO)),
                    vision=VisionConfig(arrive_frames=3, window_frames=5, leave_after_s=3.0))
    p = pipeline(config)
    present, scans = [], []
    with ImageFolderSource(str(DEMO), loop=True) as source:
        for i in range(14):  # 10 demo frames, then the first four again
            result = p.process(source.read(), now=float(i))
            present.append(result.audience.present)
            scans.append(result.scan)
    # Faces in frames 2..7: arrival confirmed at frame 4; last seen at 7, gone once more than 3 s passed (11).
    assert present == [False] * 4 + [True] * 7 + [False] * 3
    assert "near" in scans  # tracked faces were searched for near their last place
    assert result.audience.listeners == ()


def test_near_search_finds_the_same_face_as_a_full_scan():
    frame = rgb(ASTRONAUT)
    config = Config(vision=VisionConfig(full_scan_every=100))
    p = pipeline(config)
    first = p.process(frame, now=0.0)
    assert first.scan == "full"  # nobody tracked yet
    near = [p.process(frame, now=float(1 + i)) for i in range(6)]
    reference = first.faces[0].box
    for result in near:
        assert result.scan == "near"
        box = result.faces[0].box
        assert max(abs(a - b) for a, b in zip(box, reference)) <= 0.15 * reference[2], (box, reference)
    assert near[-1].audience.present


def test_full_scan_every_n_frames_while_tracking():
    frame = rgb(ASTRONAUT)
    p = pipeline(Config(vision=VisionConfig(full_scan_every=3)))
    scans = [p.process(frame, now=float(i)).scan for i in range(10)]
    assert scans[0] == "full"
    assert scans.count("full") in (4, 5) and scans.count("near") >= 5


def test_no_frame_ages_the_audience_and_forgets_the_light():
    p = pipeline(Config(vision=VisionConfig(leave_after_s=5.0)))
    frame = rgb(ASTRONAUT)
    for i in range(4):
        p.process(frame, now=float(i))
    assert p.tracker.audience.present and p.light.level != "unknown"
    assert p.no_frame(6.0).present
    assert not p.no_frame(9.0).present
    assert p.light.level == "unknown"


def test_with_the_real_model_the_astronaut_is_an_adult():
    model = real_model_or_skip()
    p = build_pipeline(Config(vision=VisionConfig(model=str(model))))
    result = p.process(rgb(ASTRONAUT), now=0.0)
    assert result.faces, "no face found on the astronaut photo"
    # An adult, whatever model is shipped. How close one photo comes to her age (about 40; issue #3 asks for
    # 30-55) is a measurement, printed by `mirrorball bench`, not a pass/fail: small shifts of the crop move a
    # single photo's estimate by +-8 years (models/report/ablation.md), so it says little about the model.
    assert 18 <= result.faces[0].age <= 65, result.faces[0]


def test_a_phantom_face_does_not_become_a_listener():
    # The astronaut's photo 20 px further into a larger frame: the first Haar cascade also takes the space shuttle
    # model for a face. Unconfirmed, that phantom arrives as a second listener (the issue-16 model read it as a child,
    # the issue-22 one as a 60+ adult: either changes the music); confirmed, only she does.
    model = real_model_or_skip()
    frame = np.zeros((520, 680, 3), np.uint8)
    frame[20:500, 20:660] = rgb(ASTRONAUT)
    audiences = {}
    for confirm in (False, True):
        p = build_pipeline(Config(vision=VisionConfig(model=str(model), detector="haar", confirm_faces=confirm,
                                                      full_scan_every=1)))
        for i in range(5):
            result = p.process(frame, now=float(i))
        audiences[confirm] = result.audience
    assert len(audiences[False].listeners) == 2
    assert len(audiences[True].listeners) == 1
    she = audiences[True].listeners[0]
    assert 18 <= she.age <= 65 and she.group in audiences[False].groups


def test_yunet_sees_no_shuttle_and_passes_its_landmarks_to_the_age_model():
    # The same frame with the default detector (YuNet): one listener, no phantom, and the estimator gets her eyes.
    model = real_model_or_skip()
    frame = np.zeros((520, 680, 3), np.uint8)
    frame[20:500, 20:660] = rgb(ASTRONAUT)
    p = build_pipeline(Config(vision=VisionConfig(model=str(model), full_scan_every=1)))
    if p.detector.name != "yunet":
        pytest.skip(f"YuNet is not installed (make models): {p.detector.problem}")
    seen = []
    estimate = p.estimator.estimate
    p.estimator.estimate = lambda f, boxes, landmarks=None: seen.append(landmarks) or estimate(f, boxes, landmarks)
    for i in range(5):
        result = p.process(frame, now=float(i))
    assert len(result.audience.listeners) == 1 and "0-12" not in result.audience.groups
    assert all(marks is not None and marks[0] is not None and marks[0].shape == (5, 2) for marks in seen)


# ------------------------------------------------------------------ motion gating


def test_an_unchanged_empty_room_is_searched_only_every_idle_scan_every_frames():
    room = rgb(DEMO / "00-empty.jpg")
    p = pipeline(Config(vision=VisionConfig(motion_threshold=0.01, idle_scan_every=5)))
    rng = np.random.default_rng(7)
    scans = []
    for i in range(11):
        noisy = np.clip(room.astype(np.int16) + rng.normal(0, 3, room.shape).round().astype(np.int16), 0, 255)
        scans.append(p.process(noisy.astype(np.uint8), now=float(i)).scan)  # sensor noise is not motion
    assert scans == ["full"] + ["skipped"] * 4 + ["full"] + ["skipped"] * 4 + ["full"]


def test_someone_walking_in_is_searched_at_once_and_gating_can_be_off():
    empty = rgb(DEMO / "00-empty.jpg")
    walking_in = rgb(DEMO / "02-listener.jpg")
    p = pipeline(Config(vision=VisionConfig(motion_threshold=0.01, idle_scan_every=100)))
    scans = [p.process(frame, now=float(i)).scan for i, frame in enumerate([empty, empty, empty, walking_in])]
    assert scans == ["full", "skipped", "skipped", "full"]
    assert p.tracker.last_boxes()  # found her
    always = pipeline(Config(vision=VisionConfig(motion_threshold=0.0)))
    assert [always.process(empty, now=float(i)).scan for i in range(3)] == ["full"] * 3
