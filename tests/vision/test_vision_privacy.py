"""Privacy: running the camera-to-audience pipeline on real photos writes no image anywhere and opens no connection."""

from __future__ import annotations

import pytest
from privacy_guard import RECORDER, PrivacyViolation, isolate_places, refuse_image_writers, snapshot
from vision_standins import DEMO, FixedAgeEstimator, real_model_or_skip

from device.config.schema import CameraConfig, Config, DebugConfig, VisionConfig
from device.core.parts import Hub
from device.vision.part import VisionPart
from device.vision.pipeline import build_pipeline


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """Empty cwd, $TMPDIR and $HOME to watch; image writers that fail loudly; the audit recorder on."""
    places = isolate_places(tmp_path, monkeypatch)
    refuse_image_writers(monkeypatch, [], "the vision pipeline")
    assert snapshot(*places.values()) == {}
    with RECORDER.recording():
        yield places


def _run_part(config: Config, estimator) -> VisionPart:
    hub = Hub()
    part = VisionPart(config, hub, pipeline_factory=lambda cfg: build_pipeline(cfg, estimator=estimator))
    part.start()
    arrived = False
    for i in range(12):
        part.step(float(i))
        arrived = arrived or hub.latest("audience").present
    part.stop()
    assert arrived, "the pipeline never saw the listener in the demo frames: this test would prove nothing"
    return part


@pytest.mark.parametrize("model", ["trained model", "stand-in estimator"])
def test_the_pipeline_writes_no_image_and_sends_nothing(watched, model):
    if model == "trained model":
        estimator = None  # build_pipeline loads the real one
        model_path = real_model_or_skip()
        vision = VisionConfig(model=str(model_path), leave_after_s=3.0)
    else:
        estimator = FixedAgeEstimator()
        vision = VisionConfig(leave_after_s=3.0)
    config = Config(camera=CameraConfig(source="images", images=str(DEMO)), vision=vision,
                    debug=DebugConfig(save_frames=False, frames_dir=str(watched["tmp"] / "frames")))
    _run_part(config, estimator)
    RECORDER.active = False
    assert RECORDER.writes == [], f"files opened for writing: {RECORDER.writes}"
    assert RECORDER.connects == [], f"network connections: {RECORDER.connects}"
    assert RECORDER.sends == [], f"datagrams sent: {RECORDER.sends}"
    assert snapshot(watched["cwd"], watched["tmp"], watched["home"]) == {}  # all three were empty before
    assert not (watched["tmp"] / "frames").exists()


def test_the_guard_does_catch_a_frame_being_saved(watched):
    """The same run with debug.save_frames on must trip the guard: the test above can fail."""
    config = Config(camera=CameraConfig(source="images", images=str(DEMO)),
                    debug=DebugConfig(save_frames=True, frames_dir=str(watched["tmp"] / "frames")))
    with pytest.raises(PrivacyViolation, match="cv2.imwrite"):
        _run_part(config, FixedAgeEstimator())
    RECORDER.active = False
    assert (watched["tmp"] / "frames").is_dir()  # the folder was made just before the write was refused


def test_the_recorder_sees_python_file_writes(watched):
    """And a plain Python write of image bytes is recorded (the audit hook works here)."""
    (watched["cwd"] / "leak.jpg").write_bytes(b"\xff\xd8\xff")
    RECORDER.active = False
    assert any(path.endswith("leak.jpg") for _, path in RECORDER.writes)
