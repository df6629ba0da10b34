"""Control flows one way: the Spotify edge (device/spotify/) never imports the music core (device/music/)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included); relative ones resolved."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(list(package[: len(package) - node.level + 1]) + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def music_imports(path: Path, root: Path = ROOT) -> list[str]:
    return sorted(m for m in imported_modules(path, root) if m == "device.music" or m.startswith("device.music."))


def test_the_import_reader_sees_imports_of_every_kind(tmp_path):
    probe = tmp_path / "device" / "spotify" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("import device.music.policy\nfrom device.music import taste\n"
                     "def f():\n    from ..music.rules import x\n")
    assert music_imports(probe, tmp_path) == ["device.music", "device.music.policy", "device.music.rules",
                                              "device.music.rules.x", "device.music.taste"]


def test_no_module_in_device_spotify_imports_device_music():
    files = sorted((ROOT / "device" / "spotify").rglob("*.py"))
    assert len(files) >= 5
    assert {str(f.relative_to(ROOT)): music_imports(f) for f in files if music_imports(f)} == {}
    assert "device.spotify.errors" in imported_modules(ROOT / "device" / "spotify" / "player.py")  # it reads them
