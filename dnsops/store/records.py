# -*- test-case-name: tests.test_store -*-
"""
Records in the database: validated writes and listing.

Every write goes through L{dnsops.records.parse_rdata} and L{dnsops.names.owner_name}, so the
CLI, REST and zone import (L{dnsops.store.imports}, which uses this module's parsers) store the
same canonical text and obey the same rules: CNAME exclusivity, one SOA and only at the apex, no
exact duplicates. Callers open the transaction; writers mark the zone with L{touch_zone} so its
serial goes up once per transaction.
"""

import sqlite3

from dnsops.errors import Conflict, InvalidInput, NotFound
from dnsops.names import owner_name
from dnsops.records import check_type, parse_rdata
from dnsops.store.countries import COUNTRY_CODES
from dnsops.store.db import MAX_ROWID, touch_zone
from dnsops.store.zones import get_zone
from dnsops.ttl import parse_ttl

MAX_WEIGHT = 65535

_RECORD_SELECT = (
    "SELECT r.id, z.name AS zone, r.name, r.type, r.rdata, r.ttl, r.weight, r.geo, r.enabled"
    " FROM records r JOIN zones z ON z.id = r.zone_id"
)


def _record_dict(row: sqlite3.Row) -> dict:
    record = dict(row)
    record["enabled"] = bool(record["enabled"])
    return record


def record_id(value: object) -> int:
    """
    A record id from a command line or URL; anything but a positive integer is refused.

    Ids beyond SQLite's 64-bit integers are refused here too: SQLite would raise
    C{OverflowError}, which is no user error and would surface as a traceback or a 500.
    """
    text = str(value).strip()
    if (
        isinstance(value, bool) or not text.isdigit() or not text.isascii()
        or len(text) > 19 or int(text) > MAX_ROWID
    ):
        raise InvalidInput(f"invalid record id '{value}'", "id")
    return int(text)


def parse_weight(value: object) -> int:
    """A routing weight, 0 to 65535."""
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isdigit() and text.isascii()) or int(text) > MAX_WEIGHT:
        raise InvalidInput(f"invalid weight '{value}': expected 0 to {MAX_WEIGHT}", "weight")
    return int(text)


def parse_geo(value: str | None) -> str | None:
    """
    A geo tag: an ISO 3166-1 alpha-2 code (stored upper-case), C{default}, or empty/C{none}.

    Only assigned codes (and MaxMind's C{XK}) are taken: a tag no GeoIP lookup can return,
    such as C{XX}, would be a record no client is ever routed to.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in ("", "none"):
        return None
    if text.lower() == "default":
        return "default"
    if text.upper() in COUNTRY_CODES:
        return text.upper()
    raise InvalidInput(
        f"invalid geo '{value}': expected a two-letter country code or default", "geo"
    )


def parse_enabled(value: object) -> bool:
    """A flag from JSON or text: true/false, 1/0, yes/no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InvalidInput(f"invalid enabled '{value}': expected true or false", "enabled")


def _with_fields(rtype: str, rdata: str, priority, port, srv_weight) -> str:
    """Prepend the manual's --priority/--weight/--port convenience fields to MX/SRV rdata."""
    if rtype == "MX":
        if port is not None or srv_weight is not None:
            raise InvalidInput("port and SRV weight apply only to SRV records", "port")
        return rdata if priority is None else f"{priority} {rdata}"
    if rtype == "SRV":
        if priority is None and port is None and srv_weight is None:
            return rdata
        if priority is None or port is None:
            raise InvalidInput("SRV records need both priority and port", "port")
        return f"{priority} {0 if srv_weight is None else srv_weight} {port} {rdata}"
    if priority is not None:
        raise InvalidInput(f"priority applies only to MX and SRV records, not {rtype}", "priority")
    if port is not None or srv_weight is not None:
        raise InvalidInput(f"port applies only to SRV records, not {rtype}", "port")
    return rdata


def _check_fits(zone: dict, owner: str, rtype: str, rdata: str, geo: str | None,
                others: list[sqlite3.Row]) -> None:
    """
    Refuse a record that would clash with C{others}, the records already at C{owner}.

    @raise InvalidInput: an SOA below the apex.
    @raise Conflict: a duplicate, a second SOA, or CNAME beside other data.
    """
    if rtype == "SOA" and owner != zone["name"]:
        raise InvalidInput(
            f"SOA record at '{owner}' is not at the zone apex '{zone['name']}'", "name"
        )
    for other in others:
        if other["type"] == rtype and other["rdata"] == rdata and other["geo"] == geo:
            raise Conflict("record already exists")
    if rtype == "SOA" and any(o["type"] == "SOA" for o in others):
        raise Conflict(f"zone '{zone['name']}' already has an SOA record", "type")
    if others and (rtype == "CNAME" or any(o["type"] == "CNAME" for o in others)):
        raise Conflict(f"CNAME at '{owner}' cannot coexist with other records", "type")


