"""Finds secrets outside the YAML: systemd credentials, environment variables, secret files."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class SecretError(Exception):
    """A secret file was named but cannot be read."""


def read_secret(name: str, inline: str | None = None, file: str | None = None) -> str | None:
    """The secret called `name` (e.g. spotify_client_secret), from the first place that has it:
    $CREDENTIALS_DIRECTORY/<name> (systemd LoadCredential=), $MIRRORBALL_<NAME>, `file`, then `inline`."""
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir:
        cred = Path(cred_dir) / name
        if cred.is_file():
            return _read(cred)
    env = os.environ.get(f"MIRRORBALL_{name.upper()}")
    if env:
        return env.strip()
    if file:
        return _read(Path(file))
    return inline or None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretError(f"cannot read secret file {path}: {exc.strerror or exc}") from None


def readable_by_others(path: str | Path) -> bool:
    """True when group or others may read the file."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
