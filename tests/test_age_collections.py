"""Face collections (names, split by person), cross-collection duplicates, and the calibration maths."""

import cv2
import numpy as np
import pytest

from training.calibration import (
    age_nll,
    fit_temperature,
    probability_below,
    readout,
    reliability,
    with_temperature,
)
from training.data import SplitSpec, build_crops, list_datasets
from training.dedupe import cross_collection_duplicates
from training.sources import collection_of

AGES = np.arange(101, dtype=np.float64)


def _face(rng, size=64):
    """A face-like image: a random smooth pattern, different for each seed."""
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def _write(folder, names, rng):
    folder.mkdir(parents=True)
    for name in names:
        cv2.imwrite(str(folder / name), _face(rng, 96))


def test_each_collection_reads_its_own_names(tmp_path):
    rng = np.random.default_rng(0)
    _write(tmp_path / "utkface-64", ["30_0_0_20170101.jpg.chip.jpg", "bad.jpg"], rng)
    _write(tmp_path / "all-age-faces", ["00012A02.jpg", "07381A45.jpg", "1A2.jpg"], rng)
    _write(tmp_path / "fg-net", ["001A05.jpg", "001A12b.jpg", "002A40.JPG"], rng)
    items, skipped, info = list_datasets([tmp_path / "utkface-64", tmp_path / "all-age-faces", tmp_path / "fg-net"])
    assert skipped == 2  # bad.jpg, 1A2.jpg
    assert [(i.collection, i.path.name, i.age, i.split_key) for i in items] == [
        ("utkface", "30_0_0_20170101.jpg.chip.jpg", 30, "30_0_0_20170101.jpg.chip.jpg"),
        ("all-age-faces", "00012A02.jpg", 2, "00012A02.jpg"),
        ("all-age-faces", "07381A45.jpg", 45, "07381A45.jpg"),
        ("fg-net", "001A05.jpg", 5, "fg-net person 001"),
        ("fg-net", "001A12b.jpg", 12, "fg-net person 001"),
        ("fg-net", "002A40.JPG", 40, "fg-net person 002"),
    ]
    assert info["folders"][str(tmp_path / "fg-net")] == 3


def test_an_unknown_folder_goes_by_its_file_names(tmp_path):
    assert collection_of(tmp_path / "faces", ["001A05.jpg", "002A07.jpg", "30_0_0_1.jpg"]).name == "fg-net"
    assert collection_of(tmp_path / "faces", []).name == "utkface"


def test_fgnet_splits_by_person_never_by_photo(tmp_path):
    rng = np.random.default_rng(1)
    names = [f"{p:03d}A{a:02d}.jpg" for p in range(1, 41) for a in (3, 9, 20)]
    _write(tmp_path / "fg-net", names, rng)
    items, _, _ = list_datasets([tmp_path / "fg-net"])
    data = build_crops(items, _box_spec(), SplitSpec(test_fraction=0.3), border=0)
    persons = {}
    for name, split in zip(data.names, data.splits):
        persons.setdefault(name[:3], set()).add(split)
    assert all(len(s) == 1 for s in persons.values())  # each person's photos all in one split
    assert {"train", "test"} <= {next(iter(s)) for s in persons.values()}


def _box_spec():
    from device.vision.crop import CropSpec
    return CropSpec(64, 0.95, 0.07)


def test_the_same_photo_in_a_later_collection_is_dropped_and_the_earlier_kept():
    rng = np.random.default_rng(2)
    faces = np.stack([_face(rng) for _ in range(30)])
    copy = cv2.imdecode(cv2.imencode(".jpg", faces[3], [cv2.IMWRITE_JPEG_QUALITY, 70])[1], cv2.IMREAD_COLOR)
    crops = np.concatenate([faces[:20], copy[None], faces[20:]])  # 20 "utkface", then 11 "all-age-faces"
    collections = np.array(["utkface"] * 20 + ["all-age-faces"] * 11)
    drop, counts = cross_collection_duplicates(crops, collections)
    assert counts == {"utkface": 0, "all-age-faces": 1}
    assert np.flatnonzero(drop).tolist() == [20]  # the JPEG copy, not the original