def add_record(
    conn: sqlite3.Connection,
    zone: str,
    name: str,
    rtype: str,
    rdata: str,
    ttl: int | str | None = None,
    weight: int | str = 0,
    geo: str | None = None,
    enabled: bool = True,
    priority: int | str | None = None,
    port: int | str | None = None,
    srv_weight: int | str | None = None,
) -> dict:
    """
    Add one record to C{zone} and return it.

    @param name: C{@}, absolute, or relative to the zone (the contract's NAME rule).
    @param ttl: None for the zone's default TTL.
    @param priority: MX preference or SRV priority, prepended to C{rdata} (the manual's
        convenience flags); C{port} and C{srv_weight} likewise for SRV.
    """
    zone = get_zone(conn, zone)
    rtype = check_type(rtype)
    owner = owner_name(name, zone["name"])
    rdata = parse_rdata(rtype, _with_fields(rtype, rdata, priority, port, srv_weight))
    ttl = zone["ttl"] if ttl is None else parse_ttl(str(ttl))
    weight = parse_weight(weight)
    geo = parse_geo(geo)
    enabled = parse_enabled(enabled)
    others = conn.execute(
        "SELECT type, rdata, geo FROM records WHERE zone_id = ? AND name = ?",
        (zone["id"], owner),
    ).fetchall()
    _check_fits(zone, owner, rtype, rdata, geo, others)
    new_id = conn.execute(
        "INSERT INTO records (zone_id, name, type, ttl, rdata, weight, geo, enabled)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (zone["id"], owner, rtype, ttl, rdata, weight, geo, int(enabled)),
    ).lastrowid
    touch_zone(conn, zone["id"])
    if rtype == "SOA":
        conn.serial_set.add(zone["id"])
    return get_record(conn, new_id)


def get_record(conn: sqlite3.Connection, id: int | str) -> dict:
    """The record with this id; NotFound otherwise."""
    rid = record_id(id)
    row = conn.execute(_RECORD_SELECT + " WHERE r.id = ?", (rid,)).fetchone()
    if row is None:
        raise NotFound(f"record {rid} not found", "id")
    return _record_dict(row)


def list_records(
    conn: sqlite3.Connection,
    zone: str,
    name: str | None = None,
    rtype: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """
    Records of C{zone} in id order, optionally only one owner and/or type.

    @param name: as in L{add_record} (absolute or relative to the zone).
    @return: one page of records, and how many match in all.
    """
    zone = get_zone(conn, zone)
    where, params = ["r.zone_id = ?"], [zone["id"]]
    if name is not None:
        where.append("r.name = ?")
        params.append(owner_name(name, zone["name"]))
    if rtype is not None:
        where.append("r.type = ?")
        params.append(check_type(rtype))
    condition = " WHERE " + " AND ".join(where)
    total = conn.execute("SELECT count(*) FROM records r" + condition, params).fetchone()[0]
    page = " ORDER BY r.id LIMIT ? OFFSET ?"
    rows = conn.execute(
        _RECORD_SELECT + condition + page, [*params, -1 if limit is None else limit, offset]
    ).fetchall()
    return [_record_dict(row) for row in rows], total


def update_record(
    conn: sqlite3.Connection,
    id: int | str,
    rdata: str | None = None,
    ttl: int | str | None = None,
    weight: int | str | None = None,
    geo: str | None = None,
    enabled: bool | None = None,
) -> dict:
    """
    Change some fields of a record (None leaves a field as it is) and return it.

    @param geo: a code or C{default}; empty or C{none} clears it.
    """
    record = get_record(conn, id)
    changes = {}
    if rdata is not None:
        changes["rdata"] = parse_rdata(record["type"], rdata)
    if ttl is not None:
        changes["ttl"] = parse_ttl(str(ttl))
    if weight is not None:
        changes["weight"] = parse_weight(weight)
    if geo is not None:
        changes["geo"] = parse_geo(geo)
    if enabled is not None:
        changes["enabled"] = int(parse_enabled(enabled))
    zone = get_zone(conn, record["zone"])
    if "rdata" in changes or "geo" in changes:
        others = conn.execute(
            "SELECT type, rdata, geo FROM records WHERE zone_id = ? AND name = ? AND id != ?"
            " AND type = ?",
            (zone["id"], record["name"], record["id"], record["type"]),
        ).fetchall()
        new_rdata = changes.get("rdata", record["rdata"])
        new_geo = changes.get("geo", record["geo"])
        if any(o["rdata"] == new_rdata and o["geo"] == new_geo for o in others):
            raise Conflict("record already exists")
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE records SET {assignments} WHERE id = ?", [*changes.values(), record["id"]]
        )
        touch_zone(conn, zone["id"])
        if record["type"] == "SOA":
            # Any SOA change (rdata, TTL, flags) is not a "non-SOA change": no serial bump.
            conn.serial_set.add(zone["id"])
    return get_record(conn, record["id"])


def delete_record(conn: sqlite3.Connection, id: int | str) -> None:
    """Delete one record; NotFound when there is no such id."""
    record = get_record(conn, id)
    zone = get_zone(conn, record["zone"])
    conn.execute("DELETE FROM records WHERE id = ?", (record["id"],))
    touch_zone(conn, zone["id"])
