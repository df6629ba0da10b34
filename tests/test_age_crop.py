"""face_crop geometry, padding and the training path's fallback box."""

import numpy as np
import pytest

from device.vision.crop import CropSpec, crop_window, face_crop
from training.data import implied_box, letterbox


def _gradient_frame(h=120, w=160):
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs % 256, ys % 256, (xs + ys) % 256], axis=-1).astype(np.uint8)


def test_window_is_scaled_and_shifted_box():
    # box 100 px at (50, 40): side 0.95 * 100 = 95, centre (100, 90 + 7) -> top-left (52.5 -> 52, 49.5 -> 50)
    x0, y0, side = crop_window((50, 40, 100, 100), CropSpec(size=64, box_scale=0.95, center_shift=0.07))
    assert side == 95
    assert (x0, y0) == (int(round(100 - 47.5)), int(round(97 - 47.5)))


def test_same_size_crop_copies_pixels_exactly():
    frame = _gradient_frame()
    spec = CropSpec(size=40, box_scale=1.0, center_shift=0.0)
    out = face_crop(frame, (30, 20, 40, 40), spec)
    assert out.dtype == np.uint8 and out.shape == (40, 40, 3)
    np.testing.assert_array_equal(out, frame[20:60, 30:70])


def test_shift_moves_window_down():
    frame = _gradient_frame()
    out = face_crop(frame, (30, 20, 40, 40), CropSpec(size=40, box_scale=1.0, center_shift=0.25))
    np.testing.assert_array_equal(out, frame[30:70, 30:70])


def test_outside_the_frame_is_black():
    frame = np.full((50, 50, 3), 200, np.uint8)
    out = face_crop(frame, (-10, -10, 30, 30), CropSpec(size=30, box_scale=1.0, center_shift=0.0))
    assert (out[:10, :] == 0).all() and (out[:, :10] == 0).all()
    assert (out[10:, 10:] == 200).all()
    # entirely outside: all black, no error
    assert (face_crop(frame, (500, 500, 20, 20), CropSpec(16, 1.0, 0.0)) == 0).all()


def test_resizes_to_spec_size():
    frame = _gradient_frame(300, 300)
    out = face_crop(frame, (50, 50, 200, 200), CropSpec(size=64, box_scale=0.95, center_shift=0.07))
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8


def test_rejects_non_rgb():
    with pytest.raises(ValueError, match="RGB"):
        face_crop(np.zeros((10, 10), np.uint8), (0, 0, 5, 5), CropSpec(8, 1.0, 0.0))


@pytest.mark.parametrize("shift", [0.0, 0.07, 0.12])
def test_implied_box_reframes_the_chip(shift):
    """The fallback box used when the detector misses a chip crops (almost exactly) the chip itself."""
    chip = _gradient_frame(200, 200)
    spec = CropSpec(size=200, box_scale=0.95, center_shift=shift)
    frame = letterbox(chip, 50)
    box = implied_box(chip.shape, 50, spec)
    x0, y0, side = crop_window(box, spec)
    assert abs(side - 200) <= 1 and abs(x0 - 50) <= 1 and abs(y0 - 50) <= 1
    out = face_crop(frame, box, spec)
    assert out.shape == (200, 200, 3)