def test_median_and_mean_readouts():
    dist = np.zeros((2, 101))
    dist[0, 30] = 1.0
    dist[1, [20, 60]] = [0.6, 0.4]
    assert readout(dist, AGES, "mean").tolist() == pytest.approx([30.0, 36.0])
    # the median of the second lies inside bin 20 (cumulative 0.6 >= 0.5), 0.5/0.6 of the way through it
    assert readout(dist, AGES, "median").tolist() == pytest.approx([30.0, 19.5 + 0.5 / 0.6])
    with pytest.raises(ValueError):
        readout(dist, AGES, "mode")


def test_a_temperature_sharpens_or_flattens_and_the_fit_finds_the_true_one():
    rng = np.random.default_rng(3)
    true = rng.integers(5, 90, 400)
    logits = -0.5 * ((AGES[None, :] - true[:, None] - rng.normal(0, 4, (400, 1))) / 4.0) ** 2
    dist = with_temperature(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), 1.0)
    sharp = with_temperature(dist, 0.5)  # overconfident: the fit should say T > 1 brings it back
    assert sharp.max(1).mean() > dist.max(1).mean()
    t, nll = fit_temperature(sharp, AGES, true)
    assert t > 1.2 and nll < age_nll(sharp, AGES, true)
    with pytest.raises(ValueError):
        with_temperature(dist, 0.0)


def test_reliability_of_a_perfectly_calibrated_and_a_wrong_forecast():
    rng = np.random.default_rng(4)
    prob = rng.random(20000)
    happened = rng.random(20000) < prob
    good = reliability(prob, happened)
    assert good["ece"] < 0.02 and len(good["rows"]) == 10 and good["n"] == 20000
    bad = reliability(np.full(1000, 0.9), np.zeros(1000, bool))
    assert bad["ece"] == pytest.approx(0.9) and bad["brier"] == pytest.approx(0.81)


def test_probability_below_sums_the_young_bins():
    dist = np.zeros((1, 101))
    dist[0, [10, 12, 13, 17, 40]] = 0.2
    assert probability_below(dist, AGES, 13)[0] == pytest.approx(0.4)
    assert probability_below(dist, AGES, 18)[0] == pytest.approx(0.8)


def test_the_model_card_renders_the_sidecars_calibration_record():
    from training.report import calibration_text

    assert calibration_text({}) == ""
    row = {"n": 10, "positives": 3, "ece": 0.05, "brier": 0.1, "ece_at_temperature_1": 0.06,
           "brier_at_temperature_1": 0.11}
    rows = [{"bin": "0.0-0.1", "n": 7, "predicted": 0.02, "observed": 0.0}]
    meta = {"calibration": {"temperature": 1.3, "readout": "mean", "how": "fitted on val",
                            "test_reliability": {"under_13": {"all": {**row, "rows": rows}},
                                                 "under_18": {"all": {**row, "rows": rows}}}}}
    text = calibration_text(meta)
    assert "softmax(logits / 1.3)" in text and "| all | 10 | 0.05 (T 1: 0.06) | 0.1 |" in text
    assert "| 0.0-0.1 | 7 | 0.02 | 0.0 | 7 | 0.02 | 0.0 |" in text


def test_the_calibration_is_written_into_the_sidecar_relative_to_its_own_temperature(tmp_path):
    import json

    from training.calibration_report import write_to_sidecar

    sidecar = tmp_path / "m.json"
    sidecar.write_text(json.dumps({"output": {"kind": "logits", "temperature": 1.5}}))
    rel = {"n": 5, "positives": 1, "ece": 0.1, "brier": 0.2, "rows": []}
    both = {"all": {"at_1": rel, "fitted": rel}}
    study = {"sidecar_temperature": 1.5, "fitted_temperature": 1.2, "minor_temperature": 2.0,
             "val": {"readouts": {"mean": {"mae": 6.0}, "median": {"mae": 5.9}}},
             "split": {"readouts_at_1": {}, "readouts_fitted": {}},
             "reliability": {"under_13": both, "under_18": both}}
    assert write_to_sidecar(sidecar, study, "2026-12-04") == 1.8
    meta = json.loads(sidecar.read_text())
    assert meta["output"]["temperature"] == 1.8 and meta["output"]["age_readout"] == "median"
    assert meta["calibration"]["temperature_by_minor_brier"] == 3.0
    assert meta["calibration"]["test_reliability"]["under_13"]["all"]["ece"] == 0.1


