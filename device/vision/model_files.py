"""Where the device's model files live: one lookup for the age model and the face detector."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def model_file(name: str, env: str) -> Path:
    """$env when set; else models/NAME of a source checkout; else <prefix>/../models/NAME.

    `make install` puts the venv at /opt/mirrorball/venv and the models at /opt/mirrorball/models.

    >>> model_file("x.onnx", "MIRRORBALL_NO_SUCH_VARIABLE").name
    'x.onnx'
    """
    chosen = os.environ.get(env)
    if chosen:
        return Path(chosen)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "models").is_dir():
        return checkout / "models" / name
    return Path(sys.prefix).parent / "models" / name
