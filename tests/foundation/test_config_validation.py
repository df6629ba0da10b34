"""Table-driven config validation: each bad input gives exactly this message at this line:column."""

from __future__ import annotations

import textwrap

import pytest

from device.config import ConfigError, load_config, parse_config
from device.config.schema import Config

CASES = [
    ("weather:\n  latitude: 123\n  longitude: 5\n",
     "cfg.yaml:2:13: weather.latitude: must be between -90 and 90, got 123"),
    ("camera:\n  sorce: opencv\n",
     "cfg.yaml:2:3: camera.sorce: unknown key; did you mean 'source'?"),
    ("camera:\n  source: webcam\n",
     "cfg.yaml:2:11: camera.source: must be one of picamera2, opencv, images, got 'webcam'"),
    ("camera:\n  width: wide\n",
     "cfg.yaml:2:10: camera.width: must be a whole number, got 'wide'"),
    ("camera:\n  width: 640.5\n",
     "cfg.yaml:2:10: camera.width: must be a whole number, got 640.5"),
    ("button:\n  enabled: yes please\n",
     "cfg.yaml:2:12: button.enabled: must be true or false, got 'yes please'"),
    ("spotify:\n  speaker: 42\n",
     "cfg.yaml:2:12: spotify.speaker: must be a string, got 42 (put it in quotes)"),
    ("spotify:\n  redirect_uri: http://localhost:8888/callback\n",
     "cfg.yaml:2:17: spotify.redirect_uri: Spotify accepts only loopback IP addresses (127.0.0.1 or [::1]) "
     "for http redirects, got host 'localhost'"),
    ("music:\n  volume: 150\n",
     "cfg.yaml:2:11: music.volume: must be between 0 and 100, got 150"),
    ("music:\n  rules:\n    - name: calm\n      genres: [jazz]\n      energy: 0.3\n",
     "cfg.yaml:5:7: music.rules[0].energy: setting 'energy' was removed: Spotify withdrew audio features from its "
     "Web API in 2024, so nothing can choose music by it; delete the line (genres and the learned tastes choose "
     "instead)"),
    ("music:\n  rules:\n    - name: calm\n      genres: [jazz]\n      acousticness: 0.7\n",
     "cfg.yaml:5:7: music.rules[0].acousticness: setting 'acousticness' was removed: Spotify withdrew audio features "
     "from its Web API in 2024, so nothing can choose music by it; delete the line (genres and the learned tastes "
     "choose instead)"),
    ("music:\n  volume: 40\n  allow_explicit: false\n",
     "cfg.yaml:3:3: music.allow_explicit: setting 'allow_explicit' was replaced by music.explicit: write "
     "`explicit: allowed`, `explicit: not_with_children` (the default) or `explicit: never` instead"),
    ("music:\n  explicit: sometimes\n",
     "cfg.yaml:2:13: music.explicit: must be one of allowed, not_with_children, never, got 'sometimes'"),
    ("daemon:\n  tick_s: 2\n  tick_s: 3\n",
     "cfg.yaml:3:3: daemon.tick_s: given twice (first on line 2)"),
    ("vision: [1, 2]\n",
     "cfg.yaml:1:9: vision: must be a mapping of keys, got a list"),
    ("vision:\n  age_groups:\n    - {name: kids, min_age: 0, max_age: 12}\n    - {name: rest, min_age: 14}\n",
     "cfg.yaml:4:29: vision.age_groups[1].min_age: must be 13, right after the previous group's max_age, got 14"),
    ("weather:\n  latitude: 10\n",
     "cfg.yaml:2:3: weather.longitude: give both latitude and longitude, or neither (and a place name)"),
    ("camera:\n  source: images\n",
     "cfg.yaml:2:3: camera.images: the images source needs a folder or glob of photos here"),
    ("vision:\n  arrive_frames: 6\n  window_frames: 5\n",
     "cfg.yaml:2:18: vision.arrive_frames: must not exceed vision.window_frames (5)"),
    ("weather:\n  place: [Berlin\n",
     "cfg.yaml:3:1: YAML syntax error: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)"),
    ("cmera:\n  source: opencv\n",
     "cfg.yaml:1:1: cmera: unknown key; did you mean 'camera'?"),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[1].split(": ")[1] for c in CASES])
def test_bad_value_is_reported_with_position_and_key(text, expected):
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.yaml")
    assert [str(p) for p in info.value.problems] == [expected]


def test_every_problem_is_reported_not_just_the_first():
    text = textwrap.dedent("""\
        camera:
          width: 10
          height: 10
        weather:
          latitude: 95
          longitude: 200
        bogus: 1
        """)
    with pytest.raises(ConfigError) as info:
        parse_config(text, "cfg.yaml")
    assert [(p.line, p.path) for p in info.value.problems] == [
        (2, "camera.width"), (3, "camera.height"), (5, "weather.latitude"), (6, "weather.longitude"), (7, "bogus")]


def test_empty_file_gives_the_documented_defaults():
    assert parse_config("", "cfg.yaml") == Config()
    assert parse_config("# only a comment\n", "cfg.yaml") == Config()


def test_values_are_typed():
    config = parse_config("camera:\n  device: /dev/video2\n  idle_fps: 2\nweather:\n  latitude: 52\n  longitude: 13.4\n")
    assert config.camera.device == "/dev/video2"
    assert config.camera.idle_fps == 2.0 and isinstance(config.camera.idle_fps, float)
    assert parse_config("camera:\n  device: 1\n").camera.device == 1


def test_missing_and_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml: file not found"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ConfigError, match=r"dir\.yaml: cannot read"):
        load_config(tmp_path / "dir.yaml")
