"""`python -m training.detect_check` on a few shared faces: its counts add up and the confirmation does its job."""

import json

import numpy as np
import pytest
from age_helpers import shared_faces

pytest.importorskip("skimage.data", reason="the check's scenes are scikit-image's sample photos")


def test_detect_check_counts_faces_phantoms_and_arrivals(capsys):
    from training.detect_check import main

    assert main(["--data", str(shared_faces()), "--limit", "12", "--looks", "3", "--empty-frames", "2",
                 "--detector", "haar", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["detector"] == "haar" and result["faces"] == 12 and result["frames"] == 36
    assert 0.3 * 36 <= result["found"] <= 36
    assert sum(b["frames"] for b in result["by_size"].values()) == 36
    assert result["by_pose"]["frontal"]["frames"] == result["by_pose"]["turned"]["frames"] == 18
    assert sum(g["found"] for g in result["by_pose"].values()) == result["found"]
    assert result["arrived"] <= 12
    empty = result["empty_scenes"]
    assert empty["frames"] == 2 * len(result["per_scene"]) == 22
    assert sum(c["face_frames"] for c in result["per_scene"].values()) == 36
    assert empty["phantoms_per_100_frames"] == round(100 * empty["phantoms"] / 22, 2)


def test_turned_faces_are_narrower_and_keep_the_chip_size():
    from training.detect_check import turned

    chip = np.full((100, 100, 3), 200, np.uint8)
    chip[:, :50] = 50
    out = turned(chip, 40)
    assert out.shape == chip.shape
    assert not np.array_equal(out, chip) and not np.array_equal(out, turned(chip, -40))


def test_detect_check_prints_its_text_report_for_a_single_look(capsys):
    from training.detect_check import _share, main

    assert _share(None, 0) == "n/a" and _share(3, 4) == "75.0 %"
    assert main(["--data", str(shared_faces()), "--limit", "1", "--looks", "1", "--empty-frames", "0"]) == 0
    out = capsys.readouterr().out
    assert "faces found in at least 3 of their 1 frames" in out and "0 face-free frames" in out


def test_detect_check_names_a_missing_folder(tmp_path, capsys):
    from training.detect_check import main

    assert main(["--data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err
