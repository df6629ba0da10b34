"""AudienceTracker on scripted frame sequences: arrival (K of N), departure, hysteresis, several faces, sampling."""

from __future__ import annotations

import logging

import pytest

from device.config.schema import CameraConfig, Config, VisionConfig, default_age_groups
from device.vision.track import AudienceTracker, FaceObservation

GROUPS = [g.name for g in default_age_groups()]


def probs(**named: float) -> dict[str, float]:
    """Group probabilities, e.g. probs(g30_39=0.6, g40_49=0.4) -> {"30-39": 0.6, "40-49": 0.4, ...: 0}."""
    out = {name: 0.0 for name in GROUPS}
    for key, value in named.items():
        out[key[1:].replace("_", "-").replace("plus", "+")] = value
    return out


def face(x: int = 100, y: int = 100, side: int = 80, *, age: float = 35.0, groups=None) -> FaceObservation:
    return FaceObservation(box=(x, y, side, side), age=age, groups=groups or probs(g30_39=0.8, g40_49=0.2))


def tracker(**kw) -> AudienceTracker:
    params = dict(arrive_frames=3, window_frames=5, leave_after_s=30.0, hysteresis=0.15, smoothing=0.3,
                  idle_fps=1.0, active_fps=4.0, present_fps=2.0)
    params.update(kw)
    return AudienceTracker(GROUPS, **params)


def test_arrives_after_k_of_n_frames_not_before():
    t = tracker()
    assert not t.update(0.0, [face()]).present
    assert not t.update(1.0, [face()]).present
    audience = t.update(2.0, [face()])
    assert audience.present
    (listener,) = audience.listeners
    assert listener.group == "30-39" and listener.since == 2.0 and listener.age == pytest.approx(35.0)
    assert audience.at == 2.0


def test_intermittent_face_arrives_when_k_of_the_last_n_hit():
    t = tracker()
    seen = [True, False, True, False, True]
    results = [t.update(float(i), [face()] if s else []).present for i, s in enumerate(seen)]
    assert results == [False, False, False, False, True]


def test_too_sparse_face_never_arrives_and_is_forgotten():
    t = tracker()
    # Seen every third frame: never 3 hits within any 5 consecutive frames.
    for i in range(15):
        audience = t.update(float(i), [face()] if i % 3 == 0 else [])
        assert not audience.present
    t2 = tracker()
    t2.update(0.0, [face()])  # one false detection
    for i in range(1, 6):
        t2.update(float(i), [])
    assert t2.last_boxes() == [] and t2.next_interval() == pytest.approx(1.0)


def test_leaves_after_leave_after_s_without_the_face(caplog):
    t = tracker(leave_after_s=30.0)
    caplog.set_level(logging.INFO, logger="device.vision.track")
    for i in range(10):
        t.update(float(i), [face()])  # last seen at 9
    assert t.update(39.0, []).present  # 30 s: not yet
    assert not t.update(39.5, []).present
    messages = [r.getMessage() for r in caplog.records]
    assert sum("arrived" in m for m in messages) == 1
    assert sum("left" in m for m in messages) == 1


def test_group_noise_near_a_boundary_does_not_flip_the_group():
    t = tracker(hysteresis=0.15)
    for i in range(3):
        t.update(float(i), [face(groups=probs(g30_39=0.7, g40_49=0.3))])
    assert t.audience.listeners[0].group == "30-39"
    # Noise: alternately a little more 40-49 and a little more 30-39, for a long time.
    for i in range(3, 60):
        p = probs(g30_39=0.4, g40_49=0.6) if i % 2 else probs(g30_39=0.55, g40_49=0.45)
        assert t.update(float(i), [face(groups=p)]).listeners[0].group == "30-39"


def test_a_sustained_change_does_flip_the_group_after_a_few_frames():
    t = tracker(hysteresis=0.15, smoothing=0.3)
    for i in range(3):
        t.update(float(i), [face(age=35, groups=probs(g30_39=0.8, g40_49=0.2))])
    groups = [t.update(float(i), [face(age=45, groups=probs(g30_39=0.1, g40_49=0.9))]).listeners[0].group
              for i in range(3, 12)]
    first_flip = groups.index("40-49")
    assert 1 <= first_flip <= 4, groups  # not at once (hysteresis), but soon
    assert all(g == "40-49" for g in groups[first_flip:])
    assert t.audience.listeners[0].age > 40


