"""`python -m training.detect_check` on a few shared faces: its counts add up and the confirmation does its job."""

import json

import pytest

from age_helpers import shared_faces

pytest.importorskip("skimage.data", reason="the check's scenes are scikit-image's sample photos")


def test_detect_check_counts_faces_phantoms_and_arrivals(capsys):
    from training.detect_check import main

    assert main(["--data", str(shared_faces()), "--limit", "12", "--looks", "3", "--empty-frames", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["faces"] == 12 and result["frames"] == 36
    assert 0.7 * 36 <= result["found"] <= 36  # the first cascade finds most pasted faces
    assert 0.8 * result["found"] <= result["kept"] <= result["found"]  # confirmation keeps most of them
    assert result["arrived_kept"] <= result["arrived"] <= 12
    assert result["phantoms_beside_faces_kept"] <= result["phantoms_beside_faces"]
    empty = result["empty_scenes"]
    assert empty["frames"] == 2 * len(result["per_scene"]) == 22
    assert sum(c["face_frames"] for c in result["per_scene"].values()) == 36
    # the sample photo of ancient coins (they bear heads) gives the first cascade phantoms in any framing; the
    # confirmation drops most of them
    assert result["per_scene"]["coins"]["frames_with_phantom"] == 2
    assert empty["phantoms_kept"] < empty["phantoms"]


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
