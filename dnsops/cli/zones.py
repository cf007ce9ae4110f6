# -*- test-case-name: tests.test_cli -*-
"""The zone commands: C{add-zone}, C{list-zones}, C{delete-zone}."""

import argparse

from dnsops.cli import Table
from dnsops.store import audit, db, zones


def add_zone(args: argparse.Namespace, conn: db.Connection) -> str:
    """Create a zone (with SOA and apex NS when --ns and --admin are given); print its name."""
    with db.transaction(conn):
        zone = zones.add_zone(conn, args.name, ns=args.ns, admin=args.admin, ttl=args.ttl)
        audit.record(conn, audit.CLI, "add-zone", zone["name"], None, _public(zone))
    return zone["name"]


def list_zones(args: argparse.Namespace, conn: db.Connection) -> Table:
    """Every zone with its default TTL, record count and serial."""
    return Table(["name", "ttl", "records", "serial", "created"], zones.list_zones(conn))


def delete_zone(args: argparse.Namespace, conn: db.Connection) -> None:
    """Delete a zone and everything in it."""
    with db.transaction(conn):
        zone = zones.get_zone(conn, args.name)
        zones.delete_zone(conn, zone["name"])
        audit.record(conn, audit.CLI, "delete-zone", zone["name"], _public(zone), None)


def _public(zone: dict) -> dict:
    """The zone as list-zones shows it (without the internal row id)."""
    return {key: value for key, value in zone.items() if key != "id"}


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("add-zone", parents=[common], help="create a zone")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--ns", metavar="HOST", help="primary nameserver (SOA MNAME and apex NS)")
    p.add_argument("--admin", metavar="MAILBOX", help="SOA RNAME, a mailbox written as a name")
    p.add_argument("--ttl", default="3600", help="default TTL for the zone's records (3600)")
    p.set_defaults(func=add_zone)

    p = subparsers.add_parser("list-zones", parents=[common], help="list every zone")
    p.set_defaults(func=list_zones)

    p = subparsers.add_parser("delete-zone", parents=[common],
                              help="delete a zone; cascades to its records")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=delete_zone)
