# -*- test-case-name: tests.test_store -*-
"""
Zone import: the records of a zone file written into a zone at once, by the rules every write obeys.
"""

import sqlite3
from collections.abc import Callable, Iterable

from dnsops.errors import Conflict, InvalidInput, UserError
from dnsops.serial import MAX_SERIAL
from dnsops.store.db import touch_zone
from dnsops.store.records import parse_enabled, parse_geo, parse_weight
from dnsops.store.zones import add_zone, get_zone, zone_name, zone_row

#: Rows per executemany batch on import (and per progress report).
IMPORT_BATCH = 50_000


def replace_records(
    conn: sqlite3.Connection,
    zone: str,
    zone_records: Iterable,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """
    Import records read from a zone file into C{zone}, creating the zone when missing.

    Without C{replace} the records are added to what is there (exact duplicates skipped; the
    file's SOA, if any, takes the place of the zone's). With C{replace} every record goes first
    (the zone's SOA stays when the file has none). The file's SOA serial is kept unless it is
    not greater than the zone's current one, which then becomes current + 1; either way the
    commit does not bump it again. Rows go in with C{executemany}, no query per record, so a
    million-record zone imports in seconds.

    @param zone_records: L{dnsops.zonefile.reader.ZoneRecord}s; their names and rdata are
        already canonical (the reader parsed them with L{dnsops.records.parse_rdata}); their
        weight, geo and enabled flag are checked here, as
        L{dnsops.store.records.add_record} checks them.
    @param progress: called with (rows written, rows to write) after each batch.
    @return: C{{"zone", "created", "added", "duplicates", "deleted", "serial"}}; serial is
        None when it is left for the commit to bump.
    """
    name = zone_name(zone)
    row = zone_row(conn, name)
    created = row is None
    zone_id = add_zone(conn, name)["id"] if created else row["id"]
    current = None if created else get_zone(conn, name)["serial"]
    rows, soa = _plan_import(conn, name, zone_id, zone_records, replace, current is not None)
    serial = None
    if soa is not None:
        fields = soa.rdata.split()
        serial = int(fields[2])
        if current is not None and serial <= current:
            serial = (current + 1) % (MAX_SERIAL + 1)
        fields[2] = str(serial)
        rows.insert(0, (zone_id, name, "SOA", soa.ttl, " ".join(fields), *_routing(soa)))
        conn.serial_set.add(zone_id)
    deleted = _clear_for_import(conn, zone_id, name, replace, soa is not None)
    insert = (
        "INSERT INTO records (zone_id, name, type, ttl, rdata, weight, geo, enabled)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    for start in range(0, len(rows), IMPORT_BATCH):
        conn.executemany(insert, rows[start:start + IMPORT_BATCH])
        if progress is not None:
            progress(min(start + IMPORT_BATCH, len(rows)), len(rows))
    touch_zone(conn, zone_id)
    return {
        "zone": name,
        "created": created,
        "added": len(rows),
        "duplicates": rows.duplicates,
        "deleted": deleted,
        "serial": serial,
    }


class _Rows(list):
    """Rows to insert, plus how many duplicates were skipped to get them."""

    duplicates = 0


def _plan_import(conn, name, zone_id, zone_records, replace, had_soa):
    """
    Check the imported records against the zone rules and each other, in memory.

    @return: the non-SOA rows to insert and the file's SOA record (or None).
    """
    seen: set[tuple[str, str, str, str | None]] = set()
    types: dict[str, set[str]] = {}
    cnames: dict[str, int] = {}
    if not replace:
        for owner, rtype, rdata, geo in conn.execute(
            "SELECT name, type, rdata, geo FROM records WHERE zone_id = ? AND type != 'SOA'",
            (zone_id,),
        ):
            seen.add((owner, rtype, rdata, geo))
            types.setdefault(owner, set()).add(rtype)
            if rtype == "CNAME":
                cnames[owner] = cnames.get(owner, 0) + 1
    rows, soa = _Rows(), None
    suffix = "." + name
    for record in zone_records:
        owner, rtype = record.name, record.type
        if owner != name and not owner.endswith(suffix):
            raise InvalidInput(f"name '{owner}' is not in zone '{name}'", "name")
        if rtype == "SOA":
            if owner != name:
                raise InvalidInput(
                    f"SOA record at '{owner}' is not at the zone apex '{name}'", "name"
                )
            if soa is not None and soa.rdata != record.rdata:
                raise Conflict(f"zone '{name}' has more than one SOA record", "type")
            soa = record
            continue
        weight, geo, enabled = _routing(record)
        key = (owner, rtype, record.rdata, geo)
        if key in seen:
            rows.duplicates += 1
            continue
        seen.add(key)
        types.setdefault(owner, set()).add(rtype)
        if rtype == "CNAME":
            cnames[owner] = cnames.get(owner, 0) + 1
        rows.append((zone_id, owner, rtype, record.ttl, record.rdata, weight, geo, enabled))
    for owner, count in cnames.items():
        if count > 1 or len(types[owner]) > 1 or (owner == name and (had_soa or soa is not None)):
            raise Conflict(f"CNAME at '{owner}' cannot coexist with other records", "type")
    return rows, soa


def _routing(record) -> tuple[int, str | None, int]:
    """
    A read record's weight, geo and enabled flag as stored, checked as C{add_record} checks them.

    Most records have none, and skip the parsers: a million-record import stays fast.

    @raise InvalidInput: For a bad value, prefixed with the record's C{FILE:LINE} when known.
    """
    if record.weight == 0 and record.geo is None and record.enabled is True:
        return 0, None, 1
    try:
        return (
            parse_weight(record.weight), parse_geo(record.geo), int(parse_enabled(record.enabled))
        )
    except UserError as e:
        if record.where is None:
            raise
        raise InvalidInput(f"{record.where}: {e.message}", e.field) from None


def _clear_for_import(conn, zone_id: int, name: str, replace: bool, has_soa: bool) -> int:
    """Delete what the import replaces; return how many records went."""
    if replace and has_soa:
        sql, params = "DELETE FROM records WHERE zone_id = ?", (zone_id,)
    elif replace:
        sql = "DELETE FROM records WHERE zone_id = ? AND NOT (type = 'SOA' AND name = ?)"
        params = (zone_id, name)
    elif has_soa:
        sql = "DELETE FROM records WHERE zone_id = ? AND type = 'SOA' AND name = ?"
        params = (zone_id, name)
    else:
        return 0
    return conn.execute(sql, params).rowcount
