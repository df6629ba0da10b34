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


# ---------------------------------------------------------------- eye-aligned crops

ALIGNED = CropSpec(size=64, align=True)


def _eyes_in_crop(spec, eyes, frame_shape=(400, 400)):
    """Where two bright dots at `eyes` in a frame end up in the aligned crop (their brightest pixels)."""
    frame = np.zeros((*frame_shape, 3), np.uint8)
    for x, y in eyes:
        frame[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2] = 255
    landmarks = np.array([*eyes, (0, 0), (0, 0), (0, 0)], np.float32)
    out = face_crop(frame, (0, 0, 10, 10), spec, landmarks).astype(float).sum(axis=2)
    left, right = out[:, :spec.size // 2], out[:, spec.size // 2:]
    ly, lx = np.unravel_index(left.argmax(), left.shape)
    ry, rx = np.unravel_index(right.argmax(), right.shape)
    return (lx, ly), (rx + spec.size // 2, ry)


@pytest.mark.parametrize("eyes", [((150, 200), (230, 200)), ((150, 180), (226, 222)), ((240, 150), (170, 190))])
def test_aligned_crop_levels_the_eyes_and_puts_them_where_the_chips_have_them(eyes):
    (lx, ly), (rx, ry) = _eyes_in_crop(ALIGNED, eyes)
    (cx, cy), d = ALIGNED.eye_center, ALIGNED.eye_distance
    assert abs(ly - ry) <= 1  # levelled, whatever the head's tilt (or the landmarks' order)
    assert abs((lx + rx) / 2 - cx * 64) <= 1.5 and abs((ly + ry) / 2 - cy * 64) <= 1.5
    assert abs((rx - lx) - d * 64) <= 2


def test_aligned_crop_of_a_chip_frames_it_as_the_chip():
    # Eyes placed where the spec says they lie in a chip: the aligned crop of the letterboxed chip is the chip, resized.
    chip = _gradient_frame(200, 200)
    frame = letterbox(chip, 50)
    from training.data import implied_face
    face = implied_face(chip.shape, 50, ALIGNED)
    out = face_crop(frame, face.box, ALIGNED, face.landmarks)
    import cv2
    expected = cv2.resize(chip, (64, 64), interpolation=cv2.INTER_AREA)
    assert np.abs(out.astype(int) - expected.astype(int)).mean() < 3


def test_aligned_crop_without_landmarks_uses_the_box():
    frame = _gradient_frame(300, 300)
    out = face_crop(frame, (100, 100, 80, 100), ALIGNED, None)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    assert (face_crop(frame, (100, 100, 80, 100), ALIGNED) == out).all()


def test_crop_spec_round_trips_through_the_sidecar_form():
    for spec in (ALIGNED, CropSpec(64, 0.95, 0.07)):
        assert CropSpec.from_json(spec.to_json()) == spec
