# -*- test-case-name: tests.test_store -*-
"""
Zones in the database: create (with SOA and apex NS), look up, list and delete.

Callers open the transaction (L{dnsops.store.db.transaction}); these functions only validate
and write, so the CLI and REST create zones the same way.
"""

import sqlite3

from dnsops.errors import Conflict, InvalidInput, NotFound
from dnsops.names import canonical_name
from dnsops.records import parse_rdata
from dnsops.store.db import now, touch_zone
from dnsops.ttl import parse_ttl

#: refresh, retry, expire and minimum of an SOA made by L{add_zone}, after the manual.
SOA_TIMERS = "3600 900 604800 86400"

_ZONE_SELECT = (
    "SELECT z.id, z.name, z.ttl, z.created,"
    " (SELECT count(*) FROM records r WHERE r.zone_id = z.id) AS records,"
    " (SELECT s.rdata FROM records s WHERE s.zone_id = z.id AND s.name = z.name"
    "  AND s.type = 'SOA') AS soa"
    " FROM zones z"
)


def zone_name(text: str, field: str = "zone") -> str:
    """
    The canonical name of a zone given as C{text}; the root zone is not served.

    @param field: what a REST error names: C{zone} in paths, C{name} in a create body.
    """
    name = canonical_name(text, field)
    if not name:
        raise InvalidInput(f"invalid zone name '{text}': the root zone is not served", field)
    return name


def soa_serial(rdata: str | None) -> int | None:
    """The serial field of canonical SOA rdata, or None without an SOA."""
    if rdata is None:
        return None
    return int(rdata.split()[2])


def _zone_dict(row: sqlite3.Row, with_id: bool = False) -> dict:
    zone = {
        "name": row["name"],
        "ttl": row["ttl"],
        "created": row["created"],
        "records": row["records"],
        "serial": soa_serial(row["soa"]),
    }
    if with_id:
        zone = {"id": row["id"], **zone}
    return zone


def zone_row(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The C{zones} row for canonical C{name}, or None: a cheap existence check."""
    return conn.execute("SELECT * FROM zones WHERE name = ?", (name,)).fetchone()


def add_zone(
    conn: sqlite3.Connection,
    name: str,
    ns: str | None = None,
    admin: str | None = None,
    ttl: int | str = 3600,
) -> dict:
    """
    Create a zone; with C{ns} and C{admin}, also its SOA (serial 1) and the apex NS record.

    The new SOA keeps serial 1, as the manual says, rather than being bumped at commit.

    @param admin: the SOA RNAME, a mailbox written as a name (C{admin.example.com}).
    @raise Conflict: the zone exists.
    """
    name = zone_name(name, "name")
    ttl = parse_ttl(str(ttl))
    if (ns is None) != (admin is None):
        raise InvalidInput("ns and admin must be given together", "ns" if ns is None else "admin")
    records = []
    if ns is not None:
        nsdname = parse_rdata("NS", ns)
        canonical_name(admin, "admin")
        records.append(("SOA", parse_rdata("SOA", f"{ns} {admin} 1 {SOA_TIMERS}")))
        records.append(("NS", nsdname))
    if zone_row(conn, name) is not None:
        raise Conflict(f"zone '{name}' already exists", "name")
    zone_id = conn.execute(
        "INSERT INTO zones (name, ttl, created) VALUES (?, ?, ?)", (name, ttl, now())
    ).lastrowid
    conn.executemany(
        "INSERT INTO records (zone_id, name, type, ttl, rdata) VALUES (?, ?, ?, ?, ?)",
        [(zone_id, name, rtype, ttl, rdata) for rtype, rdata in records],
    )
    touch_zone(conn, zone_id)
    conn.serial_set.add(zone_id)
    return get_zone(conn, name)


def get_zone(conn: sqlite3.Connection, name: str) -> dict:
    """
    The zone named C{name} (any spelling: trailing dot, upper case, U-labels).

    @return: C{{"id", "name", "ttl", "created", "records", "serial"}}; serial is None
        without an SOA.
    @raise NotFound: no such zone.
    """
    name = zone_name(name)
    row = conn.execute(_ZONE_SELECT + " WHERE z.name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"zone '{name}' not found", "zone")
    return _zone_dict(row, with_id=True)


def list_zones(conn: sqlite3.Connection) -> list[dict]:
    """Every zone, by name, with its record count and serial."""
    rows = conn.execute(_ZONE_SELECT + " ORDER BY z.name").fetchall()
    return [_zone_dict(row) for row in rows]


def delete_zone(conn: sqlite3.Connection, name: str) -> None:
    """Delete a zone; its records (and anything else keyed on it) go by ON DELETE CASCADE."""
    zone = get_zone(conn, name)
    conn.execute("DELETE FROM zones WHERE id = ?", (zone["id"],))


def find_zone_for(conn: sqlite3.Connection, name: str) -> dict | None:
    """The zone that holds C{name}: the one with the longest matching apex, or None."""
    name = canonical_name(name)
    labels = name.split(".") if name else []
    candidates = [".".join(labels[i:]) for i in range(len(labels))]
    if not candidates:
        return None
    marks = ",".join("?" * len(candidates))
    row = conn.execute(
        f"SELECT name FROM zones WHERE name IN ({marks}) ORDER BY length(name) DESC LIMIT 1",
        candidates,
    ).fetchone()
    return None if row is None else get_zone(conn, row["name"])
