"""The training parts that any Keras backend shares: augmentation, the packed crops file, the distillation loss,
the stop callback."""

import json

import numpy as np
import pytest

pytest.importorskip("keras", reason="the training parts need Keras (the .venv-train environment)")

import cv2  # noqa: E402
import keras  # noqa: E402

from training.augment import AugmentSpec, TrainBatches, augment_batch, colour_matrix  # noqa: E402
from training.data import CropDataset  # noqa: E402
from training.model import ExpectedAgeMAE, LabelDistributionLoss  # noqa: E402
from training.pack import load_packed, pack  # noqa: E402
from training.train import stop_callback, teacher_record  # noqa: E402


def _crops(n=12, size=32, seed=0):
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), (size, size))  # smooth, photo-like
    return np.stack([np.roll(base, i, axis=1) for i in range(n)])


def test_colour_matrix_is_brightness_then_contrast_then_saturation():
    x = _crops(1)[0].astype(np.float64)
    mean = x.reshape(-1, 3).mean(0)
    b, c, s = 17.0, 1.25, 0.6
    y = (x + b - (mean + b)) * c + (mean + b)
    grey = (y @ [0.299, 0.587, 0.114])[..., None]
    expected = np.clip(grey + (y - grey) * s, 0, 255)
    got = cv2.transform(_crops(1)[0], colour_matrix(mean, b, c, s))
    assert np.abs(got - np.round(expected)).max() <= 1
    identity = colour_matrix(mean, 0.0, 1.0, 1.0)
    assert np.allclose(identity, np.hstack([np.eye(3), np.zeros((3, 1))]))


def test_augment_batch_is_repeatable_bounded_and_leaves_its_input_alone():
    crops = _crops()
    before = crops.copy()
    a = augment_batch(crops, np.random.default_rng(5), AugmentSpec())
    b = augment_batch(crops, np.random.default_rng(5), AugmentSpec())
    c = augment_batch(crops, np.random.default_rng(6), AugmentSpec())
    assert a.dtype == np.float32 and a.shape == crops.shape
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 255
    assert np.array_equal(crops, before)
    assert np.abs(a - crops).mean() > 1  # it does change the faces


def test_augment_batch_with_nothing_to_do_returns_the_crops():
    none = AugmentSpec(rotation_deg=0, shift=0, zoom=0, brightness=0, contrast=(1, 1), saturation=(1, 1),
                       blur_probability=0, jpeg_probability=0)
    crops = _crops()
    out = augment_batch(crops, np.random.default_rng(0), none)
    flipped = crops[:, :, ::-1]
    assert all(np.array_equal(o, c) or np.array_equal(o, f) for o, c, f in zip(out, crops, flipped))


def test_train_batches_cover_every_face_once_per_epoch_in_a_new_order():
    crops, ages = _crops(20), np.arange(20, dtype=np.float32)
    ds = TrainBatches(crops, ages, np.ones(20), batch=5, spec=AugmentSpec(), seed=1)
    assert len(ds) == 4
    first = np.concatenate([ds[i][1] for i in range(len(ds))])
    again = np.concatenate([ds[i][1] for i in range(len(ds))])
    assert sorted(first) == list(range(20)) and np.array_equal(first, again)
    ds.on_epoch_end()
    second = np.concatenate([ds[i][1] for i in range(len(ds))])
    assert sorted(second) == list(range(20)) and not np.array_equal(first, second)


def test_pack_is_lossless_and_keeps_only_training_splits(tmp_path):
    crops = _crops(9)
    splits = np.array(["train", "val", "test"] * 3)
    data = CropDataset(crops, np.arange(9), np.array([f"{i}_0_0_x.jpg" for i in range(9)]), splits,
                       np.ones(9, bool))
    path = tmp_path / "p.npz"
    pack(data, {"cache_key": "k"}, path)
    back, info = load_packed(path)
    keep = splits != "test"
    assert np.array_equal(back.crops, crops[keep]) and list(back.ages) == list(np.arange(9)[keep])
    assert info["cache_key"] == "k" and set(back.splits) == {"train", "val"}


