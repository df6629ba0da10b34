"""The device install's lock file (systemd/device-constraints.txt): `make lock` writes it, `make audit` checks it.

    python systemd/device_lock.py lock [--uploaded-prior-to DATE] > systemd/device-constraints.txt
    python systemd/device_lock.py audit --pip-audit .venv-audit/bin/pip-audit [--lock FILE]

`lock` resolves pyproject's runtime dependencies (and the [pi] extra) with pip's own resolver, once per machine the
device install runs on, wheels only, without installing anything (`pip install --dry-run --report`), and writes one
`name==version` line per package; where the machines need different versions the lines carry environment markers.
pip evaluates the markers of dependencies against the machine it runs on, not the target, so every resolution is
checked against the target's own environment and re-run with whatever pip left out (redis needs async-timeout on
Bookworm's Python 3.11.2 only, say). Needs a pip with --uploaded-prior-to (26.3 has it) and packaging: `make lock`
runs it in a throwaway venv with both.

`audit` feeds every pinned version, markers aside, to pip-audit (PyPI's vulnerability data, no OSV) and tells a
vulnerability apart from a version it could not check: pip-audit exits 0 when PyPI has no data for a version.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apt_constraints import normalize, parse_pins  # noqa: E402  (the one parser of lock lines, also run on the Pi)

SRC = Path(__file__).resolve().parent.parent
LOCK = SRC / "systemd" / "device-constraints.txt"

# The machines the device install runs on. `apt` stands for the Python packages apt provides there, which the install
# pins at apt's version (apt_constraints.py): the lock's versions for that machine must agree with them.
TARGETS = [
    {
        "name": "x86-64 Debian 12, CPython 3.11 (development)",
        "marker": 'platform_machine != "aarch64"',
        "glibc": 36, "python": "3.11", "python_full": "3.11.2", "machine": "x86_64",
        "apt": {},
    },
    {
        "name": "arm64 Bookworm, CPython 3.11.2, apt's numpy 1.24.2",
        "marker": 'platform_machine == "aarch64" and python_version < "3.12"',
        "glibc": 36, "python": "3.11", "python_full": "3.11.2", "machine": "aarch64",
        "apt": {"numpy": "1.24.2"},
    },
    {
        "name": "arm64 Trixie, CPython 3.13.5, apt's numpy 2.2.4",
        "marker": 'platform_machine == "aarch64" and python_version >= "3.12"',
        "glibc": 41, "python": "3.13", "python_full": "3.13.5", "machine": "aarch64",
        "apt": {"numpy": "2.2.4"},
    },
]

def parse_lines(text: str) -> list[tuple[str, str, str | None]]:
    """(normalized name, version, marker or None) for every pin; comments and blank lines skipped."""
    return [(name, version, marker) for name, version, marker, _ in parse_pins(text)]


def runtime_requirements() -> tuple[list[str], list[str]]:
    """pyproject's runtime dependencies and its [pi] extra: what `make install` installs."""
    project = tomllib.loads((SRC / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]), list(project["optional-dependencies"]["pi"])


def environment(target: dict) -> dict[str, str]:
    """The marker environment of a target machine (packaging.markers' keys)."""
    return {
        "implementation_name": "cpython", "implementation_version": target["python_full"],
        "os_name": "posix", "platform_machine": target["machine"], "platform_python_implementation": "CPython",
        "platform_release": "", "platform_system": "Linux", "platform_version": "",
        "python_full_version": target["python_full"], "python_version": target["python"], "sys_platform": "linux",
        "extra": "",
    }


def platforms(target: dict) -> list[str]:
    """--platform for every manylinux tag the target's glibc runs (pip does not expand manylinux_2_36 downwards)."""
    tags = [f"manylinux_2_{minor}_{target['machine']}" for minor in range(target["glibc"], 16, -1)]
    return [arg for tag in tags + [f"manylinux2014_{target['machine']}"] for arg in ("--platform", tag)]


