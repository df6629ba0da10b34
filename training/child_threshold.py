"""`python -m training.child_threshold`: how well p(under 13) finds children on held-out faces, at several thresholds.

The device counts a listener as a child when the age model's probability of an age under 13 (child_p, the sum of
the distribution's bins below 13) reaches music.child_threshold, or when its expected age or likeliest age group
says child. This scores both rules, one face and one frame at a time (the device smooths over frames), on the
model sidecar's test split: the recall of children aged 0-12, and how often a face aged 13-17 or 18+ is taken
for a child (which only costs explicit tracks, never lets one through).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from device.config.schema import default_age_groups
from device.vision.age import group_probabilities

CHILD_BELOW = 13  # child_p: probability of an age under this
MINOR_BELOW = 18  # minor_p
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
BANDS = (("0-12", 0, 12), ("13-17", 13, 17), ("18-24", 18, 24), ("25+", 25, 200))


def under(distribution: np.ndarray, ages: np.ndarray, below: float) -> np.ndarray:
    """The probability of an age under `below`, per row of `distribution`."""
    return np.asarray(distribution, dtype=np.float64)[:, np.asarray(ages) < below].sum(axis=1)


def score(child_p: np.ndarray, by_age: np.ndarray, true_ages: np.ndarray, thresholds=THRESHOLDS) -> list[dict]:
    """Per threshold: the share of each true-age band counted as a child, by child_p alone and by the device's
    rule (child_p, or `by_age`: the expected age or the likeliest group says child).

    >>> p = np.array([0.9, 0.3, 0.05, 0.2]); ages = np.array([8, 10, 30, 15]); by_age = np.array([1, 0, 0, 0], bool)
    >>> row = score(p, by_age, ages, thresholds=(0.25,))[0]
    >>> row["child_p"]["0-12"], row["child_p"]["13-17"], row["device"]["25+"]
    (1.0, 0.0, 0.0)
    """
    out = []
    for t in thresholds:
        row = {"threshold": t, "child_p": {}, "device": {}, "n": {}}
        for name, lo, hi in BANDS:
            sel = (true_ages >= lo) & (true_ages <= hi)
            row["n"][name] = int(sel.sum())
            for key, counted in (("child_p", child_p >= t), ("device", (child_p >= t) | by_age)):
                row[key][name] = round(float(counted[sel].mean()), 4) if sel.any() else None
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.child_threshold", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path("models/age_int8.tflite"))
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="folder of UTKFace-named images (repeat, as the model was trained: its sidecar says which)")
    parser.add_argument("--split", choices=("test", "val", "all"), default="test")
    parser.add_argument("--kernels", choices=("reference", "default"), default="reference",
                        help="'reference' rounds int8 as the Raspberry Pi does (see training.evaluate)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from device.vision.age import AgeEstimator
    from training.data import SplitSpec, build_crops, list_datasets
    from training.evaluate import training_vision

    est = AgeEstimator(args.model, kernels=args.kernels)
    items, _, _ = list_datasets(args.data)
    split = SplitSpec.from_sidecar(est.meta)
    if args.split != "all":
        items = [f for f in items if split.split_of(f.split_key) == args.split]
    if not items:
        print(f"error: no UTKFace-named images in {args.data} for split {args.split}", file=sys.stderr)
        return 2
    data = build_crops(items, est.crop_spec, split, border=est.letterbox_border, workers=args.workers,
                       vision=training_vision(est.meta))
    estimates = []
    for i in range(0, len(data.crops), 64):
        estimates.extend(est.estimate_crops(data.crops[i:i + 64]))
    dist = np.stack([e.distribution for e in estimates])
    expected = np.array([e.age for e in estimates])
    groups = default_age_groups()
    leading = []
    for e in estimates:
        probs = group_probabilities(e, est.ages, groups)
        leading.append(max(groups, key=lambda g, probs=probs: probs[g.name]))
    by_age = (expected <= 12) | np.array([g.max_age is not None and g.max_age <= 12 for g in leading])
    child_p = under(dist, est.ages, CHILD_BELOW)
    rows = score(child_p, by_age, data.ages)
    if args.json:
        print(json.dumps({"model": str(args.model), "split": args.split, "kernels": args.kernels, "rows": rows}))
        return 0
    n = rows[0]["n"]
    print(f"{args.model} on the {args.split} split ({', '.join(f'{k}: {v}' for k, v in n.items())} faces), "
          f"{args.kernels} kernels; share counted as a child")
    print(f"{'threshold':>9}  {'p(<13) alone':^31}  {'device rule (p, age or group)':^31}")
    print(f"{'':>9}  " + "  ".join(" ".join(f"{name:>7}" for name, _, _ in BANDS) for _ in range(2)))
    for row in rows:
        cells = "  ".join(" ".join(f"{100 * row[k][name]:6.1f}%" for name, _, _ in BANDS)
                          for k in ("child_p", "device"))
        print(f"{row['threshold']:>9.2f}  {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
