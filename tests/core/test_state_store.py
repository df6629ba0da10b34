"""The state store: schema migrations, durability across kill -9, recovery from a corrupt file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from device.core.state import SCHEMA_VERSION, StateError, StateStore


def test_round_trip_and_schema_version(tmp_path):
    with StateStore(tmp_path / "state.db") as store:
        assert store.schema_version() == SCHEMA_VERSION
        first = store.add_event("dislike", {"track": "spotify:track:1"}, at=100.0)
        store.add_event("like", {"track": "spotify:track:2"}, at=200.0)
        store.add_decision({"brief": "rain"}, at=150.0)
        store.set_json("weather.last", {"t": 7})
        store.set_json("weather.last", {"t": 8})
    with StateStore(tmp_path / "state.db") as store:
        events = store.events()
        assert [(e.id, e.kind, e.payload["track"]) for e in events] == [
            (first, "dislike", "spotify:track:1"), (first + 1, "like", "spotify:track:2")]
        assert [e.kind for e in store.events(kind="like")] == ["like"]
        assert [e.kind for e in store.events(since=150.0)] == ["like"]
        assert [e.kind for e in store.events(limit=1)] == ["like"]
        assert store.last_decision().payload == {"brief": "rain"}
        assert store.get_json("weather.last") == {"t": 8}
        assert store.get_json("missing", default=3) == 3
        assert store.get_json_with_time("weather.last")[0] == {"t": 8}
        assert sqlite3.connect(tmp_path / "state.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_acknowledged_event_survives_kill_9(tmp_path):
    """A child process records events and acknowledges each on stdout; we kill -9 it right after an
    acknowledgement and every acknowledged event must be in the database."""
    db = tmp_path / "state.db"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from device.core.state import StateStore
        store = StateStore({str(db)!r}).open()
        i = 0
        while True:
            i += 1
            event_id = store.add_event("like", {{"n": i}})
            print(event_id, flush=True)
        """)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    acknowledged = []
    try:
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) == 25:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    with StateStore(db) as store:
        stored = {e.id for e in store.events()}
    assert set(acknowledged) <= stored


def test_corrupt_file_is_moved_aside_and_a_fresh_one_created(tmp_path, caplog):
    db = tmp_path / "state.db"
    db.write_bytes(b"this is not a database, it was hit by a power cut" * 100)
    store = StateStore(db).open()
    try:
        assert store.recovered_from is not None and store.recovered_from.exists()
        assert store.recovered_from.read_bytes().startswith(b"this is not a database")
        assert store.events() == []
        store.add_event("like", {"n": 1})
    finally:
        store.close()
    assert "is corrupt" in caplog.text and "started a fresh one" in caplog.text


def test_corrupt_pages_are_detected(tmp_path):
    db = tmp_path / "state.db"
    with StateStore(db) as store:
        for i in range(300):
            store.add_event("like", {"n": i, "pad": "x" * 200})
    raw = bytearray(db.read_bytes())
    for offset in range(4096 + 100, len(raw), 4096):  # trash the inside of every page but the header page
        raw[offset:offset + 64] = os.urandom(64)
    db.write_bytes(bytes(raw))
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"state.db{suffix}").unlink(missing_ok=True)
    with StateStore(db) as store:
        assert store.recovered_from is not None
        assert store.events() == []


def test_newer_schema_is_refused_with_a_sentence(tmp_path):
    db = tmp_path / "state.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StateError, match="newer than this Mirrorball"):
        StateStore(db).open()


def test_write_failure_is_a_state_error(tmp_path):
    store = StateStore(tmp_path / "state.db").open()
    store.close()
    with pytest.raises(StateError, match="not open"):
        store.add_event("like", {})


def test_owner_problem_names_the_owner(tmp_path):
    from device.core.state import owner_problem

    assert owner_problem(tmp_path) is None
    assert owner_problem(tmp_path / "missing") is None
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    other = tmp_path / "other"
    other.mkdir()
    os.chown(other, 12345, 12345)
    problem = owner_problem(other)
    assert problem.startswith(f"{other} belongs to 12345: run this as that user")


def test_corrupt_file_is_moved_aside_whatever_the_clock_says(tmp_path):
    """The moved-aside name's stamp came from time.gmtime(clock()): a clock beyond time_t raised OverflowError."""
    db = tmp_path / "state.db"
    db.write_bytes(b"this is not a database" * 100)
    with StateStore(db, clock=lambda: 1e20) as store:
        assert store.recovered_from.name == "state.db.corrupt-19700101-000000"
        assert store.events() == []
