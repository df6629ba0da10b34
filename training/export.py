"""After training: float and int8 TFLite conversion, the JSON sidecar, evaluation, the report and the model card."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import subprocess
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from device.config.schema import VisionConfig, default_age_groups
from device.vision.crop import CropSpec
from device.vision.detect import DEFAULT_MIN_FACE

log = logging.getLogger(__name__)

SIDECAR_FORMAT = "mirrorball-age/1"


def convert(model, representative: np.ndarray, *, int8: bool) -> bytes:
    """A TFLite flatbuffer of the Keras model; int8: full-integer with uint8 input and a float32 logits output."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        def rep():
            for i in range(len(representative)):
                yield [representative[i:i + 1].astype(np.float32)]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = rep
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        # The logits leave the model dequantised to float32; softmax and the expected age are computed in
        # float on the device, so no uint8-quantised probabilities differ between x86 and aarch64 kernels.
        converter.inference_output_type = tf.float32
    return converter.convert()


def git_commit(repo: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def input_quantisation(tflite_bytes: bytes) -> dict:
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_content=tflite_bytes)
    d = interp.get_input_details()[0]
    o = interp.get_output_details()[0]
    scale, zero = d["quantization"]
    return {"dtype": np.dtype(d["dtype"]).name, "scale": float(scale), "zero_point": int(zero),
            "output_dtype": np.dtype(o["dtype"]).name}


