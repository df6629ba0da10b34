"""The whole training chain on generated faces: load -> train 1 epoch -> quantise -> evaluate -> device estimator."""

import json

import cv2
import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the training chain needs TensorFlow (the .venv-train environment)")
pytest.importorskip("matplotlib", reason="the training report needs matplotlib (the .venv-train environment)")

from device.vision.age import AgeEstimator  # noqa: E402
from training import evaluate, train  # noqa: E402


def _face(rng, age):
    """A 200x200 cartoon face: skin ellipse, eyes, mouth; shades vary with the age so there is signal."""
    img = np.full((200, 200, 3), rng.integers(20, 235, size=3), np.uint8)
    skin = (int(200 - age), int(150 + rng.integers(0, 40)), int(120 + age // 2))
    cv2.ellipse(img, (100, 105), (62, 80), 0, 0, 360, skin, -1)
    for x in (75, 125):
        cv2.circle(img, (x, 90), 9, (30, 30, 30), -1)
    cv2.line(img, (80, 150), (120, 150), (90, 20, 20), 3 + age // 30)
    for k in range(age // 12):  # "wrinkles"
        cv2.line(img, (70, 60 + 4 * k), (130, 60 + 4 * k), (skin[0] - 40, skin[1] - 40, skin[2] - 40), 1)
    return img


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("chain")
    data = root / "faces"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(48):
        age = int(2 + (i * 37) % 85)
        img = _face(rng, age)
        cv2.imwrite(str(data / f"{age}_{i % 2}_{i % 4}_2017010{i:05d}.jpg.chip.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(data / "bad_name.jpg"), np.zeros((20, 20, 3), np.uint8))
    out, work = root / "models", root / "work"
    rc = train.main(["--data", str(data), "--out", str(out), "--work", str(work), "--cache-dir", str(root / "cache"),
                     "--size", "32", "--epochs", "1", "--batch", "8", "--ema", "0", "--workers", "1"])
    assert rc == 0
    return data, out, work


def test_outputs_and_sidecar(trained):
    data, out, work = trained
    model = out / "age_int8.tflite"
    meta = json.loads(model.with_suffix(".json").read_text())
    assert meta["input"]["size"] == 32 and meta["input"]["colour_order"] == "RGB"
    assert meta["input"]["dtype"] == "uint8" and meta["input"]["quantisation"]["scale"] > 0
    assert meta["output"] == {**meta["output"], "kind": "logits", "dtype": "float32"}
    assert meta["crop"]["box_scale"] == 0.95 and meta["crop"]["letterbox_border"] == 50
    assert meta["data"]["files"] == 48 and meta["data"]["skipped_names"] == 1
    assert sum(meta["data"]["split_counts"].values()) == 48
    assert meta["metrics"]["int8"]["n"] == meta["data"]["split_counts"]["test"] > 0
    assert len(meta["ages"]) == 101 and meta["git_commit"] and meta["date"]
    assert (out / "MODEL_CARD.md").read_text().count("non-commercial") >= 1
    for png in ("learning_curves", "mae_by_age", "group_confusion", "scatter"):
        assert (out / "report" / f"{png}.png").stat().st_size > 5000
    assert model.stat().st_size < 1_000_000


def test_int8_tracks_the_float_model(trained):
    data, out, work = trained
    from training.data import SplitSpec, build_crops, list_images

    q = AgeEstimator(out / "age_int8.tflite")
    f = AgeEstimator(work / "age_float.tflite")
    assert q.runtime == f.runtime == "ai_edge_litert"
    items, _ = list_images(data)
    crops = build_crops(items, q.crop_spec, SplitSpec(), border=q.letterbox_border).crops
    qa = np.array([e.age for e in q.estimate_crops(crops)])
    fa = np.array([e.age for e in f.estimate_crops(crops)])
    assert np.abs(qa - fa).mean() < 1.5, (qa - fa)


def test_evaluate_cli_reproduces_training_metrics(trained, capsys):
    data, out, work = trained
    model = out / "age_int8.tflite"
    meta = json.loads(model.with_suffix(".json").read_text())
    assert evaluate.main(["--model", str(model), "--data", str(data), "--split", "test", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("n", "mae", "group_accuracy", "group_within_one", "per_group", "runtime"):
        assert key in result
    assert result["n"] == meta["metrics"]["int8"]["n"]
    assert result["mae"] == pytest.approx(meta["metrics"]["int8"]["mae"], abs=1e-3)
    assert evaluate.main(["--model", str(model), "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 48


def test_evaluate_compares_a_second_model_on_the_same_faces(trained, capsys):
    data, out, work = trained
    model, other = out / "age_int8.tflite", work / "age_float.tflite"
    assert evaluate.main(["--model", str(other), "--data", str(data), "--split", "test", "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert evaluate.main(["--model", str(model), "--data", str(data), "--split", "test", "--compare", str(other),
                          "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    [side] = result["compare"]
    assert side["model"] == str(other) and side["n"] == result["n"] == alone["n"]
    assert side["mae"] == alone["mae"] and side["per_group"] == alone["per_group"]
    assert side["collections"] == alone["collections"]


def test_evaluate_refuses_to_compare_a_model_with_other_crops(trained, tmp_path, capsys):
    data, out, work = trained
    other = tmp_path / "other.tflite"
    other.write_bytes((out / "age_int8.tflite").read_bytes())
    meta = json.loads((out / "age_int8.json").read_text())
    meta["crop"]["box_scale"] = 1.2
    other.with_suffix(".json").write_text(json.dumps(meta))
    assert evaluate.main(["--model", str(out / "age_int8.tflite"), "--data", str(data), "--compare", str(other)]) == 2
    assert "--compare" in capsys.readouterr().err


def test_device_estimator_runs_the_trained_model(trained):
    data, out, work = trained
    est = AgeEstimator(out / "age_int8.tflite")
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[20:220, 60:260] = _face(np.random.default_rng(1), 40)
    [e] = est.estimate(frame, [(60, 20, 200, 200)])
    assert 0 <= e.age <= 100 and e.distribution.sum() == pytest.approx(1.0)


def test_evaluate_missing_model_is_one_line(tmp_path, capsys):
    assert evaluate.main(["--model", str(tmp_path / "none.tflite"), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "none.tflite" in err and "\n" not in err


def test_packed_crops_train_a_distilled_student_that_finishes_like_any_model(trained, tmp_path):
    """The lent-GPU path on the CPU: pack the crops, train a student from the chain's model as its teacher with
    --crops (train only, no export), then --finish-only exports and records the teachers in the card."""
    data, out, work = trained
    from training import pack

    packed = tmp_path / "crops.npz"
    assert pack.main([str(packed), "--data", str(data), "--cache-dir", str(tmp_path / "cache"), "--size", "32",
                      "--workers", "1"]) == 0
    student = tmp_path / "student"
    assert train.main(["--crops", str(packed), "--work", str(student), "--size", "32", "--epochs", "3",
                       "--stop-after-epoch", "1", "--batch", "8", "--ema", "0", "--workers", "1",
                       "--width", "0.5", "--teacher", str(work / "model.keras"), "--distil-weight", "0.7"]) == 0
    assert not (student / "age_float.tflite").exists()  # train only: no export
    run = json.loads((student / "run.json").read_text())
    assert run["stopped_after_epoch"] == 1 and run["epochs"] == 3 and run["width"] == 0.5
    assert run["teachers"] == [str(work / "model.keras")] and run["distil_weight"] == 0.7
    assert run["teacher_runs"][0]["width"] == 1.0  # the teacher's own run.json, found beside it
    assert len(json.loads((student / "history.json").read_text())["loss"]) == 1
    finished = tmp_path / "models"
    assert train.main(["--finish-only", "--data", str(data), "--cache-dir", str(tmp_path / "cache"),
                       "--size", "32", "--work", str(student), "--out", str(finished)]) == 0
    meta = json.loads((finished / "age_int8.json").read_text())
    assert meta["training"]["width"] == 0.5 and meta["training"]["stopped_after_epoch"] == 1
    card = (finished / "MODEL_CARD.md").read_text()
    assert "Distilled" in card and "1 of 3 planned epochs" in card
    run["data_cache_key"] = "0123456789abcdef"  # trained on other crops: its "test" faces may be training faces
    (student / "run.json").write_text(json.dumps(run))
    with pytest.raises(SystemExit, match="0123456789abcdef"):
        train.main(["--finish-only", "--data", str(data), "--cache-dir", str(tmp_path / "cache"), "--size", "32",
                    "--work", str(student), "--out", str(tmp_path / "other")])
    assert AgeEstimator(finished / "age_int8.tflite").estimate_crops(
        np.zeros((1, 32, 32, 3), np.uint8))[0].age >= 0


def test_a_warm_restart_records_the_width_it_trained_not_the_flag(trained, tmp_path):
    """A lent GPU's continuation (--crops --init) once recorded --width's default 1.0 for a width-2.0 network: the
    run record now takes the width from the loaded network and names the model it started from."""
    data, out, work = trained
    from training import pack

    packed = tmp_path / "crops.npz"
    assert pack.main([str(packed), "--data", str(data), "--cache-dir", str(tmp_path / "cache"), "--size", "32",
                      "--workers", "1"]) == 0
    first, again = tmp_path / "first", tmp_path / "again"
    common = ["--crops", str(packed), "--size", "32", "--epochs", "1", "--batch", "8", "--ema", "0", "--workers", "1"]
    assert train.main([*common, "--work", str(first), "--width", "0.5"]) == 0
    assert train.main([*common, "--work", str(again), "--init", str(first / "model.keras")]) == 0
    run = json.loads((again / "run.json").read_text())
    assert run["width"] == 0.5 and run["init"] == str(first / "model.keras")
    assert json.loads((first / "run.json").read_text())["init"] is None
