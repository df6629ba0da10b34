"""The training report: learning curves, MAE by true age, group confusion matrix, scatter, and MODEL_CARD.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from device.config.schema import AgeGroup


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def learning_curves(path: Path, history: dict, restart_after: int | None = None) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax in (("loss", axes[0]), ("mae", axes[1])):
        if restart_after:
            ax.axvline(restart_after + 0.5, color="grey", lw=1, ls=":", label="warm restart")
        for prefix, style in (("", "-"), ("val_", "--")):
            vals = history.get(prefix + key)
            if vals:
                ax.plot(range(1, len(vals) + 1), vals, style, label=("validation " if prefix else "training ") + key)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key if key == "loss" else "MAE, years (expected age)")
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_title("Loss (training: augmented, raw weights)")
    axes[1].set_title("Age MAE per epoch")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def mae_by_age(path: Path, true_ages: np.ndarray, pred: np.ndarray, bin_years: int = 5) -> None:
    plt = _plt()
    true_ages = np.asarray(true_ages, dtype=float)
    err = np.abs(np.asarray(pred) - true_ages)
    bins = (true_ages // bin_years).astype(int)
    xs, ys, ns = [], [], []
    for b in np.unique(bins):
        sel = bins == b
        xs.append(b * bin_years)
        ys.append(err[sel].mean())
        ns.append(int(sel.sum()))
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(xs, ys, width=bin_years * 0.9, align="edge", color="tab:blue")
    for x, y, n in zip(xs, ys, ns):
        ax.text(x + bin_years * 0.45, y + 0.2, str(n), ha="center", fontsize=7)
    ax.set_xlabel(f"true age ({bin_years}-year bins; numbers: faces per bin)")
    ax.set_ylabel("MAE, years")
    ax.set_title(f"int8 model, test split: MAE by true age (overall {err.mean():.2f})")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def confusion(path: Path, matrix: np.ndarray, names: list[str]) -> None:
    plt = _plt()
    m = np.asarray(matrix, dtype=float)
    rows = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center",
                    color="white" if rows[i, j] > 0.5 else "black", fontsize=8)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted group (most probable)")
    ax.set_ylabel("true group")
    ax.set_title("int8 model, test split: age-group confusion (counts; colour = row share)")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def scatter(path: Path, true_ages: np.ndarray, pred: np.ndarray) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(true_ages, pred, s=6, alpha=0.4)
    top = max(float(np.max(true_ages)), float(np.max(pred))) + 2
    ax.plot([0, top], [0, top], "k--", lw=1, label="perfect")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("true age")
    ax.set_ylabel("predicted (expected) age")
    ax.set_title("int8 model, test split")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def where_trained(t: dict) -> str:
    """Where a run trained, for the card: its accelerator and Keras backend when recorded."""
    acc = t.get("accelerator")
    if not acc:
        return "on a 2-core x86 CPU shared with other work"
    if acc == "cpu":
        return f"on the CPU (Keras on {t.get('backend', 'TensorFlow')})"
    return f"on one {acc.split(': ', 1)[-1]} GPU (Keras on {t.get('backend', '?')})"


def epochs_text(t: dict) -> str:
    stopped = t.get("stopped_after_epoch")
    if stopped:
        return f"{stopped} of {t['epochs']} planned epochs (stopped before the cosine schedule ended)"
    return f"{t['epochs']} epochs"


def data_text(d: dict) -> str:
    """Which faces the model learned from, for the card."""
    folders = d.get("folders")
    if not folders:
        return (f"- {d['files']} face chips of UTKFace \"crop_part1\" (200x200, ages from file names; "
                f"{d['skipped_names']} malformed names skipped).")
    parts = ", ".join(f"{n:,} from `{Path(f).name}`" for f, n in folders.items())
    utk_only = all(Path(f).name.startswith("utkface") for f in folders)
    return (f"- {d['files']:,} {'UTKFace ' if utk_only else ''}faces ({parts}), UTKFace's two folders deduplicated by "
            f"file name ({d.get('duplicates_dropped', 0):,} copies dropped; the 200x200 copy kept where a face is in "
            f"both), ages from file names or each collection's labels; {d['skipped_names']} malformed names skipped.")


def crop_text(crop: dict) -> str:
    """How a chip became the model's input, for the card."""
    det = crop.get("detector", {})
    name = {"yunet": "OpenCV's YuNet detector", "haar": "OpenCV's Haar frontal cascade"}.get(det.get("kind"), "?")
    if crop.get("align"):
        (cx, cy), dist = crop["eye_center"], crop["eye_distance"]
        how = (f"then the runtime `face_crop` on its eye landmarks: eyes levelled, their midpoint at ({cx}, {cy}) and "
               f"{dist} of the crop side apart, as in the UTKFace chips")
    else:
        how = (f"then the runtime `face_crop` (side {crop['box_scale']}x the box, centred {crop['center_shift']} box "
               f"sides below it)")
    return f"{name} (min face {det.get('min_face_px')} px), {how}."


