"""`python -m training.kernel_check`: how much the age readout moves between TFLite kernel sets and output formats.

A proxy, measurable on x86, for the differences between the x86 and aarch64 kernels: the same int8 model run
with LiteRT's default delegate (XNNPACK), its built-in optimised kernels and its reference kernels, plus what
a uint8-quantised softmax output (instead of the float32 logits the model emits) would change."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _ages(est, crops: np.ndarray) -> np.ndarray:
    out = []
    for i in range(0, len(crops), 64):
        out.extend(e.age for e in est.estimate_crops(crops[i:i + 64]))
    return np.array(out)


def _uint8_softmax_ages(est, crops: np.ndarray) -> np.ndarray:
    """Expected ages if the model ended in a uint8 softmax (scale 1/256, zero point 0), as TFLite quantises it."""
    out = []
    for i in range(0, len(crops), 64):
        for e in est.estimate_crops(crops[i:i + 64]):
            q = np.clip(np.round(e.distribution * 256.0), 0, 255) / 256.0
            out.append(float(q @ est.ages / max(q.sum(), 1e-12)))
    return np.array(out)


def _diff(a: np.ndarray, b: np.ndarray) -> dict:
    d = np.abs(a - b)
    return {"mean": round(float(d.mean()), 4), "max": round(float(d.max()), 4), "p99": round(float(np.quantile(d, 0.99)), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.kernel_check", description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="folder of UTKFace-named images")
    parser.add_argument("--split", choices=("all", "train", "val", "test"), default="test")
    parser.add_argument("--limit", type=int, default=400, help="at most this many faces")
    args = parser.parse_args(argv)

    from device.vision.age import AgeEstimator
    from training.data import SplitSpec, build_crops, list_images

    base = AgeEstimator(args.model)
    split = SplitSpec.from_sidecar(base.meta)
    items, _ = list_images(args.data)
    if args.split != "all":
        items = [(p, a) for p, a in items if split.split_of(p.name) == args.split]
    items = items[:args.limit]
    crops = build_crops(items, base.crop_spec, split, border=base.letterbox_border).crops
    kernels = {
        "xnnpack": base,
        "builtin": AgeEstimator(args.model, kernels="builtin"),
        "reference": AgeEstimator(args.model, kernels="reference"),
    }
    ages = {name: _ages(est, crops) for name, est in kernels.items()}
    result = {"n": len(crops), "model": str(args.model),
              "float_logits_output": {f"{a}_vs_{b}": _diff(ages[a], ages[b])
                                      for a, b in (("xnnpack", "builtin"), ("xnnpack", "reference"), ("builtin", "reference"))},
              "uint8_softmax_output": {f"{a}_vs_{b}": _diff(_uint8_softmax_ages(kernels[a], crops),
                                                            _uint8_softmax_ages(kernels[b], crops))
                                       for a, b in (("xnnpack", "builtin"), ("xnnpack", "reference"))},
              "uint8_softmax_vs_float_readout": _diff(_uint8_softmax_ages(base, crops), ages["xnnpack"])}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
