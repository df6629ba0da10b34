"""Evaluation maths on hand-made cases, group probabilities, the split, label parsing and rebalancing."""

import numpy as np
import pytest

from device.config.schema import AgeGroup, default_age_groups
from device.vision.age import AgeEstimate, group_probabilities
from training.data import SplitSpec, age_from_name, list_images
from training.evaluate import group_index, metrics
from training.train import rebalance_weights

GROUPS = default_age_groups()  # 0-12, 13-19, 20-29, 30-39, 40-49, 50-59, 60+


def test_group_index_edges():
    assert [group_index(a, GROUPS) for a in (0, 12, 12.9, 13, 19.99, 20, 39, 59.5, 60, 99, 130)] == \
        [0, 0, 0, 1, 1, 2, 3, 5, 6, 6, 6]


def test_metrics_hand_made():
    true = np.array([5, 15, 25, 35, 65])
    pred_ages = np.array([7, 15, 20, 45, 60])  # errors 2, 0, 5, 10, 5 -> MAE 4.4
    pred_groups = np.array([0, 1, 2, 4, 5])  # right, right, right, one off, one off
    m = metrics(pred_ages, pred_groups, true, GROUPS)
    assert m["n"] == 5
    assert m["mae"] == pytest.approx(4.4)
    assert m["group_accuracy"] == pytest.approx(0.6)
    assert m["group_within_one"] == pytest.approx(1.0)
    assert m["per_group"]["30-39"] == {"n": 1, "mae": 10.0, "accuracy": 0.0}
    assert m["per_group"]["60+"] == {"n": 1, "mae": 5.0, "accuracy": 0.0}
    assert m["per_group"]["40-49"] == {"n": 0, "mae": None, "accuracy": None}
    conf = np.array(m["confusion"])
    assert conf.sum() == 5 and conf[3, 4] == 1 and conf[6, 5] == 1 and np.trace(conf) == 3


def test_metrics_two_groups_off_is_not_within_one():
    m = metrics(np.array([70.0]), np.array([6]), np.array([45]), GROUPS)
    assert m["group_accuracy"] == 0 and m["group_within_one"] == 0 and m["mae"] == 25


def test_metrics_needs_faces():
    with pytest.raises(ValueError):
        metrics(np.array([]), np.array([]), np.array([]), GROUPS)


def test_group_probabilities_sum_bins():
    ages = np.arange(0, 101, dtype=float)
    dist = np.zeros(101)
    dist[[10, 12, 13, 60, 100]] = [0.1, 0.2, 0.3, 0.15, 0.25]
    probs = group_probabilities(AgeEstimate(age=float(dist @ ages), distribution=dist), ages, GROUPS)
    assert probs["0-12"] == pytest.approx(0.3)
    assert probs["13-19"] == pytest.approx(0.3)
    assert probs["60+"] == pytest.approx(0.4)
    assert sum(probs.values()) == pytest.approx(1.0)
    custom = [AgeGroup("kids", 0, 17), AgeGroup("adults", 18, None)]
    assert group_probabilities(AgeEstimate(0.0, dist), ages, custom) == pytest.approx({"kids": 0.6, "adults": 0.4})


def test_split_is_deterministic_and_proportional():
    spec = SplitSpec(seed=7, val_fraction=0.1, test_fraction=0.2)
    names = [f"{i % 90}_0_0_2017{i:010d}.jpg.chip.jpg" for i in range(5000)]
    splits = [spec.split_of(n) for n in names]
    assert splits == [SplitSpec(seed=7, val_fraction=0.1, test_fraction=0.2).split_of(n) for n in names]
    share = {s: splits.count(s) / len(names) for s in ("train", "val", "test")}
    assert share["test"] == pytest.approx(0.2, abs=0.025) and share["val"] == pytest.approx(0.1, abs=0.02)
    other = [SplitSpec(seed=8, val_fraction=0.1, test_fraction=0.2).split_of(n) for n in names]
    assert other != splits


