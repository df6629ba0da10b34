"""VisionPart: publishing on the hub, reopen with capped exponential back-off, replay end, status, save_frames."""

from __future__ import annotations

import logging

import pytest
from vision_standins import ASTRONAUT, DEMO, FixedAgeEstimator

from device.config.schema import CameraConfig, Config, DebugConfig, VisionConfig
from device.core.parts import Hub, Unavailable
from device.core.values import Audience
from device.vision.part import VisionPart, describe_audience
from device.vision.pipeline import build_pipeline
from device.vision.sources import ImageFolderSource


class FlakySource(ImageFolderSource):
    """Real photos, but open() and read() fail as often as the shared plan says; every attempt is logged."""

    def __init__(self, plan: dict, log: list, pattern: str):
        super().__init__(pattern, loop=True)
        self.plan, self.log = plan, log

    def open(self):
        if self.plan.get("open_failures", 0) > 0:
            self.plan["open_failures"] -= 1
            self.log.append("open-fail")
            raise Unavailable("camera unavailable: /dev/video0 is gone")
        super().open()
        self.log.append("open")

    def _read_raw(self):
        if self.plan.get("read_failures", 0) > 0:
            self.plan["read_failures"] -= 1
            self.log.append("read-fail")
            raise self.plan.get("read_error", Unavailable("camera unavailable: no frame from webcam 0"))
        self.log.append("read")
        return super()._read_raw()

    def close(self):
        self.log.append("close")
        super().close()


def make_part(config: Config, plan: dict | None = None, log: list | None = None, pattern: str = str(ASTRONAUT)):
    hub = Hub()
    plan = {} if plan is None else plan
    log = [] if log is None else log
    part = VisionPart(config, hub, clock=lambda: 0.0, wall_clock=lambda: 1700000000.0,
                      source_factory=lambda camera_cfg: FlakySource(plan, log, pattern),
                      pipeline_factory=lambda cfg: build_pipeline(cfg, estimator=FixedAgeEstimator()))
    return part, hub, plan, log


def config(**camera) -> Config:
    camera = {"source": "images", "images": str(ASTRONAUT), "reopen_min_s": 1.0, "reopen_max_s": 4.0,
              "idle_fps": 1.0, "active_fps": 4.0, "present_fps": 1.0, **camera}
    return Config(camera=CameraConfig(**camera), vision=VisionConfig(leave_after_s=5.0))


def test_publishes_the_audience_and_light_and_says_so_in_its_status():
    part, hub, _, _ = make_part(config())
    assert part.status() == "camera not started"
    part.start()
    waits = [part.step(float(i) * 0.25) for i in range(4)]
    assert waits[0] == pytest.approx(0.25)  # a face is being confirmed: sample faster
    audience = hub.latest("audience")
    assert isinstance(audience, Audience) and [listener.group for listener in audience.listeners] == ["30-39"]
    assert hub.latest("light") in ("dim", "bright")
    assert part.status().startswith("camera ok, 1 listener (30-39); faces by ")
    assert waits[-1] == pytest.approx(1.0)  # present: back to the present rate
    part.stop()


def test_open_failure_at_start_is_unavailable_with_the_reason():
    part, _, plan, log = make_part(config(), plan={"open_failures": 1})
    with pytest.raises(Unavailable, match=r"^camera unavailable: /dev/video0 is gone$"):
        part.start()
    assert part.status() == "camera unavailable: /dev/video0 is gone"
    part.start()  # the supervisor tries again: now it opens
    assert log == ["open-fail", "open"]
    assert part.status().startswith("camera ok, nobody; faces by ")


