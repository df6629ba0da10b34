"""Fault matrix, camera rows: the real VisionPart and pipeline (model, detector) fed by a misbehaving frame source."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest
from fake_clock import FakeClock
from fault_rig import LogCapture, wait_for

from device.config.schema import CameraConfig, Config
from device.core.parts import Hub
from device.devtools.demo import ASSETS
from device.runtime.supervisor import PartRunner
from device.vision.age import default_model_path
from device.vision.part import VisionPart
from device.vision.sources import FrameSource

LISTENER = cv2.cvtColor(cv2.imread(str(ASSETS / "07-listener.jpg")), cv2.COLOR_BGR2RGB)


class ScriptedCamera(FrameSource):
    """A camera whose open() and read() do what the test says: a frame, an exception, or 'unplugged'."""

    plugged = True
    open_error: Exception | None = None
    frames: list = []
    opens = 0

    def open(self) -> None:
        type(self).opens += 1
        if not type(self).plugged:
            raise OSError("/dev/video0: No such device")
        if type(self).open_error is not None:
            raise type(self).open_error

    def _read_raw(self):
        if not type(self).plugged:
            raise RuntimeError("VIDIOC_DQBUF: No such device")
        item = type(self).frames.pop(0) if len(type(self).frames) > 1 else type(self).frames[0]
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "scripted camera"


@pytest.fixture
def camera():
    if not default_model_path().is_file():
        pytest.skip("the age model is not there (models/age_int8.tflite)")
    ScriptedCamera.plugged, ScriptedCamera.open_error, ScriptedCamera.frames, ScriptedCamera.opens = \
        True, None, [LISTENER], 0
    clock = FakeClock(1000.0)
    config = Config(camera=CameraConfig(reopen_min_s=1, reopen_max_s=8))
    hub = Hub()
    part = VisionPart(config, hub, clock=clock, source_factory=lambda cfg: ScriptedCamera())
    return part, hub, clock


def run_for(part, clock, seconds):
    end = clock() + seconds
    while clock() < end:
        clock.advance(max(0.05, part.step(clock())))


def test_raising_on_open_is_a_status_with_back_off_not_a_traceback():
    ScriptedCamera.open_error = RuntimeError("Camera __init__ sequence did not complete")
    logs = LogCapture()
    logging.getLogger().addHandler(logs)
    config = Config(camera=CameraConfig(reopen_min_s=1, reopen_max_s=8))
    part = VisionPart(config, Hub(), source_factory=lambda cfg: ScriptedCamera(),
                      pipeline_factory=lambda cfg: object())  # the model is not what this row is about
    runner = PartRunner(part, backoff_min=0.05, backoff_max=0.2)
    try:
        runner.start()
        wait_for(lambda: runner.failures >= 4, 5)
        assert runner.reason == ("camera unavailable: RuntimeError: Camera __init__ sequence did not complete")
        assert runner.healthy() and not runner.running
        assert logs.unhandled() == []
        assert len(logs.lines(logging.WARNING, "Camera __init__")) == 1  # one line, not one per retry
    finally:
        runner.request_stop()
        runner.join(2)
        logging.getLogger().removeHandler(logs)


def test_raising_on_read_closes_and_reopens_with_back_off(camera):
    part, hub, clock = camera
    part.start()
    ScriptedCamera.frames = [LISTENER, OSError("frame timeout"), LISTENER]
    run_for(part, clock, 0.1)
    part.step(clock())
    assert part.status() == "camera unavailable: OSError: frame timeout"
    run_for(part, clock, 3)
    assert part.status().startswith("camera ok")


@pytest.mark.parametrize("frame, what", [
    (np.zeros((0, 0, 3), np.uint8), "shape (0, 0, 3), uint8"),
    (np.zeros((480, 640), np.uint8), "shape (480, 640), uint8"),
    (np.zeros((480, 640, 4), np.uint8), "shape (480, 640, 4), uint8"),
    (np.zeros((480, 640, 3), np.float32), "shape (480, 640, 3), float32"),
    (None, "NoneType"),
])
def test_empty_or_odd_frames_are_refused_without_crashing(camera, frame, what):
    part, hub, clock = camera
    part.start()
    ScriptedCamera.frames = [frame, LISTENER]
    part.step(clock())
    assert part.status() == f"camera unavailable: unusable frame ({what}; expected height x width x 3 uint8)"
    assert not hub.latest("audience").present and hub.latest("light") == "unknown"
    run_for(part, clock, 2)
    assert part.status().startswith("camera ok")


@pytest.mark.parametrize("shape", [(7, 5, 3), (1, 1, 3), (3000, 40, 3), (481, 643, 3)])
def test_odd_sized_frames_are_processed(camera, shape):
    part, hub, clock = camera
    part.start()
    ScriptedCamera.frames = [np.full(shape, 90, np.uint8)]
    run_for(part, clock, 2)
    assert part.status().startswith("camera ok, nobody; faces by ")


def test_grey_frames_mean_nobody_and_a_light_level(camera):
    part, hub, clock = camera
    part.start()
    ScriptedCamera.frames = [np.full((480, 640, 3), 20, np.uint8)]
    run_for(part, clock, 6)
    assert part.status().startswith("camera ok, nobody; faces by ")
    assert hub.latest("light") == "dark"


def test_unplug_then_replug(camera):
    part, hub, clock = camera
    part.start()
    run_for(part, clock, 3)
    assert hub.latest("audience").present, "the listener was seen before the unplug"
    ScriptedCamera.plugged = False
    run_for(part, clock, 60)  # longer than vision.leave_after_s (30)
    assert part.status().startswith("camera unavailable: ")
    assert not hub.latest("audience").present, "listeners leave while the camera is away"
    opens = ScriptedCamera.opens
    run_for(part, clock, 40)
    assert ScriptedCamera.opens - opens <= 6, "reopen attempts back off (capped at reopen_max_s = 8)"
    ScriptedCamera.plugged = True
    run_for(part, clock, 12)
    assert part.status().startswith("camera ok")
    assert hub.latest("audience").present
