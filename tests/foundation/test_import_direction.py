"""The layout points one way: the Spotify edge never imports the music core, the contracts (device/core) import
nothing above them, only developer tools import developer tools, and no import cycle between modules or folders."""

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


# --- The layout: no cycle between modules or folders, and the layers point one way. ---------------------------------

PACKAGES = ("device", "training")


def our_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of device/ and training/ by dotted name (a package by its own name, from its __init__.py)."""
    found: dict[str, Path] = {}
    for top in PACKAGES:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def module_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports, lazy imports inside functions included.

    `from a.b import c` counts as importing a.b.c where that is a module of ours, else a.b; importing a package
    module does not count as importing its parent packages (Python runs their __init__.py, but an empty or
    re-exporting __init__ is not a dependency of the layout)."""
    modules = our_modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for imported in imported_modules(path, root):
            target = imported
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan), each sorted; the list sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def folder_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = our_modules(root)
    folders: dict[str, set[str]] = {}
    for module, targets in module_graph(root).items():
        mine = ".".join(modules[module].relative_to(root).parts[:-1])
        folders.setdefault(mine, set())
        for target in targets:
            theirs = ".".join(modules[target].relative_to(root).parts[:-1])
            if theirs != mine:
                folders[mine].add(theirs)
    return folders


def test_the_cycle_finder_finds_cycles_and_only_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set(), "c": {"b"}}) == []
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]


def test_the_module_graph_sees_lazy_imports_and_resolves_from_imports(tmp_path):
    for name, text in {"device/__init__.py": "", "device/core/__init__.py": "", "device/core/a.py": "",
                       "device/runtime/__init__.py": "",
                       "device/runtime/b.py": "def f():\n    from device.core import a\n",
                       "device/core/c.py": "from ..runtime.b import f\n", "training/__init__.py": ""}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = module_graph(tmp_path)
    assert graph["device.runtime.b"] == {"device.core", "device.core.a"}  # the package runs too
    assert graph["device.core.c"] == {"device.runtime.b"}
    assert folder_graph(tmp_path)["device.core"] == {"device.runtime"}
    assert folder_graph(tmp_path)["device.runtime"] == {"device.core"}
    assert cycles(folder_graph(tmp_path)) == [["device.core", "device.runtime"]]


def test_no_import_cycle_between_modules():
    graph = module_graph()
    assert len(graph) > 100 and "device.runtime.daemon" in graph and "training.train" in graph
    assert cycles(graph) == []


def test_no_import_cycle_between_folders():
    folders = folder_graph()
    assert {"device", "device.core", "device.runtime", "device.hardware", "device.devtools", "device.music",
            "device.config", "training"} <= set(folders)
    assert cycles(folders) == []


def test_the_contracts_import_nothing_above_them():
    above = ("device.runtime", "device.devtools", "device.music", "device.spotify", "device.vision", "device.weather",
             "device.hardware", "device.commands")
    graph = module_graph()
    wrong = {m: sorted(t for t in targets if t.startswith(above) or t in ("device.cli", "device.__main__"))
             for m, targets in graph.items() if m.startswith("device.core.") or m == "device.core"}
    assert {m: t for m, t in wrong.items() if t} == {}
    assert any(t.startswith("device.config") for targets in graph.values() for t in targets)


def test_only_developer_tools_and_the_commands_import_the_developer_tools():
    allowed = ("device.devtools", "device.commands")
    graph = module_graph()
    wrong = {m: sorted(t for t in targets if t.startswith("device.devtools"))
             for m, targets in graph.items() if m.startswith("device") and not m.startswith(allowed)}
    assert {m: t for m, t in wrong.items() if t} == {}
    assert any(t.startswith("device.devtools") for m, ts in graph.items() if m.startswith("device.commands")
               for t in ts)
