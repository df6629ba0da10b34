"""Shared by `mirrorball why` and `mirrorball stats`: find the state database the config names, or say why not."""

from __future__ import annotations

import sys
from pathlib import Path


def state_db(config_path: str) -> Path | None:
    """The state database of the config file (every default when the file is absent); None after printing why
    it cannot be used (an invalid config, or no database yet)."""
    from device.config import Config, ConfigError, load_config

    path = Path(config_path)
    try:
        config = load_config(path) if path.exists() else Config()
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None
    db = Path(config.daemon.state_dir) / "state.db"
    if not db.exists():
        print(f"nothing recorded yet ({db} does not exist)", file=sys.stderr)
        return None
    return db
