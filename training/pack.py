"""`python -m training.pack OUT`: the training and validation crops in one small lossless file (WebP), so a
remote training machine (a lent GPU) trains on exactly the crops this machine made, without the photos."""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np

from training.data import CropDataset

PACK_FORMAT = "mirrorball-crops/1"


def pack(data: CropDataset, info: dict, path: Path, splits: tuple[str, ...] = ("train", "val"),
         quality: int = 101) -> int:
    """Write the crops of the given splits as WebP (quality 101: lossless); returns the file size in bytes."""
    keep = np.isin(data.splits, splits)
    blobs = []
    for crop in data.crops[keep]:
        ok, buf = cv2.imencode(".webp", np.ascontiguousarray(crop[..., ::-1]), [cv2.IMWRITE_WEBP_QUALITY, int(quality)])
        if not ok:
            raise RuntimeError("OpenCV could not encode a crop as lossless WebP")
        blobs.append(buf.ravel())
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez(f, webp=np.concatenate(blobs) if blobs else np.zeros(0, np.uint8), offsets=offsets,
                 ages=data.ages[keep], names=data.names[keep], splits=data.splits[keep],
                 detected=data.detected[keep], info=np.array(json.dumps({**info, "format": PACK_FORMAT})))
    return path.stat().st_size


def load_packed(path: Path) -> tuple[CropDataset, dict]:
    """The CropDataset and data info of a file written by pack(); raises ValueError naming the file if bad."""
    try:
        with np.load(path) as z:
            webp, offsets = z["webp"], z["offsets"]
            ages, names, splits, detected = z["ages"], z["names"], z["splits"], z["detected"]
            info = json.loads(str(z["info"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a packed crops file: {exc}") from exc
    if info.get("format") != PACK_FORMAT:
        raise ValueError(f"{path}: format {info.get('format')!r}, expected {PACK_FORMAT!r}")
    if len(offsets) != len(ages) + 1:
        raise ValueError(f"{path}: {len(offsets)} offsets for {len(ages)} crops: the file is damaged")
    crops = []
    for i in range(len(ages)):
        image = cv2.imdecode(webp[offsets[i]:offsets[i + 1]], cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"{path}: crop {i} ({names[i]}) cannot be decoded")
        crops.append(image[..., ::-1])
    stacked = np.stack(crops) if crops else np.zeros((0, 0, 0, 3), np.uint8)
    return CropDataset(np.ascontiguousarray(stacked), ages, names, splits, detected), info


def main(argv: list[str] | None = None) -> int:
    from training.data import SplitSpec, load_crops
    from training.options import add_arguments, crop_settings

    parser = argparse.ArgumentParser(prog="python -m training.pack", description=__doc__)
    parser.add_argument("output", type=Path, help="the packed file to write")
    parser.add_argument("--quality", type=int, default=101,
                        help="WebP quality: 101 lossless (default); 90-100 lossy, for a carry limit the lossless file "
                             "exceeds (the crops then differ by a few levels from those scored here)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    spec, vision = crop_settings(args)
    data, info = load_crops(args.data, spec, SplitSpec(seed=args.seed), border=args.border,
                            cache_dir=args.cache_dir, workers=args.workers, vision=vision)
    size = pack(data, {**info, "crop": {**spec.to_json(), "letterbox_border": args.border},
                       "webp_quality": args.quality}, args.output, quality=args.quality)
    back, _ = load_packed(args.output)
    keep = np.isin(data.splits, ("train", "val"))
    diff = np.abs(back.crops.astype(np.int16) - data.crops[keep].astype(np.int16))
    if args.quality > 100 and diff.any():
        raise SystemExit(f"{args.output}: the crops read back differ from the originals")
    how = "read back identical" if not diff.any() else f"read back within {diff.mean():.2f} levels on average"
    print(f"wrote {args.output}: {len(back)} crops (train and val), {size / 1e6:.1f} MB, {how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
