# -*- test-case-name: tests.test_cli_pipeline -*-
"""
The C{upstreams} table: the resolvers that names outside our zones are forwarded to.

The running server re-reads this small table whenever the database changes
(L{dnsops.resolvers.upstream.UpstreamResolver.reload_if_changed}), so changes apply without
a restart.
"""

import ipaddress
import sqlite3

from dnsops.errors import InvalidInput, NotFound
from dnsops.store.db import MAX_ROWID, now

_COLUMNS = "id, address, port, priority, created"


def check_address(text: str) -> str:
    """An IPv4 or IPv6 address, in its compressed form."""
    try:
        return str(ipaddress.ip_address(str(text).strip()))
    except ValueError:
        raise InvalidInput(
            f"invalid upstream address '{text}': expected an IP address or tls://ADDRESS[#NAME]",
            "address",
        ) from None


def _check_int(value, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"invalid {field} '{value}': expected an integer", field) from None
    if not low <= number <= high:
        raise InvalidInput(f"invalid {field} '{value}': expected {low} to {high}", field)
    return number


def add_upstream(conn: sqlite3.Connection, address: str, port=53, priority=0) -> dict:
    """
    Add a resolver; lower C{priority} is tried first, equal priorities in the order added.

    C{tls://ADDR[:PORT][#NAME]} is a DNS-over-TLS upstream (port 853 unless given).
    """
    port = _check_int(port, "port", 1, 65535)
    if str(address).strip().lower().startswith("tls://"):
        # Imported here: the parser lives beside the TLS client, which needs twisted.internet.
        from dnsops.resolvers import tlsupstream

        host, given_port, name = tlsupstream.parse_tls_upstream(address)
        address = tlsupstream.format_tls_upstream(host, name)
        port = given_port or (tlsupstream.DEFAULT_PORT if port == 53 else port)
    else:
        address = check_address(address)
    priority = _check_int(priority, "priority", 0, 1_000_000)
    cursor = conn.execute(
        "INSERT INTO upstreams (address, port, priority, created) VALUES (?, ?, ?, ?)",
        (address, port, priority, now()),
    )
    return get_upstream(conn, cursor.lastrowid)


def get_upstream(conn: sqlite3.Connection, upstream_id) -> dict:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM upstreams WHERE id = ?", (_id(upstream_id),)
    ).fetchone()
    if row is None:
        raise NotFound(f"upstream '{upstream_id}' not found", "id")
    return dict(row)


def list_upstreams(conn: sqlite3.Connection) -> list[dict]:
    """Every resolver in the order they are tried."""
    return [dict(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM upstreams ORDER BY priority, id")]


def delete_upstream(conn: sqlite3.Connection, upstream_id) -> None:
    get_upstream(conn, upstream_id)
    conn.execute("DELETE FROM upstreams WHERE id = ?", (_id(upstream_id),))


def _id(value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"invalid id '{value}': expected an integer", "id") from None
    if abs(number) > MAX_ROWID:
        raise InvalidInput(f"invalid id '{value}': expected an integer", "id")
    return number
