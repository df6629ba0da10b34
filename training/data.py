"""Age-labelled face photos -> labelled, split face crops made with the device's own detector and crop function."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from device.config.schema import VisionConfig
from device.vision.crop import Box, CropSpec, face_crop
from device.vision.detect import Face, FaceDetector, make_detector
from training.sources import FaceFile, collection_of

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# UTKFace names: AGE_GENDER_RACE_DATETIME.jpg[.chip.jpg]; only AGE is used.
_NAME = re.compile(r"^(\d{1,3})_\d+_\d+_\d+")
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class SplitSpec:
    """A deterministic split by file-name hash: a file's split never depends on which other files exist."""

    seed: int = 2026
    val_fraction: float = 0.10
    test_fraction: float = 0.15

    @classmethod
    def from_sidecar(cls, meta: dict) -> SplitSpec:
        """The split a model was trained with, from its JSON sidecar (defaults for what the sidecar lacks)."""
        recorded = meta.get("data", {}).get("split") or {}
        return cls(**{k: recorded[k] for k in ("seed", "val_fraction", "test_fraction") if k in recorded})

    def split_of(self, name: str) -> str:
        digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2.0 ** 64
        if u < self.test_fraction:
            return "test"
        if u < self.test_fraction + self.val_fraction:
            return "val"
        return "train"


def age_from_name(name: str) -> int | None:
    """The age in a UTKFace file name, or None when the name is malformed."""
    match = _NAME.match(name)
    if not match:
        return None
    age = int(match.group(1))
    return age if 0 <= age <= 130 else None


def list_datasets(data_dirs) -> tuple[list[FaceFile], int, dict]:
    """Every labelled photo in one or more folders (each folder's collection from its name, training/sources.py),
    deduplicated by file name within a collection: a name found in an earlier folder wins (list the 200x200
    crop_part1 before the 64x64 set), sorted by collection order then name; the count of skipped malformed names;
    and how many came from each folder. Near-duplicates across collections are found on the crops (training/dedupe.py)."""
    dirs = [data_dirs] if isinstance(data_dirs, (str, Path)) else list(data_dirs)
    chosen: dict[tuple[str, str], FaceFile] = {}
    order: list[str] = []
    skipped = 0
    counts: dict[str, int] = {}
    duplicates = 0
    for folder in dirs:
        items, bad = list_collection(folder)
        skipped += bad
        kept = 0
        for item in items:
            if item.collection not in order:
                order.append(item.collection)
            if (item.collection, item.path.name) in chosen:
                duplicates += 1
                continue
            chosen[(item.collection, item.path.name)] = item
            kept += 1
        counts[str(folder)] = kept
    info = {"folders": counts, "duplicates_dropped": duplicates}
    return [chosen[key] for key in sorted(chosen, key=lambda k: (order.index(k[0]), k[1]))], skipped, info


