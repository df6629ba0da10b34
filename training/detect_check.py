"""`python -m training.detect_check`: real faces found and phantom faces reported by the device's face detector.

Each UTKFace face of the chosen split is pasted, tilted up to 15 degrees and 30-200 pixels wide (drawn evenly on a
log scale, so that far faces are well represented), at a random place into one of 11 face-free scenes of
scikit-image's sample photos (a cafe, a cat, a rocket, textures, a clock, and the astronaut's photo with her face
painted grey), each scene 640x480. Every other face is turned: a perspective warp of the chip as if the (flat) face
turned 20-45 degrees away (a stand-in for a turned head: real profiles hide more than a warp does). The same scenes
are then searched without any face, at random zooms and offsets. A box counts as the face when it overlaps the
pasted face by an IoU above 0.3; any other box is a phantom. Needs scikit-image (the `dev` extra) for the scenes."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

SCENES = ("coffee", "chelsea", "rocket", "brick", "gravel", "grass", "clock", "immunohistochemistry", "cell", "coins")
FRAME = (640, 480)
TILT_DEGREES = 15.0
FACE_SIDES = (30, 200)
SIZE_BANDS = ((30, 36), (36, 90), (90, 201))
TURN_DEGREES = (20.0, 45.0)
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


def turned(chip: np.ndarray, degrees: float) -> np.ndarray:
    """The chip as if its face (a plane) turned by `degrees` about the vertical axis: narrower, its far side shorter."""
    size = chip.shape[0]
    theta = math.radians(abs(degrees))
    width = size * math.cos(theta)
    far = 1.0 - 0.3 * math.sin(theta)  # the far edge's height, a share of the near edge's
    x0 = (size - width) / 2
    near_edge = [(x0, 0), (x0, size)]
    far_edge = [(x0 + width, size * (1 - far) / 2), (x0 + width, size * (1 + far) / 2)]
    src = np.float32([(0, 0), (0, size), (size, 0), (size, size)])
    dst = np.float32([near_edge[0], near_edge[1], far_edge[0], far_edge[1]])
    if degrees < 0:  # turned the other way: mirror the geometry
        dst[:, 0] = size - dst[:, 0]
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(chip, matrix, (size, size), borderMode=cv2.BORDER_REFLECT)


def paste_face(scene: np.ndarray, chip: np.ndarray, rng: np.random.Generator,
               looks: int = 1, turn: bool = False) -> list[tuple[np.ndarray, tuple]]:
    """The scene with the chip tilted, resized and pasted at a random place, and the pasted square's box; with
    looks > 1, that many frames of it, each after the first moved by up to 4 px and resized by up to 5 %
    (a listener sitting still in front of the camera)."""
    size = chip.shape[0]
    tilt = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-TILT_DEGREES, TILT_DEGREES), 1.0)
    chip = cv2.warpAffine(chip, tilt, (size, size), borderMode=cv2.BORDER_REFLECT)
    if turn:
        chip = turned(chip, rng.uniform(*TURN_DEGREES) * (1 if rng.random() < 0.5 else -1))
    side0 = int(round(math.exp(rng.uniform(math.log(FACE_SIDES[0]), math.log(FACE_SIDES[1])))))
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


def check(face_paths: list[Path], detector, *, seed: int, empty_frames: int, looks: int = 1, arrive: int = 3) -> dict:
    """Faces found (by size band, frontal and turned), phantom boxes beside them and on face-free scenes, and the
    detector's time per frame, for one detector (as the device builds it: Haar with its confirmation if configured).

    Every face is seen in `looks` frames; "arrived" counts the faces found in at least `arrive` of them (the
    tracker's rule when looks is its window). The face-free frames draw their zooms from a generator of their
    own, so that they are the same whatever the number of faces or looks."""
    from device.vision.track import iou
    from training.data import read_rgb

    cv2.setNumThreads(1)
    rng = np.random.default_rng(seed)
    backdrops = scenes()
    bands = {f"{lo}-{hi - 1}": {"frames": 0, "found": 0} for lo, hi in SIZE_BANDS}
    poses = {pose: {"frames": 0, "found": 0} for pose in ("frontal", "turned")}
    found = phantoms = arrived = frames = 0
    detect_s: list[float] = []
    per_scene = {name: {"face_frames": 0, "phantoms_beside_faces": 0, "frames_with_phantom": 0} for name, _ in backdrops}
    for i, path in enumerate(face_paths):
        name, scene = backdrops[int(rng.integers(len(backdrops)))]
        pose = "turned" if i % 2 else "frontal"
        seen = 0
        for frame, truth in paste_face(scene, read_rgb(path), rng, looks, turn=pose == "turned"):
            frames += 1
            per_scene[name]["face_frames"] += 1
            start = time.perf_counter()
            boxes = detector.detect(frame)
            detect_s.append(time.perf_counter() - start)
            hit = any(iou(b, truth) > FACE_IOU for b in boxes)
            others = [b for b in boxes if iou(b, truth) <= FACE_IOU]
            seen += hit
            side = min(max(truth[2], SIZE_BANDS[0][0]), SIZE_BANDS[-1][1] - 1)  # a later look may be 5 % off the range
            band = next(k for (lo, hi), k in zip(SIZE_BANDS, bands) if lo <= side < hi)
            bands[band]["frames"] += 1
            bands[band]["found"] += hit
            poses[pose]["frames"] += 1
            poses[pose]["found"] += hit
            phantoms += len(others)
            per_scene[name]["phantoms_beside_faces"] += len(others)
        found += seen
        arrived += seen >= arrive
    empty_rng = np.random.default_rng([seed, 1])
    empty = {"frames": 0, "phantoms": 0, "frames_with_phantom": 0}
    for name, scene in backdrops:
        seen = 0
        for _ in range(empty_frames):
            frame = zoomed(scene, empty_rng)
            start = time.perf_counter()
            boxes = detector.detect(frame)
            detect_s.append(time.perf_counter() - start)
            empty["frames"] += 1
            empty["phantoms"] += len(boxes)
            empty["frames_with_phantom"] += bool(boxes)
            seen += bool(boxes)
        per_scene[name]["frames_with_phantom"] = seen
    for group in (*bands.values(), *poses.values()):
        group["share"] = round(group["found"] / group["frames"], 4) if group["frames"] else None
    target = [b for k, b in bands.items() if k != "30-35"]
    n36 = sum(b["frames"] for b in target)
    n = len(face_paths)
    return {
        "detector": detector.name, "faces": n, "looks": looks, "frames": frames,
        "found": found, "found_share": round(found / frames, 4) if frames else None,
        "found_share_36_200": round(sum(b["found"] for b in target) / n36, 4) if n36 else None,
        "by_size": bands, "by_pose": poses,
        "arrive": arrive, "arrived": arrived,
        "phantoms_beside_faces": phantoms,
        "empty_scenes": {**empty, "phantoms_per_100_frames": round(100 * empty["phantoms"] / empty["frames"], 2)
                         if empty["frames"] else None},
        "per_scene": per_scene,
        "detect_ms_p50": round(1000 * float(np.median(detect_s)), 1) if detect_s else None,
        "seed": seed, "min_face_px": detector.min_face_px,
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
    parser.add_argument("--detector", choices=("yunet", "haar"), default=vision.detector,
                        help=f"the detector to measure, as the device builds it (default: {vision.detector}; haar "
                             f"with its confirmation)")
    parser.add_argument("--score", type=float, default=vision.yunet_score,
                        help=f"yunet: smallest face score kept (default: vision.yunet_score, {vision.yunet_score})")
    parser.add_argument("--scale", type=float, default=vision.yunet_scale,
                        help=f"yunet: search the frame shrunk by this factor (default: vision.yunet_scale, {vision.yunet_scale})")
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
    from dataclasses import replace

    from device.vision.detect import DetectorError, make_detector
    try:
        detector = make_detector(replace(vision, detector=args.detector, max_faces=32, yunet_score=args.score,
                                         yunet_scale=args.scale), fallback=False)
    except DetectorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = check(paths, detector, seed=args.seed, empty_frames=args.empty_frames, looks=args.looks,
                   arrive=vision.arrive_frames)
    result.update({"data": str(args.data), "split": args.split})
    if args.detector == "yunet":
        result.update({"score": args.score, "scale": args.scale})
    if args.json:
        print(json.dumps(result))
        return 0
    e = result["empty_scenes"]
    print(f"{result['detector']} on {result['faces']} UTKFace {args.split} faces pasted into {len(result['per_scene'])} "
          f"scenes, {result['frames']} frames (seed {args.seed}), {result['detect_ms_p50']} ms a frame (p50):")
    share36 = result["found_share_36_200"]
    print(f"  found in {result['found']} frames ({_share(result['found'], result['frames'])}); faces 36-200 px: "
          f"{'n/a' if share36 is None else f'{100 * share36:.1f} %'}; "
          f"{result['phantoms_beside_faces']} phantom boxes beside the faces")
    for label, groups in (("by size (px)", result["by_size"]), ("by pose", result["by_pose"])):
        print(f"  {label}: " + ", ".join(f"{k} {_share(g['found'], g['frames'])} of {g['frames']}"
                                         for k, g in groups.items()))
    print(f"  faces found in at least {result['arrive']} of their {result['looks']} frames: {result['arrived']} "
          f"(of {result['faces']})")
    print(f"  {e['frames']} face-free frames: a phantom in {e['frames_with_phantom']} ({e['phantoms']} boxes, "
          f"{e['phantoms_per_100_frames']} per 100 frames)")
    print("  per scene:")
    for name, c in result["per_scene"].items():
        print(f"    {name:28s} {c['face_frames']:4d} frames with a face: phantom boxes {c['phantoms_beside_faces']:4d}; "
              f"face-free frames with a phantom {c['frames_with_phantom']:3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