def model_card(meta: dict, groups: list[AgeGroup]) -> str:
    m = meta["metrics"]
    f, q = m["float"], m["int8"]
    t = meta["training"]
    d = meta["data"]
    prev = t.get("previous_stage")
    where = where_trained(t)
    if t.get("init") and prev:
        first = "warm-up then cosine" if not prev.get("init") else "itself a warm restart"
        stages = (f"{epochs_text(prev)}, lr {prev['lr']}, {first}; then a warm restart: {epochs_text(t)}, cosine "
                  f"from lr {t['lr']}, EMA {t['ema']}; batch {t['batch']}; the restart took {m['train_minutes']} "
                  f"minutes {where}.")
    else:
        stages = f"{epochs_text(t)}, batch {t['batch']}; {m['train_minutes']} minutes {where}."
    if t.get("teachers"):
        taught = "; ".join(
            f"width {r['width']}, {epochs_text(r)}, {r['train_minutes']} minutes {where_trained(r)}"
            if r and {"width", "epochs", "train_minutes"} <= r.keys() else str(path)
            for path, r in zip(t["teachers"], t.get("teacher_runs") or [None] * len(t["teachers"])))
        stages = (f"Distilled: the target mixes the label distribution ({1 - t['distil_weight']:.0%}) with the mean "
                  f"predicted distribution of {len(t['teachers'])} teacher models on the same augmented faces "
                  f"({t['distil_weight']:.0%}). Teachers, trained the same way without distillation: {taught}. "
                  f"This model: {stages}")
    if t.get("soft_labels") and t.get("soft_weight"):
        stages += (f" Target: {1 - t['soft_weight']:.0%} the label distribution, {t['soft_weight']:.0%} a distribution "
                   f"around face-api.js's age for the face (soft labels, `training/faceapi_teacher.py`).")
    if t.get("notes"):
        stages += f" Note: {t['notes']}"
    rows = "\n".join(
        f"| {g.name} | {q['per_group'][g.name]['n']} | {q['per_group'][g.name]['mae']} | "
        f"{q['per_group'][g.name]['accuracy']} |" for g in groups)
    return f"""# Mirrorball age model (`age_int8.tflite`)

## Intended use
Estimating the rough age group of people in front of a Mirrorball appliance, to choose music for a room.
The output is a probability per year of age (0-{int(meta['ages'][-1])}) read out as an expected age and as
probabilities of the configured age groups. It is **not** for identifying anyone, nor for any decision with
consequences for a person (access, pricing, age verification).

## Model
- Compact depthwise-separable CNN trained from scratch (no pretrained weights), {t['parameters']:,} parameters,
  {meta['input']['size']}x{meta['input']['size']} RGB input (raw uint8 pixels), {len(meta['ages'])} age-bin logits.
- Label-distribution learning (Gaussian around the true age, sigma {t['sigma']} years) plus an L1 term on
  the expected age; AdamW, cosine schedule, weight averaging (EMA {t['ema']}), batch-norm re-estimated on clean crops.
- Full-integer int8 quantisation (uint8 input, int8 weights and activations) with a representative set of
  training crops; the logits leave the model dequantised to float32 and the softmax and expected age are
  computed in float on the device: the readout adds no quantisation step of its own (the int8 layers before
  it can still differ between kernel sets; see the failure modes).
- File size {q['file_kb']} KB.

## Training data and licence
{data_text(d)}
  UTKFace is released for **non-commercial research only**; this model inherits that restriction.
- Deterministic split by a seeded hash of the file name (seed {d['split']['seed']}): {d['split_counts']}.
- Preprocessing identical to the device: each chip letterboxed with a {meta['crop']['letterbox_border']} px black
  border, {crop_text(meta['crop'])}
  The detector missed {d['detector_missed']} chips; the face implied by the crop geometry was used for those.
- Augmentation: {t['augmentation']}. Rebalancing: {t['rebalancing']}.
- {stages}

## Metrics (test split, faces never seen in training: n = {q['n']})
| model | MAE (years) | group accuracy | within one group |
|---|---|---|---|
| float32 TFLite | {f['mae']} | {f['group_accuracy']} | {f['group_within_one']} |
| int8 TFLite (shipped), {q.get('kernels', 'default')} kernels | {q['mae']} | {q['group_accuracy']} | {q['group_within_one']} |

Per age group (int8; the predicted group is the most probable group of the predicted distribution):

| group | n | MAE | accuracy |
|---|---|---|---|
{rows}

Reproduce: `python -m training.evaluate --model models/age_int8.tflite {' '.join('--data ../shared/datasets/' + Path(x).name for x in d.get('folders', {}) or [d['data_dir']])} --split test`
(reference kernels by default: their int8 rounding is what a Raspberry Pi's aarch64 LiteRT computes; `--kernels default`
gives x86's XNNPACK figures).
Plots: `report/learning_curves.png`, `report/mae_by_age.png`, `report/group_confusion.png`, `report/scatter.png`.
What each training lever gained: `report/ablation.md`.

## Telling children apart (`music.child_threshold`)
The device counts a face as a child when p(age under 13), summed from this model's distribution, reaches
`music.child_threshold`, or its expected age or likeliest group says child. Measure the recall of children and the
false-child rates of teenagers and adults at several thresholds with `python -m training.child_threshold` (the
figures for the shipped model and the choice of the default: `docs/family-safety.md`); re-measure for a new model.

{calibration_text(meta)}## Known failure modes
- Errors grow with age (MAE {q['per_group'][groups[0].name]['mae']} years for {groups[0].name}, about
  {max(v['mae'] or 0 for v in q['per_group'].values())} at worst among adults): older adults are rarer in the data;
  teenagers and adults in their 40s and 50s are the groups most often confused with their neighbours
  (see `report/group_confusion.png`).
- The int8 arithmetic differs slightly between TFLite kernel sets (XNNPACK, built-in, reference): on x86 the
  same model and input gave expected ages differing by about 0.2 years on average and up to about 3 years on
  single faces between kernel sets (`python -m training.kernel_check`). x86's XNNPACK is the outlier: the
  reference kernels on x86 agree with aarch64's (`make pi-check` compares them face by face), so the int8 figures
  above use them. The float32 model showed no such differences.
- Trained on frontal, well-lit, centred chips; profile views, strong backlight, occlusion (masks, hands) and
  faces smaller than about 30 px are out of distribution; a turned head is found (YuNet) but read less well.
- UTKFace's age labels are partly estimated, and its population mix is not any particular room's mix;
  accuracy can differ between demographic groups (not measured here).

## Privacy
Frames stay in memory on the device; only the age-group result leaves the vision module. The model holds
no images; it was trained on public research data under the licence above.

Trained {meta['date']} from commit {meta['git_commit']}.
"""


