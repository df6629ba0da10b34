"""Privacy: running the camera-to-audience pipeline on real photos writes no image anywhere and opens no connection."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.config.schema import CameraConfig, Config, DebugConfig, VisionConfig
from device.parts import Hub
from device.vision.part import VisionPart
from device.vision.pipeline import build_pipeline
from vision_standins import DEMO, FixedAgeEstimator, real_model_or_skip

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class PrivacyViolation(AssertionError):
    """Something tried to write or send an image."""


class _Recorder:
    """Collects, while active, every file opened for writing and every socket connection (Python audit events)."""

    def __init__(self):
        self.active = False
        self.writes: list[str] = []
        self.connections: list[str] = []

    def __call__(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and not str(path).endswith((".pyc", ".pyc.tmp")) and "__pycache__" not in str(path):
                self.writes.append(str(path))
        elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            self.connections.append(f"{event} {args[1:] if len(args) > 1 else args}")


_RECORDER = _Recorder()
sys.addaudithook(_RECORDER)  # audit hooks cannot be removed; it records only while a test activates it


def _snapshot(*folders: Path) -> set[tuple[str, int, float]]:
    found = set()
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found.add((path, st.st_size, st.st_mtime))
    return found


@pytest.fixture
def watched(tmp_path, monkeypatch):
    """Empty cwd, $TMPDIR and $HOME to watch; image writers that fail loudly; the audit recorder on."""
    places = {name: tmp_path / name for name in ("cwd", "tmp", "home")}
    for folder in places.values():
        folder.mkdir()
    monkeypatch.chdir(places["cwd"])
    monkeypatch.setenv("TMPDIR", str(places["tmp"]))
    monkeypatch.setenv("HOME", str(places["home"]))
    monkeypatch.setattr(tempfile, "tempdir", str(places["tmp"]))

    def refuse(name):
        def writer(*args, **kwargs):
            raise PrivacyViolation(f"{name} was called while the vision pipeline ran")
        return writer

    for name in ("imwrite", "imwritemulti", "imencode", "VideoWriter"):
        monkeypatch.setattr(cv2, name, refuse(f"cv2.{name}"))
    for name in ("save", "savez", "savez_compressed", "savetxt"):
        monkeypatch.setattr(np, name, refuse(f"numpy.{name}"))
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        monkeypatch.setattr(Image.Image, "save", refuse("PIL.Image.save"))
    assert _snapshot(*places.values()) == set()
    _RECORDER.writes.clear()
    _RECORDER.connections.clear()
    _RECORDER.active = True
    try:
        yield places
    finally:
        _RECORDER.active = False


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
    _RECORDER.active = False
    assert _RECORDER.writes == [], f"files opened for writing: {_RECORDER.writes}"
    assert _RECORDER.connections == [], f"network connections: {_RECORDER.connections}"
    assert _snapshot(watched["cwd"], watched["tmp"], watched["home"]) == set()  # all three were empty before
    assert not (watched["tmp"] / "frames").exists()


def test_the_guard_does_catch_a_frame_being_saved(watched):
    """The same run with debug.save_frames on must trip the guard: the test above can fail."""
    config = Config(camera=CameraConfig(source="images", images=str(DEMO)),
                    debug=DebugConfig(save_frames=True, frames_dir=str(watched["tmp"] / "frames")))
    with pytest.raises(PrivacyViolation, match="cv2.imwrite"):
        _run_part(config, FixedAgeEstimator())
    _RECORDER.active = False
    assert (watched["tmp"] / "frames").is_dir()  # the folder was made just before the write was refused


def test_the_recorder_sees_python_file_writes(watched):
    """And a plain Python write of image bytes is recorded (the audit hook works here)."""
    (watched["cwd"] / "leak.jpg").write_bytes(b"\xff\xd8\xff")
    _RECORDER.active = False
    assert any(path.endswith("leak.jpg") for path in _RECORDER.writes)
