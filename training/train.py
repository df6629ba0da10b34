"""`python -m training.train`: crops -> compact CNN -> int8 TFLite model, sidecar, model card and report."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from device.vision.crop import CropSpec
from training.data import SplitSpec, load_crops

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]


def default_data_dir() -> Path:
    shared = os.environ.get("MIRRORBALL_SHARED")
    base = Path(shared) if shared else REPO.parent / "shared"
    return base / "datasets" / "utkface-crop-part1"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=default_data_dir(), help="folder of UTKFace-named face chips")
    p.add_argument("--out", type=Path, default=REPO / "models", help="where age_int8.tflite and friends go")
    p.add_argument("--work", type=Path, default=REPO / ".cache" / "run", help="checkpoints, history and float models")
    p.add_argument("--cache-dir", type=Path, default=REPO / ".cache", help="cached crops (gitignored)")
    p.add_argument("--size", type=int, default=64, help="model input side, pixels")
    p.add_argument("--box-scale", type=float, default=0.95, help="crop side / detector box side (FACTS.md)")
    p.add_argument("--center-shift", type=float, default=0.07, help="crop centre below box centre, box sides")
    p.add_argument("--border", type=int, default=50, help="black letterbox border around each chip, pixels")
    p.add_argument("--max-age", type=int, default=100, help="last age bin; older labels count as this")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--width", type=float, default=1.0, help="channel width multiplier")
    p.add_argument("--sigma", type=float, default=2.5, help="label-distribution width, years")
    p.add_argument("--ema", type=float, default=0.995, help="weight moving-average momentum; 0 disables")
    p.add_argument("--seed", type=int, default=2026, help="split and training seed")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images (tests, smoke runs)")
    p.add_argument("--workers", type=int, default=2, help="processes for face detection while caching crops")
    p.add_argument("--finish-only", action="store_true", help="skip training; export and report from --work")
    p.add_argument("--init", type=Path, default=None,
                   help="continue from this saved Keras model (a warm restart: cosine from --lr, no warm-up)")


def rebalance_weights(ages: np.ndarray, bin_years: int = 5) -> np.ndarray:
    """Per-sample weights proportional to 1/sqrt(count of the sample's age bin), mean 1."""
    bins = np.asarray(ages) // bin_years
    _, inverse, counts = np.unique(bins, return_inverse=True, return_counts=True)
    w = 1.0 / np.sqrt(counts[inverse].astype(np.float64))
    return (w / w.mean()).astype(np.float32)


def recalibrate_batch_norm(model, crops: np.ndarray, batch: int, batches: int = 50, momentum: float = 0.9) -> None:
    """Re-estimate batch-norm statistics on clean training crops for the final (averaged) weights."""
    import keras
    import tensorflow as tf

    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = momentum
    rng = np.random.default_rng(0)
    for _ in range(batches):
        idx = rng.choice(len(crops), size=min(batch, len(crops)), replace=False)
        model(tf.constant(crops[idx], tf.float32), training=True)
    for bn, m in zip(bns, saved):
        bn.momentum = m


def train(args, data, ages_bins: np.ndarray) -> None:
    import keras
    import tensorflow as tf

    from training.augment import AugmentSpec, eval_dataset, train_dataset
    from training.model import ExpectedAgeMAE, LabelDistributionLoss, build_model
    from training.progress import ProgressBar

    keras.utils.set_random_seed(args.seed)
    tr, va = data.subset("train"), data.subset("val")
    y_tr = np.minimum(tr.ages, args.max_age)
    y_va = np.minimum(va.ages, args.max_age)
    weights = rebalance_weights(y_tr)
    steps = len(y_tr) // args.batch
    if steps < 1:
        raise SystemExit(f"only {len(y_tr)} training images: fewer than one batch of {args.batch}")
    if args.init:
        model = keras.models.load_model(args.init, compile=False)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=args.lr, decay_steps=max(1, steps * args.epochs), alpha=0.01)
    else:
        model = build_model(args.size, len(ages_bins), width=args.width)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=args.lr * 0.1, decay_steps=max(1, steps * args.epochs - steps),
            warmup_target=args.lr, warmup_steps=min(steps, steps * args.epochs // 4), alpha=0.01)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=args.weight_decay, use_ema=args.ema > 0,
                                       ema_momentum=args.ema if args.ema > 0 else 0.99)
    model.compile(optimizer=optimizer, loss=LabelDistributionLoss(ages_bins, sigma=args.sigma),
                  metrics=[ExpectedAgeMAE(ages_bins)])
    print(f"model: {model.count_params()} parameters; train {len(y_tr)}, val {len(y_va)}; "
          f"{steps} steps of {args.batch} per epoch, {args.epochs} epochs", flush=True)
    fit_started = time.monotonic()
    history = model.fit(
        train_dataset(tr.crops, y_tr, weights, batch=args.batch, spec=AugmentSpec(), seed=args.seed),
        validation_data=eval_dataset(va.crops, y_va, batch=256) if len(y_va) else None,
        epochs=args.epochs, verbose=0, callbacks=[ProgressBar(args.epochs, steps)])
    if args.ema > 0:
        optimizer.finalize_variable_values(model.trainable_variables)
    recalibrate_batch_norm(model, tr.crops, args.batch)
    args.work.mkdir(parents=True, exist_ok=True)
    model.save(args.work / "model.keras")
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    (args.work / "history.json").write_text(json.dumps(hist, indent=1))
    (args.work / "timing.json").write_text(json.dumps({"train_minutes": round((time.monotonic() - fit_started) / 60, 1)}))
    print(f"saved {args.work / 'model.keras'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.time()
    spec = CropSpec(args.size, args.box_scale, args.center_shift)
    split = SplitSpec(seed=args.seed)
    t0 = time.monotonic()

    def crop_progress(i: int, n: int) -> None:
        if i % 250 == 0 or i == n:
            el = time.monotonic() - t0
            sys.stdout.write(f"\rcropping faces {i}/{n} eta {int(el / i * (n - i))} s")
            sys.stdout.flush()
            if i == n:
                sys.stdout.write("\n")

    data, info = load_crops(args.data, spec, split, border=args.border, cache_dir=args.cache_dir,
                            workers=args.workers, progress=crop_progress)
    if args.limit:
        from training.data import CropDataset
        data = CropDataset(data.crops[:args.limit], data.ages[:args.limit], data.names[:args.limit],
                           data.splits[:args.limit], data.detected[:args.limit])
        info["limit"] = args.limit
        info["split_counts"] = {s: int((data.splits == s).sum()) for s in ("train", "val", "test")}
    print(f"data: {info}", flush=True)
    ages_bins = np.arange(0, args.max_age + 1, dtype=np.float32)
    if not args.finish_only:
        train(args, data, ages_bins)
    from training.export import finish
    finish(args, data, info, spec, split, ages_bins, started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
