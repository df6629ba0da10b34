"""The TFLite age estimator: both interpreter packages, batching, the sidecar contract and one-sentence errors."""

import importlib
import json
import shutil
import sys
import types

import numpy as np
import pytest
from age_helpers import astronaut, shipped_model

from device.vision import age as age_module
from device.vision.age import AgeEstimator, ModelError, default_model_path, load_interpreter_module


def _crops(est, n, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(1, est.input_size, est.input_size, 3))
    return np.clip(base + rng.integers(-40, 40, size=(n, est.input_size, est.input_size, 3)), 0, 255).astype(np.uint8)


def test_litert_loads_and_reads_the_sidecar():
    path = shipped_model()
    est = AgeEstimator(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert est.runtime == "ai_edge_litert"
    assert est.input_size == meta["input"]["size"] == est.crop_spec.size
    assert est.crop_spec.box_scale == meta["crop"]["box_scale"]
    np.testing.assert_array_equal(est.ages, np.asarray(meta["ages"]))


def test_estimates_are_distributions_with_expected_age():
    est = AgeEstimator(shipped_model())
    for e in est.estimate_crops(_crops(est, 3)):
        assert e.distribution.shape == est.ages.shape
        assert e.distribution.sum() == pytest.approx(1.0) and (e.distribution >= 0).all()
        assert e.age == pytest.approx(float(e.distribution @ est.ages))
        assert est.ages[0] <= e.age <= est.ages[-1]


def test_batched_call_equals_one_at_a_time():
    est = AgeEstimator(shipped_model())
    crops = _crops(est, 5, seed=1)
    batched = [e.age for e in est.estimate_crops(crops)]
    single = [est.estimate_crops(crops[i:i + 1])[0].age for i in range(5)]
    np.testing.assert_allclose(batched, single, atol=1e-6)
    assert est._batch == (2 if est.mirror_average else 1)  # resized back to one face (and its mirror image)
    assert est.estimate_crops(np.zeros((0, est.input_size, est.input_size, 3), np.uint8)) == []


def test_estimate_on_frame_uses_face_crop():
    from device.vision.crop import face_crop

    est = AgeEstimator(shipped_model())
    frame = astronaut()
    boxes = [(177, 66, 95, 95), (10, 10, 60, 60)]
    got = est.estimate(frame, boxes)
    want = est.estimate_crops(np.stack([face_crop(frame, b, est.crop_spec) for b in boxes]))
    assert [g.age for g in got] == [w.age for w in want]
    assert est.estimate(frame, []) == []


def test_tflite_runtime_fallback(monkeypatch):
    """Without ai_edge_litert the estimator uses tflite_runtime (here a real module wrapping LiteRT's interpreter)."""
    path = shipped_model()
    litert_cls = load_interpreter_module()[0].Interpreter
    reference = [e.age for e in AgeEstimator(path).estimate_crops(_crops(AgeEstimator(path), 2))]

    calls = []

    class WrappedInterpreter:
        """Delegates to the real LiteRT interpreter, the way tflite_runtime's would run the same flatbuffer."""
        def __init__(self, model_path=None, num_threads=None):
            calls.append(model_path)
            self._inner = litert_cls(model_path=model_path, num_threads=num_threads)

        def __getattr__(self, name):
            return getattr(self._inner, name)

    fake_pkg = types.ModuleType("tflite_runtime")
    fake_mod = types.ModuleType("tflite_runtime.interpreter")
    fake_mod.Interpreter = WrappedInterpreter
    fake_pkg.interpreter = fake_mod
    monkeypatch.setitem(sys.modules, "tflite_runtime", fake_pkg)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", fake_mod)
    real_import = importlib.import_module

    def no_litert(name, *a, **kw):
        if name.startswith("ai_edge_litert"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(age_module.importlib, "import_module", no_litert)
    est = AgeEstimator(path)
    assert est.runtime == "tflite_runtime" and calls == [str(path)]
    np.testing.assert_allclose([e.age for e in est.estimate_crops(_crops(est, 2))], reference, atol=1e-6)


def test_no_interpreter_is_one_sentence(monkeypatch):
    path = shipped_model()

    def nothing(name, *a, **kw):
        raise ImportError(name)

    monkeypatch.setattr(age_module.importlib, "import_module", nothing)
    with pytest.raises(ModelError) as info:
        AgeEstimator(path)
    assert "ai-edge-litert" in str(info.value) and "\n" not in str(info.value)


def _one_sentence_naming(exc, path):
    text = str(exc.value)
    assert str(path) in text or path.name in text, text
    assert "\n" not in text and "Traceback" not in text


def test_missing_model(tmp_path):
    with pytest.raises(ModelError) as info:
        AgeEstimator(tmp_path / "nope.tflite")
    _one_sentence_naming(info, tmp_path / "nope.tflite")


def test_corrupt_model(tmp_path):
    src = shipped_model()
    bad = tmp_path / "age_int8.tflite"
    bad.write_bytes(b"\x00garbage" * 100)
    shutil.copy(src.with_suffix(".json"), bad.with_suffix(".json"))
    with pytest.raises(ModelError) as info:
        AgeEstimator(bad)
    _one_sentence_naming(info, bad)


def test_truncated_model(tmp_path):
    src = shipped_model()
    bad = tmp_path / "age_int8.tflite"
    bad.write_bytes(src.read_bytes()[:4000])
    shutil.copy(src.with_suffix(".json"), bad.with_suffix(".json"))
    with pytest.raises(ModelError) as info:
        AgeEstimator(bad)
    _one_sentence_naming(info, bad)


@pytest.mark.parametrize("mutate", [
    lambda m: None,  # sidecar missing entirely
    lambda m: "{not json",
    lambda m: {k: v for k, v in m.items() if k != "crop"},
    lambda m: {**m, "ages": m["ages"][:-1]},
    lambda m: {**m, "input": {**m["input"], "size": m["input"]["size"] + 8}},
    lambda m: {**m, "input": {**m["input"], "quantisation": {"scale": 0.5, "zero_point": 3}}},
    lambda m: {**m, "output": {**m["output"], "temperature": 0}},
    lambda m: {**m, "output": {**m["output"], "age_readout": "mode"}},
    lambda m: {**m, "output": {**m["output"], "mirror_average": "yes"}},
])
def test_bad_sidecar(tmp_path, mutate):
    src = shipped_model()
    model = tmp_path / "age_int8.tflite"
    shutil.copy(src, model)
    meta = json.loads(src.with_suffix(".json").read_text())
    new = mutate(meta)
    if new is not None:
        model.with_suffix(".json").write_text(new if isinstance(new, str) else json.dumps(new))
    with pytest.raises(ModelError) as info:
        AgeEstimator(model)
    text = str(info.value)
    assert "age_int8" in text and "\n" not in text


def test_default_model_path(monkeypatch, tmp_path):
    monkeypatch.setenv("MIRRORBALL_MODEL", str(tmp_path / "m.tflite"))
    assert default_model_path() == tmp_path / "m.tflite"
    monkeypatch.delenv("MIRRORBALL_MODEL")
    from age_helpers import REPO
    assert default_model_path() == REPO / "models" / "age_int8.tflite"


def test_reference_kernels_run_the_same_model():
    """The reference kernels (what x86 evaluation uses) give nearly the default kernels' ages, not the same object."""
    path = shipped_model()
    fast, ref = AgeEstimator(path), AgeEstimator(path, kernels="reference")
    assert (fast.kernels, ref.kernels) == ("default", "reference")
    crops = _crops(fast, 4)
    a = np.array([e.age for e in fast.estimate_crops(crops)])
    b = np.array([e.age for e in ref.estimate_crops(crops)])
    assert np.all(np.abs(a - b) < 3.0)  # int8 rounding differs between kernel sets; ages stay close


def test_unknown_kernels_and_non_uint8_crops_are_refused():
    path = shipped_model()
    with pytest.raises(ValueError, match="kernels must be one of default, builtin, reference"):
        AgeEstimator(path, kernels="fastest")
    est = AgeEstimator(path)
    with pytest.raises(ValueError, match="expected uint8 crops"):
        est.estimate_crops(_crops(est, 1).astype(np.float32))


def test_input_table_equals_the_per_pixel_formula():
    """The 256-entry lookup the estimator uses gives the sidecar's normalisation and quantisation of every pixel."""
    est = AgeEstimator(shipped_model())
    crops = _crops(est, 2)
    np.testing.assert_array_equal(est._prepare(crops), est._quantise(crops))


def test_the_sidecars_temperature_and_median_readout_are_applied(tmp_path):
    src = shipped_model()
    model = tmp_path / "age_int8.tflite"
    shutil.copy(src, model)
    meta = json.loads(src.with_suffix(".json").read_text())
    meta["output"]["mirror_average"] = False  # one inference a face: softmax(logits / T) is then exact
    plain_meta = {**meta, "output": {**meta["output"], "temperature": 1.0, "age_readout": "mean"}}
    model.with_suffix(".json").write_text(json.dumps(plain_meta))
    plain = AgeEstimator(model)
    crops = _crops(plain, 4, seed=3)
    base = np.array([e.distribution for e in plain.estimate_crops(crops)])
    meta["output"] = {**meta["output"], "temperature": 2.0, "age_readout": "median"}
    model.with_suffix(".json").write_text(json.dumps(meta))
    est = AgeEstimator(model)
    for e, p in zip(est.estimate_crops(crops), base):
        flat = np.sqrt(p) / np.sqrt(p).sum()  # softmax(logits / 2) from softmax(logits)
        np.testing.assert_allclose(e.distribution, flat, rtol=1e-6, atol=1e-12)
        cdf = np.cumsum(e.distribution)
        i = int(np.argmax(cdf >= 0.5))
        assert est.ages[i] - 0.5 <= e.age <= est.ages[i] + 0.5  # the median's bin
        assert age_module.probability_under(e, est.ages, 13) == pytest.approx(e.distribution[:13].sum())


def test_the_sidecars_mirror_average_runs_each_face_and_its_mirror_image(tmp_path):
    """output.mirror_average: each face's distribution is the mean of the face's and its mirror image's, batched or
    one at a time, at the sidecar's temperature; an asymmetric face then reads the same as its mirror image."""
    src = shipped_model()
    model = tmp_path / "age_int8.tflite"
    shutil.copy(src, model)
    meta = json.loads(src.with_suffix(".json").read_text())
    meta["output"] = {**meta["output"], "mirror_average": False}
    model.with_suffix(".json").write_text(json.dumps(meta))
    plain = AgeEstimator(model)
    crops = _crops(plain, 3, seed=4)
    mirrored = np.ascontiguousarray(crops[:, :, ::-1])
    each = np.array([e.distribution for e in plain.estimate_crops(crops)])
    mirror = np.array([e.distribution for e in plain.estimate_crops(mirrored)])
    assert np.abs(each - mirror).max() > 1e-3  # the model is not mirror-symmetric: the test can fail
    meta["output"]["mirror_average"] = True
    model.with_suffix(".json").write_text(json.dumps(meta))
    est = AgeEstimator(model)
    got = est.estimate_crops(crops)
    for e, want in zip(got, (each + mirror) / 2):
        np.testing.assert_allclose(e.distribution, want, rtol=1e-6, atol=1e-9)
        assert e.age == pytest.approx(float(want @ est.ages))
    assert [e.age for e in est.estimate_crops(mirrored)] == pytest.approx([e.age for e in got], abs=1e-9)
    single = [est.estimate_crops(crops[i:i + 1])[0].age for i in range(3)]
    assert single == pytest.approx([e.age for e in got], abs=1e-6)


def test_the_sidecars_age_map_corrects_the_age_not_the_distribution(tmp_path):
    """output.age_map: the age read goes through the knots (linear between them, unchanged outside); the distribution,
    hence P(age < 13), stays the model's; without a map the age is the readout itself."""
    src = shipped_model()
    model = tmp_path / "age_int8.tflite"
    shutil.copy(src, model)
    meta = json.loads(src.with_suffix(".json").read_text())
    meta["output"].pop("age_map", None)
    model.with_suffix(".json").write_text(json.dumps(meta))
    plain = AgeEstimator(model)
    assert plain.age_map is None
    crops = _crops(plain, 4, seed=5)
    base = plain.estimate_crops(crops)
    for e in base:  # identity without a map: the age is the readout of the distribution
        assert e.age == pytest.approx(float(e.distribution @ plain.ages))
    knots = [[0, 0], [20, 30], [50, 65], [100, 100]]  # every age inside 0-100 read older
    meta["output"]["age_map"] = knots
    model.with_suffix(".json").write_text(json.dumps(meta))
    est = AgeEstimator(model)
    got = est.estimate_crops(crops)
    for e, b in zip(got, base):
        np.testing.assert_allclose(e.distribution, b.distribution, rtol=0, atol=0)
        assert e.age == pytest.approx(float(np.interp(b.age, *np.array(knots, dtype=float).T)))
        assert e.age > b.age + 0.5 or not 1 < b.age < 99  # the map did something
        assert age_module.probability_under(e, est.ages, 13) == age_module.probability_under(b, est.ages, 13)
    outside = [[10, 10], [20, 30], [60, 60]]  # unchanged below the first knot and above the last
    np.testing.assert_allclose(age_module.map_ages(np.array([5.0, 15.0, 40.0, 70.0]), age_module.check_age_map(outside)),
                               [5.0, 20.0, 45.0, 70.0])


@pytest.mark.parametrize(("knots", "why"), [
    ([[0, 0]], "at least two"),
    ("0:0,100:100", "at least two"),
    ([[0, 0], [50, "fifty"], [100, 100]], "at least two"),
    ([[0, 0], [50, True], [100, 100]], "at least two"),
    ([[0, 0], [50, float("nan")], [100, 100]], "finite"),
    ([[0, 0], [50, 60], [40, 70], [100, 100]], "monotone"),
    ([[0, 0], [40, 50], [60, 45], [100, 100]], "monotone"),
    ([[0, 5], [50, 50], [100, 100]], "first and last"),
    ([[0, 0], [50, 50], [100, 90]], "first and last"),
])
def test_a_bad_age_map_is_refused_in_one_sentence(tmp_path, knots, why):
    src = shipped_model()
    model = tmp_path / "age_int8.tflite"
    shutil.copy(src, model)
    meta = json.loads(src.with_suffix(".json").read_text())
    meta["output"]["age_map"] = knots
    model.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="output.age_map") as info:
        AgeEstimator(model)
    assert why in str(info.value) and "age_int8" in str(info.value) and "\n" not in str(info.value)
