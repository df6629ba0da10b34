"""The int8 TFLite age estimator: face crops in, expected age and per-age-bin probabilities out."""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device.config.schema import AgeGroup
from device.vision.crop import Box, CropSpec, face_crop
from device.vision.model_files import model_file

log = logging.getLogger(__name__)

MODEL_ENV = "MIRRORBALL_MODEL"
MODEL_NAME = "age_int8.tflite"
# Interpreter packages, preferred first: (module, name reported as `runtime`).
RUNTIMES = (("ai_edge_litert.interpreter", "ai_edge_litert"), ("tflite_runtime.interpreter", "tflite_runtime"))
# Kernel sets, by the name of the interpreter package's OpResolverType member. "default" (XNNPACK) is what the
# device runs; "reference" is TFLite's plain C++ kernels, whose int8 rounding on x86 matches what aarch64 runs
# (measured by `make pi-check`), so evaluation on x86 uses them to report what a Pi will see.
KERNELS = {"default": "AUTO", "builtin": "BUILTIN_WITHOUT_DEFAULT_DELEGATES", "reference": "BUILTIN_REF"}


class ModelError(Exception):
    """The age model cannot be used; str() is one sentence naming the file."""


@dataclass(frozen=True)
class AgeEstimate:
    age: float  # the distribution's mean or median (output.age_readout), through output.age_map if any; years
    distribution: np.ndarray  # probability of each age bin (AgeEstimator.ages), sums to 1


def default_model_path() -> Path:
    """$MIRRORBALL_MODEL; else <checkout>/models/age_int8.tflite from a source checkout; else <prefix>/../models."""
    return model_file(MODEL_NAME, MODEL_ENV)


def load_interpreter_module():
    """(interpreter module, runtime name): LiteRT, else tflite-runtime; ModelError when neither is installed."""
    missing = []
    for module_name, runtime in RUNTIMES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(module_name.split(".")[0])
            continue
        return module, runtime
    raise ModelError(f"no TFLite interpreter is installed ({' or '.join(missing)}): pip install ai-edge-litert")


def group_probabilities(estimate: AgeEstimate, ages: np.ndarray, groups: list[AgeGroup]) -> dict[str, float]:
    """The probability of each age group: the sum of the age-bin probabilities inside it."""
    ages = np.asarray(ages, dtype=np.float64)
    dist = np.asarray(estimate.distribution, dtype=np.float64)
    out: dict[str, float] = {}
    for group in groups:
        upper = np.inf if group.max_age is None else group.max_age
        out[group.name] = float(dist[(ages >= group.min_age) & (ages <= upper)].sum())
    return out


def probability_under(estimate: AgeEstimate, ages: np.ndarray, years: float) -> float:
    """The probability of an age under `years`: the sum of the age bins below it (13: a child, 18: a minor)."""
    return float(np.asarray(estimate.distribution, dtype=np.float64)[np.asarray(ages) < years].sum())


def median_age(dist: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """The median of each distribution (rows of dist over integer age bins), interpolated inside its bin."""
    cdf = np.cumsum(dist, axis=1)
    rows = np.arange(len(dist))
    i = np.argmax(cdf >= 0.5, axis=1)
    below = np.where(i > 0, cdf[rows, np.maximum(i - 1, 0)], 0.0)
    frac = (0.5 - below) / np.maximum(dist[rows, i], 1e-12)
    return np.asarray(ages, dtype=np.float64)[i] - 0.5 + np.clip(frac, 0.0, 1.0)


def check_age_map(knots) -> tuple[np.ndarray, np.ndarray]:
    """output.age_map's knots [[x0, y0], ...] as arrays; ValueError unless they are at least two pairs of finite
    numbers, x rising, y never falling, and the first and last on the identity (y = x), so that the map, the identity
    outside them, is continuous and monotone."""
    if not isinstance(knots, list) or len(knots) < 2 or not all(
            isinstance(k, list) and len(k) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                        for v in k) for k in knots):
        raise ValueError(f"output.age_map must be a list of at least two [age read, age given] pairs, got {repr(knots)[:80]}")
    x, y = np.asarray(knots, dtype=np.float64).T
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("output.age_map's knots must be finite numbers")
    if np.any(np.diff(x) <= 0) or np.any(np.diff(y) < 0):
        raise ValueError("output.age_map must be monotone: each knot's age read above the one before, its age given "
                         "not below it")
    if x[0] != y[0] or x[-1] != y[-1]:
        raise ValueError(f"output.age_map's first and last knots must leave the age as it is ([a, a]), got "
                         f"{knots[0]!r} and {knots[-1]!r}")
    return x, y


