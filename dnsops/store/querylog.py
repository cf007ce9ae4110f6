# -*- test-case-name: tests.test_querylog -*-
"""
The C{query_log} table: batched inserts, the size cap, the newest rows, and top-N counts.

The table is capped, so the top-N queries scan at most C{query_log_size} rows: the stats
stay bounded in memory and time however many names clients ask for.
"""

import sqlite3
from collections.abc import Sequence

COLUMNS = ("time", "client", "protocol", "name", "type", "rcode", "answered_by", "duration_ms")

_INSERT = f"INSERT INTO query_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def append(conn: sqlite3.Connection, rows: Sequence[tuple], cap: int) -> None:
    """
    Insert C{rows} (tuples in L{COLUMNS} order) and drop the oldest beyond C{cap}, in one
    transaction: one commit per batch, never one per query.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(_INSERT, rows)
        trim(conn, cap)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def trim(conn: sqlite3.Connection, cap: int) -> None:
    """Keep the newest C{cap} rows (ids grow with time, so this is one range delete)."""
    newest = conn.execute("SELECT max(id) FROM query_log").fetchone()[0]
    if newest is not None:
        conn.execute("DELETE FROM query_log WHERE id <= ?", (newest - cap,))


def recent(conn: sqlite3.Connection, limit: int = 100, offset: int = 0, client: str | None = None,
           name: str | None = None, answered_by: str | None = None) -> tuple[list[dict], int]:
    """The newest entries first, as the contract's query-log objects, and the matching total."""
    filters = {k: v for k, v in (("client", client), ("name", name), ("answered_by", answered_by)) if v}
    where = (" WHERE " + " AND ".join(f"{column} = ?" for column in filters)) if filters else ""
    params = list(filters.values())
    total = conn.execute("SELECT count(*) FROM query_log" + where, params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM query_log{where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [dict(zip(COLUMNS, row)) for row in rows], total


def top(conn: sqlite3.Connection, column: str, limit: int = 10,
        answered_by: str | None = None) -> list[dict]:
    """
    The most frequent values of C{column} (C{name} or C{client}) among the logged queries.

    @param answered_by: count only these queries (C{blocked} for the top blocked names).
    """
    if column not in ("name", "client"):
        raise ValueError(column)
    where, params = ("WHERE answered_by = ?", [answered_by]) if answered_by else ("", [])
    rows = conn.execute(
        f"SELECT {column}, count(*) AS n FROM query_log {where}"
        f" GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [{column: row[0], "count": row[1]} for row in rows]
