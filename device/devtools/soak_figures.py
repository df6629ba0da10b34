"""What the soak measures of the daemon (RSS, descriptors, threads; the stand-ins left out) and how it judges them."""

from __future__ import annotations

import os
import threading


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def tcp_ports() -> dict[str, tuple[int, int]]:
    """Socket inode -> (local port, remote port) of every TCP socket on this machine (/proc/net/tcp and tcp6)."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            found[fields[9]] = (int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16))
    return found


def daemon_fds(standin_ports: frozenset[int]) -> tuple[int, int]:
    """(the daemon's open file descriptors, how many of them are kept-alive connections to the stand-ins).

    The stand-ins run in this process for the soak, but are no part of the appliance: their listening sockets and
    their ends of connections are left out. The daemon's HTTP sessions keep connections alive (urllib3 pools,
    bounded per host); they are counted apart so that a pooled connection more is not mistaken for a leak."""
    ports = tcp_ports()
    daemon = connections = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # listdir's own descriptor, closed by now
            continue
        inode = target[len("socket:["):-1] if target.startswith("socket:[") else None
        local, remote = ports.get(inode, (None, None)) if inode else (None, None)
        if local in standin_ports:
            continue
        daemon += 1
        connections += remote in standin_ports
    return daemon, connections


def daemon_threads() -> int:
    """Threads of the daemon: the stand-ins' server threads left out (they run in this process for the soak)."""
    return sum(1 for t in threading.enumerate()
               if "process_request_thread" not in t.name and not t.name.endswith("standin")
               and t.name != "soak-faults" and not t.name.startswith("open-meteo"))


def sample(standin_ports: frozenset[int]) -> dict:
    fds, connections = daemon_fds(standin_ports)
    return {"rss_mb": round(rss_mb(), 1), "open_fds": fds, "connections": connections, "threads": daemon_threads()}


def fd_growth(result: dict) -> int:
    """Descriptors gained over the soak, kept-alive connections (pooled, bounded per host) left out."""
    return ((result["open_fds_end"] - result["connections_end"])
            - (result["open_fds_start"] - result["connections_start"]))


RSS_GROWTH_MAX_MB = 5.0  # end minus start: the verdict of a soak too short for a trend
# A long soak is judged by the trend of RSS instead: the Theil-Sen slope (the median of the slopes between every two
# hours, which a few odd hours do not move) of each simulated hour's smallest RSS, over the last half of the hours
# measured (the first half fills what fills once: caches, the allocator's arenas, the state database's pages).
# End minus start of one pair of figures moved by a few MB with the load beside the soak; a leak is a slope.
RSS_TREND_MAX_MB_PER_DAY = 2.0  # the page cache creep was 2.6-2.8; after it 0.07-0.98 in four runs
TREND_MIN_HOURS = 8  # measured hours needed for a trend (the last half of them: at least 4 points)


def theil_sen(ys: list[float]) -> float:
    """The median of the slopes between every two of the evenly spaced values (per step).

    >>> theil_sen([1.0, 2.0, 3.0, 40.0, 5.0])
    1.0
    """
    slopes = sorted((ys[j] - ys[i]) / (j - i) for i in range(len(ys)) for j in range(i + 1, len(ys)))
    if not slopes:
        return 0.0
    mid = len(slopes) // 2
    return slopes[mid] if len(slopes) % 2 else (slopes[mid - 1] + slopes[mid]) / 2


def rss_trend(hourly: list[float]) -> float | None:
    """MB a day, from the hourly smallest RSS (the first one the hour of the start figures); None when the soak
    measured fewer than TREND_MIN_HOURS hours."""
    if len(hourly) < TREND_MIN_HOURS:
        return None
    return round(theil_sen(hourly[len(hourly) // 2:]) * 24, 2)


def problems(result: dict) -> list[str]:
    """Why the soak failed (empty: it passed). Only what the daemon did counts, never how fast the machine was."""
    found = []
    if result["errors_unhandled"]:
        found.append(f"{result['errors_unhandled']} unhandled exceptions, first: {result['unhandled'][:1]}")
    if not result["daemon_alive_at_end"]:
        found.append("the daemon died")
    if result.get("decisions_without_a_pick_unexplained"):
        found.append(f"{result['decisions_without_a_pick_unexplained']} decisions picked nothing although the catalogue "
                     "answered")
    if fd_growth(result) > 0:
        found.append(f"{fd_growth(result)} descriptors gained (kept-alive connections left out)")
    if result["threads_end"] > result["threads_start"]:
        found.append(f"threads {result['threads_start']} -> {result['threads_end']}")
    trend = result.get("rss_trend_mb_per_day")
    growth = result["rss_end_mb"] - result["rss_start_mb"]
    if trend is not None:
        if trend > RSS_TREND_MAX_MB_PER_DAY:
            found.append(f"RSS trend over the last half of the soak {trend:+.2f} MB a day "
                         f"(> {RSS_TREND_MAX_MB_PER_DAY:g})")
    elif growth > RSS_GROWTH_MAX_MB:
        found.append(f"RSS grew {growth:.1f} MB (> {RSS_GROWTH_MAX_MB:g})")
    return found
