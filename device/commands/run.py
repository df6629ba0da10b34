"""`mirrorball run`: the service in the foreground, as systemd runs it."""

from __future__ import annotations

import logging

HELP = "run the service in the foreground (systemd runs this)"


def add_arguments(parser) -> None:
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"],
                        help="override daemon.log_level from the config")


def main(args) -> int:
    from device.config import ConfigError, load_config
    from device.runtime.daemon import Daemon
    from device.runtime.logs import setup_logging

    level = args.log_level
    if level is None:
        try:
            level = load_config(args.config).daemon.log_level
        except ConfigError:
            level = "info"  # the daemon reports the problems itself
    setup_logging(level)
    daemon = Daemon(args.config)
    daemon.install_signal_handlers()
    logging.getLogger("device").debug("starting with %s", args.config)
    return daemon.run()
