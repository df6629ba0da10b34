"""make pi-check's detector verdicts (systemd/pi_detect_compare.py) and install's Haar fallback message.

The arm64 run itself (sudo make pi-check) is slow and not part of make test: this checks the logic it judges with.
"""

from __future__ import annotations

import copy
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
YUNET = "face_detection_yunet_2023mar.onnx"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "systemd" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pdc = load("pi_detect_compare")


# ---------------------------------------------------------------- the installed detector is the configured one

def test_haar_standing_in_for_the_configured_yunet_fails():
    ok, sentence = pdc.detector_check("yunet", "haar (YuNet unavailable)")
    assert not ok
    assert "configured yunet" in sentence and "haar (YuNet unavailable)" in sentence and "fell back" in sentence


@pytest.mark.parametrize("configured, ran, verdict", [
    ("yunet", "yunet", True), ("haar", "haar", True), ("", "", False), ("yunet", "", False), ("haar", "yunet", False)])
def test_detector_check_passes_only_the_configured_detector(configured, ran, verdict):
    assert pdc.detector_check(configured, ran)[0] is verdict


def test_detector_check_command_exits_1_on_a_fallback():
    script = str(ROOT / "systemd" / "pi_detect_compare.py")
    bad = subprocess.run([sys.executable, script, "detector-check", "--configured", "yunet",
                          "--ran", "haar (YuNet unavailable)"], capture_output=True, text=True)
    good = subprocess.run([sys.executable, script, "detector-check", "--configured", "yunet", "--ran", "yunet"],
                          capture_output=True, text=True)
    assert (bad.returncode, good.returncode) == (1, 0), (bad.stdout, bad.stderr, good.stderr)
    assert bad.stdout.startswith("configured yunet, bench ran 'haar (YuNet unavailable)'")


# ---------------------------------------------------------------- detections and ages, x86 against aarch64

def face(box, age, score=0.9, shift=0.0):
    marks = [[box[0] + 10 + shift, box[1] + 10], [box[0] + 30 + shift, box[1] + 10], [box[0] + 20, box[1] + 20],
             [box[0] + 12, box[1] + 30], [box[0] + 28, box[1] + 30]]
    return {"box": list(box), "score": score, "age": age, "landmarks": marks}


def runs():
    x86 = {"machine": "x86_64", "detector": "yunet", "kernels": "reference", "detect_ms_p50": 14.0,
           "frames": [[face((100, 80, 60, 60), 31.0)], [face((10, 10, 120, 120), 8.2), face((300, 200, 40, 40), 55.5)],
                      []]}
    arm = copy.deepcopy(x86)
    arm.update(machine="aarch64", kernels="default", detect_ms_p50=400.0)
    # the second machine lists the two faces the other way round, with sub-pixel landmark and small age differences
    arm["frames"][1] = [face((300, 200, 40, 40), 55.9, shift=0.25), face((10, 10, 120, 120), 8.0)]
    return x86, arm


def test_the_same_faces_and_close_ages_pass_and_are_measured():
    x86, arm = runs()
    truth = [[[98, 78, 64, 64]], [[12, 12, 118, 118], [298, 202, 42, 42]], []]
    result = pdc.compare_runs(x86, arm, truth)
    assert result["pass"], result
    assert result["faces"] == [3, 3] and result["matched"] == 3 and result["unmatched"] == [0, 0]
    assert result["found_pasted"] == [3, 3] and result["pasted"] == 3
    assert result["min_iou"] == 1.0 and result["box_max_px"] == 0.0 and result["landmark_max_px"] == 0.25
    assert result["age_max_abs_diff"] == pytest.approx(0.4) and result["age_mean_abs_diff"] == pytest.approx(0.2)


def test_haar_on_one_machine_fails_even_with_the_same_boxes():
    x86, arm = runs()
    arm["detector"] = "haar (YuNet unavailable)"
    assert not pdc.compare_runs(x86, arm)["pass"]