def sidecar(model_file: str, tflite_bytes: bytes, spec: CropSpec, border: int, ages: np.ndarray, split,
            info: dict, training: dict, metrics: dict, repo: Path, detector: str = "yunet") -> dict:
    q = input_quantisation(tflite_bytes)
    vision = VisionConfig(detector=detector)
    min_face = vision.min_face_px or DEFAULT_MIN_FACE[vision.detector]
    return {
        "format": SIDECAR_FORMAT,
        "model_file": model_file,
        "input": {
            "size": spec.size, "channels": 3, "colour_order": "RGB", "layout": "NHWC", "dtype": q["dtype"],
            # The model takes raw pixel values 0..255 and scales them to [-1, 1] itself.
            "normalisation": {"mean": 0.0, "std": 1.0},
            "quantisation": {"scale": q["scale"], "zero_point": q["zero_point"]} if q["dtype"] != "float32" else None,
        },
        "output": {"kind": "logits", "dtype": q["output_dtype"],
                   "readout": "softmax over the age bins, expected age = sum(p * ages)"},
        "ages": [float(a) for a in ages],
        "crop": {**spec.to_json(), "letterbox_border": border,
                 "detector": {"kind": vision.detector, "min_face_px": min_face}},
        "data": {**info, "split": asdict(split)},
        "training": training,
        "metrics": metrics,
        "git_commit": git_commit(repo),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def write_model(path: Path, tflite_bytes: bytes, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tflite_bytes)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")


def per_collection(result: dict, te) -> dict:
    """The metrics of each collection's test faces, from one evaluate_crops result over all of them."""
    from device.config.schema import default_age_groups
    from training.evaluate import metrics

    pred, groups = np.asarray(result["predictions"]), np.asarray(result["pred_groups"])
    return {name: metrics(pred[te.collections == name], groups[te.collections == name],
                          te.ages[te.collections == name], default_age_groups())
            for name in dict.fromkeys(te.collections.tolist())}


def finish(args, data, info, spec: CropSpec, split, ages_bins: np.ndarray, *, started: float) -> dict:
    """Convert the trained model, evaluate float and int8 on the test split, write models/ and the report."""
    import keras

    from device.vision.age import AgeEstimator
    from training.augment import AugmentSpec
    from training.evaluate import evaluate_crops
    from training.options import REPO

    model = keras.models.load_model(args.work / "model.keras", compile=False)
    tr, te = data.subset("train"), data.subset("test")
    rng = np.random.default_rng(args.seed)
    rep = tr.crops[rng.choice(len(tr.crops), size=min(300, len(tr.crops)), replace=False)]
    history = json.loads((args.work / "history.json").read_text()) if (args.work / "history.json").is_file() else {}
    # The training run's own record (run.json) wins over this command's flags: a model trained elsewhere
    # (python -m training.train --crops ... on a lent GPU) is finished here with --finish-only.
    run_file, timing_file = args.work / "run.json", args.work / "timing.json"
    run = json.loads(run_file.read_text()) if run_file.is_file() else {}
    if not run and timing_file.is_file():  # work folders from before run.json
        run = json.loads(timing_file.read_text())
    if run.get("data_cache_key") and run["data_cache_key"] != info.get("cache_key"):
        raise SystemExit(f"{run_file}: the model trained on crops {run['data_cache_key']}, but these are "
                         f"{info.get('cache_key')} (other data, crop settings or split seed): its test split "
                         f"would not be faces it never saw")
    training = {"epochs": args.epochs, "batch": args.batch, "lr": args.lr, "weight_decay": args.weight_decay,
                "width": args.width, "sigma": args.sigma, "ema": args.ema, "seed": args.seed,
                "parameters": int(model.count_params()), "limit": args.limit or None,
                "init": str(args.init) if getattr(args, "init", None) else None,
                "augmentation": (AugmentSpec.cameras() if getattr(args, "augment", "base") == "cameras"
                                 else AugmentSpec()).describe(),
                "rebalancing": "sample weight 1/sqrt(count of 5-year age bin)"}
    training.update({k: v for k, v in run.items() if k not in ("train_minutes", "size", "data_cache_key")})
    if getattr(args, "init", None):
        # A warm restart: keep the first stage's settings and learning curves in the record.
        first = Path(args.init).parent
        if (first / "training.json").is_file():
            training["previous_stage"] = json.loads((first / "training.json").read_text())
        if (first / "history.json").is_file():
            earlier = json.loads((first / "history.json").read_text())
            history = {k: earlier.get(k, []) + v for k, v in history.items()}
            training["restart_after_epoch"] = len(next(iter(earlier.values()), []))
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "training.json").write_text(json.dumps(training, indent=1))
    results = {}
    paths = {"float": args.work / "age_float.tflite", "int8": args.out / "age_int8.tflite"}
    for kind in ("float", "int8"):
        t = time.monotonic()
        blob = convert(model, rep, int8=kind == "int8")
        print(f"converted {kind} model: {len(blob) / 1024:.0f} KB in {time.monotonic() - t:.0f} s", flush=True)
        meta = sidecar(paths[kind].name, blob, spec, args.border, ages_bins, split, info, training, {}, REPO,
                       detector=getattr(args, "detector", "yunet"))
        write_model(paths[kind], blob, meta)
        # int8 is scored with the reference kernels: x86's XNNPACK rounds int8 differently from aarch64, and the
        # reference kernels match the Pi (make pi-check measures it); the float model has no such difference.
        kernels = "reference" if kind == "int8" else "default"
        est = AgeEstimator(paths[kind], threads=2, kernels=kernels)
        results[kind] = evaluate_crops(est, te.crops, te.ages, default_age_groups())
        results[kind]["collections"] = per_collection(results[kind], te)
        results[kind]["kernels"] = kernels
        results[kind]["file_kb"] = round(len(blob) / 1024, 1)
        print(f"{kind} test split: n {results[kind]['n']}, MAE {results[kind]['mae']:.2f}, "
              f"group accuracy {results[kind]['group_accuracy']:.3f}, "
              f"within one {results[kind]['group_within_one']:.3f}; "
              + "; ".join(f"{name} n {r['n']} MAE {r['mae']:.2f}" for name, r in results[kind]["collections"].items()),
              flush=True)
    per_face = ("predictions", "pred_groups", "distributions")
    metrics = {"split": "test", "float": {k: v for k, v in results["float"].items() if k not in per_face},
               "int8": {k: v for k, v in results["int8"].items() if k not in per_face},
               "train_minutes": run.get("train_minutes", round((time.time() - started) / 60, 1))}
    int8_blob = paths["int8"].read_bytes()
    meta = sidecar(paths["int8"].name, int8_blob, spec, args.border, ages_bins, split, info, training, metrics, REPO,
                   detector=getattr(args, "detector", "yunet"))
    write_model(paths["int8"], int8_blob, meta)
    from training.report import write_report
    write_report(args.out, meta, history, results["int8"], te.ages, default_age_groups())
    print(f"wrote {paths['int8']}, {paths['int8'].with_suffix('.json')}, {args.out / 'MODEL_CARD.md'} "
          f"and {args.out / 'report'}", flush=True)
    return metrics
