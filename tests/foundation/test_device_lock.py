"""The device install's lock (systemd/device-constraints.txt), its merge with apt's pins and make audit's verdicts.

Offline: nothing here resolves or downloads; `make lock` and `make audit` need PyPI and are run by hand.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "systemd" / "device-constraints.txt"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "systemd" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


device_lock = load("device_lock")
apt_constraints = load("apt_constraints")
TARGETS = device_lock.TARGETS


def pins() -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in LOCK.read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def pins_for(target: dict, reqs: list[Requirement] | None = None) -> dict[str, list[Version]]:
    """name -> the versions the lock pins on this machine (the lines whose marker holds there)."""
    env = device_lock.environment(target)
    found: dict[str, list[Version]] = {}
    for req in pins() if reqs is None else reqs:
        if req.marker is None or req.marker.evaluate(env):
            found.setdefault(canonicalize_name(req.name), []).append(Version(str(req.specifier).removeprefix("==")))
    return found


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["pi"]]


def test_every_line_is_one_exact_pin():
    lines = [line for line in LOCK.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert len(lines) >= 15, "the closure of seven dependencies is more than a handful of packages"
    for line in lines:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, line
        assert not req.extras and req.url is None, line
        assert req.name == canonicalize_name(req.name), f"{line}: write the normalized name"
        Version(specs[0].version)
        if req.marker is not None:
            Marker(str(req.marker))  # markers allowed, and they must parse


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t["name"].split(",")[0])
def test_each_runtime_requirement_has_one_pin_that_satisfies_pyproject(target):
    env = device_lock.environment(target)
    pinned = pins_for(target)
    for req in runtime_requirements():
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        versions = pinned.get(canonicalize_name(req.name))
        assert versions, f"{req.name} has no pin for {target['name']}"
        assert len(versions) == 1, f"{req.name}: {len(versions)} pins hold on {target['name']}: pip would intersect"
        assert req.specifier.contains(versions[0], prereleases=True), f"{req.name}=={versions[0]} is not {req}"


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t["name"].split(",")[0])
def test_no_package_has_two_pins_on_one_machine_and_apt_numpy_agrees(target):
    pinned = pins_for(target)
    assert {name: v for name, v in pinned.items() if len(v) > 1} == {}
    for name, version in target["apt"].items():
        assert pinned[name] == [Version(version)], f"the lock's {name} for {target['name']} is not apt's {version}"
    if target["apt"].get("numpy", "2").startswith("1."):
        # opencv-python-headless 4.12 and later need numpy 2: with apt's numpy 1.x (Bookworm) it must stay older.
        assert pinned["opencv-python-headless"][0] < Version("4.12")


def test_lock_holds_the_transitive_closure():
    pinned = pins_for(TARGETS[0])
    for name in ("urllib3", "idna", "certifi", "charset-normalizer", "redis", "colorzero", "flatbuffers"):
        assert name in pinned, f"{name} (a dependency of a dependency) is not pinned"
    # Where the development venv has a pinned package installed, what it requires (on this machine) is pinned too.
    env = device_lock.environment(TARGETS[0])
    checked = 0
    for name in list(pinned):
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        checked += 1
        for spec in requires:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate(env):
                assert canonicalize_name(req.name) in pinned, f"{name} requires {req.name}, which is not pinned"
    assert checked >= 10, "the development venv should hold most of the device's packages"


def test_pin_lines_give_each_machine_exactly_its_version():
    versions = {"numpy": {"2.4.6": [0], "1.24.2": [1], "2.2.4": [2]},
                "opencv-python-headless": {"4.14.0.94": [0, 2], "4.11.0.86": [1]},
                "requests": {"2.34.2": [0, 1, 2]}}
    reqs = [Requirement(line) for line in device_lock.pin_lines(versions)]
    assert [str(r) for r in reqs if r.name == "requests"] == ["requests==2.34.2"]
    for i, target in enumerate(TARGETS):
        got = pins_for(target, reqs)
        for name, by_version in versions.items():
            want = [Version(v) for v, idx in by_version.items() if i in idx]
            assert got[name] == want, (target["name"], name)


def test_merge_drops_the_lock_lines_of_packages_apt_provides():
    text = LOCK.read_text()
    apt = {"numpy": "1.24.2", "gpiozero": "1.6.2", "picamera2": "0.3.12"}
    kept, used, dropped = apt_constraints.merge(apt, text)
    assert sorted(dropped) == ["gpiozero", "numpy"]
    assert not any(line.startswith(("numpy==", "gpiozero==")) for line in kept)
    lock_lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(kept) == len(lock_lines) - 1 - 3, "one gpiozero line and three numpy lines go, every other line stays"
    assert all(line in lock_lines for line in kept), "kept lines keep their markers"
    assert len(used) == len({Requirement(line).name for line in lock_lines}) - 2
    assert apt_constraints.merge({}, text)[2] == []
    assert apt_constraints.merge({"Typing_Extensions": "4.4.0"}, text)[2] == [], "apt's names are normalized first"
    assert apt_constraints.merge({"typing-extensions": "4.4.0"}, "typing_extensions==4.16.0\n")[2] == ["typing-extensions"]


def test_install_constraints_pin_each_package_once(tmp_path):
    """apt_constraints.py --lock as install.sh runs it, with a fake apt: no package has two pins on any machine."""
    apt = tmp_path / "apt.txt"
    apt.write_text("numpy==1.24.2\nGPIOZero==1.6.2\ncolorzero==1.1\nsimplejpeg==1.6.6\n")
    run = subprocess.run([sys.executable, str(ROOT / "systemd" / "apt_constraints.py"), "--apt", str(apt),
                          "--lock", str(LOCK)], capture_output=True, text=True, check=True)
    assert "dropped 3 in favour of apt's (colorzero, gpiozero, numpy)" in run.stderr
    merged = [Requirement(line) for line in run.stdout.splitlines() if line and not line.startswith("#")]
    for target in TARGETS:
        pinned = pins_for(target, merged)
        assert {name: v for name, v in pinned.items() if len(v) > 1} == {}, target["name"]
        assert pinned["numpy"] == [Version("1.24.2")] and pinned["gpiozero"] == [Version("1.6.2")]
        assert "opencv-python-headless" in pinned and "simplejpeg" in pinned


def test_install_sh_uses_the_lock():
    script = (ROOT / "systemd" / "install.sh").read_text()
    assert 'apt_constraints.py" --lock "$SRC/systemd/device-constraints.txt"' in script
    assert device_lock.LOCK == LOCK


def fake_pip_audit(tmp_path: Path, stdout: str, status: int) -> str:
    path = tmp_path / "pip-audit"
    path.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\necho 'WARNING:pip_audit._cli:--no-deps is supported' >&2\n"
                    f"exit {status}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


CLEAN = '{"dependencies": [{"name": "idna", "version": "3.20", "vulns": []}], "fixes": []}'
VULNERABLE = ('{"dependencies": [{"name": "urllib3", "version": "1.26.4", "vulns": [{"id": "GHSA-q2q7-5pp4-w6pg", '
              '"fix_versions": ["1.26.5"], "aliases": [], "description": ""}]}], "fixes": []}')
SKIPPED = ('{"dependencies": [{"name": "numpy", "skip_reason": "Dependency not found on PyPI and could not be audited: '
           'numpy (2.4.6)"}], "fixes": []}')
OFFLINE = "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443)"


@pytest.mark.parametrize("stdout, status, verdict, says", [
    (CLEAN, 0, 0, "audit: no known vulnerabilities"),
    (VULNERABLE, 1, 1, "urllib3==1.26.4: GHSA-q2q7-5pp4-w6pg (fixed in 1.26.5)"),
    (SKIPPED, 0, 3, "of 27 pinned versions, so they were not checked"),
    (OFFLINE, 1, 3, "pip-audit got no answer from PyPI's vulnerability service: requests.exceptions.ConnectionError"),
])
def test_audit_tells_vulnerabilities_from_what_it_could_not_check(tmp_path, capsys, stdout, status, verdict, says):
    assert device_lock.audit(fake_pip_audit(tmp_path, stdout, status), LOCK) == verdict
    out, err = capsys.readouterr()
    assert says in out + err
    assert ("no known vulnerabilities" in out) == (verdict == 0), "only a clean answer for every pin is a pass"
