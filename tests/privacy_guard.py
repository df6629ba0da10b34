"""Shared privacy-test guards: one session-wide audit recorder, refusing image writers, isolated folders."""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class PrivacyViolation(AssertionError):
    """An image writer was called."""


class Recorder:
    """Python audit events while active: files opened for writing and databases opened, sockets connected, datagrams
    and messages sent, each with the name of the thread that did it."""

    def __init__(self):
        self.active = False
        self.writes: list[tuple[str, str]] = []  # (thread, path)
        self.connects: list[tuple[str, object]] = []  # (thread, address)
        self.sends: list[tuple[str, str]] = []  # (thread, "socket.sendto (args)")

    def __call__(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                (isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and "__pycache__" not in str(path) and not str(path).endswith((".pyc", ".pyc.tmp")):
                self.writes.append((threading.current_thread().name, str(path)))
        elif event == "sqlite3.connect":
            self.writes.append((threading.current_thread().name, str(args[0])))
        elif event == "socket.connect":
            self.connects.append((threading.current_thread().name, args[1]))
        elif event in ("socket.sendto", "socket.sendmsg"):
            self.sends.append((threading.current_thread().name, f"{event} {args[1:] if len(args) > 1 else args}"))

    @contextmanager
    def recording(self):
        """Forget what was recorded, record while inside, and stop on the way out."""
        self.writes.clear()
        self.connects.clear()
        self.sends.clear()
        self.active = True
        try:
            yield self
        finally:
            self.active = False


RECORDER = Recorder()
sys.addaudithook(RECORDER)  # once per session (this module is imported once); it cannot be removed


def refuse_image_writers(monkeypatch, refused: list[str], running: str) -> None:
    """Replace the image writers of cv2, numpy and PIL with functions that note their name in `refused` and raise
    PrivacyViolation ("... was called while {running} ran")."""

    def refuse(name):
        def writer(*args, **kwargs):
            refused.append(name)
            raise PrivacyViolation(f"{name} was called while {running} ran")
        return writer

    for name in ("imwrite", "imwritemulti", "imencode", "VideoWriter"):
        monkeypatch.setattr(cv2, name, refuse(f"cv2.{name}"))
    for name in ("save", "savez", "savez_compressed", "savetxt", "tofile"):
        if hasattr(np, name):
            monkeypatch.setattr(np, name, refuse(f"numpy.{name}"))
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        monkeypatch.setattr(Image.Image, "save", refuse("PIL.Image.save"))


def isolate_places(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """Empty folders under tmp_path made the cwd, $TMPDIR (and tempfile's) and $HOME: {"cwd", "tmp", "home"}."""
    places = {name: tmp_path / name for name in ("cwd", "tmp", "home")}
    for folder in places.values():
        folder.mkdir()
    monkeypatch.chdir(places["cwd"])
    monkeypatch.setenv("TMPDIR", str(places["tmp"]))
    monkeypatch.setenv("HOME", str(places["home"]))
    monkeypatch.setattr(tempfile, "tempdir", str(places["tmp"]))
    return places


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under these folders: path -> (size, mtime in ns)."""
    found = {}
    for folder in folders:
        for root, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                found[path] = (st.st_size, st.st_mtime_ns)
    return found
