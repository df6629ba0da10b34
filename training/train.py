"""`python -m training.train`: crops -> compact CNN -> int8 TFLite model, sidecar, model card and report."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from training.data import SplitSpec, load_crops
from training.options import add_arguments, crop_settings

log = logging.getLogger(__name__)

def rebalance_weights(ages: np.ndarray, bin_years: int = 5) -> np.ndarray:
    """Per-sample weights proportional to 1/sqrt(count of the sample's age bin), mean 1."""
    bins = np.asarray(ages) // bin_years
    _, inverse, counts = np.unique(bins, return_inverse=True, return_counts=True)
    w = 1.0 / np.sqrt(counts[inverse].astype(np.float64))
    return (w / w.mean()).astype(np.float32)


def soft_label_ages(path: Path, data) -> np.ndarray:
    """The teacher's age for each face of data from a soft-labels file (python -m training.faceapi_teacher); a face
    the file lacks gets its own label (the teacher then agrees with it)."""
    try:
        record = json.loads(Path(path).read_text())
        by_name = dict(zip(record["names"], record["ages"]))
    except (OSError, ValueError, KeyError) as exc:
        raise SystemExit(f"the soft-labels file {path} is not readable ({exc}): python -m training.faceapi_teacher "
                         "writes it") from None
    ages = np.array([by_name.get(name, age) for name, age in zip(data.names.tolist(), data.ages.tolist())],
                    dtype=np.float32)
    missing = sum(name not in by_name for name in data.names.tolist())
    if missing:
        log.warning("%d of %d training faces have no soft label in %s: their own labels stand in", missing, len(ages),
                    path)
    return ages


def recalibrate_batch_norm(model, crops: np.ndarray, batch: int, batches: int = 50, momentum: float = 0.9) -> None:
    """Re-estimate batch-norm statistics on clean training crops for the final (averaged) weights."""
    import keras

    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = momentum
    rng = np.random.default_rng(0)
    for _ in range(batches):
        idx = rng.choice(len(crops), size=min(batch, len(crops)), replace=False)
        model(crops[idx].astype(np.float32), training=True)
    for bn, m in zip(bns, saved):
        bn.momentum = m


def stop_callback(minutes: float, after_epoch: int, stopped: dict):
    """A Keras callback that ends training after epoch `after_epoch`, or after the epoch in which `minutes` have
    passed (0 disables either); records the last epoch run in `stopped`."""
    import keras

    class Stop(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.monotonic()

        def on_epoch_end(self, epoch, logs=None):
            if self.params.get("epochs") and epoch + 1 >= self.params["epochs"]:
                return  # the last planned epoch: nothing is cut short
            if after_epoch and epoch + 1 >= after_epoch:
                why = f"--stop-after-epoch {after_epoch}"
            elif minutes and time.monotonic() - self.start > minutes * 60:
                why = f"deadline of {minutes} min reached"
            else:
                return
            stopped["epoch"] = epoch + 1
            print(f"{why}: stopped after epoch {epoch + 1}", flush=True)
            self.model.stop_training = True

    return Stop()


def teacher_record(path: Path) -> dict | None:
    """The training record of a teacher model: run.json beside it, or NAME.json for a model file NAME.keras."""
    for record in (path.parent / "run.json", path.with_suffix(".json")):
        if record.is_file():
            return json.loads(record.read_text())
    return None


def accelerator() -> str:
    """What the Keras backend trains on, for the record: "cpu" or the first accelerator's name."""
    import keras

    if keras.backend.backend() == "jax":
        import jax
        device = jax.devices()[0]
        return "cpu" if device.platform == "cpu" else f"{device.platform}: {device.device_kind}"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "cpu"
        return f"gpu: {tf.config.experimental.get_device_details(gpus[0]).get('device_name', gpus[0].name)}"
    return keras.backend.backend()


def trained_width(model, args) -> float:
    """The width multiplier of the network trained: --width, or for a warm restart (--init) the loaded network's own
    (build_model's stem has 32 x width channels), which --width does not change."""
    if not args.init:
        return args.width
    return model.get_layer("stem").filters / 32


def train(args, data, ages_bins: np.ndarray, data_key: str | None = None) -> None:
    import keras

    from training.augment import AugmentSpec, EvalBatches, TrainBatches
    from training.model import ExpectedAgeMAE, LabelDistributionLoss, build_model, with_teachers
    from training.progress import ProgressBar

    keras.utils.set_random_seed(args.seed)
    tr, va = data.subset("train"), data.subset("val")
    y_tr = np.minimum(tr.ages, args.max_age)
    y_va = np.minimum(va.ages, args.max_age)
    weights = rebalance_weights(y_tr)
    if args.soft_labels:
        y_tr = np.stack([y_tr, np.minimum(soft_label_ages(args.soft_labels, tr), args.max_age)], axis=1)
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
    student = model
    teachers = [keras.models.load_model(t, compile=False) for t in args.teacher]
    if teachers:
        model = with_teachers(student, teachers)
    model.compile(optimizer=optimizer,
                  loss=LabelDistributionLoss(ages_bins, sigma=args.sigma, n_teachers=len(teachers),
                                             distil_weight=args.distil_weight,
                                             soft_weight=args.soft_weight if args.soft_labels else 0.0),
                  metrics=[ExpectedAgeMAE(ages_bins)])
    print(f"model: {student.count_params()} parameters; train {len(y_tr)}, val {len(y_va)}; "
          f"{steps} steps of {args.batch} per epoch, {args.epochs} epochs; backend {keras.backend.backend()}"
          + (f"; distilling from {len(teachers)} teachers" if teachers else ""), flush=True)
    fit_started = time.monotonic()
    stopped: dict = {}
    history = model.fit(
        TrainBatches(tr.crops, y_tr, weights, batch=args.batch,
                     spec=AugmentSpec.cameras() if args.augment == "cameras" else AugmentSpec(), seed=args.seed,
                     workers=args.workers),
        validation_data=EvalBatches(va.crops, y_va, batch=256) if len(y_va) else None,
        epochs=args.epochs, verbose=0,
        callbacks=[ProgressBar(args.epochs, steps), stop_callback(args.deadline_minutes, args.stop_after_epoch, stopped)])
    if args.ema > 0:
        optimizer.finalize_variable_values(model.trainable_variables)
    model = student
    recalibrate_batch_norm(model, tr.crops, args.batch)
    args.work.mkdir(parents=True, exist_ok=True)
    # Saved without the optimizer's state (a quarter of the size): the file is for export, or a teacher.
    clean = keras.Model.from_config(model.get_config())
    clean.set_weights(model.get_weights())
    clean.save(args.work / "model.keras")
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    (args.work / "history.json").write_text(json.dumps(hist, indent=1))
    run = {"train_minutes": round((time.monotonic() - fit_started) / 60, 1), "backend": keras.backend.backend(),
           "accelerator": accelerator(), "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
           "weight_decay": args.weight_decay, "width": trained_width(model, args), "size": args.size, "sigma": args.sigma,
           "ema": args.ema, "seed": args.seed, "teachers": [str(t) for t in args.teacher],
           "teacher_runs": [teacher_record(t) for t in args.teacher],
           "distil_weight": args.distil_weight if args.teacher else None, "data_cache_key": data_key,
           "soft_labels": str(args.soft_labels) if args.soft_labels else None,
           "soft_weight": args.soft_weight if args.soft_labels else None, "augment": args.augment,
           "init": str(args.init) if args.init else None,
           "stopped_after_epoch": stopped.get("epoch")}
    (args.work / "run.json").write_text(json.dumps(run, indent=1))
    print(f"saved {args.work / 'model.keras'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    started = time.time()
    spec, vision = crop_settings(args)
    split = SplitSpec(seed=args.seed)
    t0 = time.monotonic()

    def crop_progress(i: int, n: int) -> None:
        if i % 250 == 0 or i == n:
            el = time.monotonic() - t0
            sys.stdout.write(f"\rcropping faces {i}/{n} eta {int(el / i * (n - i))} s")
            sys.stdout.flush()
            if i == n:
                sys.stdout.write("\n")

    if args.crops:
        from training.pack import load_packed
        if args.finish_only:
            parser.error("--crops trains only; finish with --finish-only --data (the test split is not packed)")
        data, info = load_packed(args.crops)
        if data.crops.shape[1] != args.size:
            parser.error(f"{args.crops} holds {data.crops.shape[1]}x{data.crops.shape[1]} crops, not --size {args.size}")
        args.train_only = True
    else:
        data, info = load_crops(args.data, spec, split, border=args.border, cache_dir=args.cache_dir,
                                workers=args.workers, progress=crop_progress, vision=vision)
    if args.keep_names:
        wanted = set(args.keep_names.read_text().split())
        keep = np.isin(data.names, list(wanted))
        data = data.select(keep)
        info["kept_names"] = {"file": str(args.keep_names), "faces": int(keep.sum())}
        info["split_counts"] = {s: int((data.splits == s).sum()) for s in ("train", "val", "test")}
    if args.limit:
        data = data.select(np.arange(min(args.limit, len(data))))
        info["limit"] = args.limit
        info["split_counts"] = {s: int((data.splits == s).sum()) for s in ("train", "val", "test")}
    print(f"data: {info}", flush=True)
    ages_bins = np.arange(0, args.max_age + 1, dtype=np.float32)
    if not args.finish_only:
        train(args, data, ages_bins, info.get("cache_key"))
    if args.train_only:
        return 0
    from training.export import finish
    finish(args, data, info, spec, split, ages_bins, started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
