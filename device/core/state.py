"""The state store: one SQLite file (WAL) for feedback events, decisions and small cached values."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from device.core.times import utc_stamp

log = logging.getLogger(__name__)

# Each entry migrates the schema from version i to i + 1. Append only; never edit a shipped step.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE events (
        id      INTEGER PRIMARY KEY,
        at      REAL NOT NULL,
        kind    TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX events_kind_at ON events (kind, at);
    CREATE TABLE decisions (
        id      INTEGER PRIMARY KEY,
        at      REAL NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE TABLE kv (
        key     TEXT PRIMARY KEY,
        value   TEXT NOT NULL,
        updated REAL NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# SQLite's page cache (its default is 2,000 KiB): it fills as the database grows with decisions and events, and in the
# 24-hour soak showed as a steady RSS trend; the appliance reads little but the last rows.
PAGE_CACHE_KIB = 256


class StateError(Exception):
    """The store could not read or write (disk full, read-only, ...)."""


@dataclass(frozen=True)
class Event:
    id: int
    at: float
    kind: str
    payload: dict


@dataclass(frozen=True)
class DecisionRecord:
    """A music decision as the store keeps it: its row id, when, and the director's payload (see
    device.music.director.Decision, the decision itself)."""

    id: int
    at: float
    payload: dict


class StateStore:
    """Durable state. Every write is committed (fsync'd, synchronous=FULL) before the call returns.

    Events (button presses, plays) and small JSON values, kept across restarts; the clock is injectable:

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> with StateStore(f"{folder.name}/state.db", clock=lambda: 1000.0) as store:
    ...     store.add_event("button", {"press": "hold"})
    ...     store.set_json("weather", {"condition": "rain"})
    1
    >>> with StateStore(f"{folder.name}/state.db") as store:      # opened again: nothing was lost
    ...     store.events("button"), store.get_json("weather"), store.get_json("missing", {})
    ([Event(id=1, at=1000.0, kind='button', payload={'press': 'hold'})], {'condition': 'rain'}, {})
    >>> folder.cleanup()
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.recovered_from: Path | None = None  # where a corrupt file was moved, if it was

    # ------------------------------------------------------------ lifecycle

    def open(self) -> StateStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _looks_corrupt(exc):
                raise StateError(f"cannot open the state database {self.path}: {exc}") from exc
            self.recovered_from = self._move_aside(exc)
            self._db = self._connect()
        return self

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> StateStore:
        return self.open() if self._db is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(f"{self.path} has schema version {version}, newer than this Mirrorball "
                             f"({SCHEMA_VERSION}); upgrade Mirrorball or move the file away")
        for step in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            for statement in _split_sql(MIGRATIONS[step]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={step + 1}")
            db.execute("COMMIT")
            log.info("state database %s migrated to schema version %d", self.path, step + 1)

    def _move_aside(self, exc: Exception) -> Path:
        stamp = utc_stamp(self._clock())
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                src.replace(Path(str(aside) + suffix))
        log.warning("state database %s is corrupt (%s); moved it to %s and started a fresh one",
                    self.path, exc, aside)
        return aside

    # ------------------------------------------------------------ writes

    def _write(self, sql: str, args: tuple) -> int:
        with self._lock:
            db = self._require()
            try:
                cur = db.execute(sql, args)
            except sqlite3.Error as exc:
                raise StateError(f"cannot write to the state database {self.path}: {exc}") from exc
            return cur.lastrowid

    def add_event(self, kind: str, payload: dict, at: float | None = None) -> int:
        """Record a feedback event; once this returns, the event survives a crash or power cut."""
        return self._write("INSERT INTO events (at, kind, payload) VALUES (?, ?, ?)",
                           (self._clock() if at is None else at, kind, json.dumps(payload, sort_keys=True)))

    def add_decision(self, payload: dict, at: float | None = None) -> int:
        return self._write("INSERT INTO decisions (at, payload) VALUES (?, ?)",
                           (self._clock() if at is None else at, json.dumps(payload, sort_keys=True)))

    def set_json(self, key: str, value: Any) -> None:
        self._write("INSERT INTO kv (key, value, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                    (key, json.dumps(value, sort_keys=True), self._clock()))

    # ------------------------------------------------------------ reads

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            db = self._require()
            try:
                return db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StateError(f"cannot read the state database {self.path}: {exc}") from exc

    def get_json(self, key: str, default: Any = None) -> Any:
        rows = self._read("SELECT value FROM kv WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def get_json_with_time(self, key: str) -> tuple[Any, float] | None:
        """The value and the time it was stored, or None."""
        rows = self._read("SELECT value, updated FROM kv WHERE key = ?", (key,))
        return (json.loads(rows[0][0]), rows[0][1]) if rows else None

    def events(self, kind: str | None = None, since: float | None = None, limit: int | None = None) -> list[Event]:
        """Events oldest first (the newest `limit` of them when limit is given)."""
        where, args = [], []
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        sql = "SELECT id, at, kind, payload FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._read(sql, tuple(args))
        return [Event(r[0], r[1], r[2], json.loads(r[3])) for r in reversed(rows)]

    def decisions(self, limit: int = 50) -> list[DecisionRecord]:
        rows = self._read("SELECT id, at, payload FROM decisions ORDER BY id DESC LIMIT ?", (limit,))
        return [DecisionRecord(r[0], r[1], json.loads(r[2])) for r in reversed(rows)]

    def last_decision(self) -> DecisionRecord | None:
        found = self.decisions(limit=1)
        return found[0] if found else None

    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def _require(self) -> sqlite3.Connection:
        if self._db is None:
            raise StateError(f"the state database {self.path} is not open")
        return self._db


def _looks_corrupt(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("not a database", "malformed", "corrupt", "integrity check"))


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def owner_problem(state_dir: str | Path) -> str | None:
    """A sentence when this process is not the owner of state_dir: files it wrote there (the database, the Spotify
    token) would then belong to the wrong user and the service could not use them. None when all is well."""
    import os
    import pwd

    try:
        uid = os.stat(state_dir).st_uid
    except OSError:
        return None
    if uid == os.geteuid():
        return None
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = str(uid)
    return (f"{state_dir} belongs to {owner}: run this as that user "
            f"(sudo -u {owner} /opt/mirrorball/venv/bin/mirrorball ...)")
