"""pi-check's age parity: face crops (real detector + crop) -> one .npy; estimates on each machine; their differences.

  python systemd/pi_age_compare.py crops --faces-dir DIR --n 64 --model M --out faces.npy   (x86 host)
  python systemd/pi_age_compare.py estimate --model M --crops faces.npy --out ages.npy [--kernels reference]
      x86: --kernels reference, the kernels training.evaluate reports with; aarch64: the default kernels the Pi runs
  python systemd/pi_age_compare.py compare ages-x86.npy ages-aarch64.npy                    (prints JSON)
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

try:  # the installed package (inside the root); else this checkout (on the host)
    import device  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_crops(args) -> int:
    import cv2

    from device.vision.age import AgeEstimator
    from device.vision.crop import face_crop
    from device.vision.detect import HaarDetector

    est = AgeEstimator(args.model)
    min_face = int(est.meta.get("crop", {}).get("detector", {}).get("min_face_px", 40))
    detector = HaarDetector(min_face_px=min_face)
    border = est.letterbox_border
    files = sorted(p for p in Path(args.faces_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not files:
        print(f"no images in {args.faces_dir}", file=sys.stderr)
        return 1
    # Every k-th file of the sorted list (UTKFace names start with the age: a spread of ages), until n faces are found.
    step = max(1, len(files) // (args.n * 2))
    crops, names = [], []
    for path in files[::step] + files:
        if len(crops) >= args.n:
            break
        if path.name in names:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        frame = cv2.copyMakeBorder(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), border, border, border, border,
                                   cv2.BORDER_CONSTANT, value=(0, 0, 0))
        boxes = detector.detect(frame)
        if boxes:  # only faces the real detector finds, cut by the real crop function
            crops.append(face_crop(frame, boxes[0], est.crop_spec))
            names.append(path.name)
    np.save(args.out, np.stack(crops))
    print(f"{len(crops)} faces from {args.faces_dir} -> {args.out} {np.stack(crops).shape}")
    return 0 if len(crops) >= args.n else 1


def estimate(args) -> int:
    from device.vision.age import AgeEstimator

    est = AgeEstimator(args.model, kernels=args.kernels)
    crops = np.load(args.crops)
    ages = np.array([e.age for e in est.estimate_crops(crops)], dtype=np.float64)
    np.save(args.out, ages)
    print(f"{platform.machine()}: {len(ages)} ages with {est.runtime} ({args.kernels} kernels), "
          f"numpy {np.__version__} -> {args.out}")
    return 0


def compare(args) -> int:
    a, b = np.load(args.a), np.load(args.b)
    if a.shape != b.shape:
        print(f"different shapes: {a.shape} vs {b.shape}", file=sys.stderr)
        return 1
    d = np.abs(a - b)
    worst = int(np.argmax(d))
    print(json.dumps({"faces": int(len(d)), "mean_abs_diff": round(float(d.mean()), 4),
                      "max_abs_diff": round(float(d.max()), 4), "p90_abs_diff": round(float(np.quantile(d, 0.9)), 4),
                      "worst_face": worst, "worst_ages": [round(float(a[worst]), 3), round(float(b[worst]), 3)],
                      "identical": int((d == 0).sum())}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("crops")
    p.add_argument("--faces-dir", required=True)
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("estimate")
    p.add_argument("--model", required=True)
    p.add_argument("--crops", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--kernels", choices=("default", "reference"), default="default",
                   help="x86: 'reference', the kernels training.evaluate scores with; the Pi: 'default', what it runs")
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    args = parser.parse_args(argv)
    return {"crops": make_crops, "estimate": estimate, "compare": compare}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
