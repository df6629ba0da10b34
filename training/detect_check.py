"""`python -m training.detect_check`: real faces kept and phantom faces let through by the Haar detector, confirmed or not.

Each UTKFace face of the test split is pasted, tilted up to 15 degrees and 50-200 pixels wide, at a random place
into one of 11 face-free scenes of scikit-image's sample photos (a cafe, a cat, a rocket, textures, a clock, and
the astronaut's photo with her face painted grey), each scene 640x480. The same scenes are then searched
without any face, at random zooms and offsets. A box counts as the face when it overlaps the pasted face by an
IoU above 0.3; any other box is a phantom. Needs scikit-image (the `dev` extra) for the scenes."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

SCENES = ("coffee", "chelsea", "rocket", "brick", "gravel", "grass", "clock", "immunohistochemistry", "cell", "coins")
FRAME = (640, 480)
TILT_DEGREES = 15.0
FACE_SIDES = (50, 200)
FACE_IOU = 0.3


def scenes() -> list[tuple[str, np.ndarray]]:
    """The face-free 640x480 RGB scenes: scikit-image samples and the astronaut with her face painted out."""
    from skimage import data

    out = []
    for name in SCENES:
        image = getattr(data, name)()
        image = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3]
        out.append((name, cv2.resize(image, FRAME, interpolation=cv2.INTER_AREA)))
    astronaut = cv2.resize(data.astronaut(), (FRAME[1], FRAME[1]), interpolation=cv2.INTER_AREA)
    astronaut[40:190, 140:290] = 128  # her face (about x 166-256, y 62-152 at this size) and a margin
    frame = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    left = (FRAME[0] - FRAME[1]) // 2
    frame[:, left:left + FRAME[1]] = astronaut
    out.append(("astronaut without her face", frame))
    return out


def paste_face(scene: np.ndarray, chip: np.ndarray, rng: np.random.Generator,
               looks: int = 1) -> list[tuple[np.ndarray, tuple]]:
    """The scene with the chip tilted, resized and pasted at a random place, and the pasted square's box; with
    looks > 1, that many frames of it, each after the first moved by up to 4 px and resized by up to 5 %
    (a listener sitting still in front of the camera)."""
    size = chip.shape[0]
    tilt = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-TILT_DEGREES, TILT_DEGREES), 1.0)
    chip = cv2.warpAffine(chip, tilt, (size, size), borderMode=cv2.BORDER_REFLECT)
    side0 = int(rng.uniform(*FACE_SIDES))
    x0, y0 = int(rng.integers(4, FRAME[0] - 1.05 * side0 - 4)), int(rng.integers(4, FRAME[1] - 1.05 * side0 - 4))
    frames = []
    for look in range(looks):
        side, x, y = side0, x0, y0
        if look:
            side = int(round(side0 * rng.uniform(0.95, 1.05)))
            x, y = x0 + int(rng.integers(-4, 5)), y0 + int(rng.integers(-4, 5))
        frame = scene.copy()
        frame[y:y + side, x:x + side] = cv2.resize(chip, (side, side), interpolation=cv2.INTER_AREA)
        frames.append((frame, (x, y, side, side)))
    return frames


def zoomed(scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scene zoomed by 0.8-1.25 and cut (or padded black) back to the frame size at a random offset."""
    zoom = rng.uniform(0.8, 1.25)
    image = cv2.resize(scene, None, fx=zoom, fy=zoom)
    dx = int(rng.integers(0, max(0, image.shape[1] - FRAME[0]) + 1))
    dy = int(rng.integers(0, max(0, image.shape[0] - FRAME[1]) + 1))
    cut = image[dy:dy + FRAME[1], dx:dx + FRAME[0]]
    frame = np.zeros((FRAME[1], FRAME[0], 3), np.uint8)
    frame[:cut.shape[0], :cut.shape[1]] = cut
    return frame


