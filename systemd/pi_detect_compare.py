"""pi-check's detection parity: the configured detector and the age model on identical frames, x86 against aarch64.

  python systemd/pi_detect_compare.py frames --faces-dir DIR --n 48 --out frames.npy        (x86 host; + frames.json)
  python systemd/pi_detect_compare.py run --frames frames.npy --config C --out run.json \
      [--yunet F --model M --kernels reference]   (each machine: the detector as the daemon builds it, never Haar
                                                   in YuNet's place, then the real crop and age model per face)
  python systemd/pi_detect_compare.py compare run-x86.json run-aarch64.json --truth frames.json  (prints JSON)
  python systemd/pi_detect_compare.py detector-check --configured yunet --ran "haar (YuNet unavailable)"

The frames are UTKFace faces pasted into 640x480 face-free scenes (training.detect_check's scenes and pasting): one
face a frame, two in every third, saved as one array so that both machines read the very same pixels.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

try:  # the installed package (inside the root); else this checkout (on the host)
    import device  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# A face of one machine is the other's when their boxes overlap by more than MATCH_IOU. The verdict: the same
# detector as configured on both, the same number of faces in every frame, every pair at least PARITY_IOU, and
# ages of the matched faces within the age step's limits (x86 reference vs aarch64 default kernels).
MATCH_IOU = 0.5
PARITY_IOU = 0.9
AGE_MEAN_MAX = 0.3
AGE_MAX_MAX = 1.5
TRUTH_IOU = 0.3  # a pasted face counts as found as in training.detect_check


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def detector_check(configured: str, ran: str) -> tuple[bool, str]:
    """PASS only when what ran is the configured detector itself (Haar standing in for YuNet is a FAIL)."""
    if configured and ran == configured:
        return True, f"bench ran the configured detector: {ran}"
    return False, (f"configured {configured or 'unknown'}, bench ran '{ran or 'nothing'}': the install fell back "
                   f"(make models could not install YuNet; install.log and 'mirrorball doctor' say why)")


def make_frames(args) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # training/: only in a checkout, only on the host
    from training.data import read_rgb
    from training.detect_check import FRAME, paste_face, scenes

    files = sorted(p for p in Path(args.faces_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if not files:
        print(f"no images in {args.faces_dir}", file=sys.stderr)
        return 1
    rng = np.random.default_rng(args.seed)
    backdrops = scenes()
    step = max(1, len(files) // (args.n * 2))  # UTKFace names start with the age: a spread of ages
    faces = iter(files[::step])
    frames, truth = [], []
    for i in range(args.n):
        frame = backdrops[i % len(backdrops)][1]
        boxes: list[list[int]] = []
        for _ in range(2 if i % 3 == 2 else 1):
            chip = read_rgb(next(faces))
            for _ in range(50):  # a place that overlaps no face already there
                pasted, box = paste_face(frame, chip, rng)[0]
                if all(iou(box, b) == 0 for b in boxes):
                    frame = pasted
                    boxes.append([int(v) for v in box])
                    break
        frames.append(frame)
        truth.append(boxes)
    stack = np.stack(frames)
    assert stack.shape[1:] == (FRAME[1], FRAME[0], 3)
    np.save(args.out, stack)
    Path(args.out).with_suffix(".json").write_text(json.dumps({"faces_dir": str(args.faces_dir), "seed": args.seed,
                                                               "truth": truth}))
    print(f"{len(frames)} frames, {sum(map(len, truth))} faces pasted -> {args.out} {stack.shape}")
    return 0


def run(args) -> int:
    from device.config.loader import load_config
    from device.vision.age import AgeEstimator
    from device.vision.detect import DetectorError, make_detector

    vision = load_config(args.config).vision
    if args.yunet:
        vision = replace(vision, yunet_model=args.yunet)
    try:
        detector = make_detector(vision, fallback=False)
    except DetectorError as exc:
        print(f"{platform.machine()}: {exc}", file=sys.stderr)
        return 1
    estimator = AgeEstimator(args.model or vision.model, kernels=args.kernels)
    frames = np.load(args.frames)
    out, seconds = [], []
    for frame in frames:
        start = time.perf_counter()
        faces = detector.detect_faces(frame)
        seconds.append(time.perf_counter() - start)
        ages = estimator.estimate(frame, [f.box for f in faces], [f.landmarks for f in faces])
        out.append([{"box": [int(v) for v in f.box], "score": round(f.score, 5), "age": round(e.age, 4),
                     "landmarks": None if f.landmarks is None else np.round(f.landmarks, 3).tolist()}
                    for f, e in zip(faces, ages)])
    record = {"machine": platform.machine(), "detector": detector.name, "kernels": args.kernels,
              "runtime": estimator.runtime, "detect_ms_p50": round(1000 * float(np.median(seconds)), 1), "frames": out}
    Path(args.out).write_text(json.dumps(record))
    print(f"{record['machine']}: {detector.name} found {sum(map(len, out))} faces in {len(out)} frames "
          f"(p50 {record['detect_ms_p50']} ms), ages with {estimator.runtime} ({args.kernels} kernels) -> {args.out}")
    return 0


def compare_runs(a: dict, b: dict, truth: list[list[list[int]]] | None = None, configured: str = "yunet") -> dict:
    """Faces matched frame by frame (greedy, highest IoU first): box, landmark, score and age differences, and the
    verdict ("pass")."""
    if len(a["frames"]) != len(b["frames"]):
        raise ValueError(f"different numbers of frames: {len(a['frames'])} vs {len(b['frames'])}")
    ious, box_d, mark_d, score_d, age_d = [], [], [], [], []
    unmatched = [0, 0]
    count_differs = []
    for i, (fa, fb) in enumerate(zip(a["frames"], b["frames"])):
        if len(fa) != len(fb):
            count_differs.append(i)
        pairs = sorted(((iou(x["box"], y["box"]), j, k) for j, x in enumerate(fa) for k, y in enumerate(fb)), reverse=True)
        used_a, used_b = set(), set()
        for overlap, j, k in pairs:
            if overlap <= MATCH_IOU or j in used_a or k in used_b:
                continue
            used_a.add(j)
            used_b.add(k)
            x, y = fa[j], fb[k]
            ious.append(overlap)
            box_d.append(float(np.abs(np.subtract(x["box"], y["box"])).max()))
            if x["landmarks"] is not None and y["landmarks"] is not None:
                mark_d.append(float(np.abs(np.subtract(x["landmarks"], y["landmarks"])).max()))
            score_d.append(abs(x["score"] - y["score"]))
            age_d.append(abs(x["age"] - y["age"]))
        unmatched[0] += len(fa) - len(used_a)
        unmatched[1] += len(fb) - len(used_b)

    def found(run: dict) -> int | None:
        if truth is None:
            return None
        return sum(any(iou(f["box"], t) > TRUTH_IOU for f in faces) for faces, boxes in zip(run["frames"], truth)
                   for t in boxes)

    def top(values: list[float], how) -> float | None:
        return round(float(how(values)), 4) if values else None

    result = {
        "frames": len(a["frames"]), "detectors": [a["detector"], b["detector"]], "machines": [a["machine"], b["machine"]],
        "kernels": [a["kernels"], b["kernels"]], "detect_ms_p50": [a["detect_ms_p50"], b["detect_ms_p50"]],
        "faces": [sum(map(len, a["frames"])), sum(map(len, b["frames"]))],
        "pasted": sum(map(len, truth)) if truth is not None else None, "found_pasted": [found(a), found(b)],
        "frames_count_differs": count_differs, "matched": len(ious), "unmatched": unmatched,
        "min_iou": top(ious, np.min), "box_max_px": top(box_d, np.max), "box_mean_px": top(box_d, np.mean),
        "landmark_max_px": top(mark_d, np.max), "score_max_diff": top(score_d, np.max),
        "age_mean_abs_diff": top(age_d, np.mean), "age_max_abs_diff": top(age_d, np.max),
    }
    result["pass"] = bool(
        a["detector"] == b["detector"] == configured and not count_differs and unmatched == [0, 0] and ious
        and min(ious) >= PARITY_IOU and np.mean(age_d) <= AGE_MEAN_MAX and max(age_d) <= AGE_MAX_MAX)
    return result


def compare(args) -> int:
    truth = json.loads(Path(args.truth).read_text())["truth"] if args.truth else None
    a, b = (json.loads(Path(p).read_text()) for p in (args.a, args.b))
    print(json.dumps(compare_runs(a, b, truth, args.configured)))
    return 0


def check_detector(args) -> int:
    ok, sentence = detector_check(args.configured, args.ran)
    print(sentence)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("frames")
    p.add_argument("--faces-dir", required=True)
    p.add_argument("--n", type=int, default=48)
    p.add_argument("--seed", type=int, default=22)
    p.add_argument("--out", required=True)
    p = sub.add_parser("run")
    p.add_argument("--frames", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--yunet", help="the YuNet file instead of the configured or installed one")
    p.add_argument("--model", help="the age model instead of the configured or installed one")
    p.add_argument("--kernels", choices=("default", "reference"), default="default")
    p = sub.add_parser("compare")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--truth")
    p.add_argument("--configured", default="yunet")
    p = sub.add_parser("detector-check")
    p.add_argument("--configured", required=True)
    p.add_argument("--ran", required=True)
    args = parser.parse_args(argv)
    return {"frames": make_frames, "run": run, "compare": compare, "detector-check": check_detector}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