def test_read_and_reopen_failures_back_off_exponentially_capped_then_reset(caplog):
    caplog.set_level(logging.WARNING, logger="device.vision.part")
    part, hub, plan, log = make_part(config(reopen_min_s=1.0, reopen_max_s=4.0))
    part.start()
    part.step(0.0)
    assert log == ["open", "read"]

    plan.update(read_failures=1, open_failures=3)
    attempts = []
    t = 1.0
    while t <= 20.0:
        before = len(log)
        wait = part.step(t)
        assert 0 < wait <= 1.0  # keeps stepping at least at the idle rate, publishing an ageing audience
        if any(entry.startswith("open") for entry in log[before:]):
            attempts.append(t)
        t += 0.5
    # read fails at 1 -> reopen at 2 (fails), 2+2=4 (fails), 4+4=8 (fails), 8+4=12 (capped; opens).
    assert attempts == [2.0, 4.0, 8.0, 12.0]
    assert log[2:6] == ["read-fail", "close", "open-fail", "open-fail"]
    assert part.status().startswith("camera ok")
    assert "camera unavailable: no frame from webcam 0; trying again in 1 s" in caplog.text
    assert "trying again in 4 s" in caplog.text
    assert hub.latest("light") in ("dim", "bright")

    # Healthy again: the next failure waits the minimum again.
    plan.update(read_failures=1)
    part.step(30.0)
    before = len(log)
    part.step(30.5)
    assert log[before:] == []
    part.step(31.0)
    assert log[before:] == ["open", "read"]


def test_any_read_exception_counts_as_a_lost_camera():
    part, _, plan, log = make_part(config())
    part.start()
    plan.update(read_failures=1, read_error=RuntimeError("libcamera: dequeue timed out"))
    part.step(0.0)
    assert part.status() == "camera unavailable: RuntimeError: libcamera: dequeue timed out"
    assert log[-1] == "close"


def test_listeners_leave_while_the_camera_is_away():
    part, hub, plan, _ = make_part(config())
    part.start()
    for i in range(4):
        part.step(i * 0.25)
    assert hub.latest("audience").present
    plan.update(read_failures=1, open_failures=100)
    t = 1.0
    while t < 7.0:
        part.step(t)
        t += 0.5
    assert not hub.latest("audience").present  # leave_after_s is 5
    assert hub.latest("light") == "unknown"
    assert part.status() == "camera unavailable: /dev/video0 is gone"


def test_a_finished_replay_stops_without_reopening():
    cfg = config(images=str(DEMO / "0[0-1]-*.jpg"), loop=False)
    hub = Hub()
    part = VisionPart(cfg, hub, pipeline_factory=lambda c: build_pipeline(c, estimator=FixedAgeEstimator()))
    part.start()
    part.step(0.0)
    part.step(1.0)
    assert part.step(2.0) == pytest.approx(1.0)
    assert "replay has ended" in part.status()
    for t in (3.0, 10.0, 100.0):
        part.step(t)
    assert "replay has ended" in part.status()


def test_missing_model_is_one_sentence_naming_the_file(tmp_path):
    cfg = Config(camera=CameraConfig(source="images", images=str(DEMO)),
                 vision=VisionConfig(model=str(tmp_path / "age_int8.tflite")))
    part = VisionPart(cfg, Hub())
    with pytest.raises(Unavailable) as caught:
        part.start()
    assert str(caught.value) == f"vision unavailable: the age model {tmp_path / 'age_int8.tflite'} does not exist"
    assert part.status() == str(caught.value)


def test_save_frames_writes_jpegs_and_warns(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="device.vision.part")
    frames_dir = tmp_path / "frames"
    cfg = Config(camera=CameraConfig(source="images", images=str(ASTRONAUT)),
                 debug=DebugConfig(save_frames=True, frames_dir=str(frames_dir)))
    part, _, _, _ = make_part(cfg)
    part.start()
    assert "debug.save_frames is on" in caplog.text and str(frames_dir) in caplog.text
    part.step(0.0)
    saved = list(frames_dir.iterdir())
    assert [p.name for p in saved] == ["frame-1700000000.000.jpg"]
    assert saved[0].read_bytes()[:2] == b"\xff\xd8"


def test_describe_audience():
    from device.core.values import Listener

    assert describe_audience(Audience()) == "nobody"
    two = Audience(listeners=(Listener(1, "30-39", 35.0, 0.0), Listener(2, "0-12", 8.0, 0.0)))
    assert describe_audience(two) == "2 listeners (30-39, 0-12)"
