"""The vision part of the daemon: samples the camera, runs the pipeline and publishes "audience" and "light"."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import cv2
import numpy as np

from device.config.schema import Config
from device.core.backoff import Backoff
from device.core.parts import Hub, Part, Unavailable
from device.core.values import Audience
from device.vision.age import ModelError
from device.vision.detect import DetectorError
from device.vision.pipeline import VisionPipeline, build_pipeline
from device.vision.sources import EndOfFrames, FrameSource, open_source

log = logging.getLogger(__name__)


def describe_audience(audience: Audience) -> str:
    """E.g. "nobody", "1 listener (30-39)" or "2 listeners (30-39, 0-12)"."""
    n = len(audience.listeners)
    if not n:
        return "nobody"
    groups = ", ".join(listener.group for listener in audience.listeners)
    return f"{n} listener{'s' if n > 1 else ''} ({groups})"


def _usable(frame) -> bool:
    return (isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
            and frame.shape[0] > 0 and frame.shape[1] > 0)


def _shape(frame) -> str:
    if isinstance(frame, np.ndarray):
        return f"shape {frame.shape}, {frame.dtype}"
    return type(frame).__name__


class VisionPart(Part):
    """Camera + vision pipeline, supervised. start() loads the model and opens the camera; each step samples one
    frame at the rate the tracker asks for. A failed camera is closed and reopened with capped exponential
    back-off (camera.reopen_min_s .. reopen_max_s) while the audience keeps ageing (listeners leave in time)."""

    name = "vision"

    def __init__(self, config: Config, hub: Hub, *, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time,
                 source_factory: Callable[[object], FrameSource] = open_source,
                 pipeline_factory: Callable[[Config], VisionPipeline] = build_pipeline):
        self.config = config
        self.hub = hub
        self._clock = clock
        self._wall_clock = wall_clock
        self._source_factory = source_factory
        self._pipeline_factory = pipeline_factory
        self.pipeline: VisionPipeline | None = None
        self._source: FrameSource | None = None
        self._backoff = Backoff(config.camera.reopen_min_s, config.camera.reopen_max_s)
        self._reopen_at = 0.0
        self._finished = False
        self._problem: str | None = "camera not started"
        self._audience = Audience()
        self._save_failed = False
        self.frames_seen = 0  # frames processed since construction (counts only; no frame is kept)
        self.faces_seen = 0

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self.pipeline is None:
            try:
                self.pipeline = self._pipeline_factory(self.config)
            except (ModelError, DetectorError) as exc:
                self._problem = f"vision unavailable: {exc}"
                raise Unavailable(self._problem) from None
        if self.config.debug.save_frames:
            log.warning("debug.save_frames is on: every sampled frame is written to %s; turn it off for privacy",
                        self.config.debug.frames_dir)
        self._finished = False
        self._backoff.reset()
        self._open()

    def stop(self) -> None:
        self._close()

    def status(self) -> str:
        if self._problem:
            return self._problem
        detector = getattr(getattr(self.pipeline, "detector", None), "name", None)
        return f"camera ok, {describe_audience(self._audience)}" + (f"; faces by {detector}" if detector else "")

    # ------------------------------------------------------------ the sampling step

    def step(self, now: float) -> float:
        if self.pipeline is None:
            raise Unavailable("vision not started")
        tracker = self.pipeline.tracker
        if self._source is None:
            if self._finished or now < self._reopen_at:
                self._publish(self.pipeline.no_frame(now), "unknown")
                wait = tracker.idle_interval if self._finished else self._reopen_at - now
                return max(0.0, min(wait, tracker.idle_interval))
            try:
                self._open()
            except Unavailable as exc:
                return self._failed(now, str(exc))
        started = self._clock()
        try:
            frame = self._source.read()
        except EndOfFrames as exc:
            self._close()
            self._finished = True
            self._problem = str(exc)
            log.info("%s; no more frames", exc)
            self._publish(self.pipeline.no_frame(now), "unknown")
            return tracker.idle_interval
        except Unavailable as exc:
            return self._failed(now, str(exc))
        except Exception as exc:  # a driver error must not stop the part: treat it as a lost camera
            return self._failed(now, f"camera unavailable: {type(exc).__name__}: {exc}")
        if not _usable(frame):  # a glitching driver: treat like a lost camera, never feed the pipeline garbage
            return self._failed(now, f"camera unavailable: unusable frame ({_shape(frame)}; expected height x "
                                     f"width x 3 uint8)")
        self._backoff.reset()
        self._problem = None
        result = self.pipeline.process(frame, now)
        self.frames_seen += 1
        self.faces_seen += len(result.faces)
        if self.config.debug.save_frames:
            self._save(frame)
        del frame  # frames live in memory only, and only this long
        self._publish(result.audience, result.light)
        return max(0.0, tracker.next_interval() - (self._clock() - started))

    # ------------------------------------------------------------ helpers

    def _publish(self, audience: Audience, light: str) -> None:
        self._audience = audience
        self.hub.publish("audience", audience)
        self.hub.publish("light", light)

    def _open(self) -> None:
        source = self._source_factory(self.config.camera)
        try:
            source.open()
        except Unavailable as exc:
            self._problem = str(exc)
            raise
        except Exception as exc:
            self._problem = f"camera unavailable: {type(exc).__name__}: {exc}"
            raise Unavailable(self._problem) from None
        self._source = source
        self._problem = None

    def _close(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except Exception as exc:
                log.debug("closing %s failed: %s", source.describe(), exc)

    def _failed(self, now: float, reason: str) -> float:
        """Close the source and schedule a reopen after the current back-off, which then doubles (capped)."""
        self._close()
        wait = self._backoff.failed()
        self._reopen_at = now + wait
        self._problem = reason
        log.warning("%s; trying again in %.0f s", reason, wait)
        self._publish(self.pipeline.no_frame(now), "unknown")
        return max(0.0, min(wait, self.pipeline.tracker.idle_interval))

    def _save(self, frame_rgb: np.ndarray) -> None:
        """debug.save_frames only: write the frame as a JPEG named after the wall-clock time."""
        folder = self.config.debug.frames_dir
        path = os.path.join(folder, f"frame-{self._wall_clock():.3f}.jpg")
        try:
            os.makedirs(folder, exist_ok=True)
            if not cv2.imwrite(path, cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)):
                raise OSError("OpenCV could not write it")
        except (OSError, cv2.error) as exc:
            if not self._save_failed:
                log.warning("debug.save_frames: cannot write %s (%s)", path, exc)
            self._save_failed = True