def list_collection(data_dir: str | Path) -> tuple[list[FaceFile], int]:
    """Every labelled photo of one folder, sorted by name, and the count of names its collection's grammar rejects."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"the data folder {folder} does not exist")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(IMAGE_SUFFIXES))
    collection = collection_of(folder, [p.name for p in files])
    items: list[FaceFile] = []
    skipped = 0
    for path in files:
        parsed = collection.parse(path.name)
        if parsed is None:
            skipped += 1
            log.warning("skipping %s: not a %s name (%s)", path.name, collection.name, collection.grammar)
            continue
        items.append(FaceFile(path, parsed[0], collection.name, parsed[1]))
    if skipped:
        log.warning("skipped %d malformed file names in %s", skipped, folder)
    return items, skipped


def list_images(data_dir: str | Path) -> tuple[list[tuple[Path, int]], int]:
    """(path, age) of every labelled image in a folder, sorted by name, and the count of skipped names."""
    items, skipped = list_collection(data_dir)
    return [(item.path, item.age) for item in items], skipped


def as_face_file(item) -> FaceFile:
    """A FaceFile from a FaceFile or a (path, age) pair (a UTKFace-named file: split by its name)."""
    if isinstance(item, FaceFile):
        return item
    path, age = item
    return FaceFile(Path(path), int(age), "utkface", Path(path).name)


def read_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file to uint8 RGB; raises ValueError naming the file when it cannot."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot decode the image {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def letterbox(chip_rgb: np.ndarray, border: int) -> np.ndarray:
    """The chip inside a black border, as if it were part of a larger camera frame."""
    return cv2.copyMakeBorder(chip_rgb, border, border, border, border, cv2.BORDER_CONSTANT, value=(0, 0, 0))


def implied_box(chip_shape: tuple[int, ...], border: int, spec: CropSpec) -> Box:
    """The detector box whose face_crop window is exactly the chip: the fallback when the detector misses."""
    height, width = chip_shape[:2]
    chip_side = (height + width) / 2.0
    side = chip_side / spec.box_scale
    cx = border + width / 2.0
    cy = border + height / 2.0 - spec.center_shift * side
    s = int(round(side))
    return int(round(cx - s / 2.0)), int(round(cy - s / 2.0)), s, s


def implied_face(chip_shape: tuple[int, ...], border: int, spec: CropSpec) -> Face:
    """The face whose face_crop is exactly the chip (eyes where the spec puts them): when the detector misses."""
    if not spec.align:
        return Face(implied_box(chip_shape, border, spec))
    height, width = chip_shape[:2]
    (cx, cy), half = spec.eye_center, spec.eye_distance / 2.0
    eyes = np.array([[border + (cx - half) * width, border + cy * height],
                     [border + (cx + half) * width, border + cy * height]], dtype=np.float32)
    box = (border, border, width, height)
    return Face(box, np.vstack([eyes, np.zeros((3, 2), np.float32)]))


def chip_face(chip_rgb: np.ndarray, detector: FaceDetector, spec: CropSpec, border: int) -> tuple[np.ndarray, Face, bool]:
    """The letterboxed frame of one chip, the face that frames it (the detector's largest, else the implied one) and
    whether the detector found it."""
    frame = letterbox(chip_rgb, border)
    faces = detector.detect_faces(frame)
    if faces:
        return frame, faces[0], True
    return frame, implied_face(chip_rgb.shape, border, spec), False


def chip_crop(chip_rgb: np.ndarray, detector: FaceDetector, spec: CropSpec, border: int) -> tuple[np.ndarray, bool]:
    """The training input for one chip: letterbox, detect (largest face) and face_crop exactly as at runtime.

    Returns the crop and whether the detector found the face (False: the implied face was used)."""
    frame, face, found = chip_face(chip_rgb, detector, spec, border)
    return face_crop(frame, face.box, spec, face.landmarks), found


def recrop(path: str | Path, box: Box, spec: CropSpec, border: int) -> np.ndarray:
    """The same face window as a cached crop's (its letterboxed frame's box), cut again at spec.size: a teacher's
    input at its own resolution. Box framing only (the box alone does not place the eyes)."""
    if spec.align:
        raise ValueError("recrop needs the box framing: an eye-aligned crop needs the face's landmarks")
    return face_crop(letterbox(read_rgb(path), border), tuple(int(v) for v in box), spec)


@dataclass(frozen=True)
class CropDataset:
    crops: np.ndarray  # uint8 (n, size, size, 3) RGB
    ages: np.ndarray  # int (n,)
    names: np.ndarray  # str (n,)
    splits: np.ndarray  # str (n,)
    detected: np.ndarray  # bool (n,)
    collections: np.ndarray | None = None  # str (n,): the collection of each face (None: all UTKFace)
    boxes: np.ndarray | None = None  # int (n, 4): the face box in the letterboxed frame (None: not recorded)

    def __post_init__(self) -> None:
        if self.collections is None:
            object.__setattr__(self, "collections", np.full(len(self.ages), "utkface"))
        if self.boxes is None:
            object.__setattr__(self, "boxes", np.full((len(self.ages), 4), -1, dtype=np.int32))

    def select(self, keep: np.ndarray) -> CropDataset:
        """The faces a boolean mask (or index array) keeps."""
        return CropDataset(self.crops[keep], self.ages[keep], self.names[keep], self.splits[keep], self.detected[keep],
                           self.collections[keep], self.boxes[keep])

    def subset(self, split: str) -> CropDataset:
        return self.select(self.splits == split)

    def __len__(self) -> int:
        return len(self.ages)


# One detector per worker process (processes do not share it).
_worker_detector: FaceDetector | None = None


def _crop_worker(args: tuple[str, CropSpec, int, VisionConfig]) -> tuple[np.ndarray, bool, Box]:
    global _worker_detector  # per-process cache of the detector, set once in each worker
    path, spec, border, vision = args
    if _worker_detector is None:
        cv2.setNumThreads(1)
        _worker_detector = make_detector(vision, fallback=False)
    return _crop_one(path, _worker_detector, spec, border)


def _crop_one(path, detector: FaceDetector, spec: CropSpec, border: int) -> tuple[np.ndarray, bool, Box]:
    frame, face, found = chip_face(read_rgb(path), detector, spec, border)
    return face_crop(frame, face.box, spec, face.landmarks), found, tuple(int(v) for v in face.box)


def build_crops(items: list, spec: CropSpec, split: SplitSpec, *, border: int,
                vision: VisionConfig | None = None, workers: int = 1, progress=None) -> CropDataset:
    """Detect and crop every image; workers > 1 uses that many processes.

    The detector is the default one (YuNet), or the one named; Haar runs without its second-cascade confirmation:
    each chip is known to hold one face, and the detector is there only to frame it as the device does."""
    vision = vision or VisionConfig(confirm_faces=False)
    items = [as_face_file(item) for item in items]
    jobs = [(str(item.path), spec, border, vision) for item in items]
    results: list[tuple[np.ndarray, bool]] = []
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, result in enumerate(pool.map(_crop_worker, jobs, chunksize=32)):
                results.append(result)
                if progress:
                    progress(i + 1, len(jobs))
    else:
        detector = make_detector(vision, fallback=False)
        for i, item in enumerate(items):
            results.append(_crop_one(item.path, detector, spec, border))
            if progress:
                progress(i + 1, len(jobs))
    n = len(items)
    crops = np.stack([r[0] for r in results]) if n else np.zeros((0, spec.size, spec.size, 3), np.uint8)
    detected = np.array([r[1] for r in results], dtype=bool)
    missed = int(n - detected.sum())
    if n:
        log.info("face detector missed %d of %d chips (%.1f %%); used the implied box for those",
                 missed, n, 100.0 * missed / n)
    return CropDataset(crops=crops, ages=np.array([item.age for item in items], dtype=np.int32),
                       names=np.array([item.path.name for item in items]),
                       splits=np.array([split.split_of(item.split_key) for item in items]), detected=detected,
                       collections=np.array([item.collection for item in items]),
                       boxes=np.array([r[2] for r in results], dtype=np.int32).reshape(-1, 4))


def load_crops(data_dir, spec: CropSpec, split: SplitSpec, *, border: int, cache_dir: str | Path | None,
               workers: int = 1, progress=None, vision: VisionConfig | None = None) -> tuple[CropDataset, dict]:
    """build_crops over one or more folders (deduplicated by name, the first folder's copy kept), cached in
    cache_dir keyed by the file list, crop spec, border, detector and split; faces that repeat a face of an earlier
    collection (training/dedupe.py) are dropped."""
    items, skipped, listing = list_datasets(data_dir)
    if not items:
        raise ValueError(f"the data folder {data_dir} holds no age-labelled images (see training/sources.py)")
    vision = vision or VisionConfig(confirm_faces=False)
    key_src = json.dumps({"files": [f"{it.path.parent.name}/{it.path.name}" for it in items], "spec": asdict(spec), "border": border,
                          "split": asdict(split), "vision": [vision.detector, vision.min_face_px]})
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    dirs = [data_dir] if isinstance(data_dir, (str, Path)) else list(data_dir)
    info = {"data_dir": ", ".join(str(d) for d in dirs), "files": len(items), "skipped_names": skipped,
            "cache_key": key, **listing}
    cache = Path(cache_dir) / f"crops-{key}.npz" if cache_dir else None
    if cache and cache.is_file():
        with np.load(cache) as z:
            data = CropDataset(z["crops"], z["ages"], z["names"], z["splits"], z["detected"],
                               *(z[k] if k in z.files else None for k in ("collections", "boxes")))
        log.info("loaded %d cached crops from %s", len(data), cache)
    else:
        data = build_crops(items, spec, split, border=border, vision=vision, workers=workers, progress=progress)
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp.npz")
            np.savez(tmp, crops=data.crops, ages=data.ages, names=data.names, splits=data.splits,
                     detected=data.detected, collections=data.collections, boxes=data.boxes)
            os.replace(tmp, cache)
    if len(set(data.collections.tolist())) > 1:
        from training.dedupe import COLOUR_MIN, GREY_MIN, PIXEL_MAX, cross_collection_duplicates
        drop, dropped = cross_collection_duplicates(data.crops, data.collections)
        data = data.select(~drop)
        info["cross_collection_duplicates"] = {"grey_min": GREY_MIN, "colour_min": COLOUR_MIN, "pixel_max": PIXEL_MAX,
                                               "dropped": dropped}
    info["collections"] = {c: {s: int(((data.collections == c) & (data.splits == s)).sum()) for s in SPLITS}
                           for c in dict.fromkeys(data.collections.tolist())}
    info["detector_missed"] = int((~data.detected).sum())
    info["split_counts"] = {s: int((data.splits == s).sum()) for s in SPLITS}
    return data, info