def test_zero_hysteresis_follows_the_leader_immediately():
    t = tracker(hysteresis=0.0, smoothing=1.0)
    for i in range(3):
        t.update(float(i), [face(groups=probs(g30_39=0.6, g40_49=0.4))])
    assert t.update(3.0, [face(groups=probs(g30_39=0.4, g40_49=0.6))]).listeners[0].group == "40-49"


def test_several_faces_become_several_listeners_kept_apart_across_frames():
    t = tracker()
    def adult(dx=0):
        return face(100 + dx, 100, 90, age=38, groups=probs(g30_39=0.9, g40_49=0.1))
    def child(dx=0):
        return face(400 + dx, 200, 60, age=8, groups=probs(g0_12=0.9, g13_19=0.1))
    frames = [[adult(), child()], [child(5), adult(5)], [adult(10), child(-5)], [child(-10), adult(12)]]
    for i, faces in enumerate(frames):
        audience = t.update(float(i), faces)
    assert len(audience.listeners) == 2
    assert audience.groups == ("0-12", "30-39")
    by_group = {listener.group: listener for listener in audience.listeners}
    assert by_group["30-39"].age > 30 and by_group["0-12"].age < 13
    assert by_group["30-39"].id != by_group["0-12"].id


def test_a_moving_face_stays_one_listener():
    t = tracker()
    for i in range(12):
        audience = t.update(float(i), [face(100 + 30 * i, 100)])  # 0.375 face sides per frame
    assert [listener.id for listener in audience.listeners] == [1]


def test_a_big_jump_is_the_same_listener_not_a_second_one():
    t = tracker()
    for i in range(4):
        t.update(float(i), [face(50, 100)])
    for i in range(4, 10):
        audience = t.update(float(i), [face(450, 100)])  # far away at once
    assert [listener.id for listener in audience.listeners] == [1]


def test_sampling_interval_follows_the_state():
    t = tracker(idle_fps=1.0, active_fps=4.0, present_fps=2.0)
    assert t.next_interval() == pytest.approx(1.0)
    t.update(0.0, [face()])
    assert t.next_interval() == pytest.approx(0.25)  # confirming an arrival
    t.update(0.25, [face()])
    t.update(0.5, [face()])
    assert t.audience.present and t.next_interval() == pytest.approx(0.5)
    t.update(1.0, [face(), face(400, 300)])  # a second face shows up: confirm it quickly
    assert t.next_interval() == pytest.approx(0.25)
    t.update(1.25, [face()])
    assert t.next_interval() == pytest.approx(0.25)  # the second face may still come back within the window
    for i in range(4):
        t.update(1.5 + 0.25 * i, [face()])
    assert len(t.audience.listeners) == 1 and t.next_interval() == pytest.approx(0.5)  # it did not: dropped
    t.update(100.0, [])
    assert not t.audience.present and t.next_interval() == pytest.approx(1.0)


def test_from_config_uses_the_configured_numbers():
    config = Config(camera=CameraConfig(idle_fps=0.5, active_fps=5.0, present_fps=2.0),
                    vision=VisionConfig(arrive_frames=2, window_frames=4, leave_after_s=7.0, group_hysteresis=0.2))
    t = AudienceTracker.from_config(config)
    assert (t.arrive_frames, t.window_frames, t.leave_after_s, t.hysteresis) == (2, 4, 7.0, 0.2)
    assert t.next_interval() == pytest.approx(2.0)
    t.update(0.0, [face()])
    assert t.update(1.0, [face()]).present
    assert not t.update(8.5, []).present


def test_rejects_impossible_arrival_rule():
    with pytest.raises(ValueError):
        tracker(arrive_frames=6, window_frames=5)


def test_the_probability_of_a_child_is_smoothed_like_the_age():
    t = tracker()
    child = dict(age=14.0, groups=probs(g0_12=0.4, g13_19=0.6))
    for i in range(3):
        audience = t.update(float(i), [FaceObservation((100, 100, 80, 80), child_p=0.6, minor_p=0.95, **child)])
    (listener,) = audience.listeners
    assert listener.group == "13-19" and listener.child_p == pytest.approx(0.6) and listener.minor_p == pytest.approx(0.95)
    audience = t.update(3.0, [FaceObservation((100, 100, 80, 80), child_p=0.0, minor_p=0.5, **child)])
    assert audience.listeners[0].child_p == pytest.approx(0.42)  # (1 - 0.3) * 0.6 + 0.3 * 0.0
