"""The `mirrorball` command line: one sub-command per module, loaded only when it is used."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from device import __version__

DEFAULT_CONFIG = "/etc/mirrorball/config.yaml"

# name -> module. Each module defines HELP (one line), add_arguments(parser) and main(args) -> int.
COMMANDS: dict[str, str] = {
    "run": "device.commands.run",
    "check-config": "device.commands.check_config",
    "doctor": "device.commands.doctor",
    "demo": "device.commands.demo",
    "auth": "device.commands.auth",
    "bench": "device.commands.bench",
    "estimate": "device.commands.estimate",
    "why": "device.commands.why",
    "stats": "device.commands.stats",
}


def _available_commands() -> dict[str, object]:
    found = {}
    for name, module_name in COMMANDS.items():
        try:
            found[name] = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return found


def build_parser(commands: dict[str, object]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mirrorball",
        description="Plays music that fits who is listening, the weather and the time of day.")
    parser.add_argument("--version", action="version", version=f"mirrorball {__version__}")
    parser.add_argument("--config", "-c", default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"configuration file (default: {DEFAULT_CONFIG})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in commands.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    # gpiozero warns once per pin backend it tries; the button part and doctor report the outcome in one line.
    warnings.filterwarnings("ignore", message="Falling back from", module="gpiozero")
    commands = _available_commands()
    parser = build_parser(commands)
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._module.main(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