def test_a_file_that_is_not_a_pack_is_named(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="bad.npz"):
        load_packed(bad)
    other = tmp_path / "other.npz"
    np.savez(other, webp=np.zeros(1, np.uint8), offsets=np.zeros(1), ages=np.zeros(0), names=np.zeros(0),
             splits=np.zeros(0), detected=np.zeros(0), info=np.array(json.dumps({"format": "else"})))
    with pytest.raises(ValueError, match="other.npz.*format"):
        load_packed(other)


def test_a_truncated_pack_is_named(tmp_path):
    crops = _crops(4)
    data = CropDataset(crops, np.arange(4), np.array([f"{i}_0_0_x.jpg" for i in range(4)]),
                       np.array(["train"] * 4), np.ones(4, bool))
    path = tmp_path / "cut.npz"
    pack(data, {}, path)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ValueError, match="cut.npz"):
        load_packed(path)


def _reference_loss(ages, y, student, teachers, sigma, l1, w):
    def softmax(z):
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)
    target = np.exp(-0.5 * ((ages[None] - y[:, None]) / sigma) ** 2)
    target /= target.sum(1, keepdims=True)
    if teachers:
        target = (1 - w) * target + w * np.mean([softmax(t) for t in teachers], 0)
    p = softmax(student)
    return -(target * np.log(p)).sum(1) + l1 * np.abs(p @ ages - y)


@pytest.mark.parametrize("n_teachers", [0, 1, 2])
def test_label_distribution_loss_matches_a_numpy_reference(n_teachers):
    rng = np.random.default_rng(n_teachers)
    ages = np.arange(0, 11, dtype=np.float32)
    y = np.array([1.0, 4.0, 9.0], np.float32)
    student = rng.normal(size=(3, 11)).astype(np.float32)
    teachers = [rng.normal(size=(3, 11)).astype(np.float32) for _ in range(n_teachers)]
    loss = LabelDistributionLoss(ages, sigma=1.5, l1_weight=0.1, n_teachers=n_teachers, distil_weight=0.3,
                                 reduction=None)
    got = keras.ops.convert_to_numpy(loss(y, np.concatenate([student, *teachers], axis=1)))
    assert np.allclose(got, _reference_loss(ages, y, student, teachers, 1.5, 0.1, 0.3), atol=1e-4)
    mae = ExpectedAgeMAE(ages)
    mae.update_state(y, np.concatenate([student, *teachers], axis=1))
    p = np.exp(student) / np.exp(student).sum(1, keepdims=True)
    assert float(mae.result()) == pytest.approx(np.abs(p @ ages - y).mean(), abs=1e-4)


def test_soft_labels_mix_a_distribution_around_the_teachers_age_into_the_target():
    rng = np.random.default_rng(7)
    ages = np.arange(0, 11, dtype=np.float32)
    y = np.array([1.0, 4.0, 9.0], np.float32)
    teacher_age = np.array([3.0, 4.0, 6.0], np.float32)
    student = rng.normal(size=(3, 11)).astype(np.float32)
    loss = LabelDistributionLoss(ages, sigma=1.5, l1_weight=0.1, soft_weight=0.4, reduction=None)
    got = keras.ops.convert_to_numpy(loss(np.stack([y, teacher_age], 1), student))

    def around(a):
        t = np.exp(-0.5 * ((ages[None] - a[:, None]) / 1.5) ** 2)
        return t / t.sum(1, keepdims=True)
    p = np.exp(student) / np.exp(student).sum(1, keepdims=True)
    target = 0.6 * around(y) + 0.4 * around(teacher_age)
    assert np.allclose(got, -(target * np.log(p)).sum(1) + 0.1 * np.abs(p @ ages - y), atol=1e-4)
    mae = ExpectedAgeMAE(ages)  # the metric reads the label, not the teacher's age
    mae.update_state(np.stack([y, teacher_age], 1), student)
    assert float(mae.result()) == pytest.approx(np.abs(p @ ages - y).mean(), abs=1e-4)