def test_split_is_read_back_from_a_model_sidecar():
    meta = {"data": {"split": {"seed": 7, "val_fraction": 0.1, "test_fraction": 0.2, "other": "ignored"}}}
    assert SplitSpec.from_sidecar(meta) == SplitSpec(seed=7, val_fraction=0.1, test_fraction=0.2)
    assert SplitSpec.from_sidecar({"data": {"split": {"seed": 9}}}) == SplitSpec(seed=9)
    assert SplitSpec.from_sidecar({}) == SplitSpec()


def test_age_from_name():
    assert age_from_name("26_1_0_20170116235151563.jpg.chip.jpg") == 26
    assert age_from_name("1_0_2_20161219140530307.jpg") == 1
    assert age_from_name("61_1_20170109142408075.jpg.chip.jpg") is None  # race missing
    assert age_from_name("face.jpg") is None


def test_list_images_counts_malformed(tmp_path):
    for name in ("30_0_0_1.jpg", "4_1_2_2.jpg.chip.jpg", "bad_name.jpg", "61_1_3.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    items, skipped = list_images(tmp_path)
    assert [(p.name, a) for p, a in items] == [("30_0_0_1.jpg", 30), ("4_1_2_2.jpg.chip.jpg", 4)]
    assert skipped == 2


def test_rebalance_weights_favour_rare_ages():
    ages = np.array([1] * 16 + [70] * 4)
    w = rebalance_weights(ages)
    assert w.mean() == pytest.approx(1.0)
    assert w[-1] / w[0] == pytest.approx(2.0)  # sqrt(16 / 4)


class _MirrorSensitive:
    """An estimator whose distribution depends on the left/right brightness balance: tests flip averaging. Like the
    device's AgeEstimator, it averages each face with its mirror image when mirror_average is set."""
    ages = np.arange(0, 101, dtype=float)
    runtime = "test"
    mirror_average = False

    def _one(self, c):
        left, right = c[:, : c.shape[1] // 2].mean(), c[:, c.shape[1] // 2:].mean()
        d = np.zeros(101)
        d[20 if left > right else 40] = 1.0
        return d

    def estimate_crops(self, crops):
        out = []
        for c in crops:
            d = (self._one(c) + self._one(c[:, ::-1])) / 2 if self.mirror_average else self._one(c)
            out.append(AgeEstimate(age=float(d @ self.ages), distribution=d))
        return out


def test_flip_average_mixes_mirror_images():
    from training.evaluate import evaluate_crops

    crops = np.zeros((2, 8, 8, 3), np.uint8)
    crops[0, :, :4] = 200  # brighter on the left -> 20, mirrored -> 40
    crops[1, :, 4:] = 200  # brighter on the right -> 40, mirrored -> 20
    plain = evaluate_crops(_MirrorSensitive(), crops, np.array([30, 30]), GROUPS)
    assert plain["predictions"] == [20.0, 40.0] and plain["mae"] == 10
    flipped = evaluate_crops(_MirrorSensitive(), crops, np.array([30, 30]), GROUPS, flip_average=True)
    assert flipped["predictions"] == [30.0, 30.0] and flipped["mae"] == 0


def test_band_check_counts_faces_of_one_age_band_by_how_they_are_read():
    import argparse

    from training.evaluate import band_check, parse_band

    band = parse_band("38-46:30-55")
    assert band == (38, 46, 30.0, 55.0)
    true = np.array([38, 40, 46, 47, 37, 42])
    pred = np.array([29.9, 30.0, 55.5, 20.0, 41.0, 55.0])
    # faces aged 38-46: read 29.9 (below), 30.0 and 55.0 (inside, the ends count), 55.5 (above)
    assert band_check(pred, true, band) == {"ages": [38, 46], "read": [30.0, 55.0], "n": 4, "inside": 2,
                                            "below": 1, "above": 1, "inside_share": 0.5}
    assert band_check(pred, true, parse_band("90-99:0-100"))["inside_share"] is None
    for bad in ("38-46", "46-38:30-55", "38-46:55-30", "a-b:1-2"):
        with pytest.raises(argparse.ArgumentTypeError, match="38-46:30-55|low to high"):
            parse_band(bad)
