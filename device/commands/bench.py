"""`mirrorball bench`: model load time, detection, age inference and whole-frame latency on a fixed photo, and memory."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import resource
import sys
import threading
import time

import numpy as np

HELP = "measure model load, face detection, age inference and per-frame latency on a fixed photo, and peak memory"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--iterations", "-n", type=int, default=200, metavar="N",
                        help="timed repetitions of each measurement (default 200)")
    parser.add_argument("--photo", default=None, metavar="PATH",
                        help="benchmark photo (default: the bundled astronaut, letterboxed into 640x480)")


def _ms(samples: list[float]) -> tuple[float, float]:
    values = np.asarray(samples) * 1000.0
    return round(float(np.percentile(values, 50)), 2), round(float(np.percentile(values, 95)), 2)


class _Samples(list):
    """Wall-clock seconds per call, with the process CPU seconds per call beside them (.cpu)."""

    def __init__(self):
        super().__init__()
        self.cpu: list[float] = []


def _timed(fn, iterations: int, warmup: int = 5) -> _Samples:
    for _ in range(warmup):
        fn()
    samples = _Samples()
    for _ in range(iterations):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append(time.perf_counter() - start)
        samples.cpu.append(time.process_time() - start_cpu)
    return samples


def os_threads() -> int | None:
    """Threads of this process as the kernel counts them (Python's and native ones: OpenCV, the interpreter)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)  # bytes on macOS, KiB on Linux


def run_bench(config, photo_path, iterations: int) -> dict:
    """Every figure of the benchmark, as a dict with the keys `--json` prints."""
    import cv2

    from device.commands.vision_common import read_rgb
    from device.vision.age import AgeEstimator
    from device.vision.detect import make_detector
    from device.vision.pipeline import build_pipeline

    frame = read_rgb(photo_path)
    if frame is None:
        raise FileNotFoundError(f"the benchmark photo {photo_path} is missing or not an image")
    v = config.vision
    start = time.perf_counter()
    estimator = AgeEstimator(v.model, threads=v.threads)
    model_load_ms = (time.perf_counter() - start) * 1000.0
    detector = make_detector(v)

    detect_samples = _timed(lambda: detector.detect(frame), iterations)
    faces = detector.detect_faces(frame)
    boxes = [f.box for f in faces]
    marks = [f.landmarks for f in faces]
    age_samples = _timed(lambda: estimator.estimate(frame, boxes, marks), iterations) if boxes else []
    estimates = estimator.estimate(frame, boxes, marks) if boxes else []

    def frames(full_scan_every: int) -> list[float]:
        cfg = dataclasses.replace(config, vision=dataclasses.replace(v, full_scan_every=full_scan_every))
        pipeline = build_pipeline(cfg, estimator=estimator, detector=detector)
        clock = iter(range(10 ** 9))
        return _timed(lambda: pipeline.process(frame, now=float(next(clock))), iterations)

    frame_samples = frames(v.full_scan_every)  # as the daemon runs: near the tracked face, whole frame every N
    full_samples = frames(1)  # the whole frame searched every time
    figures = {
        "detect_ms_p50": None, "detect_ms_p95": None, "age_ms_p50": None, "age_ms_p95": None,
        "frame_ms_p50": None, "frame_ms_p95": None,
        "model_load_ms": round(model_load_ms, 1),
        "rss_mb": None, "threads": None, "runtime": estimator.runtime, "detector": detector.name,
    }
    figures["detect_ms_p50"], figures["detect_ms_p95"] = _ms(detect_samples)
    if age_samples:
        figures["age_ms_p50"], figures["age_ms_p95"] = _ms(age_samples)
    figures["frame_ms_p50"], figures["frame_ms_p95"] = _ms(frame_samples)
    figures["frame_full_scan_ms_p50"], figures["frame_full_scan_ms_p95"] = _ms(full_samples)
    # CPU time of the whole process per call (all threads): close to the wall time on an idle machine; far
    # below it when other processes compete for the cores, which then inflate the wall-clock figures.
    for key, samples in (("detect", detect_samples), ("age", age_samples), ("frame", frame_samples)):
        figures[f"{key}_cpu_ms_p50"] = _ms(samples.cpu)[0] if samples else None
    figures.update({
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "rss_mb": peak_rss_mb(),
        "threads": os_threads(),
        "python_threads": threading.active_count(),
        "inference_threads": v.threads,
        "opencv_threads": cv2.getNumThreads(),
        "faces": len(boxes),
        "face_box": list(boxes[0]) if boxes else None,
        "age": round(estimates[0].age, 1) if estimates else None,
        "iterations": iterations,
        "photo": str(photo_path),
        "frame_size": [int(frame.shape[1]), int(frame.shape[0])],
        "full_scan_every": v.full_scan_every,
        "machine": f"{platform.machine()}, {len(_cpus())} CPUs, {platform.python_implementation()} {platform.python_version()}",
        "model": str(estimator.path),
    })
    return figures


def _cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return [0]


def main(args) -> int:
    from device.commands.vision_common import BENCH_PHOTO, config_or_defaults
    from device.config import ConfigError
    from device.vision.age import ModelError
    from device.vision.detect import DetectorError

    if args.iterations < 1:
        print("mirrorball bench: --iterations must be at least 1", file=sys.stderr)
        return 2
    try:
        config = config_or_defaults(args.config)
        figures = run_bench(config, args.photo or BENCH_PHOTO, args.iterations)
    except ConfigError as exc:
        print(f"mirrorball bench: {exc}", file=sys.stderr)
        return 1
    except (ModelError, DetectorError, FileNotFoundError) as exc:
        print(f"mirrorball bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(render(figures))
    if not figures["faces"]:
        print("mirrorball bench: no face found on the benchmark photo", file=sys.stderr)
        return 1
    return 0


def render(f: dict) -> str:
    def pair(key: str) -> str:
        p50, p95 = f[f"{key}_p50"], f[f"{key}_p95"]
        return "n/a" if p50 is None else f"p50 {p50:7.2f} ms   p95 {p95:7.2f} ms"

    age = "no face found" if f["age"] is None else f"face at {tuple(f['face_box'])}, age {f['age']:.1f}"
    return "\n".join([
        f"photo        {f['photo']} ({f['frame_size'][0]}x{f['frame_size'][1]}): {age}",
        f"machine      {f['machine']}",
        f"model        {f['model']} via {f['runtime']}, {f['inference_threads']} inference thread(s); "
        f"OpenCV uses {f['opencv_threads']} thread(s)",
        f"model load   {f['model_load_ms']:.1f} ms",
        f"detection    {pair('detect_ms')}   (whole frame, {f['detector']})",
        f"crop + age   {pair('age_ms')}   ({f['faces']} face(s))",
        f"frame        {pair('frame_ms')}   (as the daemon samples: whole frame every {f['full_scan_every']}, "
        f"near the tracked faces otherwise)",
        f"frame (full) {pair('frame_full_scan_ms')}   (whole frame every time)",
        f"CPU per call detection {f['detect_cpu_ms_p50']} ms, crop + age {f['age_cpu_ms_p50']} ms, frame "
        f"{f['frame_cpu_ms_p50']} ms (p50, all threads); load average {f['load_average'][0]}",
        f"peak RSS     {f['rss_mb']:.1f} MB",
        f"threads      {f['threads']} in the process ({f['python_threads']} Python)",
        f"iterations   {f['iterations']}",
    ])