def map_ages(ages: np.ndarray, knots: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Ages read from the distributions, corrected through check_age_map's knots (linear between knots, unchanged
    outside them); unchanged without a map."""
    ages = np.asarray(ages, dtype=np.float64)
    if knots is None:
        return ages
    x, y = knots
    return np.where((ages >= x[0]) & (ages <= x[-1]), np.interp(ages, x, y), ages)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class AgeEstimator:
    """Loads the TFLite age model and its JSON sidecar; estimates ages for face crops, batched."""

    def __init__(self, model_path: str | Path | None = None, *, threads: int = 1, kernels: str = "default") -> None:
        """kernels: a key of KERNELS; the device runs "default", x86 evaluation uses "reference"."""
        if kernels not in KERNELS:
            raise ValueError(f"kernels must be one of {', '.join(KERNELS)}, got {kernels!r}")
        self.kernels = kernels
        self.path = Path(model_path) if model_path is not None else default_model_path()
        if not self.path.is_file():
            raise ModelError(f"the age model {self.path} does not exist")
        self.sidecar_path = self.path.with_suffix(".json")
        meta = self._read_sidecar()
        module, self.runtime = load_interpreter_module()
        options = {}
        if kernels != "default":  # old tflite-runtime releases know no kernel choice: only ask when one is needed
            if not hasattr(module, "OpResolverType"):
                raise ModelError(f"{self.runtime} cannot run the {kernels} kernels: pip install ai-edge-litert")
            options["experimental_op_resolver_type"] = getattr(module.OpResolverType, KERNELS[kernels])
        try:
            self._interp = module.Interpreter(model_path=str(self.path), num_threads=int(threads), **options)
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"the age model {self.path} is not a valid TFLite model "
                             f"({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__})") from None
        self._input = self._interp.get_input_details()[0]
        self._output = self._interp.get_output_details()[0]
        self._check(meta)
        self._input_table = self._quantise(np.arange(256, dtype=np.uint8))
        self._batch = int(self._input["shape"][0])
        self._resizable = int(self._input.get("shape_signature", self._input["shape"])[0]) == -1

    # ---------------------------------------------------------------- loading

    def _read_sidecar(self) -> dict:
        try:
            meta = json.loads(self.sidecar_path.read_text())
        except FileNotFoundError:
            raise ModelError(f"the age model's sidecar {self.sidecar_path} does not exist") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"the age model's sidecar {self.sidecar_path} is not readable JSON ({exc})") from None
        try:
            inp, crop = meta["input"], meta["crop"]
            self.input_size = int(inp["size"])
            if inp.get("colour_order", "RGB") != "RGB":
                raise ValueError(f"colour order {inp['colour_order']!r} is not RGB")
            norm = inp.get("normalisation") or {"mean": 0.0, "std": 1.0}
            self._mean = float(norm["mean"])
            self._std = float(norm["std"])
            quant = inp.get("quantisation")
            self._quant = (float(quant["scale"]), int(quant["zero_point"])) if quant else None
            self.ages = np.asarray(meta["ages"], dtype=np.float64)
            output = meta.get("output", {})
            self.output_kind = output.get("kind", "logits")
            if self.output_kind not in ("logits", "probabilities"):
                raise ValueError(f"unknown output kind {self.output_kind!r}")
            # Calibration chosen by training/evaluate --calibrate: distribution = softmax(logits / temperature);
            # the age read from it is its mean or its median.
            self.temperature = float(output.get("temperature", 1.0))
            if not self.temperature > 0:
                raise ValueError(f"output.temperature must be above 0, got {self.temperature}")
            self.age_readout = output.get("age_readout", "mean")
            if self.age_readout not in ("mean", "median"):
                raise ValueError(f"output.age_readout must be mean or median, got {self.age_readout!r}")
            # Each face also run mirrored and the two distributions averaged (twice the inference, measured better).
            self.mirror_average = output.get("mirror_average", False)
            if not isinstance(self.mirror_average, bool):
                raise ValueError(f"output.mirror_average must be true or false, got {self.mirror_average!r}")
            # A monotone correction of the age read (fitted on val by training/evaluate --calibrate --age-map).
            self.age_map = check_age_map(output["age_map"]) if "age_map" in output else None
            self.crop_spec = CropSpec.from_json(crop)
            self.letterbox_border = int(crop.get("letterbox_border", 0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"the age model's sidecar {self.sidecar_path} is incomplete or invalid ({exc})") from None
        self.meta = meta
        return meta

    def _check(self, meta: dict) -> None:
        shape = [int(v) for v in self._input["shape"]]
        if len(shape) != 4 or shape[1:] != [self.input_size, self.input_size, 3]:
            raise ModelError(f"the age model {self.path} takes input of shape {shape}, but its sidecar "
                             f"{self.sidecar_path.name} says {self.input_size}x{self.input_size}x3")
        if int(self._output["shape"][-1]) != len(self.ages):
            raise ModelError(f"the age model {self.path} has {int(self._output['shape'][-1])} outputs, but its sidecar "
                             f"{self.sidecar_path.name} lists {len(self.ages)} age bins")
        self._dtype = np.dtype(self._input["dtype"])
        if self._dtype != np.float32:
            if self._quant is None:
                raise ModelError(f"the age model {self.path} takes {self._dtype.name} input, but its sidecar "
                                 f"{self.sidecar_path.name} gives no quantisation")
            scale, zero = self._input["quantization"]
            if not np.isclose(scale, self._quant[0], rtol=1e-6) or int(zero) != self._quant[1]:
                raise ModelError(f"the input quantisation in the sidecar {self.sidecar_path.name} "
                                 f"({self._quant}) does not match the age model {self.path} ({(scale, zero)})")
        if self.crop_spec.size != self.input_size:
            raise ModelError(f"the sidecar {self.sidecar_path} gives a crop size {self.crop_spec.size} "
                             f"different from the input size {self.input_size}")

    # ---------------------------------------------------------------- inference

    def _quantise(self, values: np.ndarray) -> np.ndarray:
        """Pixel values -> the model's input: normalised by the sidecar's mean/std, then quantised if the input is."""
        x = (values.astype(np.float32) - self._mean) / self._std
        if self._dtype == np.float32:
            return x
        scale, zero = self._quant
        info = np.iinfo(self._dtype)
        return np.clip(np.round(x / scale + zero), info.min, info.max).astype(self._dtype)

    def _prepare(self, crops: np.ndarray) -> np.ndarray:
        # A uint8 crop has 256 possible values: look their model inputs up instead of computing each pixel's.
        return np.take(self._input_table, crops)

    def _ensure_batch(self, n: int) -> None:
        if n == self._batch:
            return
        self._interp.resize_tensor_input(self._input["index"], [n, self.input_size, self.input_size, 3])
        self._interp.allocate_tensors()
        self._batch = n

    def _run(self, x: np.ndarray) -> np.ndarray:
        self._interp.set_tensor(self._input["index"], x)
        self._interp.invoke()
        out = self._interp.get_tensor(self._output["index"])  # a copy, ours to keep
        if np.dtype(out.dtype) != np.float32:
            scale, zero = self._output["quantization"]
            out = (out.astype(np.float32) - zero) * scale
        return out.reshape(x.shape[0], -1)

    def estimate_crops(self, crops: np.ndarray) -> list[AgeEstimate]:
        """Ages for uint8 RGB crops of shape (n, size, size, 3) made by face_crop with crop_spec."""
        crops = np.asarray(crops)
        if crops.dtype != np.uint8:
            raise ValueError(f"expected uint8 crops (face_crop's output), got {crops.dtype}")
        if crops.ndim == 3:
            crops = crops[None]
        if crops.shape[1:] != (self.input_size, self.input_size, 3):
            raise ValueError(f"expected crops of shape (n, {self.input_size}, {self.input_size}, 3), got {crops.shape}")
        n = crops.shape[0]
        if n == 0:
            return []
        x = self._prepare(crops)
        if self.mirror_average:
            x = np.concatenate([x, x[:, :, ::-1]])  # the faces, then their mirror images, in one batch
        if self._resizable:
            self._ensure_batch(len(x))
            raw = self._run(np.ascontiguousarray(x))
        else:
            raw = np.concatenate([self._run(np.ascontiguousarray(x[i:i + 1])) for i in range(len(x))])
        if self.output_kind == "logits":
            dist = _softmax(raw / self.temperature)
        else:
            dist = np.clip(raw.astype(np.float64), 0, None) ** (1.0 / self.temperature)
            dist = dist / np.maximum(dist.sum(axis=1, keepdims=True), 1e-12)
        if self.mirror_average:
            dist = (dist[:n] + dist[n:]) / 2
        ages = dist @ self.ages if self.age_readout == "mean" else median_age(dist, self.ages)
        # The age map corrects only the age read; the distribution, hence P(age < 13), P(age < 18) and the group
        # probabilities, stays the model's own (calibrated by its temperature, not by this map).
        ages = map_ages(ages, self.age_map)
        return [AgeEstimate(age=float(a), distribution=d) for a, d in zip(ages, dist)]

    def estimate(self, frame_rgb: np.ndarray, boxes: list[Box],
                 landmarks: list[np.ndarray | None] | None = None) -> list[AgeEstimate]:
        """Ages for the faces of one RGB frame (boxes, and each face's landmarks or None), one batched call where
        the model allows."""
        if not boxes:
            return []
        marks = landmarks if landmarks is not None else [None] * len(boxes)
        crops = np.stack([face_crop(frame_rgb, box, self.crop_spec, lm) for box, lm in zip(boxes, marks)])
        return self.estimate_crops(crops)
