"""face-api.js's age net (ageGenderNet, MIT) as a baseline and teacher: the same face windows, cut at its own input
size, scored in Node (`make faceapi` installs it), its ages kept in a cache file keyed by the faces."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from device.vision.crop import CropSpec
from training.data import CropDataset, recrop

RUNNER = Path(__file__).with_name("faceapi_age.js")
INPUT_SIZE = 112  # the age net's own input side (face-api.js resizes whatever it is given to this)
PACKAGE = "@vladmandic/face-api"


class TeacherError(Exception):
    """The teacher cannot run; str() is one sentence saying how to fix it."""


def check_installed(modules: Path) -> None:
    """TeacherError unless Node and the face-api.js packages are installed under modules."""
    if shutil.which("node") is None:
        raise TeacherError("node is not installed (Debian: apt install nodejs npm): face-api.js runs in Node")
    if not (Path(modules) / "node_modules" / PACKAGE / "model" / "age_gender_model.bin").is_file():
        raise TeacherError(f"face-api.js is not installed in {modules}: run `make faceapi`")


def faces_key(data: CropDataset, spec: CropSpec, border: int) -> str:
    """A key for these faces' teacher inputs: names, collections, boxes and the framing."""
    h = hashlib.sha256()
    h.update(json.dumps([spec.box_scale, spec.center_shift, border, INPUT_SIZE]).encode())
    for name, coll, box in zip(data.names.tolist(), data.collections.tolist(), data.boxes.tolist()):
        h.update(f"{coll}/{name}:{box}\n".encode())
    return h.hexdigest()[:16]


def teacher_ages(data: CropDataset, paths: list[Path], spec: CropSpec, border: int, *, modules: Path,
                 cache_dir: Path | None, batch: int = 2000) -> tuple[np.ndarray, dict]:
    """face-api.js's age for each face of data (paths: each face's photo, in data's order), from the cache when it
    holds them; returns the ages and a record (package, ms per face, cache file)."""
    if spec.align:
        raise TeacherError("the teacher needs box-framed crops (the model's crop.align is true)")
    if (data.boxes < 0).any():
        raise TeacherError("these crops carry no face boxes (a crops cache from before boxes were kept): delete it")
    key = faces_key(data, spec, border)
    cache = Path(cache_dir) / f"teacher-faceapi-{key}.json" if cache_dir else None
    if cache and cache.is_file():
        record = json.loads(cache.read_text())
        return np.asarray(record.pop("ages"), dtype=np.float64), {**record, "cache": str(cache)}
    check_installed(modules)
    big = CropSpec(INPUT_SIZE, spec.box_scale, spec.center_shift)
    ages: list[float] = []
    ms: list[float] = []
    record: dict = {}
    with tempfile.TemporaryDirectory(prefix="faceapi-") as tmp:
        raw, out = Path(tmp) / "crops.bin", Path(tmp) / "ages.json"
        for start in range(0, len(paths), batch):
            idx = range(start, min(start + batch, len(paths)))
            np.stack([recrop(paths[i], data.boxes[i], big, border) for i in idx]).tofile(raw)
            done = subprocess.run(["node", str(RUNNER), str(modules), str(raw), str(len(idx)), str(INPUT_SIZE),
                                   str(out)], capture_output=True, text=True)
            if done.returncode != 0:
                raise TeacherError(f"face-api.js failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}")
            record = json.loads(out.read_text())
            ages.extend(record.pop("ages"))
            ms.append(record["ms_per_face"] * len(idx))
    record["ms_per_face"] = round(sum(ms) / max(1, len(paths)), 2)
    record["input"] = f"the model's face window cut at {INPUT_SIZE}x{INPUT_SIZE}"
    if cache:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({**record, "names": data.names.tolist(), "ages": ages}))
    return np.asarray(ages, dtype=np.float64), {**record, "cache": str(cache) if cache else None}


def main(argv: list[str] | None = None) -> int:
    """`python -m training.faceapi_teacher [training options] --soft-labels FILE`: face-api.js's age for every training
    face that `training.train` with the same options would load, written as soft labels for its --soft-labels."""
    import argparse
    import logging
    import sys

    from training.data import SplitSpec, list_datasets, load_crops
    from training.options import add_arguments, crop_settings

    parser = argparse.ArgumentParser(prog="python -m training.faceapi_teacher", description=main.__doc__)
    add_arguments(parser)
    parser.add_argument("--faceapi-dir", type=Path, default=Path(__file__).resolve().parents[1] / ".cache" / "faceapi")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.soft_labels:
        parser.error("--soft-labels FILE: where to write the teacher's ages")
    spec, vision = crop_settings(args)
    items, _, _ = list_datasets(args.data)
    data, _ = load_crops(args.data, spec, SplitSpec(seed=args.seed), border=args.border, cache_dir=args.cache_dir,
                         workers=args.workers, vision=vision)
    data = data.subset("train")  # the only faces a student learns from
    paths = {(it.collection, it.path.name): it.path for it in items}
    try:
        ages, record = teacher_ages(data, [paths[(c, n)] for c, n in zip(data.collections, data.names)], spec,
                                    args.border, modules=args.faceapi_dir, cache_dir=args.cache_dir)
    except TeacherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.soft_labels.parent.mkdir(parents=True, exist_ok=True)
    args.soft_labels.write_text(json.dumps({**record, "names": data.names.tolist(),
                                            "collections": data.collections.tolist(), "ages": ages.tolist()}))
    err = np.abs(ages - data.ages)
    print(f"wrote {args.soft_labels}: face-api.js ages of {len(ages)} faces (MAE against the labels {err.mean():.2f}), "
          f"{record['ms_per_face']} ms per face")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