def test_camera_augmentation_is_repeatable_and_changes_more_than_the_base():
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (32, 64, 64, 3), dtype=np.uint8)
    a = augment_batch(crops, np.random.default_rng(5), AugmentSpec.cameras())
    b = augment_batch(crops, np.random.default_rng(5), AugmentSpec.cameras())
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 255
    assert "low light" in AugmentSpec.cameras().describe() and "low light" not in AugmentSpec().describe()
    base = augment_batch(crops, np.random.default_rng(5), AugmentSpec())
    assert not np.array_equal(a, base)


def _tiny_fit(callback, epochs=5):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model.fit(np.zeros((8, 2)), np.zeros(8), epochs=epochs, verbose=0, callbacks=[callback])


def test_stop_callback_stops_after_the_named_epoch_and_records_it():
    stopped = {}
    assert len(_tiny_fit(stop_callback(0, 2, stopped)).history["loss"]) == 2 and stopped == {"epoch": 2}
    stopped = {}
    assert len(_tiny_fit(stop_callback(0, 0, stopped)).history["loss"]) == 5 and stopped == {}
    stopped = {}
    assert len(_tiny_fit(stop_callback(1e-9, 0, stopped)).history["loss"]) == 1 and stopped == {"epoch": 1}
    stopped = {}  # stopping "after" the last planned epoch cuts nothing short: not recorded
    assert len(_tiny_fit(stop_callback(0, 5, stopped)).history["loss"]) == 5 and stopped == {}


def test_teacher_record_is_the_run_json_beside_the_model(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "run.json").write_text('{"width": 2.0}')
    (tmp_path / "b.json").write_text('{"width": 1.0}')
    assert teacher_record(tmp_path / "a" / "model.keras") == {"width": 2.0}
    assert teacher_record(tmp_path / "b.keras") == {"width": 1.0}
    assert teacher_record(tmp_path / "c.keras") is None


def test_teachers_stay_in_inference_mode_while_the_student_trains():
    from training.model import build_model, with_teachers

    student = build_model(16, 5, width=0.5)
    teacher = build_model(16, 5, width=0.5, dropout=0.9)
    x = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
    want = keras.ops.convert_to_numpy(teacher(x, training=False))
    wrapper = with_teachers(student, [teacher])
    got = keras.ops.convert_to_numpy(wrapper(x, training=True))
    assert got.shape == (4, 10)
    assert np.allclose(got[:, 5:], want, atol=1e-5)  # no dropout, batch-norm moving statistics
    assert not np.allclose(got[:, :5], keras.ops.convert_to_numpy(student(x, training=False)), atol=1e-5)
    assert [w.name for w in wrapper.trainable_weights] == [w.name for w in student.trainable_weights]


def test_the_shipped_int8_model_rebuilt_in_keras_reads_the_same_ages():
    """training/from_tflite.py: the Keras network of the shipped int8 file (for a fine-tune) agrees with the file."""
    from age_helpers import shipped_model

    from device.vision.age import AgeEstimator
    from training.from_tflite import rebuild

    est = AgeEstimator(shipped_model(), kernels="reference")
    rng = np.random.default_rng(0)
    base = cv2.resize(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), (64, 64), interpolation=cv2.INTER_CUBIC)
    crops = np.clip(base[None] + rng.integers(-30, 30, (64, 64, 64, 3)), 0, 255).astype(np.uint8)
    model = rebuild(est.path, crops, width=est.meta["training"]["width"], size=64, n_bins=len(est.ages))
    logits = model.predict(crops.astype(np.float32), verbose=0)
    p = np.exp(logits - logits.max(1, keepdims=True))
    keras_ages = (p / p.sum(1, keepdims=True)) @ est.ages
    est.temperature, est.mirror_average = 1.0, False  # the sidecar's readout is not part of the network
    int8_ages = np.array([e.age for e in est.estimate_crops(crops)])
    assert np.abs(keras_ages - int8_ages).mean() < 1.0, np.abs(keras_ages - int8_ages)
