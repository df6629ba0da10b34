"""Checks that span several keys (the loader checks each key's type and range on its own)."""

from __future__ import annotations

from device.config.music_checks import check_music
from device.config.schema import Config


def cross_checks(config: Config) -> list[tuple[str, str]]:
    """(key path, message) for every rule that involves more than one key."""
    problems: list[tuple[str, str]] = []
    cam, vision = config.camera, config.vision

    if cam.source == "images" and not cam.images:
        problems.append(("camera.images", "the images source needs a folder or glob of photos here"))
    if cam.reopen_min_s > cam.reopen_max_s:
        problems.append(("camera.reopen_min_s", f"must not exceed camera.reopen_max_s ({cam.reopen_max_s:g})"))

    if vision.arrive_frames > vision.window_frames:
        problems.append(("vision.arrive_frames", f"must not exceed vision.window_frames ({vision.window_frames})"))
    problems += _check_age_groups(config)

    music = config.music
    if music.volume > music.max_volume:
        problems.append(("music.volume", f"must not exceed music.max_volume ({music.max_volume})"))

    # The weather and music sections' own cross-checks (bands ascending, rule group names...).
    problems += check_music(config)
    problems += _check_mqtt(config)
    return problems


def _check_mqtt(config: Config) -> list[tuple[str, str]]:
    mqtt = config.mqtt
    problems: list[tuple[str, str]] = []
    if mqtt.reconnect_min_s > mqtt.reconnect_max_s:
        problems.append(("mqtt.reconnect_min_s", f"must not exceed mqtt.reconnect_max_s ({mqtt.reconnect_max_s:g})"))
    for key in ("ca_file", "cert_file", "key_file"):
        if getattr(mqtt, key) and not mqtt.tls:
            problems.append((f"mqtt.{key}", "is used only with TLS: set mqtt.tls: true, or remove it"))
    if mqtt.key_file and not mqtt.cert_file:
        problems.append(("mqtt.key_file", "needs the client certificate in mqtt.cert_file"))
    if (mqtt.password or mqtt.password_file) and not mqtt.username:
        problems.append(("mqtt.username", "a password is given: set the login name it belongs to"))
    return problems


def _check_age_groups(config: Config) -> list[tuple[str, str]]:
    groups = config.vision.age_groups
    problems: list[tuple[str, str]] = []
    if not groups:
        return [("vision.age_groups", "needs at least one group")]
    names = [g.name for g in groups]
    for i, g in enumerate(groups):
        path = f"vision.age_groups[{i}]"
        if not g.name:
            problems.append((f"{path}.name", "every group needs a name"))
        elif names.index(g.name) != i:
            problems.append((f"{path}.name", f"'{g.name}' is used twice"))
        if g.max_age is None and i != len(groups) - 1:
            problems.append((f"{path}.max_age", "only the last (oldest) group may be open-ended"))
        if g.max_age is not None and g.max_age < g.min_age:
            problems.append((f"{path}.max_age", f"must not be below min_age ({g.min_age})"))
        if i > 0:
            prev = groups[i - 1]
            if prev.max_age is not None and g.min_age != prev.max_age + 1:
                problems.append((f"{path}.min_age",
                                 f"must be {prev.max_age + 1}, right after the previous group's max_age, got {g.min_age}"))
    if groups[0].min_age != 0:
        problems.append(("vision.age_groups[0].min_age", f"the youngest group must start at 0, got {groups[0].min_age}"))
    return problems
