# -*- test-case-name: tests.test_store -*-
"""
The config table: stored values over the defaults in L{dnsops.config}.

Values are checked with L{dnsops.config.parse_value} before they are stored, so the running
server never finds a value it cannot read. The server picks changes up within a second (the
zone follower re-reads this table).
"""

import sqlite3

from dnsops.config import KEYS, check_key, parse_value


def get(conn: sqlite3.Connection, key: str) -> str:
    """The stored text for C{key}, or its default; an unknown key lists the known ones."""
    known = check_key(key)
    row = conn.execute("SELECT value FROM config WHERE key = ?", (known.name,)).fetchone()
    return known.default if row is None else row["value"]


def set(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store C{value} for C{key} after checking it with the key's own parser."""
    parse_value(key, value)
    conn.execute(
        "INSERT INTO config (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def all(conn: sqlite3.Connection) -> dict[str, str]:
    """Every known key's text, stored value over default, in the order of L{KEYS}."""
    stored = {row["key"]: row["value"] for row in conn.execute("SELECT key, value FROM config")}
    return {name: stored.get(name, key.default) for name, key in KEYS.items()}
