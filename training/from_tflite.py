"""`python -m training.from_tflite MODEL OUT.keras`: a shipped int8 model back into the Keras network it came from
(batch norm folded into the convolutions, weights dequantised), so that a fine-tune can start from it (--init).

The int8 file keeps each convolution with its batch norm folded in; here each batch norm gets the statistics of its
input on real crops, and gamma/beta that undo them, so that the network computes the same function in inference
mode and nearly the same with batch statistics (training mode)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _dequantised(interp, detail) -> np.ndarray:
    q = detail["quantization_parameters"]
    values = interp.get_tensor(detail["index"]).astype(np.float64)
    scales, zeros = np.asarray(q["scales"], np.float64), np.asarray(q["zero_points"], np.float64)
    if len(scales) <= 1:
        return (values - (zeros[0] if len(zeros) else 0.0)) * (scales[0] if len(scales) else 1.0)
    axis = q["quantized_dimension"]
    shape = [1] * values.ndim
    shape[axis] = len(scales)
    return (values - zeros.reshape(shape)) * scales.reshape(shape)


def folded_weights(tflite_path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{keras layer name: (kernel in Keras layout, bias)} for every convolution and the dense head of the file."""
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(tflite_path))
    interp.allocate_tensors()
    details = interp.get_tensor_details()
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for op in interp._get_ops_details():  # the kernel and bias of each op, by its inputs
        if op["op_name"] not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        kernel_d, bias_d = details[op["inputs"][1]], details[op["inputs"][2]]
        kernel, bias = _dequantised(interp, kernel_d), _dequantised(interp, bias_d)
        name = kernel_d["name"]
        if op["op_name"] == "FULLY_CONNECTED":
            out["logits"] = (kernel.T, bias)
            continue
        layer = next(part.split("/")[1].removesuffix("_1") for part in name.split(";")
                     if part.endswith(("/convolution", "/depthwise")))
        if op["op_name"] == "CONV_2D":  # [out, kh, kw, in] -> [kh, kw, in, out]
            out[layer] = (kernel.transpose(1, 2, 3, 0), bias)
        else:  # [1, kh, kw, C] -> [kh, kw, C, 1]
            out[layer] = (kernel[0][..., None], bias)
    return out


def rebuild(tflite_path: Path, crops: np.ndarray, width: float, size: int, n_bins: int):
    """The Keras model of an int8 file, batch norms set from the statistics of their inputs on these crops."""
    import keras

    from training.model import build_model

    model = build_model(size, n_bins, width=width)
    weights = folded_weights(tflite_path)
    bn_of = {}
    for layer in model.layers:
        if layer.name in weights and layer.name != "logits":
            layer.set_weights([weights[layer.name][0].astype(np.float32)])
            bn_of[layer.name] = model.get_layer(f"{layer.name}_bn")
    model.get_layer("logits").set_weights([w.astype(np.float32) for w in weights["logits"]])
    missing = [layer.name for layer in model.layers
               if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)) and layer.name not in weights]
    if missing:
        raise ValueError(f"{tflite_path} has no weights for the layers {', '.join(missing)}: not this architecture")
    # First the plain fold (BN = + bias), then each BN's real input statistics with gamma/beta that undo them.
    eps = {name: bn.epsilon for name, bn in bn_of.items()}
    for name, bn in bn_of.items():
        c = weights[name][1].shape[0]
        bn.set_weights([np.ones(c, np.float32), weights[name][1].astype(np.float32), np.zeros(c, np.float32),
                        np.full(c, 1.0 - eps[name], np.float32)])
    probe = keras.Model(model.input, [model.get_layer(name).output for name in bn_of])
    acts = probe.predict(crops.astype(np.float32), batch_size=256, verbose=0)
    for (name, bn), act in zip(bn_of.items(), acts):
        flat = act.reshape(-1, act.shape[-1]).astype(np.float64)
        mean, var = flat.mean(axis=0), flat.var(axis=0)
        gamma = np.sqrt(var + eps[name])
        bn.set_weights([gamma.astype(np.float32), (weights[name][1] + mean).astype(np.float32),
                        mean.astype(np.float32), var.astype(np.float32)])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.from_tflite", description=__doc__)
    parser.add_argument("model", type=Path, help="the int8 .tflite file, its .json sidecar beside it")
    parser.add_argument("out", type=Path, help="the .keras file to write")
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="face folders (as for training.train) whose training crops set the batch-norm statistics")
    parser.add_argument("--cache-dir", type=Path, default=Path(__file__).resolve().parents[1] / ".cache")
    args = parser.parse_args(argv)
    from device.vision.crop import CropSpec
    from training.data import SplitSpec, load_crops
    from training.evaluate import training_vision

    meta = json.loads(args.model.with_suffix(".json").read_text())
    data, _ = load_crops(args.data, CropSpec.from_json(meta["crop"]), SplitSpec.from_sidecar(meta),
                         border=int(meta["crop"].get("letterbox_border", 0)), cache_dir=args.cache_dir,
                         vision=training_vision(meta))
    crops = data.subset("train").crops
    crops = crops[np.random.default_rng(0).choice(len(crops), size=min(2048, len(crops)), replace=False)]
    model = rebuild(args.model, crops, float(meta["training"]["width"]), int(meta["input"]["size"]), len(meta["ages"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out}: {model.count_params()} parameters from {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
