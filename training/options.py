"""The training command line shared by train and pack, and where the repository and the face folders are."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from device.vision.crop import CropSpec

if TYPE_CHECKING:
    from device.config.schema import VisionConfig

REPO = Path(__file__).resolve().parents[1]


# The 200x200 copy of a UTKFace face first: it wins over the 64x64 one.
DATASETS = ("utkface-crop-part1", "utkface-64", "all-age-faces", "fg-net")


def default_data_dir(name: str = DATASETS[0]) -> Path:
    shared = os.environ.get("MIRRORBALL_SHARED")
    base = Path(shared) if shared else REPO.parent / "shared"
    return base / "datasets" / name


def default_data_dirs() -> list[Path]:
    return [default_data_dir(name) for name in DATASETS]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, action="append", default=None,
                   help="folder of age-labelled faces, one collection each (training/sources.py; repeat for several: a "
                        "name in an earlier folder of the same collection wins); "
                        f"default: ../shared/datasets/{{{','.join(DATASETS)}}}")
    p.add_argument("--out", type=Path, default=REPO / "models", help="where age_int8.tflite and friends go")
    p.add_argument("--work", type=Path, default=REPO / ".cache" / "run", help="checkpoints, history and float models")
    p.add_argument("--cache-dir", type=Path, default=REPO / ".cache", help="cached crops (gitignored)")
    p.add_argument("--size", type=int, default=64, help="model input side, pixels")
    p.add_argument("--box-scale", type=float, default=0.95, help="box framing: crop side / detector box side (FACTS.md)")
    p.add_argument("--center-shift", type=float, default=0.07, help="box framing: crop centre below box centre, box sides")
    p.add_argument("--detector", choices=("yunet", "haar"), default="yunet",
                   help="the detector that frames each letterboxed chip (haar: the box framing, no landmarks)")
    p.add_argument("--align", action="store_true",
                   help="eye-aligned crops (YuNet's landmarks: eyes levelled and placed as in the UTKFace chips) instead "
                        "of the box framing; measured 0.15 years worse on the issue-16 test split (ablation.md)")
    p.add_argument("--no-align", dest="align", action="store_false", help="the box framing (the default)")
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
    p.add_argument("--workers", type=int, default=2,
                   help="processes for face detection while caching crops; threads for augmentation while training")
    p.add_argument("--crops", type=Path, default=None,
                   help="train on a packed crops file (python -m training.pack) instead of --data; implies --train-only")
    p.add_argument("--train-only", action="store_true",
                   help="stop after saving the Keras model in --work (a machine without TensorFlow: no export)")
    p.add_argument("--teacher", type=Path, action="append", default=[],
                   help="a saved Keras model to distil from (repeat for an ensemble); the student learns from the "
                        "teachers' mean age distribution on the same augmented faces as well as from the labels")
    p.add_argument("--deadline-minutes", type=float, default=0,
                   help="stop after the epoch that passes this many minutes of training (a lent machine's limit); "
                        "0: no deadline")
    p.add_argument("--stop-after-epoch", type=int, default=0,
                   help="end training after this epoch, the schedule still planned for --epochs (replays a run "
                        "that a deadline stopped); 0: run every epoch")
    p.add_argument("--distil-weight", type=float, default=0.5,
                   help="share of the target taken from the teachers (0..1); the rest is the label distribution")
    p.add_argument("--keep-names", type=Path, default=None,
                   help="train only on the faces whose file names this text file lists, one a line (an ablation: "
                        "the same packed crops, less data)")
    p.add_argument("--soft-labels", type=Path, default=None,
                   help="face-api.js's ages for the faces (python -m training.faceapi_teacher writes them): the target "
                        "mixes a label distribution around the teacher's age in with --soft-weight")
    p.add_argument("--soft-weight", type=float, default=0.3,
                   help="share of the target centred on the teacher's age (0..1) with --soft-labels")
    p.add_argument("--augment", choices=("base", "cameras"), default="base",
                   help="base: the issue-16 augmentation; cameras: also defocus, noise, colour casts, low light, more "
                        "resolution drops and wider framing jitter (training/augment.py AugmentSpec.cameras)")
    p.add_argument("--finish-only", action="store_true", help="skip training; export and report from --work")
    p.add_argument("--init", type=Path, default=None,
                   help="continue from this saved Keras model (a warm restart: cosine from --lr, no warm-up)")


def crop_settings(args) -> tuple[CropSpec, VisionConfig]:
    """The crop spec and detector the arguments name (and --data's default, filled in)."""
    from device.config.schema import VisionConfig

    if not args.data:
        args.data = default_data_dirs()
    align = args.align and args.detector == "yunet"
    spec = CropSpec(args.size, args.box_scale, args.center_shift, align=align)
    from device.vision.detect import DEFAULT_MIN_FACE

    # The smallest face named, as the sidecar records it (training/evaluate frames with the sidecar's value: the same
    # crops cache serves both).
    return spec, VisionConfig(detector=args.detector, min_face_px=DEFAULT_MIN_FACE[args.detector], confirm_faces=False)
