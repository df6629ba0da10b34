"""`python -m training.evaluate`: score a TFLite age model per face collection with the training preprocessing."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from device.config.schema import AgeGroup, default_age_groups

log = logging.getLogger(__name__)


def group_index(age: float, groups: list[AgeGroup]) -> int:
    """Index of the group holding an age; ages between integer groups go to the group whose range they fall in
    after flooring (29.6 -> 20-29), ages beyond the last group to the last."""
    a = float(np.floor(age))
    for i, g in enumerate(groups):
        if a >= g.min_age and (g.max_age is None or a <= g.max_age):
            return i
    return 0 if a < groups[0].min_age else len(groups) - 1


def metrics(pred_ages: np.ndarray, pred_groups: np.ndarray, true_ages: np.ndarray, groups: list[AgeGroup]) -> dict:
    """MAE, group accuracy, within-one-group rate, per-group n/MAE/accuracy and the confusion matrix.

    pred_groups are indices into groups (e.g. the most probable group of the predicted distribution)."""
    pred_ages = np.asarray(pred_ages, dtype=np.float64)
    pred_groups = np.asarray(pred_groups, dtype=np.int64)
    true_ages = np.asarray(true_ages, dtype=np.float64)
    n = len(true_ages)
    if n == 0:
        raise ValueError("no faces to evaluate")
    true_groups = np.array([group_index(a, groups) for a in true_ages], dtype=np.int64)
    err = np.abs(pred_ages - true_ages)
    confusion = np.zeros((len(groups), len(groups)), dtype=np.int64)
    np.add.at(confusion, (true_groups, pred_groups), 1)
    per_group = {}
    for i, g in enumerate(groups):
        sel = true_groups == i
        per_group[g.name] = {"n": int(sel.sum()),
                             "mae": round(float(err[sel].mean()), 3) if sel.any() else None,
                             "accuracy": round(float((pred_groups[sel] == i).mean()), 4) if sel.any() else None}
    return {
        "n": int(n),
        "mae": round(float(err.mean()), 3),
        "group_accuracy": round(float((pred_groups == true_groups).mean()), 4),
        "group_within_one": round(float((np.abs(pred_groups - true_groups) <= 1).mean()), 4),
        "per_group": per_group,
        "groups": [g.name for g in groups],
        "confusion": confusion.tolist(),
    }


def parse_band(text: str) -> tuple[int, int, float, float]:
    """'38-46:30-55' -> (38, 46, 30.0, 55.0): faces aged 38-46 (inclusive), counted as read 30-55 or not."""
    try:
        ages, reads = text.split(":")
        lo, hi = (int(v) for v in ages.split("-"))
        read_lo, read_hi = (float(v) for v in reads.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected AGE-AGE:READ-READ such as 38-46:30-55, got {text!r}") from None
    if lo > hi or read_lo > read_hi:
        raise argparse.ArgumentTypeError(f"each range must run from low to high, got {text!r}")
    return lo, hi, read_lo, read_hi


def band_check(pred_ages: np.ndarray, true_ages: np.ndarray, band: tuple[int, int, float, float]) -> dict:
    """How the faces of one true-age band are read: how many fall inside the read window, below it and above it."""
    lo, hi, read_lo, read_hi = band
    mask = (true_ages >= lo) & (true_ages <= hi)
    pred = pred_ages[mask]
    inside = int(((pred >= read_lo) & (pred <= read_hi)).sum())
    return {"ages": [lo, hi], "read": [read_lo, read_hi], "n": int(mask.sum()), "inside": inside,
            "below": int((pred < read_lo).sum()), "above": int((pred > read_hi).sum()),
            "inside_share": round(inside / int(mask.sum()), 4) if mask.any() else None}


def evaluate_crops(estimator, crops: np.ndarray, true_ages: np.ndarray, groups: list[AgeGroup],
                   batch: int = 64, flip_average: bool = False) -> dict:
    """Run the estimator over prepared crops and score it; the predicted group is the most probable group.

    flip_average: average each face's distribution with its mirror image's, whatever the sidecar's
    output.mirror_average says (the device's AgeEstimator does it when the sidecar asks)."""
    from device.vision.age import group_probabilities

    if flip_average:
        estimator.mirror_average = True
    estimates = []
    t = time.perf_counter()
    for i in range(0, len(crops), batch):
        estimates.extend(estimator.estimate_crops(crops[i:i + batch]))
    ms_per_face = 1000 * (time.perf_counter() - t) / max(1, len(crops))
    names = [g.name for g in groups]
    pred_groups = []
    for e in estimates:
        probs = group_probabilities(e, estimator.ages, groups)
        pred_groups.append(names.index(max(names, key=lambda k: probs[k])))
    pred_ages = np.array([e.age for e in estimates])
    result = metrics(pred_ages, np.array(pred_groups), true_ages, groups)
    result["runtime"] = estimator.runtime
    result["ms_per_face_batched"] = round(ms_per_face, 3)
    result["predictions"] = pred_ages.tolist()
    result["pred_groups"] = pred_groups
    result["distributions"] = [e.distribution for e in estimates]
    return result


def training_vision(meta: dict):
    """The detector a model's training crops were framed with (its sidecar's crop.detector), unconfirmed."""
    from device.config.schema import VisionConfig

    detector = meta.get("crop", {}).get("detector", {})
    return VisionConfig(detector=detector.get("kind", "haar"), min_face_px=detector.get("min_face_px"),
                        confirm_faces=False)


def _print_scores(title: str, result: dict) -> None:
    print(f"  {title}: n {result['n']}, MAE {result['mae']:.2f} years, group accuracy "
          f"{100 * result['group_accuracy']:.1f} %, within one group {100 * result['group_within_one']:.1f} %")
    print("    per group MAE: " + ", ".join(f"{name} {g['mae']:.2f} (n {g['n']})"
                                            for name, g in result["per_group"].items() if g["n"]))


def score_faces(est, data, args, groups) -> tuple[dict, np.ndarray]:
    """The model's metrics on these faces (overall and per collection) and each face's distribution."""
    result = evaluate_crops(est, data.crops, data.ages, groups, flip_average=args.flip_average)
    dist = np.array(result.pop("distributions"))
    result["collections"] = {}
    for name in dict.fromkeys(data.collections.tolist()):
        sel = data.collections == name
        scores = metrics(np.array(result["predictions"])[sel], np.array(result["pred_groups"])[sel], data.ages[sel],
                         groups)
        result["collections"][name] = scores
    return result, dist


def compare_model(path: Path, est, data, args, groups) -> dict:
    """Another model's metrics on the same faces (overall and per collection); its crops and split must be est's."""
    from device.vision.age import AgeEstimator
    from training.data import SplitSpec

    other = AgeEstimator(path, threads=args.threads, kernels=args.kernels)
    for what, mine, theirs in (("crop", est.crop_spec, other.crop_spec),
                               ("letterbox border", est.letterbox_border, other.letterbox_border),
                               ("detector", training_vision(est.meta), training_vision(other.meta)),
                               ("split", SplitSpec.from_sidecar(est.meta), SplitSpec.from_sidecar(other.meta))):
        if mine != theirs:
            raise ValueError(f"--compare {path}: its {what} ({theirs}) is not {args.model}'s ({mine}); score it on its "
                             "own run")
    result = score_faces(other, data, args, groups)[0]
    result["bands"] = [band_check(np.array(result["predictions"]), data.ages, band) for band in args.band]
    for key in ("predictions", "pred_groups"):
        result.pop(key)
    return {"model": str(path), "readout": {"age": other.age_readout, "temperature": other.temperature,
                                             "age_map": other.age_map is not None}, **result}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__)
    parser.add_argument("--model", type=Path, required=True, help="TFLite age model with its .json sidecar beside it")
    parser.add_argument("--data", type=Path, required=True, action="append",
                        help="folder of age-labelled photos, one collection each (training/sources.py); repeat for "
                             "several (a name in an earlier folder of the same collection wins)")
    parser.add_argument("--split", choices=("all", "train", "val", "test"), default="all",
                        help="only the images of this split (the model sidecar's seeded split; by person for FG-NET)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="processes for face detection")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="keep the crops (and the teacher's ages) of every split here, keyed by the files; default: "
                             "none (crops are made again)")
    parser.add_argument("--flip-average", action="store_true",
                        help="average each face's distribution with its mirror image's, for every model scored, "
                             "whatever its sidecar's output.mirror_average (with --write-calibration: recorded there)")
    parser.add_argument("--kernels", choices=("reference", "default"), default="reference",
                        help="TFLite kernel set: 'reference' (default) rounds int8 as the Raspberry Pi's aarch64 build "
                             "does (make pi-check measures it); 'default' is x86's XNNPACK, what this machine runs")
    parser.add_argument("--band", type=parse_band, action="append", default=[], metavar="AGE-AGE:READ-READ",
                        help="also count how the faces aged AGE-AGE are read, e.g. 38-46:30-55 (repeatable)")
    parser.add_argument("--teacher", choices=("faceapi",), default=None,
                        help="also score face-api.js's age net on the same face windows (at its 112 px input), side by "
                             "side; needs `make faceapi`")
    parser.add_argument("--faceapi-dir", type=Path, default=Path(__file__).resolve().parents[1] / ".cache" / "faceapi",
                        help="where `make faceapi` installed face-api.js (its node_modules)")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit a temperature on the val split, compare mean and median readouts, and print the "
                             "reliability of P(age<13) and P(age<18) on --split")
    parser.add_argument("--degrade", choices=("cameras",), default=None,
                        help="score the model on its test faces degraded as other cameras would (training/camera.py "
                             "AugmentSpec.cameras(), seeded): the robustness the camera augmentation is for")
    parser.add_argument("--write-calibration", action="store_true",
                        help="with --calibrate --split test: write the fitted temperature, the readout and the test "
                             "reliability into the model's sidecar (output.temperature, output.age_readout, calibration)")
    parser.add_argument("--age-map", action="store_true",
                        help="with --write-calibration: also write the monotone correction of the age read that "
                             "--calibrate fits on val (output.age_map); without it any age map is removed")
    parser.add_argument("--compare", type=Path, action="append", default=[], metavar="MODEL",
                        help="also score this TFLite model (its own sidecar's temperature and readout) on the same faces, "
                             "side by side: the shipped model beside a candidate (repeatable; same crops and split)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.write_calibration and not (args.calibrate and args.split == "test"):
        parser.error("--write-calibration needs --calibrate --split test")
    if args.age_map and not args.write_calibration:
        parser.error("--age-map needs --write-calibration")
    if args.degrade and (args.teacher or args.write_calibration):
        parser.error("--degrade scores the model alone (no --teacher, no --write-calibration)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from device.vision.age import AgeEstimator, ModelError
    from training.data import SplitSpec, list_datasets, load_crops

    try:
        est = AgeEstimator(args.model, threads=args.threads, kernels=args.kernels)
        items, skipped, _ = list_datasets(args.data)
    except (ModelError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    split = SplitSpec.from_sidecar(est.meta)
    if not items:
        print(f"error: no age-labelled images in {', '.join(map(str, args.data))}", file=sys.stderr)
        return 2
    everything, info = load_crops(args.data, est.crop_spec, split, border=est.letterbox_border,
                                  cache_dir=args.cache_dir, workers=args.workers, vision=training_vision(est.meta))
    data = everything if args.split == "all" else everything.subset(args.split)
    if not len(data):
        print(f"error: no age-labelled images in {', '.join(map(str, args.data))} for split {args.split}",
              file=sys.stderr)
        return 2
    if args.degrade:
        from dataclasses import replace as with_crops

        from training.camera import AugmentSpec, augment_batch
        degraded = augment_batch(data.crops, np.random.default_rng(split.seed), AugmentSpec.cameras())
        data = with_crops(data, crops=np.clip(np.round(degraded), 0, 255).astype(np.uint8))
    groups = default_age_groups()
    result, dist = score_faces(est, data, args, groups)
    try:
        result["compare"] = [compare_model(path, est, data, args, groups) for path in args.compare]
    except (ModelError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    predictions = np.array(result.pop("predictions"))
    result.pop("pred_groups")
    result["bands"] = [band_check(predictions, data.ages, band) for band in args.band]
    result["skipped_names"] = skipped
    result["detector_missed"] = int((~data.detected).sum())
    result["cross_collection_duplicates"] = info.get("cross_collection_duplicates")
    result["model"] = str(args.model)
    result["split"] = args.split
    result["flip_average"] = args.flip_average
    result["kernels"] = args.kernels
    result["readout"] = {"age": est.age_readout, "temperature": est.temperature, "age_map": est.age_map is not None}
    result["degrade"] = args.degrade
    if args.teacher:
        from training.faceapi_teacher import TeacherError, teacher_ages
        paths = {(it.collection, it.path.name): it.path for it in items}
        try:
            t_ages, record = teacher_ages(data, [paths[(c, n)] for c, n in zip(data.collections, data.names)],
                                          est.crop_spec, est.letterbox_border, modules=args.faceapi_dir,
                                          cache_dir=args.cache_dir)
        except TeacherError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        t_groups = np.array([group_index(a, groups) for a in t_ages])
        teacher = metrics(t_ages, t_groups, data.ages, groups)
        teacher["collections"] = {name: metrics(t_ages[data.collections == name], t_groups[data.collections == name],
                                                data.ages[data.collections == name], groups)
                                  for name in result["collections"]}
        result["teacher"] = {"name": "face-api.js", **record, **teacher}
    if args.calibrate:
        from training.calibration_report import calibration_study
        val = everything.subset("val")
        val_dist = score_faces(est, val, args, groups)[1] if len(val) else None
        result["calibration"] = calibration_study(est, dist, data, val_dist, val, groups, seed=split.seed)
        if args.write_calibration:
            import datetime

            from training.calibration_report import write_to_sidecar
            result["written_temperature"] = write_to_sidecar(est.sidecar_path, result["calibration"],
                                                             datetime.date.today().isoformat(), age_map=args.age_map)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.model} on {result['n']} faces of {', '.join(map(str, args.data))} (split {args.split}, runtime "
          f"{result['runtime']}, {args.kernels} kernels, {est.age_readout} readout, temperature {est.temperature:g}"
          + (", age map" if est.age_map is not None else "")
          + (f", faces degraded as {args.degrade}" if args.degrade else "") + "):")
    _print_scores("Mirrorball, all collections", result)
    for name, g in result["per_group"].items():
        if g["n"]:
            print(f"  {name:>6}: n {g['n']:5d}  MAE {g['mae']:6.2f}  accuracy {100 * g['accuracy']:5.1f} %")
    for name, scores in result["collections"].items():
        _print_scores(f"Mirrorball, {name}", scores)
        for other in result["compare"]:
            _print_scores(f"{other['model']}, {name}", other["collections"][name])
        if args.teacher:
            _print_scores(f"face-api.js, {name}", result["teacher"]["collections"][name])
    for other in result["compare"]:
        _print_scores(f"{other['model']} ({other['readout']['age']} readout, temperature "
                      f"{other['readout']['temperature']:g}{', age map' if other['readout']['age_map'] else ''}), all collections",
                      other)
    if args.teacher:
        _print_scores("face-api.js, all collections", result["teacher"])
        print(f"  face-api.js: {result['teacher']['package']}, tfjs {result['teacher']['tfjs']} "
              f"{result['teacher']['backend']}, {result['teacher']['ms_per_face']} ms per face")
    for who, bands in [("Mirrorball", result["bands"]), *((o["model"], o["bands"]) for o in result["compare"])]:
        for b in bands:
            share = "n/a" if b["inside_share"] is None else f"{100 * b['inside_share']:.1f} %"
            print(f"  {who}: aged {b['ages'][0]}-{b['ages'][1]}: n {b['n']}, read {b['read'][0]:g}-{b['read'][1]:g}: "
                  f"{b['inside']} ({share}), below: {b['below']}, above: {b['above']}")
    if args.calibrate:
        from training.calibration_report import print_calibration
        print_calibration(result["calibration"])
        if args.write_calibration:
            print(f"  wrote output.temperature {result['written_temperature']}"
                  + (", output.age_map" if args.age_map else "") + f" and the calibration record into {est.sidecar_path}")
    print(f"  detector missed {result['detector_missed']} (implied box used); skipped names {skipped}; "
          f"cross-collection duplicates dropped {result['cross_collection_duplicates']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
