"""Frame sources behind one interface: the Pi camera (picamera2), OpenCV (webcam, video file, stream) and image folders."""

from __future__ import annotations

import glob
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path

import cv2
import numpy as np

from device.config.schema import CameraConfig
from device.core.parts import Unavailable

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
PICAMERA2_APT = "sudo apt install python3-picamera2"

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


class EndOfFrames(Unavailable):
    """A non-looping replay (image folder or video file) has shown its last frame."""


class CameraUnavailable(Unavailable):
    """The camera cannot deliver frames; `fix` is what a person should do when the usual hint does not apply."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


def _camera_unavailable(reason: str, fix: str | None = None) -> CameraUnavailable:
    return CameraUnavailable(f"camera unavailable: {reason}", fix)


class FrameSource(ABC):
    """Where frames come from. read() returns an RGB uint8 array (height, width, 3), rotated and mirrored as
    configured. open() and read() raise Unavailable("camera unavailable: <reason>") when they cannot.

    A photo replayed as a camera turned on its side (open_source(config.camera) picks the configured source):

    >>> from pathlib import Path
    >>> import device
    >>> photo = Path(device.__file__).parent / "assets" / "astronaut_640x480.jpg"
    >>> with ImageFolderSource(str(photo), rotation=90, loop=False) as camera:
    ...     frame = camera.read()
    ...     camera.read()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    device.vision.sources.EndOfFrames: camera unavailable: images .../astronaut_640x480.jpg replay has ended
    >>> frame.shape, frame.dtype.name
    ((640, 480, 3), 'uint8')
    """

    def __init__(self, *, width: int = 640, height: int = 480, rotation: int = 0, hflip: bool = False):
        if rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270 degrees, got {rotation}")
        self.width = int(width)
        self.height = int(height)
        self.rotation = int(rotation)
        self.hflip = bool(hflip)

    @abstractmethod
    def open(self) -> None:
        """Acquire the camera or the files; raise Unavailable when that is impossible."""

    @abstractmethod
    def _read_raw(self) -> np.ndarray:
        """The next frame as captured, RGB uint8."""

    def read(self) -> np.ndarray:
        """The next frame: RGB uint8 (height, width, 3), rotated clockwise and mirrored as configured."""
        return self._orient(self._read_raw())

    @abstractmethod
    def close(self) -> None:
        """Release the camera or the files; safe to call more than once."""

    @abstractmethod
    def describe(self) -> str:
        """A few words naming the source, e.g. "webcam 0" or "images /srv/photos/*.jpg"."""

    def __enter__(self) -> FrameSource:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _orient(self, frame: np.ndarray) -> np.ndarray:
        if self.rotation:
            frame = cv2.rotate(frame, _ROTATE[self.rotation])
        if self.hflip:
            frame = cv2.flip(frame, 1)
        return frame

    def _fit(self, frame: np.ndarray) -> np.ndarray:
        """Shrink a frame larger than width x height to fit inside it (aspect kept); never enlarge."""
        h, w = frame.shape[:2]
        scale = min(self.width / w, self.height / h)
        if scale >= 1.0:
            return frame
        size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def _bgr_to_rgb(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class Picamera2Source(FrameSource):
    """The Raspberry Pi camera through picamera2 (apt's python3-picamera2): one small RGB stream, configured once."""

    def __init__(self, *, width: int = 640, height: int = 480, rotation: int = 0, hflip: bool = False,
                 camera_num: int = 0):
        super().__init__(width=width, height=height, rotation=rotation, hflip=hflip)
        self.camera_num = camera_num
        self._camera = None

    def open(self) -> None:
        if self._camera is not None:
            return
        try:
            from picamera2 import Picamera2  # imported here: only Raspberry Pi OS has it, from apt
        except ImportError as exc:
            raise _camera_unavailable(
                f"picamera2 is not installed ({exc}); on Raspberry Pi OS run "
                f"'{PICAMERA2_APT}' and create the venv with --system-site-packages",
                fix=f"on Raspberry Pi OS: {PICAMERA2_APT}, then sudo make install again (its venv sees apt's "
                    f"packages); elsewhere set camera.source to opencv (a webcam or video) or images") from None
        camera = None
        try:
            camera = Picamera2(self.camera_num)
            # RGB888 arrives as [B, G, R] per pixel; two buffers are enough at a few frames per second.
            config = camera.create_video_configuration(
                main={"size": (self.width, self.height), "format": "RGB888"}, buffer_count=2)
            camera.configure(config)
            camera.start()
        except Exception as exc:  # libcamera raises RuntimeError/IndexError/OSError when no camera is attached
            if camera is not None:
                try:
                    camera.close()
                except Exception:
                    pass
            raise _camera_unavailable(f"the Pi camera {self.camera_num} did not start ({exc or type(exc).__name__})") from None
        self._camera = camera
        log.info("camera open: %s", self.describe())

    def _read_raw(self) -> np.ndarray:
        if self._camera is None:
            raise _camera_unavailable("the Pi camera is not open")
        try:
            frame = self._camera.capture_array("main")
        except Exception as exc:
            raise _camera_unavailable(f"the Pi camera stopped delivering frames ({exc or type(exc).__name__})") from None
        return _bgr_to_rgb(frame)

    def close(self) -> None:
        camera, self._camera = self._camera, None
        if camera is None:
            return
        for method in ("stop", "close"):
            try:
                getattr(camera, method)()
            except Exception as exc:
                log.debug("picamera2 %s failed: %s", method, exc)

    def describe(self) -> str:
        return f"Pi camera {self.camera_num} ({self.width}x{self.height})"


class OpenCVSource(FrameSource):
    """A USB webcam (an index such as 0), a video file or a stream URL, read through OpenCV and turned to RGB.

    A video file is read one frame per read() (not in real time); with loop it starts again at its end."""

    def __init__(self, device: int | str = 0, *, width: int = 640, height: int = 480, rotation: int = 0,
                 hflip: bool = False, loop: bool = True):
        super().__init__(width=width, height=height, rotation=rotation, hflip=hflip)
        if isinstance(device, str) and device.strip().isdigit():
            device = int(device.strip())
        self.device = device
        self.loop = loop
        self._capture: cv2.VideoCapture | None = None

    @property
    def is_webcam(self) -> bool:
        return isinstance(self.device, int)

    @property
    def is_file(self) -> bool:
        return isinstance(self.device, str) and "://" not in self.device

    def open(self) -> None:
        if self._capture is not None:
            return
        if self.is_file and not os.path.isfile(self.device):
            raise _camera_unavailable(f"the video file {self.device} does not exist")
        capture = cv2.VideoCapture(self.device)
        if not capture.isOpened():
            capture.release()
            raise _camera_unavailable(f"OpenCV cannot open {self.describe()}")
        if self.is_webcam:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # sampled slowly: do not hand out stale buffered frames
        self._capture = capture
        log.info("camera open: %s", self.describe())

    def _read_raw(self) -> np.ndarray:
        if self._capture is None:
            raise _camera_unavailable(f"{self.describe()} is not open")
        ok, frame = self._capture.read()
        if not ok and self.is_file and self.loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok or frame is None:
            if self.is_file and not self.loop:
                raise EndOfFrames(f"camera unavailable: {self.describe()} has ended")
            raise _camera_unavailable(f"no frame from {self.describe()}")
        return self._fit(_bgr_to_rgb(frame))

    def close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()

    def describe(self) -> str:
        if self.is_webcam:
            return f"webcam {self.device}"
        if self.is_file:
            return f"video file {self.device}"
        return f"stream {self.device}"


class ImageFolderSource(FrameSource):
    """Photos from a folder or a glob, replayed in name order, one per read(); with loop it starts again.

    Photos larger than width x height are shrunk to fit. An unreadable photo is skipped with a warning."""

    def __init__(self, pattern: str, *, width: int = 640, height: int = 480, rotation: int = 0,
                 hflip: bool = False, loop: bool = True):
        super().__init__(width=width, height=height, rotation=rotation, hflip=hflip)
        self.pattern = str(pattern)
        self.loop = loop
        self._files: list[str] | None = None
        self._next = 0

    def _list(self) -> list[str]:
        path = Path(self.pattern).expanduser()
        if path.is_dir():
            names = [str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
        else:
            names = [n for n in glob.glob(str(path)) if os.path.isfile(n)]
        return sorted(names, key=lambda n: (os.path.basename(n), n))

    def open(self) -> None:
        if not self.pattern:
            raise _camera_unavailable("camera.source is images but camera.images names no folder or glob")
        files = self._list()
        if not files:
            raise _camera_unavailable(f"no photos found at {self.pattern}")
        self._files = files
        self._next = 0
        log.info("camera open: %s (%d photos)", self.describe(), len(files))

    @property
    def files(self) -> list[str]:
        return list(self._files or [])

    def _read_raw(self) -> np.ndarray:
        if self._files is None:
            raise _camera_unavailable(f"{self.describe()} is not open")
        for _ in range(len(self._files)):
            if self._next >= len(self._files):
                if not self.loop:
                    raise EndOfFrames(f"camera unavailable: {self.describe()} replay has ended")
                self._next = 0
            name = self._files[self._next]
            self._next += 1
            frame = cv2.imread(name, cv2.IMREAD_COLOR)
            if frame is None:
                log.warning("skipping %s: not a readable image", name)
                continue
            return self._fit(_bgr_to_rgb(frame))
        raise _camera_unavailable(f"none of the photos at {self.pattern} could be read")

    def close(self) -> None:
        self._files = None
        self._next = 0

    def describe(self) -> str:
        return f"images {self.pattern}"


def open_source(camera_cfg: CameraConfig) -> FrameSource:
    """The frame source the camera config names (not yet opened: call open())."""
    common = dict(width=camera_cfg.width, height=camera_cfg.height, rotation=camera_cfg.rotation,
                  hflip=camera_cfg.hflip)
    if camera_cfg.source == "picamera2":
        return Picamera2Source(**common)
    if camera_cfg.source == "opencv":
        return OpenCVSource(camera_cfg.device, loop=camera_cfg.loop, **common)
    if camera_cfg.source == "images":
        return ImageFolderSource(camera_cfg.images, loop=camera_cfg.loop, **common)
    raise ValueError(f"unknown camera.source {camera_cfg.source!r}: use picamera2, opencv or images")