def calibration_text(meta: dict) -> str:
    """The card's calibration section from the sidecar's `calibration` record (training/evaluate --calibrate), or ""."""
    c = meta.get("calibration")
    if not c:
        return ""
    rel = c["test_reliability"]
    lines = [f"## Calibrated child and minor probabilities\n"
             f"The device reads `output.temperature` ({c['temperature']}) and `output.age_readout` ({c['readout']}) "
             f"from the sidecar: distribution = softmax(logits / {c['temperature']})"
             + (" averaged over the face and its mirror image (`output.mirror_average`: two inferences a face)"
                if meta.get("output", {}).get("mirror_average") else "")
             + f"; P(age < 13) and P(age < 18) are the mass of the bins below 13 and 18. {c['how']}.\n",
             "| test split | faces | P(<13) ECE | P(<13) Brier | P(<18) ECE | P(<18) Brier |", "|---|---|---|---|---|---|"]
    for name, a in rel["under_13"].items():
        b = rel["under_18"][name]
        lines.append(f"| {name} | {a['n']} | {a['ece']} (T 1: {a['ece_at_temperature_1']}) | {a['brier']} | "
                     f"{b['ece']} (T 1: {b['ece_at_temperature_1']}) | {b['brier']} |")
    lines += ["", "Reliability, all test splits together:", "",
              "| P bin | faces (<13) | mean P(<13) | children | faces (<18) | mean P(<18) | minors |",
              "|---|---|---|---|---|---|---|"]
    r13 = {row["bin"]: row for row in rel["under_13"]["all"]["rows"]}
    r18 = {row["bin"]: row for row in rel["under_18"]["all"]["rows"]}
    def cell(r: dict | None) -> str:
        return f"{r['n']} | {r['predicted']} | {r['observed']}" if r else "0 | - | -"

    for key in sorted(set(r13) | set(r18)):
        lines.append(f"| {key} | {cell(r13.get(key))} | {cell(r18.get(key))} |")
    return "\n".join(lines) + "\n\n"


def write_report(out_dir: Path, meta: dict, history: dict, int8_result: dict, true_ages: np.ndarray,
                 groups: list[AgeGroup]) -> None:
    report = Path(out_dir) / "report"
    report.mkdir(parents=True, exist_ok=True)
    pred = np.asarray(int8_result["predictions"])
    if history:
        learning_curves(report / "learning_curves.png", history, meta["training"].get("restart_after_epoch"))
    mae_by_age(report / "mae_by_age.png", true_ages, pred)
    confusion(report / "group_confusion.png", np.asarray(int8_result["confusion"]), int8_result["groups"])
    scatter(report / "scatter.png", true_ages, pred)
    (Path(out_dir) / "MODEL_CARD.md").write_text(model_card(meta, groups))