def test_faceapi_reads_the_same_face_windows_when_installed(tmp_path):
    """face-api.js in Node on three face windows (make faceapi installs it; skipped without it)."""
    from pathlib import Path

    from training.data import CropDataset
    from training.faceapi_teacher import TeacherError, check_installed, teacher_ages

    modules = Path(__file__).resolve().parents[1] / ".cache" / "faceapi"
    try:
        check_installed(modules)
    except TeacherError as exc:
        pytest.skip(str(exc))
    rng = np.random.default_rng(5)
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(paths[-1]), _face(rng, 100))
    data = CropDataset(np.zeros((3, 64, 64, 3), np.uint8), np.array([20, 30, 40]), np.array(["a", "b", "c"]),
                       np.array(["test"] * 3), np.ones(3, bool), boxes=np.array([[0, 0, 100, 100]] * 3))
    ages, record = teacher_ages(data, paths, _box_spec(), 0, modules=modules, cache_dir=tmp_path)
    assert ages.shape == (3,) and np.all((ages > 0) & (ages < 100)) and record["backend"] == "wasm"
    again, cached = teacher_ages(data, paths, _box_spec(), 0, modules=modules, cache_dir=tmp_path)
    assert np.array_equal(again, ages) and cached["cache"].endswith(".json")


def test_evaluate_scores_degraded_faces_and_refuses_a_teacher_with_them(tmp_path, capsys):
    import json

    from age_helpers import shipped_model

    from training import evaluate

    rng = np.random.default_rng(6)
    _write(tmp_path / "utkface-x", [f"{20 + i}_0_0_2017010{i}.jpg" for i in range(6)], rng)
    args = ["--model", str(shipped_model()), "--data", str(tmp_path / "utkface-x"), "--json"]
    assert evaluate.main(args) == 0
    plain = json.loads(capsys.readouterr().out)
    assert evaluate.main([*args, "--degrade", "cameras"]) == 0
    degraded = json.loads(capsys.readouterr().out)
    assert degraded["n"] == plain["n"] == 6 and degraded["degrade"] == "cameras" and plain["degrade"] is None
    assert degraded["mae"] != plain["mae"]
    with pytest.raises(SystemExit):
        evaluate.main([*args, "--degrade", "cameras", "--teacher", "faceapi"])


def test_an_age_map_fitted_on_faces_read_toward_the_middle_moves_them_back():
    """Readouts squeezed toward 35 (with noise): the fitted map is monotone, leaves 0 and 100 as they are, reads the
    squeezed ends outward again, and lowers the MAE on faces it was not fitted on (cross-validated)."""
    from device.vision.age import check_age_map, map_ages
    from training.age_map import cross_validated, fit_age_map

    rng = np.random.default_rng(3)
    true = rng.integers(1, 90, 3000).astype(np.float64)
    read = 35 + 0.6 * (true - 35) + rng.normal(0, 2.0, len(true))
    knots = fit_age_map(read, true)
    x, y = check_age_map(knots)
    assert knots[0] == [0.0, 0.0] and knots[-1] == [100.0, 100.0] and np.all(np.diff(y) >= 0)
    corrected = map_ages(np.array([10.0, 35.0, 60.0]), (x, y))
    assert corrected[0] < 5 and abs(corrected[1] - 35) < 3 and corrected[2] > 70
    held_out = cross_validated(read, true, seed=1)
    assert np.abs(held_out - true).mean() < 0.6 * np.abs(read - true).mean()
    with pytest.raises(ValueError, match="at least 100 faces"):
        fit_age_map(read[:60], true[:60])


def test_isotonic_medians_pool_adjacent_violators_under_absolute_error():
    from training.age_map import isotonic_medians

    bins = [np.array([1.0, 2, 30]), np.array([0.0, 1, 1]), np.array([5.0, 6, 7]), np.array([4.0])]
    assert isotonic_medians(bins).tolist() == [1.0, 1.0, 5.5, 5.5]  # medians 2, 1 pooled: 1; 6, 4 pooled: 5.5


def test_signed_errors_per_collection_and_group():
    from device.config.schema import default_age_groups
    from training.age_map import signed_errors

    table = signed_errors(np.array([10.0, 40.0, 50.0]), np.array([12.0, 45.0, 45.0]), np.array(["a", "b", "b"]),
                          default_age_groups())
    assert table["all"]["n"] == 3 and table["all"]["bias"] == pytest.approx(-2 / 3, abs=1e-3)
    assert table["b"]["groups"] == {"40-49": {"n": 2, "bias": 0.0, "mae": 5.0}}
    assert table["a"]["groups"]["0-12"] == {"n": 1, "bias": -2.0, "mae": 2.0}