def _pip(args: list[str]) -> list[str]:
    # --isolated and no config file: this machine's pip.conf, find-links or extra indexes must not change the lock.
    return [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", *args]


def resolve(target: dict, requirements: list[str], prior_to: str | None) -> dict[str, dict]:
    """name -> {version, requires} that pip would install on `target`, its markers checked against the target."""
    from packaging.requirements import Requirement

    env = environment(target)
    wanted = [r for r in requirements if Requirement(r).marker is None or Requirement(r).marker.evaluate(env)]
    wanted = [str(Requirement(r)).split(";")[0] for r in wanted]
    extra: set[str] = set()
    for _ in range(5):
        with tempfile.TemporaryDirectory() as tmp:
            constraints = Path(tmp, "apt.txt")
            constraints.write_text("".join(f"{n}=={v}\n" for n, v in target["apt"].items()))
            report = Path(tmp, "report.json")
            cmd = _pip(["install", "--dry-run", "--quiet", "--ignore-installed", "--only-binary=:all:",
                        *platforms(target), "--python-version", target["python"],
                        "--implementation", "cp", "--constraint", str(constraints), "--report", str(report)])
            if prior_to:
                cmd += ["--uploaded-prior-to", prior_to]
            run = subprocess.run(cmd + wanted + sorted(extra), capture_output=True, text=True,
                                 env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
            if run.returncode != 0:
                errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR")]
                raise ResolutionError(f"{target['name']}: {' '.join(errors[-1:]) or run.stderr.strip()}")
            installed = {normalize(i["metadata"]["name"]): {"version": i["metadata"]["version"],
                                                            "requires": i["metadata"].get("requires_dist", [])}
                         for i in json.loads(report.read_text())["install"]}
        missing = set()
        for info in installed.values():
            for spec in info["requires"]:
                req = Requirement(spec)
                if normalize(req.name) not in installed and (req.marker is None or req.marker.evaluate(env)):
                    missing.add(str(req).split(";")[0].strip())
        if not missing:
            return installed
        print(f"lock: {target['name']}: pip left out {sorted(missing)} (host markers); resolving again",
              file=sys.stderr)
        extra |= missing
    raise ResolutionError(f"{target['name']}: the dependency closure did not settle")


def pin_lines(versions: dict[str, dict[str, list[int]]]) -> list[str]:
    """Lock lines from name -> version -> indexes (into TARGETS) of the machines that resolved that version."""
    lines = []
    for name in sorted(versions):
        by_version = versions[name]
        if len(by_version) == 1:  # one version wherever it is needed; a pin that is not needed is never used
            lines.append(f"{name}=={next(iter(by_version))}")
            continue
        for version, idx in sorted(by_version.items(), key=lambda kv: kv[1]):
            marker = " or ".join(f"({TARGETS[i]['marker']})" if len(idx) > 1 else TARGETS[i]["marker"] for i in idx)
            lines.append(f"{name}=={version}; {marker}")
    return lines


class ResolutionError(Exception):
    pass


def lock(prior_to: str | None) -> str:
    import pip

    deps, pi = runtime_requirements()
    versions: dict[str, dict[str, list[int]]] = {}  # name -> version -> indexes of the targets that use it
    notes = []
    for i, target in enumerate(TARGETS):
        print(f"lock: resolving for {target['name']}", file=sys.stderr)
        try:
            resolved = resolve(target, deps + pi, prior_to)
        except ResolutionError:
            # What install.sh does too: without wheels for the [pi] extra (lgpio on Python 3.13) it installs without it.
            print(f"lock: {target['name']}: no wheels for the [pi] extra ({', '.join(pi)}); resolving without it",
                  file=sys.stderr)
            resolved = resolve(target, deps, prior_to)
            notes.append(f"#   ({target['name'].split(',')[0]}: without the [pi] extra, which has no wheel there)")
        for name, info in resolved.items():
            versions.setdefault(name, {}).setdefault(info["version"], []).append(i)
    lines = pin_lines(versions)
    regenerate = f"make lock LOCK_DATE={prior_to}" if prior_to else "make lock"
    header = [
        "# Exact versions of the device install's whole runtime dependency closure: pyproject's dependencies and its",
        "# [pi] extra ([dev] and [train] are not installed on the device). systemd/install.sh gives them to pip as",
        "# constraints, merged with apt's pins: for a package apt provides, apt's version wins and the line here is dropped.",
        f"# Generated by `{regenerate}` (systemd/device_lock.py, pip {pip.__version__}): pip's resolver, wheels",
        "# only, uploads to PyPI before LOCK_DATE, once for each machine below; where they differ, lines carry its marker.",
        *(f"#   {t['name']}: {t['marker']}" for t in TARGETS),
        *notes,
        "# `make lock` without LOCK_DATE takes the newest releases; `make audit` checks this file with pip-audit.",
    ]
    return "\n".join(header + lines) + "\n"


def audit(pip_audit: str, lock_path: Path) -> int:
    """pip-audit on every pinned version. 0: none known to be vulnerable; 1: some are; 3: some could not be checked
    (the service did not answer, or had no data for them: pip-audit itself only warns and exits 0 then)."""
    pins = sorted({(name, version) for name, version, _ in parse_lines(lock_path.read_text())})
    # Markers aside: pip-audit would evaluate them on this machine and skip the Raspberry Pi's lines. A name pinned at
    # two versions goes into two requirement files, since one file may not name a package twice.
    files: list[list[str]] = []
    for name, version in pins:
        slot = next((f for f in files if not any(line.startswith(name + "==") for line in f)), None)
        if slot is None:
            files.append(slot := [])
        slot.append(f"{name}=={version}")
    print(f"audit: {len(pins)} pinned versions of {len({n for n, _ in pins})} packages in {lock_path.name}, "
          "against PyPI's vulnerability data (pip-audit -s pypi)", flush=True)
    vulnerable, skipped = [], []
    for lines in files:
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
            req.write("\n".join(lines) + "\n")
            req.flush()
            run = subprocess.run([pip_audit, "--vulnerability-service", "pypi", "--no-deps", "--disable-pip",
                                  "--progress-spinner", "off", "--format", "json", "--requirement", req.name],
                                 capture_output=True, text=True)
        try:
            report = json.loads(run.stdout)["dependencies"]
        except (ValueError, KeyError, TypeError):
            errors = [line for line in (run.stdout + run.stderr).splitlines()
                      if line.strip() and not line.startswith("WARNING")]
            print(f"audit: pip-audit got no answer from PyPI's vulnerability service: "
                  f"{errors[-1] if errors else f'exit status {run.returncode}'}", file=sys.stderr)
            return 3
        for dep in report:
            if "skip_reason" in dep:
                skipped.append(dep["skip_reason"])
            for vuln in dep.get("vulns", []):
                fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
                vulnerable.append(f"{dep['name']}=={dep['version']}: {vuln['id']} (fixed in {fixed})")
    for line in vulnerable:
        print(f"  {line}")
    if skipped:
        print(f"audit: PyPI's vulnerability service had no data for {len(skipped)} of {len(pins)} pinned versions, "
              f"so they were not checked; pip-audit says: {skipped[0]}", file=sys.stderr)
        return 3
    print(f"audit: {len(vulnerable)} known vulnerabilities, listed above" if vulnerable
          else "audit: no known vulnerabilities")
    return 1 if vulnerable else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_lock = sub.add_parser("lock", help="print the lock file")
    p_lock.add_argument("--uploaded-prior-to", help="ISO 8601 date: ignore later uploads (reproducible)")
    p_audit = sub.add_parser("audit", help="run pip-audit on the lock file")
    p_audit.add_argument("--pip-audit", required=True)
    p_audit.add_argument("--lock", type=Path, default=LOCK)
    args = parser.parse_args()
    if args.command == "lock":
        try:
            sys.stdout.write(lock(args.uploaded_prior_to))
        except ResolutionError as e:
            print(f"lock: pip could not resolve the dependencies for {e}", file=sys.stderr)
            return 1
        return 0
    return audit(args.pip_audit, args.lock)


if __name__ == "__main__":
    sys.exit(main())
