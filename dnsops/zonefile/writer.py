# -*- test-case-name: tests.test_zonefile -*-
"""
Write a zone's records as a BIND master file that L{dnsops.zonefile.reader} reads back exactly.

Layout: C{$ORIGIN zone.} and C{$TTL}, the SOA, then the other records in canonical DNS order
(RFC 4034 §6.1: the apex first, then names compared label by label from the right) and by type
and rdata within a name, so two exports of the same data are byte-identical and diff well.
Owners are relative (C{@} for the apex); every record carries its TTL and class, so no line
depends on the one before it; rdata names are absolute with a trailing dot.

dnsops' routing data has no master-file syntax, so it goes in comments, which BIND, Knot and NSD
skip: the file loads unchanged in any of them (serving every enabled record, unweighted), and
C{import-zone} reads the data back exactly. These two markers are the only comments the reader
gives a meaning to:
  - C{www 3600 IN A 192.0.2.1 ; dnsops: weight=90 geo=US} -- a record with a weight (1 to
    65535) and/or a geo tag (an ISO 3166-1 code or C{default}); either item is written only
    when set, so plain records have no comment;
  - C{;dnsops-disabled: www 3600 IN A 192.0.2.99 ; dnsops: weight=10} -- a disabled record: the
    whole line is a comment, holding the record as it would be written (owner first, on one
    line), with its own C{; dnsops:} comment when it has routing data.
The reader also takes C{weight=0} and C{geo=none} (the defaults), and refuses, with the file
and line, any other item, a marker on a directive or on a line without a record, and values
that C{--weight} or C{--geo} would refuse.
Record ids and creation times are not exported.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from dnsops import names
from dnsops.records import to_presentation
from dnsops.zonefile.lexer import DISABLED, MARKER


def write_zone(zone: str, records: Iterable[Mapping[str, Any]], ttl: int | None = None) -> str:
    """
    The master-file text for C{zone}.

    @param records: Record dicts as the store returns them (C{name} absolute, C{type}, C{ttl},
        C{rdata} canonical, and optionally C{weight}, C{geo}, C{enabled}).
    @param ttl: The C{$TTL} line's value; by default the SOA's TTL (else 3600). Every record
        has its own TTL, so this only matters to records added to the file by hand.
    """
    rows = sorted(records, key=lambda row: _order(zone, row))
    if ttl is None:
        ttl = next((row["ttl"] for row in rows if row["type"] == "SOA"), 3600)
    owners = [names.relative_name(row["name"], zone) for row in rows]
    width = min(max((len(owner) for owner in owners), default=1), 30)
    lines = [f"$ORIGIN {zone}." if zone else "$ORIGIN .", f"$TTL {ttl}"]
    for owner, row in zip(owners, rows):
        rdata = to_presentation(row["type"], row["rdata"])
        line = f"{owner:<{width}} {row['ttl']:>6} IN {row['type']:<5} {rdata}"
        routing = _routing(row)
        if routing:
            line = f"{line} ; {MARKER} {routing}"
        if not row.get("enabled", True):
            line = f";{DISABLED} {line}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _routing(row: Mapping[str, Any]) -> str:
    """The items of a record's C{; dnsops:} comment (C{weight=90 geo=US}), or "" for none."""
    items = []
    if row.get("weight"):
        items.append(f"weight={row['weight']}")
    if row.get("geo") is not None:
        items.append(f"geo={row['geo']}")
    return " ".join(items)


def _order(zone: str, row: Mapping[str, Any]) -> tuple:
    """
    Sort key: SOA first, then canonical name order, type, rdata, and geo tag (records that
    differ only in it are distinct), so the order does not depend on record ids.

    Names are stored as lower-case A-labels, so comparing labels as strings is comparing them
    as the RFC's octet strings.
    """
    name = row["name"]
    relative = name[: len(name) - len(zone)].rstrip(".") if zone else name
    labels = tuple(reversed(relative.split("."))) if relative else ()
    return (row["type"] != "SOA", labels, row["type"], row["rdata"], row.get("geo") or "")
