# -*- test-case-name: tests.test_store -*-
"""
Opening the database and running one transaction per command.

Every connection is WAL, with foreign keys on and a busy timeout, so a server reading and a CLI
writing never see "database is locked". L{transaction} is the only way writers change data: it
takes the write lock up front (C{BEGIN IMMEDIATE}), and on commit bumps the SOA serial and the
generation of every zone the transaction touched, once each. A crash at any moment leaves
either all of a command or none of it (SQLite's journal guarantees that).
"""

import contextlib
import datetime
import os
import sqlite3
from collections.abc import Iterator

from dnsops.serial import next_serial
from dnsops.store.schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_UPSTREAMS = ("8.8.8.8", "1.1.1.1", "9.9.9.9")
BUSY_TIMEOUT_MS = 10_000
#: The largest row id SQLite stores; larger numbers from users are refused, not passed on.
MAX_ROWID = 2**63 - 1


class Connection(sqlite3.Connection):
    """
    A connection that remembers which zones the open transaction changed.

    @ivar dirty_zones: zone ids whose serial and generation are bumped at commit.
    @ivar serial_set: zone ids whose SOA serial the transaction set itself (import), so it is
        not bumped again.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dirty_zones: set[int] = set()
        self.serial_set: set[int] = set()


def default_path() -> str:
    """The database path when none is given: C{$DNSOPS_DB}, else C{dns.db} here."""
    return os.environ.get("DNSOPS_DB") or "dns.db"


def connect(path: str, create: bool = True) -> Connection:
    """
    Open (and create or migrate) the database at C{path}.

    @param create: when False, a missing file is an error rather than a new database.
    @raise sqlite3.Error: on a file that is not a database.
    """
    if not create and path != ":memory:" and not os.path.exists(path):
        from dnsops.errors import NotFound

        raise NotFound(f"database '{path}' does not exist (run 'dnsops init-db')")
    conn = sqlite3.connect(
        path,
        factory=Connection,
        isolation_level=None,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


def migrate(conn: Connection) -> None:
    """
    Bring the schema to L{SCHEMA_VERSION}; seed default upstreams on a new database.

    All steps run in one transaction, so a database is at one version or the next, never in
    between. Foreign keys are off meanwhile (SQLite's table-rebuild procedure: with them on,
    dropping a parent table to rebuild it would cascade-delete its children's rows), and the
    pragma cannot change inside a transaction, so it is switched around it; before the commit
    C{PRAGMA foreign_key_check} must find nothing, or the migration is rolled back.

    @raise sqlite3.IntegrityError: When the migrated data breaks a foreign key.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        _migrate_steps(conn)
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")


def _migrate_steps(conn: Connection) -> None:
    """Run the missing steps in one write transaction (another process may have run them)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        fresh = version == 0
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step].split(";"):
                if statement.strip():
                    conn.execute(statement)
        if fresh:
            for address in DEFAULT_UPSTREAMS:
                conn.execute(
                    "INSERT INTO upstreams (address, port, priority, created) VALUES (?, 53, 0, ?)",
                    (address, now()),
                )
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            raise sqlite3.IntegrityError(
                f"schema migration broke a foreign key of table '{broken[0]}'"
            )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def now() -> str:
    """The current time as stored: ISO 8601 UTC to the second."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """
    Run the body as one write transaction: all of it commits, or none of it.

    Zones marked with L{touch_zone} get their SOA serial bumped (unless the transaction set the
    serial itself) and their generation increased, once, just before the commit.
    """
    conn.dirty_zones = set()
    conn.serial_set = set()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        for zone_id in sorted(conn.dirty_zones):
            if zone_id not in conn.serial_set:
                bump_serial(conn, zone_id)
            conn.execute("UPDATE zones SET generation = generation + 1 WHERE id = ?", (zone_id,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.dirty_zones = set()
        conn.serial_set = set()


def touch_zone(conn: Connection, zone_id: int) -> None:
    """Mark a zone changed by the open transaction (serial + generation bump at commit)."""
    conn.dirty_zones.add(zone_id)


def bump_serial(conn: Connection, zone_id: int) -> None:
    """Advance the serial of the zone's apex SOA record, if it has one."""
    row = conn.execute(
        "SELECT r.id, r.rdata FROM records r JOIN zones z ON z.id = r.zone_id"
        " WHERE r.zone_id = ? AND r.type = 'SOA' AND r.name = z.name",
        (zone_id,),
    ).fetchone()
    if row is None:
        return
    fields = row["rdata"].split()
    fields[2] = str(next_serial(int(fields[2])))
    conn.execute("UPDATE records SET rdata = ? WHERE id = ?", (" ".join(fields), row["id"]))
