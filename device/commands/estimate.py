"""`mirrorball estimate PHOTO...`: the device's own detector, crop and age model on still photos, face by face."""

from __future__ import annotations

import json
import sys

HELP = "find the faces on photos and print each one's box, estimated age and age group"


def add_arguments(parser) -> None:
    parser.add_argument("photos", nargs="+", metavar="PHOTO", help="photo files (JPEG, PNG, ...)")
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"file", "faces": [{"box": [x, y, w, h], "age", "group"}]}')


def estimate_photos(config, paths: list[str]) -> list[dict]:
    """One entry per photo: {"file", "faces": [...]} and, for a photo that cannot be read, "error"."""
    from device.commands.vision_common import read_rgb
    from device.vision.age import AgeEstimator, group_probabilities
    from device.vision.detect import make_detector

    v = config.vision
    estimator = AgeEstimator(v.model, threads=v.threads)
    detector = make_detector(v)
    results = []
    for path in paths:
        frame = read_rgb(path)
        if frame is None:
            results.append({"file": path, "faces": [], "error": "missing or not an image"})
            continue
        boxes = detector.detect(frame)
        faces = []
        for box, estimate in zip(boxes, estimator.estimate(frame, boxes)):
            probs = group_probabilities(estimate, estimator.ages, v.age_groups)
            group = max(probs, key=probs.get)
            faces.append({"box": [int(b) for b in box], "age": round(float(estimate.age), 1), "group": group,
                          "group_probability": round(probs[group], 3)})
        results.append({"file": path, "faces": faces})
    return results


def render(results: list[dict]) -> str:
    lines = []
    for entry in results:
        if "error" in entry:
            lines.append(f"{entry['file']}: {entry['error']}")
        elif not entry["faces"]:
            lines.append(f"{entry['file']}: no face found")
        for face in entry["faces"]:
            x, y, w, h = face["box"]
            lines.append(f"{entry['file']}: face at x={x} y={y} {w}x{h}: age {face['age']:.1f}, "
                         f"group {face['group']} (p={face['group_probability']:.2f})")
    return "\n".join(lines)


def main(args) -> int:
    from device.commands.vision_common import config_or_defaults
    from device.config import ConfigError
    from device.vision.age import ModelError
    from device.vision.detect import DetectorError

    try:
        results = estimate_photos(config_or_defaults(args.config), args.photos)
    except (ConfigError, ModelError, DetectorError) as exc:
        print(f"mirrorball estimate: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 1 if any("error" in entry for entry in results) else 0