def check(face_paths: list[Path], *, seed: int, empty_frames: int, looks: int = 1, arrive: int = 3,
          min_face_px: int = 40) -> dict:
    """Figures for the first cascade alone and for the first cascade confirmed by the second one.

    Every face is seen in `looks` frames; "arrived" counts the faces found in at least `arrive` of them (the
    tracker's rule when looks is its window). The face-free frames draw their zooms from a generator of their
    own, so that they are the same whatever the number of faces or looks."""
    from device.vision.detect import FaceConfirmer, HaarDetector
    from device.vision.track import iou
    from training.data import read_rgb

    cv2.setNumThreads(1)
    first = HaarDetector(min_face_px=min_face_px, max_faces=32, confirm=False)
    confirmer = FaceConfirmer()
    rng = np.random.default_rng(seed)
    backdrops = scenes()
    found = kept = phantoms = phantoms_kept = arrived = arrived_kept = frames = 0
    confirm_s: list[float] = []
    per_scene = {name: {"face_frames": 0, "phantoms_beside_faces": 0, "phantoms_beside_faces_kept": 0,
                        "frames_with_phantom": 0, "frames_with_phantom_kept": 0} for name, _ in backdrops}
    for path in face_paths:
        name, scene = backdrops[int(rng.integers(len(backdrops)))]
        seen = seen_kept = 0
        for frame, truth in paste_face(scene, read_rgb(path), rng, looks):
            frames += 1
            per_scene[name]["face_frames"] += 1
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            boxes = first.detect(frame)
            faces = [b for b in boxes if iou(b, truth) > FACE_IOU]
            if faces:
                seen += 1
                start = time.perf_counter()
                seen_kept += confirmer.confirms(gray, faces[0])
                confirm_s.append(time.perf_counter() - start)
            others = [b for b in boxes if iou(b, truth) <= FACE_IOU]
            others_kept = sum(confirmer.confirms(gray, b) for b in others)
            phantoms += len(others)
            phantoms_kept += others_kept
            per_scene[name]["phantoms_beside_faces"] += len(others)
            per_scene[name]["phantoms_beside_faces_kept"] += others_kept
        found += seen
        kept += seen_kept
        arrived += seen >= arrive
        arrived_kept += seen_kept >= arrive
    empty_rng = np.random.default_rng([seed, 1])
    empty = {"frames": 0, "phantoms": 0, "phantoms_kept": 0, "frames_with_phantom": 0, "frames_with_phantom_kept": 0}
    for name, scene in backdrops:
        seen = confirmed = 0
        for _ in range(empty_frames):
            frame = zoomed(scene, empty_rng)
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            boxes = first.detect(frame)
            passed = [b for b in boxes if confirmer.confirms(gray, b)]
            empty["frames"] += 1
            empty["phantoms"] += len(boxes)
            empty["phantoms_kept"] += len(passed)
            empty["frames_with_phantom"] += bool(boxes)
            empty["frames_with_phantom_kept"] += bool(passed)
            seen += bool(boxes)
            confirmed += bool(passed)
        per_scene[name].update(frames_with_phantom=seen, frames_with_phantom_kept=confirmed)
    n = len(face_paths)
    return {
        "faces": n, "looks": looks, "frames": frames,
        "found": found, "found_share": round(found / frames, 4) if frames else None,
        "kept": kept, "kept_share_of_found": round(kept / found, 4) if found else None,
        "arrive": arrive, "arrived": arrived, "arrived_kept": arrived_kept,
        "phantoms_beside_faces": phantoms, "phantoms_beside_faces_kept": phantoms_kept,
        "empty_scenes": empty, "per_scene": per_scene,
        "confirm_ms_p50": round(1000 * float(np.median(confirm_s)), 2) if confirm_s else None,
        "seed": seed, "min_face_px": min_face_px,
    }


def _share(part: int | None, whole: int | None) -> str:
    return f"{100 * part / whole:.1f} %" if part is not None and whole else "n/a"


def main(argv: list[str] | None = None) -> int:
    from device.config.schema import VisionConfig

    vision = VisionConfig()
    parser = argparse.ArgumentParser(prog="python -m training.detect_check", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder of UTKFace-named images")
    parser.add_argument("--split", choices=("all", "train", "val", "test"), default="val",
                        help="faces of this split of the shipped model's sidecar (default: val; the confirmation's "
                             "settings were picked on test faces)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N faces (after a seeded shuffle)")
    parser.add_argument("--empty-frames", type=int, default=40, help="face-free frames per scene")
    parser.add_argument("--looks", type=int, default=vision.window_frames,
                        help=f"frames of each face, slightly moved; a face arrives when found in "
                             f"{vision.arrive_frames} of them (default: {vision.window_frames}, the tracker's window)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.looks < 1 or args.limit < 0 or args.empty_frames < 0:
        parser.error("--looks must be at least 1, --limit and --empty-frames at least 0")

    from device.vision.age import AgeEstimator, ModelError
    from training.data import SplitSpec, list_images

    try:
        items, _ = list_images(args.data)
        split = SplitSpec.from_sidecar(AgeEstimator(None).meta)
    except (ModelError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = [p for p, _ in items if args.split == "all" or split.split_of(p.name) == args.split]
    np.random.default_rng(args.seed).shuffle(paths)
    if args.limit:
        paths = paths[:args.limit]
    if not paths:
        print(f"error: no UTKFace-named images in {args.data} for split {args.split}", file=sys.stderr)
        return 2
    result = check(paths, seed=args.seed, empty_frames=args.empty_frames, looks=args.looks,
                   arrive=vision.arrive_frames, min_face_px=vision.min_face_px)
    result.update({"data": str(args.data), "split": args.split})
    if args.json:
        print(json.dumps(result))
        return 0
    e = result["empty_scenes"]
    ms = result["confirm_ms_p50"]
    print(f"Haar faces on {result['faces']} UTKFace {args.split} faces pasted into {len(result['per_scene'])} scenes, "
          f"{result['frames']} frames (seed {args.seed}):")
    print(f"  first cascade alone: found in {result['found']} frames ({_share(result['found'], result['frames'])}), "
          f"with {result['phantoms_beside_faces']} phantom boxes beside the faces")
    print(f"  confirmed:           kept {result['kept']} of those ({_share(result['kept'], result['found'])}), "
          f"{result['phantoms_beside_faces_kept']} phantom boxes; "
          f"{'n/a' if ms is None else f'{ms:.2f}'} ms a box (p50)")
    print(f"  faces found in at least {result['arrive']} of their {result['looks']} frames: {result['arrived']} alone, "
          f"{result['arrived_kept']} confirmed (of {result['faces']})")
    print(f"  {e['frames']} face-free frames: a phantom in {e['frames_with_phantom']} alone, "
          f"in {e['frames_with_phantom_kept']} confirmed ({e['phantoms']} -> {e['phantoms_kept']} boxes)")
    print("  per scene, first cascade alone -> confirmed:")
    for name, c in result["per_scene"].items():
        print(f"    {name:28s} {c['face_frames']:4d} frames with a face: phantom boxes {c['phantoms_beside_faces']:4d} -> "
              f"{c['phantoms_beside_faces_kept']:3d}; face-free frames with a phantom "
              f"{c['frames_with_phantom']:3d} -> {c['frames_with_phantom_kept']:3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
