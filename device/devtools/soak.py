"""The soak: the real daemon loop for simulated hours (frames, arrivals, weather, presses, faults); prints resource use."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

from device.devtools.soak_figures import problems, rss_mb, rss_trend, sample
from device.devtools.soak_world import CYCLE_S, Room, SimClock, parts_factory
from device.music.candidates import request_summary

log = logging.getLogger("device.devtools.soak")

# Within each hour nothing is scheduled before 300 s (the first arrival; the first press is at 400 s), and the last
# hour's music is paused and its faults are over: the figures are taken in this quiet stretch, at the start of an
# hour, so that the start and end figures compare the same moment of the same hour. The simulated clock follows the
# real one, so how much work a machine gets done by a given simulated moment depends on its speed: the start
# figures therefore wait for the daemon to be warm by its own account (every part running, a first choice of music
# made) and then for the next start of an hour, never for a fixed simulated time.
QUIET_S = (0.0, 240.0)
SAMPLES = 5  # figures taken this many times across the quiet stretch; the smallest of each kept
MIN_HOURS = 2  # a full hour of warm-up, then at least one hour measured
RSS_LOOKS_PER_HOUR = 12  # RSS read every 5 simulated minutes; each hour's smallest reading makes the trend


def _write_config(path: Path, *, state: Path, weather, spotify, frames: Path) -> None:
    from device.devtools.demo import write_config

    write_config(path, frames=frames, state=state, weather=weather, spotify=spotify)
    text = path.read_text()
    for old, new in (("  idle_fps: 2.0\n  active_fps: 2.0\n  present_fps: 2.0\n",
                      "  idle_fps: 0.1\n  active_fps: 0.2\n  present_fps: 0.05\n"),
                     ("  leave_after_s: 3\n", "  leave_after_s: 120\n  arrive_frames: 2\n  window_frames: 3\n"),
                     ("  pause_after_minutes: 0.05\n", "  pause_after_minutes: 5\n"),
                     ("  poll_s: 2\n", "  poll_s: 10\n")):
        if old not in text:
            raise RuntimeError(f"the demo config changed: {old.strip()!r} not found; update device/devtools/soak.py")
        text = text.replace(old, new)
    path.write_text(text)


def _figures(standin_ports: frozenset[int], sim: SimClock | None = None, stop: threading.Event | None = None) -> dict:
    """Taken SAMPLES times across the quiet stretch of the hour that starts now (in simulated time, whatever the
    machine's speed) and the smallest of each kept, so that a request in flight does not count."""
    samples = []
    start = sim.elapsed() if sim else 0.0
    for i in range(SAMPLES):
        if i and sim is not None:
            sim.sleep_until(start + (QUIET_S[1] - QUIET_S[0]) * i / (SAMPLES - 1), stop or threading.Event())
        samples.append(sample(standin_ports))
    return {k: min(sample[k] for sample in samples) for k in samples[0]}


def baseline_at(warm_s: float) -> float:
    """When the start figures are taken (simulated seconds): the first start of an hour once the daemon is warm,
    and not before the second hour (a full hour of warm-up: every path of the hour has run once)."""
    return max(CYCLE_S, math.ceil(warm_s / CYCLE_S) * CYCLE_S)


def _warm(daemon) -> bool:
    """Warm by the daemon's own account: every part running, and a first choice of music recorded."""
    sup = daemon.supervisor
    if sup is None or not all(r.running for r in sup.runners):
        return False
    try:
        return daemon.store is not None and daemon.store.last_decision() is not None
    except Exception:  # the store is being reopened by a reload: not yet
        return False


def _forget_requests(spotify, weather) -> None:
    """The stand-ins log every request; a soak empties the logs so that only the daemon's memory is measured."""
    with spotify.lock:
        spotify.requests.clear()
        spotify.accounts_requests.clear()
        spotify.exchanges.clear()
    with weather._lock:
        weather._state.log.clear()


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.unhandled: list[str] = []
        self.errors: list[str] = []
        self.warnings = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.unhandled.append(f"{record.name}: {record.getMessage()}")
        elif record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {record.getMessage()}")
        else:
            self.warnings += 1


def _faults(sim: SimClock, spotify, weather, pin, daemon, hours: float, stop: threading.Event) -> dict:
    """Every simulated hour: Spotify 503s and a 429, the weather down for half an hour, the speaker asleep for two
    minutes, presses (tap, hold, double tap), and once in the run a config reload."""
    counts = {"presses": 0, "spotify_faults": 0, "weather_faults": 0, "speaker_naps": 0, "reloads": 0}
    rng = random.Random(7)
    hour = 0
    while hour < hours:
        base = hour * CYCLE_S
        plan = sorted([
            (base + 400, "press:tap"), (base + 700, "press:hold"), (base + 900, "press:double"),
            (base + 1000, "spotify:503"), (base + 1200, "spotify:429"), (base + 1300, "weather:down"),
            (base + 1400, "speaker:sleep"), (base + 1520, "speaker:wake"), (base + 3100, "weather:up"),
            (base + 2200 + rng.uniform(0, 300), "press:tap"),
        ] + ([(base + 1800, "reload")] if hour == int(hours // 2) else []))
        for at, what in plan:
            if at >= hours * CYCLE_S or sim.sleep_until(at, stop):
                return counts
            kind, _, arg = what.partition(":")
            if kind == "press":
                holds = {"tap": [0.12], "hold": [1.3], "double": [0.1, 0.1]}[arg]
                for i, held in enumerate(holds):
                    pin.drive_low()
                    time.sleep(held)
                    pin.drive_high()
                    if i + 1 < len(holds):
                        time.sleep(0.1)
                counts["presses"] += 1
            elif what == "spotify:503":
                spotify.fail("*", r"/v1/.*", 503, times=8)
                counts["spotify_faults"] += 1
            elif what == "spotify:429":
                spotify.fail("*", r"/v1/.*", 429, retry_after=60)
                counts["spotify_faults"] += 1
            elif what == "weather:down":
                weather.fail(503, "Service unavailable", times=100)
                counts["weather_faults"] += 1
            elif what == "weather:up":
                weather.clear_faults()
            elif what == "speaker:sleep":
                spotify.sleep_device("Living Room")
                counts["speaker_naps"] += 1
            elif what == "speaker:wake":
                spotify.wake_device("Living Room")
            elif what == "reload":
                path = daemon.config_path
                path.write_text(path.read_text().replace("  pause_after_minutes: 5\n", "  pause_after_minutes: 6\n"))
                daemon.request_reload()
                counts["reloads"] += 1
        hour += 1
    return counts


def _traced_growth(top: int = 25) -> list[str]:
    """What Python allocated since tracing started and still holds, by where it was allocated, largest first."""
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    tracemalloc.stop()
    total = sum(stat.size for stat in snapshot.statistics("filename"))
    lines = [f"{total / 2**20:.2f} MiB held in all; by file: " + ", ".join(
        f"{stat.traceback[0].filename.rsplit('/', 2)[-2:][-1]} {stat.size / 1024:.0f} KiB"
        for stat in snapshot.statistics("filename")[:12])]
    for stat in snapshot.statistics("traceback")[:top]:
        frames = [f"{f.filename.rsplit('/site-packages/', 1)[-1].removeprefix(str(UNIT.parents[1]) + '/')}:{f.lineno}"
                  for f in stat.traceback]
        lines.append(f"{stat.size / 1024:.1f} KiB in {stat.count} blocks: " + " <- ".join(reversed(frames[-6:])))
    return lines


def run_soak(hours: float, speedup: float, *, echo=None, inspect=None, slow_start_s: float = 0.0,
             trace: int = 0) -> dict:
    """Run the daemon for `hours` simulated hours; `inspect(daemon, spotify, weather)` is called every quarter hour.
    slow_start_s: the vision part's start (loading the models) takes this many real seconds more (a busy machine)."""
    if hours < MIN_HOURS:
        raise ValueError(f"a soak needs at least {MIN_HOURS} simulated hours (one of warm-up, then at least one "
                         f"measured), not {hours:g}")
    from gpiozero.pins.mock import MockFactory

    from device.core.clock import SystemClock
    from device.core.notify import Notifier
    from device.core.state import StateStore
    from device.devtools.demo import BUTTON_PIN, log_in
    from device.devtools.standins.open_meteo import OpenMeteoStandIn
    from device.devtools.standins.spotify import SpotifyStandIn
    from device.runtime.daemon import Daemon

    errors = _Errors()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(errors)
    root.setLevel(logging.INFO)
    for noisy in ("urllib3", "spotipy"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="mirrorball-soak-"))
    factory = MockFactory()
    stop = threading.Event()
    started_real = time.monotonic()
    result: dict = {}
    try:
        sim = SimClock(speedup)
        room = Room(sim)
        with OpenMeteoStandIn() as weather, SpotifyStandIn(client_id="mirrorball-demo", clock=sim.time) as spotify:
            weather.set_weather(weather_code=61, temperature_2m=7.0, apparent_temperature=4.5, is_day=0)
            config_path = tmp / "config.yaml"
            (tmp / "frames").mkdir()
            _write_config(config_path, state=tmp / "state", weather=weather, spotify=spotify, frames=tmp / "frames")
            log_in(config_path, spotify)
            daemon = Daemon(config_path, notifier=Notifier(address=""), clock=SystemClock(require_sync=False),
                            pin_factory=factory, parts_factory=parts_factory(sim, room, slow_start_s))
            thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
            thread.start()
            pin = factory.pin(BUTTON_PIN)
            counts: dict = {}
            driver = threading.Thread(
                target=lambda: counts.update(_faults(sim, spotify, weather, pin, daemon, hours, stop)),
                name="soak-faults", daemon=True)
            driver.start()
            end_at = hours * CYCLE_S
            while not _warm(daemon) and sim.elapsed() < end_at and thread.is_alive():
                if sim.sleep_until(sim.elapsed() + 30, stop):
                    break
            warm_s = sim.elapsed()
            sim.sleep_until(baseline_at(warm_s), stop)
            _forget_requests(spotify, weather)
            ports = frozenset(urlsplit(url).port for url in (spotify.base_url, weather.url))
            baseline_s = sim.elapsed()
            start = _figures(ports, sim, stop)
            if trace:
                tracemalloc.start(trace)
            if echo:
                echo(f"warm after {warm_s / 60:.0f} simulated min; figures from {baseline_s / 3600:.2f} h: {start}; "
                     f"{daemon.status_line()}")
            hourly: dict[int, float] = {}  # simulated hour -> the smallest RSS seen in it (MB)
            ticks = 0
            while not sim.sleep_until(min(end_at, sim.elapsed() + CYCLE_S / RSS_LOOKS_PER_HOUR), stop) \
                    and sim.elapsed() < end_at:
                hour = int(sim.elapsed() // CYCLE_S)
                hourly[hour] = min(hourly.get(hour, math.inf), rss_mb())
                ticks += 1
                if ticks % (RSS_LOOKS_PER_HOUR // 4):
                    continue
                _forget_requests(spotify, weather)  # every quarter hour
                if inspect:
                    inspect(daemon, spotify, weather)
                if echo:
                    traced = f" traced {tracemalloc.get_traced_memory()[0] / 2**20:.2f} MiB" if trace else ""
                    echo(f"{sim.elapsed() / 3600:5.2f} h: {sample(ports)}{traced} {daemon.status_line()}")
                if not thread.is_alive():
                    break
            alive = thread.is_alive()
            _forget_requests(spotify, weather)
            end = _figures(ports, sim, stop)
            grown = _traced_growth() if trace else None
            stop.set()
            driver.join(5)
            daemon.request_stop()
            thread.join(10)
            with StateStore(tmp / "state" / "state.db") as store:
                recorded = store.decisions(limit=10**6)
                decisions = len(recorded)
                # a decision that picked nothing although the catalogue answered (no fault to explain it)
                unexplained = sum(1 for d in recorded if not d.payload.get("picks") and not d.payload.get("catalog_error"))
                empty = sum(1 for d in recorded if not d.payload.get("picks"))
                requests = request_summary([d.payload.get("catalog_requests", 0) for d in recorded])
                buttons = len(store.events(kind="button"))
        result = {
            "hours": hours, "speedup": speedup,
            "real_s": round(time.monotonic() - started_real, 1),
            "simulated_h": round(sim.elapsed() / 3600, 2),
            "warm_min": round(warm_s / 60, 1), "figures_from_h": round(baseline_s / 3600, 2),
            "rss_start_mb": start["rss_mb"], "rss_end_mb": end["rss_mb"],
            # the smallest RSS of each whole simulated hour after the start figures (the last one may be cut short)
            "rss_hourly_mb": [round(hourly[h], 1) for h in sorted(hourly) if h < int(hours)],
            "rss_trend_mb_per_day": rss_trend([hourly[h] for h in sorted(hourly) if h < int(hours)]),
            "open_fds_start": start["open_fds"], "open_fds_end": end["open_fds"],
            "connections_start": start["connections"], "connections_end": end["connections"],
            "threads_start": start["threads"], "threads_end": end["threads"],
            "decisions": decisions, "decisions_without_a_pick": empty,
            "decisions_without_a_pick_unexplained": unexplained,
            "catalog_requests_per_decision": requests, "button_events": buttons,
            "errors_unhandled": len(errors.unhandled), "errors_logged": len(errors.errors),
            "warnings_logged": errors.warnings, "daemon_alive_at_end": alive,
            "dropped_events": daemon.hub.dropped_events, **counts,
            "unhandled": errors.unhandled[:5], "errors": errors.errors[:5],
            **({"traced_growth": grown} if trace else {}),
        }
    finally:
        stop.set()
        root.removeHandler(errors)
        root.setLevel(old_level)
        factory.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m device.devtools.soak", description=__doc__)
    parser.add_argument("--hours", type=float, default=float(MIN_HOURS),
                        help=f"simulated hours, at least {MIN_HOURS} (default {MIN_HOURS})")
    parser.add_argument("--speedup", type=float, default=200.0, help="simulated seconds per real second")
    parser.add_argument("--slow-start", type=float, default=0.0, metavar="SECONDS",
                        help="the vision part's start (loading the models) takes this many real seconds more, "
                             "as on a busy machine (default 0)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--trace", type=int, default=0, metavar="FRAMES",
                        help="trace Python's allocations from the start figures to the end ones (tracemalloc, this "
                             "many frames each; slows the daemon) and list what is still held, largest first")
    args = parser.parse_args(argv)
    if args.hours < MIN_HOURS:
        parser.error(f"--hours must be at least {MIN_HOURS}: one hour of warm-up, then at least one measured")
    echo = None if args.json else (lambda line: print(line, file=sys.stderr, flush=True))
    result = run_soak(args.hours, args.speedup, echo=echo, slow_start_s=args.slow_start, trace=args.trace)
    found = problems(result)
    result["problems"] = found
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    for problem in found:
        print(f"soak FAILED: {problem}", file=sys.stderr)
    return 1 if found else 0


UNIT = Path(__file__).resolve().parents[2] / "systemd" / "mirrorball.service"


def unit_environment(unit: Path = UNIT) -> dict[str, str]:
    """The Environment= settings of the systemd unit: the soak measures the daemon as systemd runs it."""
    env: dict[str, str] = {}
    if unit.is_file():
        for line in unit.read_text().splitlines():
            if line.startswith("Environment="):
                key, _, value = line.removeprefix("Environment=").partition("=")
                env[key.strip()] = value.strip()
    return env


if __name__ == "__main__":
    wanted = unit_environment()
    if any(os.environ.get(k) != v for k, v in wanted.items()):  # malloc reads MALLOC_ARENA_MAX at start: start anew
        os.execve(sys.executable, [sys.executable, "-m", "device.devtools.soak", *sys.argv[1:]], {**os.environ, **wanted})
    raise SystemExit(main())
