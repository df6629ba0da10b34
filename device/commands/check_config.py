"""`mirrorball check-config [PATH]`: validate a config file, print every problem or a one-line summary."""

from __future__ import annotations

import sys

HELP = "check a config file and print every problem (exit 1) or a one-line summary (exit 0)"


def add_arguments(parser) -> None:
    parser.add_argument("path", nargs="?", help="config file (default: the --config path)")


def summary(config) -> str:
    cam, weather, spotify = config.camera, config.weather, config.spotify
    if cam.source == "images":
        camera = f"images from {cam.images}"
    elif cam.source == "opencv":
        camera = f"opencv {cam.device!r}"
    else:
        camera = f"picamera2 {cam.width}x{cam.height}"
    if weather.latitude is not None:
        place = f"{weather.latitude:g},{weather.longitude:g}"
    else:
        place = repr(weather.place) if weather.place else "no place set"
    rules = len(config.music.rules) if config.music.rules else "default"
    speaker = repr(spotify.speaker) if spotify.speaker else "no speaker set"
    login = "client id set" if spotify.client_id else "no client id"
    return (f"camera {camera}; weather {weather.provider} at {place}; {len(config.vision.age_groups)} age groups; "
            f"{rules} rules; Spotify {login}, {speaker}")


def main(args) -> int:
    from device.config import ConfigError, load_config, secret_warnings

    path = args.path or args.config
    try:
        config = load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        n = len(exc.problems)
        print(f"{path}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
        return 1
    for warning in secret_warnings(config, path):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{path}: OK ({summary(config)})")
    return 0
