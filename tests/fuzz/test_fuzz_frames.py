"""Any array (shape, dtype, contents) a camera driver hands over goes through the frame path without an exception."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from property_settings import examples

from device.config.schema import CameraConfig, Config
from device.core.parts import Hub
from device.vision.age import default_model_path
from device.vision.part import VisionPart
from device.vision.pipeline import build_pipeline
from device.vision.sources import FrameSource

dtypes = st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(), hnp.floating_dtypes(), hnp.boolean_dtypes(),
                   st.just(np.dtype(np.uint8)), st.just(np.dtype(np.uint8)))
shapes = st.one_of(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=9),
                   st.tuples(st.integers(0, 700), st.integers(0, 700), st.sampled_from([1, 2, 3, 3, 3, 4])))
frames = st.one_of(hnp.arrays(dtypes, shapes), st.none(), st.integers(), st.text(max_size=3))
rgb_frames = hnp.arrays(np.uint8, st.tuples(st.integers(1, 500), st.integers(1, 500), st.just(3)),
                        elements=st.integers(0, 255))


class Feed(FrameSource):
    frame = None

    def open(self):
        pass

    def _read_raw(self):
        return Feed.frame

    def close(self):
        pass

    def describe(self):
        return "fuzz feed"


@pytest.fixture(scope="module")
def pipeline():
    if not default_model_path().is_file():
        pytest.skip("the age model is not there (models/age_int8.tflite)")
    return build_pipeline(Config())


@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(frames, st.sampled_from([0, 90, 180, 270]), st.booleans())
def test_any_array_through_the_vision_part(pipeline, frame, rotation, hflip):
    config = Config(camera=CameraConfig(rotation=rotation, hflip=hflip))
    part = VisionPart(config, Hub(), clock=lambda: 100.0,
                      source_factory=lambda cfg: Feed(rotation=rotation, hflip=hflip),
                      pipeline_factory=lambda cfg: pipeline)
    part.start()
    Feed.frame = frame
    pause = part.step(100.0)
    assert pause >= 0 and isinstance(part.status(), str)
    usable = isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3 \
        and frame.shape[0] > 0 and frame.shape[1] > 0
    assert part.status().startswith("camera ok") == usable, (part.status(), getattr(frame, "shape", None))


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(rgb_frames, min_size=1, max_size=4))
def test_any_rgb_frames_through_the_pipeline(pipeline, batch):
    for i, frame in enumerate(batch):
        result = pipeline.process(frame, 200.0 + i)
        assert result.light in ("dark", "dim", "bright") and 0 <= result.brightness <= 255