def test_a_face_one_machine_misses_fails():
    x86, arm = runs()
    arm["frames"][1].pop()
    result = pdc.compare_runs(x86, arm)
    assert not result["pass"]
    assert result["frames_count_differs"] == [1] and result["unmatched"] == [1, 0]


def test_a_box_moved_beyond_the_parity_overlap_fails():
    x86, arm = runs()
    arm["frames"][0][0]["box"] = [108, 80, 60, 60]  # IoU 0.76: still the same face, no longer the same box
    result = pdc.compare_runs(x86, arm)
    assert result["matched"] == 3 and result["min_iou"] < pdc.PARITY_IOU and not result["pass"]


def test_ages_apart_beyond_the_limits_fail():
    x86, arm = runs()
    arm["frames"][0][0]["age"] = 31.0 + pdc.AGE_MAX_MAX + 0.1
    assert not pdc.compare_runs(x86, arm)["pass"]


def test_no_face_on_either_machine_is_no_evidence():
    x86, arm = runs()
    for run in (x86, arm):
        run["frames"] = [[], []]
    assert not pdc.compare_runs(x86, arm)["pass"]


# ---------------------------------------------------------------- install: YuNet, or a loud fallback with the fix

def install_detector(src_models: Path, dest: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "systemd" / "install_detector.sh"), str(src_models), str(dest)],
                          capture_output=True, text=True)


def test_install_without_the_model_says_it_fell_back_to_haar_and_how_to_fix_it(tmp_path):
    (tmp_path / "src").mkdir()
    result = install_detector(tmp_path / "src", tmp_path / "prefix")
    assert result.returncode == 0, result.stderr  # the install goes on: Haar runs
    assert not (tmp_path / "prefix" / YUNET).exists()
    assert result.stderr.startswith("install: FELL BACK TO HAAR: ") and "is missing" in result.stderr
    assert "make models" in result.stderr and "sudo make install" in result.stderr and "mirrorball doctor" in result.stderr


def test_install_with_a_wrong_model_file_falls_back_too(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / YUNET).write_bytes(b"not an onnx file")
    result = install_detector(tmp_path / "src", tmp_path / "prefix")
    assert "FELL BACK TO HAAR" in result.stderr and "sha256 differs" in result.stderr
    assert not (tmp_path / "prefix" / YUNET).exists()


def shared_yunet() -> Path:
    for path in (ROOT.parent / "shared" / "models" / YUNET, ROOT / "models" / YUNET):
        if path.is_file():
            return path
    pytest.skip("no YuNet model here (../shared/models or make models)")


def test_install_with_the_model_installs_it_and_keeps_it_on_a_later_offline_install(tmp_path):
    (tmp_path / "src").mkdir()
    shutil.copy(shared_yunet(), tmp_path / "src" / YUNET)
    first = install_detector(tmp_path / "src", tmp_path / "prefix")
    assert first.returncode == 0 and "FELL BACK" not in first.stderr
    assert "installed the YuNet face detector" in first.stdout
    assert (tmp_path / "prefix" / YUNET).read_bytes() == shared_yunet().read_bytes()
    (tmp_path / "src" / YUNET).unlink()  # a later install from a checkout whose make models found nothing
    again = install_detector(tmp_path / "src", tmp_path / "prefix")
    assert "FELL BACK" not in again.stderr and "kept the YuNet face detector installed before" in again.stdout


def test_install_sh_runs_the_detector_step():
    script = (ROOT / "systemd" / "install.sh").read_text()
    assert '"$SRC/systemd/install_detector.sh" "$SRC/models" "$PREFIX/models"' in script


def test_pi_check_script_parses_and_judges_the_detector_with_this_module():
    script = ROOT / "systemd" / "pi-check.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True).returncode == 0
    text = script.read_text()
    assert "pi_detect_compare.py detector-check" in text and "result detect-parity" in text
    assert 'PI_OFFLINE' in text and "result fallback-msg" in text
