"""Fault matrix, state rows: a corrupt database, a full disk and kill -9 during writes, on the real StateStore."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fault_rig import LogCapture, wait_for

from device.core.state import StateStore
from device.core.values import ButtonEvent

ROOT = Path(__file__).resolve().parents[2]


def test_corrupt_database_is_moved_aside_and_the_daemon_records_into_a_fresh_one(appliance):
    a = appliance()
    a.state_dir.mkdir(parents=True, exist_ok=True)
    (a.state_dir / "state.db").write_bytes(b"this is not an SQLite database\x00" * 200)
    a.start()
    text = a.wait_status("playing", 10)
    assert "playing" in text and "state not saved" not in text, text
    assert a.logs.lines(logging.WARNING, "is corrupt"), "the move is logged"
    assert list(a.state_dir.glob("state.db.corrupt-*")), "the corrupt file is kept for a post-mortem"
    a.daemon.hub.post(ButtonEvent("hold", time.monotonic()))
    wait_for(lambda: a.spotify.saved, 5)
    a.stop()
    with StateStore(a.state_dir / "state.db") as store:
        assert [e.payload["kind"] for e in store.events(kind="button")] == ["hold"]


def test_unusable_state_directory_runs_in_memory_and_says_so(appliance):
    a = appliance()
    a.write({"daemon": {"state_dir": str(a.tmp / "not-a-dir" / "state")}})
    (a.tmp / "not-a-dir").write_text("a file where the state directory should be")
    a.start()
    wait_for(lambda: "state not saved: " in a.status() and "rain 7°C" in a.status(), 10)
    text = a.status()
    assert "state not saved: " in text and "rain 7°C" in text, text
    assert a.alive() and a.logs.unhandled() == []


def test_disk_full_presses_still_act_and_nothing_crashes(rig):
    logs = LogCapture()
    logging.getLogger().addHandler(logs)
    try:
        rig.part.start()
        rig.arrive()
        rig.step()
        first = rig.standin.current().uri
        db = rig.store._db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite now answers SQLITE_FULL, as on a full disk
        for i in range(30):  # fill what is left of the last pages
            try:
                rig.store.add_event("filler", {"i": i, "pad": "x" * 2000})
            except Exception:
                break
        rig.hub.post(ButtonEvent("tap", rig.clock()))
        rig.step(1)
        assert rig.standin.current().uri != first, "the tap still skipped"
        assert logs.lines(logging.WARNING, "button tap not recorded: cannot write to the state database")
        assert "database or disk is full" in logs.text()
        assert logs.unhandled() == []
        db.execute("PRAGMA max_page_count = 1073741823")  # space again
        rig.hub.post(ButtonEvent("hold", rig.clock()))
        rig.step(1)
        assert [e.payload["kind"] for e in rig.store.events(kind="button")][-1] == "hold"
    finally:
        logging.getLogger().removeHandler(logs)


WRITER = """
import sys
from device.core.state import StateStore
store = StateStore(sys.argv[1]).open()
i = int(sys.argv[2])
while True:
    i += 1
    store.add_event("button", {"kind": "tap", "n": i, "pad": "x" * 500})
    print(i, flush=True)  # acknowledged: add_event has returned
"""


def test_kill_9_during_writes_loses_no_acknowledged_event(tmp_path):
    db = tmp_path / "state.db"
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(round_ * 1_000_000)], cwd=ROOT,
                                stdout=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        acked = []
        deadline = time.monotonic() + 20
        while len(acked) < 40 + 30 * round_ and time.monotonic() < deadline:
            acked.append(int(proc.stdout.readline()))
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next write
        proc.wait()
        rest = proc.stdout.read().split()
        acked += [int(x) for x in rest]
        proc.stdout.close()
        with StateStore(db) as store:
            assert store.recovered_from is None, "the database survived the kill"
            stored = {e.payload["n"] for e in store.events(kind="button")}
        lost = [n for n in acked if n not in stored]
        assert acked and not lost, f"acknowledged but lost after kill -9: {lost[:5]}"