def test_the_age_map_is_written_only_when_asked_and_a_stale_one_removed(tmp_path):
    import json

    from training.calibration_report import write_to_sidecar

    sidecar = tmp_path / "m.json"
    rel = {"n": 5, "positives": 1, "ece": 0.1, "brier": 0.2, "rows": []}
    both = {"all": {"at_1": rel, "fitted": rel}}
    table = {"all": {"n": 5, "mae": 4.0, "bias": -1.0, "groups": {}}}
    knots = [[0.0, 0.0], [40.0, 44.0], [100.0, 100.0]]
    study = {"sidecar_temperature": 1.0, "fitted_temperature": 1.0, "minor_temperature": 1.0,
             "val": {"readouts": {"mean": {"mae": 5.0}, "median": {"mae": 5.1}}},
             "split": {"readouts_at_1": {}, "readouts_fitted": {}}, "reliability": {"under_13": both},
             "age_map": {"readout": "mean", "knots": knots, "val_before": table, "val_cross_validated": table,
                         "split_before": table, "split_after": table}}
    sidecar.write_text(json.dumps({"output": {"kind": "logits", "age_map": [[0, 0], [100, 100]]}}))
    write_to_sidecar(sidecar, study, "2026-12-04", age_map=True)
    meta = json.loads(sidecar.read_text())
    assert meta["output"]["age_map"] == knots
    assert meta["calibration"]["age_map"]["written"] is True
    assert meta["calibration"]["age_map"]["val_cross_validated"]["all"] == {"n": 5, "mae": 4.0, "bias": -1.0}
    write_to_sidecar(sidecar, study, "2026-12-04")
    meta = json.loads(sidecar.read_text())
    assert "age_map" not in meta["output"] and meta["calibration"]["age_map"]["written"] is False
    with pytest.raises(ValueError, match="no age map was fitted"):
        write_to_sidecar(sidecar, {**study, "age_map": None}, "2026-12-04", age_map=True)


def test_the_calibration_study_fits_the_age_map_on_val_and_judges_it_on_the_split(capsys):
    """evaluate --calibrate's study on distributions read toward the middle: the map is fitted on val only (the split's
    ages do not change it), and on the split the mapped ages are nearer the truth; the tables are printed."""
    from types import SimpleNamespace

    from device.config.schema import default_age_groups
    from training.calibration_report import calibration_study, print_calibration

    class Faces(SimpleNamespace):
        def __len__(self):
            return len(self.ages)

    def faces(seed, n):
        rng = np.random.default_rng(seed)
        true = rng.integers(1, 90, n).astype(np.float64)
        centre = np.clip(np.round(35 + 0.6 * (true - 35) + rng.normal(0, 2.0, n)), 1, 99).astype(int)
        dist = np.full((n, 101), 1e-6)
        dist[np.arange(n), centre - 1] = dist[np.arange(n), centre + 1] = 0.25
        dist[np.arange(n), centre] = 0.5
        dist /= dist.sum(axis=1, keepdims=True)
        return Faces(ages=true, collections=np.array(["a", "b"] * (n // 2))), dist

    est = SimpleNamespace(ages=AGES, temperature=1.0, age_readout="mean", mirror_average=False)
    (val, val_dist), (test, test_dist) = faces(1, 1200), faces(2, 800)
    study = calibration_study(est, test_dist, test, val_dist, val, default_age_groups())
    m = study["age_map"]
    assert m["readout"] in ("mean", "median") and m["knots"][0] == [0.0, 0.0]
    assert m["split_after"]["all"]["mae"] < 0.7 * m["split_before"]["all"]["mae"]
    assert m["val_cross_validated"]["all"]["mae"] < m["val_before"]["all"]["mae"]
    other = calibration_study(est, test_dist, Faces(ages=test.ages + 5, collections=test.collections), val_dist, val,
                              default_age_groups())
    assert other["age_map"]["knots"] == m["knots"]  # fitted on val alone
    print_calibration(study)
    out = capsys.readouterr().out
    assert "age map (" in out and "split, mapped all: n 800" in out
