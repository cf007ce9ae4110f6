# -*- test-case-name: tests.test_zonefile -*-
"""
Write a zone's records as a BIND master file that L{dnsops.zonefile.reader} reads back exactly.

Layout: C{$ORIGIN zone.} and C{$TTL}, the SOA, then the other records in canonical DNS order
(RFC 4034 §6.1: the apex first, then names compared label by label from the right) and by type
and rdata within a name, so two exports of the same data are byte-identical and diff well.
Owners are relative (C{@} for the apex); every record carries its TTL and class, so no line
depends on the one before it; rdata names are absolute with a trailing dot.

What a master file cannot hold is left out, so an export is what the zone serves by default:
  - disabled records are not written;
  - C{weight} and C{geo} have no master-file syntax and are dropped; of several records that
    differ only in them, each is written, and importing them gives records without weight or
    geo (a re-import with C{--replace} loses the routing);
  - record ids and creation times are not exported.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from dnsops import names
from dnsops.records import to_presentation


def write_zone(zone: str, records: Iterable[Mapping[str, Any]], ttl: int | None = None) -> str:
    """
    The master-file text for C{zone}.

    @param records: Record dicts as the store returns them (C{name} absolute, C{type}, C{ttl},
        C{rdata} canonical, C{enabled}).
    @param ttl: The C{$TTL} line's value; by default the SOA's TTL (else 3600). Every record
        has its own TTL, so this only matters to records added to the file by hand.
    """
    enabled = [row for row in records if row.get("enabled", True)]
    enabled.sort(key=lambda row: _order(zone, row))
    if ttl is None:
        ttl = next((row["ttl"] for row in enabled if row["type"] == "SOA"), 3600)
    owners = [names.relative_name(row["name"], zone) for row in enabled]
    width = min(max((len(owner) for owner in owners), default=1), 30)
    lines = [f"$ORIGIN {zone}." if zone else "$ORIGIN .", f"$TTL {ttl}"]
    for owner, row in zip(owners, enabled):
        rdata = to_presentation(row["type"], row["rdata"])
        lines.append(f"{owner:<{width}} {row['ttl']:>6} IN {row['type']:<5} {rdata}")
    return "\n".join(lines) + "\n"


def _order(zone: str, row: Mapping[str, Any]) -> tuple:
    """
    Sort key: SOA first, then canonical name order, type, rdata.

    Names are stored as lower-case A-labels, so comparing labels as strings is comparing them
    as the RFC's octet strings.
    """
    name = row["name"]
    relative = name[: len(name) - len(zone)].rstrip(".") if zone else name
    labels = tuple(reversed(relative.split("."))) if relative else ()
    return (row["type"] != "SOA", labels, row["type"], row["rdata"])
