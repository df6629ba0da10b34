"""Frame sources against real files: a folder of photos, a video written by OpenCV here, and the Pi camera path."""

from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

from device.config.schema import CameraConfig
from device.core.parts import Unavailable
from device.vision.sources import (
    PICAMERA2_APT,
    EndOfFrames,
    ImageFolderSource,
    OpenCVSource,
    Picamera2Source,
    open_source,
)

ASSETS = Path(__file__).resolve().parents[2] / "device" / "assets"
DEMO = ASSETS / "demo"


def rgb_of(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


# ------------------------------------------------------------------ images


def test_image_folder_replays_photos_in_name_order_and_loops():
    files = sorted(DEMO.glob("*.jpg"))
    assert len(files) >= 5
    with ImageFolderSource(str(DEMO), loop=True) as source:
        assert source.describe() == f"images {DEMO}"
        for path in files:
            frame = source.read()
            assert frame.dtype == np.uint8 and frame.shape == (480, 640, 3)
            assert np.array_equal(frame, rgb_of(path))
        assert np.array_equal(source.read(), rgb_of(files[0]))  # looped


def test_image_glob_without_loop_ends(tmp_path):
    pattern = str(DEMO / "0[0-2]-*.jpg")
    source = ImageFolderSource(pattern, loop=False)
    source.open()
    assert len(source.files) == 3
    for _ in range(3):
        source.read()
    with pytest.raises(EndOfFrames, match="camera unavailable: .*ended"):
        source.read()


def test_image_folder_skips_unreadable_files_and_shrinks_big_photos(tmp_path, caplog):
    shutil.copy(ASSETS / "astronaut_640x480.jpg", tmp_path / "b.jpg")
    (tmp_path / "a.jpg").write_bytes(b"not a jpeg at all")
    (tmp_path / "notes.txt").write_text("ignored: not an image suffix")
    big = cv2.resize(cv2.imread(str(ASSETS / "coffee.jpg")), (1200, 800))
    cv2.imwrite(str(tmp_path / "c.png"), big)
    source = ImageFolderSource(str(tmp_path), width=640, height=480, loop=False)
    source.open()
    assert [Path(f).name for f in source.files] == ["a.jpg", "b.jpg", "c.png"]
    first = source.read()
    assert np.array_equal(first, rgb_of(tmp_path / "b.jpg"))
    assert "a.jpg" in caplog.text
    assert source.read().shape == (427, 640, 3)  # 1200x800 fitted into 640x480, aspect kept


def test_empty_or_missing_folder_is_unavailable(tmp_path):
    with pytest.raises(Unavailable, match=r"^camera unavailable: no photos found at"):
        ImageFolderSource(str(tmp_path)).open()
    with pytest.raises(Unavailable, match=r"^camera unavailable: no photos found at"):
        ImageFolderSource(str(tmp_path / "nowhere" / "*.jpg")).open()
    with pytest.raises(Unavailable, match="names no folder"):
        ImageFolderSource("").open()


@pytest.mark.parametrize("rotation,hflip", [(90, False), (180, False), (270, False), (0, True), (90, True)])
def test_rotation_and_mirroring(rotation, hflip):
    original = rgb_of(ASSETS / "astronaut_640x480.jpg")
    expected = np.rot90(original, k=-rotation // 90)  # clockwise
    if hflip:
        expected = expected[:, ::-1]
    with ImageFolderSource(str(ASSETS / "astronaut_640x480.jpg"), rotation=rotation, hflip=hflip,
                           width=4096, height=4096) as source:
        assert np.array_equal(source.read(), expected)


# ------------------------------------------------------------------ opencv


COLOURS_RGB = [(230, 20, 20), (20, 230, 20), (20, 20, 230), (230, 230, 20), (20, 230, 230), (128, 128, 128)]


@pytest.fixture
def video(tmp_path) -> Path:
    """A six-frame 160x120 MJPG video written by OpenCV: one solid colour per frame, in COLOURS_RGB order."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, (160, 120))
    assert writer.isOpened()
    for rgb in COLOURS_RGB:
        frame = np.zeros((120, 160, 3), np.uint8)
        frame[:] = rgb[::-1]  # OpenCV writes BGR
        writer.write(frame)
    writer.release()
    return path


def test_video_file_frames_come_back_rgb_in_order_and_loop(video):
    with OpenCVSource(str(video), loop=True) as source:
        assert source.describe() == f"video file {video}"
        frames = [source.read() for _ in range(len(COLOURS_RGB) + 2)]
    for frame, rgb in zip(frames, COLOURS_RGB + COLOURS_RGB[:2]):
        assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8
        assert np.abs(frame.reshape(-1, 3).mean(axis=0) - rgb).max() < 8, (frame[0, 0], rgb)


def test_video_file_without_loop_ends(video):
    source = OpenCVSource(str(video), loop=False)
    source.open()
    for _ in COLOURS_RGB:
        source.read()
    with pytest.raises(EndOfFrames):
        source.read()
    source.close()
    source.close()  # twice is fine


def test_video_file_is_mirrored_and_rotated(video):
    with OpenCVSource(str(video), rotation=90, hflip=True) as source:
        assert source.read().shape == (160, 120, 3)


def test_missing_video_and_missing_webcam_are_unavailable(tmp_path):
    with pytest.raises(Unavailable, match=r"^camera unavailable: the video file .* does not exist"):
        OpenCVSource(str(tmp_path / "gone.mp4")).open()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 64)
    with pytest.raises(Unavailable, match=r"^camera unavailable: OpenCV cannot open video file"):
        OpenCVSource(str(broken)).open()
    webcam = OpenCVSource("57")  # a digit string is a webcam index; /dev/video57 does not exist here
    assert webcam.describe() == "webcam 57"
    with pytest.raises(Unavailable, match=r"^camera unavailable: OpenCV cannot open webcam 57"):
        webcam.open()


def test_read_before_open_is_unavailable(video):
    with pytest.raises(Unavailable, match="not open"):
        OpenCVSource(str(video)).read()


# ------------------------------------------------------------------ picamera2


def test_picamera2_missing_names_the_apt_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)  # importing it now raises ImportError
    with pytest.raises(Unavailable) as caught:
        Picamera2Source().open()
    message = str(caught.value)
    assert message.startswith("camera unavailable: picamera2 is not installed")
    assert PICAMERA2_APT in message


class _StandInPicamera2:
    """Behaves like picamera2.Picamera2 for one camera: RGB888 frames arrive as [B, G, R], from a real photo."""

    instances: list[_StandInPicamera2] = []

    def __init__(self, camera_num=0):
        self.calls = []
        self.configured = None
        self.photo_bgr = cv2.imread(str(ASSETS / "astronaut_640x480.jpg"))
        _StandInPicamera2.instances.append(self)

    def create_video_configuration(self, main=None, buffer_count=None, **kw):
        return {"main": dict(main), "buffer_count": buffer_count}

    def configure(self, config):
        self.calls.append("configure")
        self.configured = config

    def start(self):
        self.calls.append("start")

    def capture_array(self, name="main"):
        self.calls.append(f"capture_array:{name}")
        return self.photo_bgr.copy()

    def stop(self):
        self.calls.append("stop")

    def close(self):
        self.calls.append("close")


def test_picamera2_is_configured_once_and_frames_are_rgb(monkeypatch):
    module = types.ModuleType("picamera2")
    module.Picamera2 = _StandInPicamera2
    monkeypatch.setitem(sys.modules, "picamera2", module)
    _StandInPicamera2.instances.clear()
    source = open_source(CameraConfig(source="picamera2", width=640, height=480))
    assert isinstance(source, Picamera2Source)
    source.open()
    frames = [source.read() for _ in range(3)]
    source.close()
    (camera,) = _StandInPicamera2.instances
    assert camera.configured["main"] == {"size": (640, 480), "format": "RGB888"}
    assert camera.calls == ["configure", "start"] + ["capture_array:main"] * 3 + ["stop", "close"]
    assert np.array_equal(frames[0], rgb_of(ASSETS / "astronaut_640x480.jpg"))


def test_picamera2_start_failure_is_unavailable(monkeypatch):
    class NoCamera(_StandInPicamera2):
        def __init__(self, camera_num=0):
            raise IndexError("list index out of range")  # what picamera2 raises when no camera is attached

    module = types.ModuleType("picamera2")
    module.Picamera2 = NoCamera
    monkeypatch.setitem(sys.modules, "picamera2", module)
    with pytest.raises(Unavailable, match=r"^camera unavailable: the Pi camera 0 did not start \(list index"):
        Picamera2Source().open()


# ------------------------------------------------------------------ factory


def test_open_source_picks_the_configured_kind(video):
    assert isinstance(open_source(CameraConfig(source="images", images=str(DEMO))), ImageFolderSource)
    source = open_source(CameraConfig(source="opencv", device=str(video), loop=False, rotation=180, hflip=True))
    assert isinstance(source, OpenCVSource)
    assert (source.device, source.loop, source.rotation, source.hflip) == (str(video), False, 180, True)
    assert open_source(CameraConfig(source="opencv", device=2)).describe() == "webcam 2"


def test_doctor_camera_row_gives_the_apt_fix_when_picamera2_is_missing(monkeypatch):
    """Not "check the cable": the row names the missing package and the line that installs it."""
    from device.commands.doctor import check_camera

    monkeypatch.setitem(sys.modules, "picamera2", None)
    config = types.SimpleNamespace(camera=CameraConfig(source="picamera2"))
    row = check_camera(config)
    assert row.outcome == "FAIL" and row.detail.startswith("camera unavailable: picamera2 is not installed")
    assert PICAMERA2_APT in row.hint and "cable" not in row.hint
