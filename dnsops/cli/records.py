# -*- test-case-name: tests.test_cli -*-
"""The record commands: C{add-record}, C{list-records}, C{update-record}, C{delete-record}."""

import argparse

from dnsops.cli import Table
from dnsops.store import audit, db, records

COLUMNS = ["id", "name", "type", "ttl", "rdata", "weight", "geo", "enabled"]


def add_record(args: argparse.Namespace, conn: db.Connection) -> str:
    """
    Add one record and print its id.

    C{--priority}/C{--weight}/C{--port} are the manual's MX/SRV conveniences. For SRV given
    with C{--priority} and C{--port}, C{--weight} is the SRV weight field; otherwise it is the
    routing weight.
    """
    weight, srv_weight = args.weight, None
    if args.type.upper() == "SRV" and args.priority is not None and args.port is not None:
        weight, srv_weight = None, args.weight
    with db.transaction(conn):
        record = records.add_record(
            conn, args.zone, args.name, args.type, args.rdata,
            ttl=args.ttl, weight=0 if weight is None else weight, geo=args.geo,
            enabled=not args.disabled, priority=args.priority, port=args.port,
            srv_weight=srv_weight,
        )
        audit.record(conn, audit.CLI, "add-record", record["id"], None, record)
    return str(record["id"])


def list_records(args: argparse.Namespace, conn: db.Connection) -> Table:
    """The zone's records, optionally one owner name and/or type."""
    rows, _ = records.list_records(conn, args.zone, name=args.name, rtype=args.type)
    return Table(COLUMNS, rows)


def update_record(args: argparse.Namespace, conn: db.Connection) -> Table:
    """Change a record's rdata, TTL, weight, geo or enabled flag; print it."""
    with db.transaction(conn):
        before = records.get_record(conn, args.id)
        record = records.update_record(
            conn, before["id"], rdata=args.rdata, ttl=args.ttl, weight=args.weight,
            geo=args.geo, enabled=args.enabled,
        )
        audit.record(conn, audit.CLI, "update-record", record["id"], before, record)
    return Table(COLUMNS, [record])


def delete_record(args: argparse.Namespace, conn: db.Connection) -> None:
    """Delete one record by id."""
    with db.transaction(conn):
        before = records.get_record(conn, args.id)
        records.delete_record(conn, before["id"])
        audit.record(conn, audit.CLI, "delete-record", before["id"], before, None)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("add-record", parents=[common], help="add a record to a zone")
    p.add_argument("zone", metavar="ZONE")
    p.add_argument("name", metavar="NAME", help="@, relative to the zone, or absolute")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("rdata", metavar="RDATA")
    p.add_argument("--ttl", help="TTL (default: the zone's)")
    p.add_argument("--priority", help="MX preference or SRV priority, prepended to RDATA")
    p.add_argument("--weight", help="routing weight 0-65535 (SRV weight with --priority --port)")
    p.add_argument("--port", help="SRV port, prepended to RDATA")
    p.add_argument("--geo", metavar="CC", help="two-letter country code or default")
    p.add_argument("--disabled", action="store_true", help="store the record switched off")
    p.set_defaults(func=add_record)

    p = subparsers.add_parser("list-records", parents=[common], help="list a zone's records")
    p.add_argument("zone", metavar="ZONE")
    p.add_argument("--name", help="only this owner name")
    p.add_argument("--type", help="only this type")
    p.set_defaults(func=list_records)

    p = subparsers.add_parser("update-record", parents=[common], help="change a record")
    p.add_argument("id", metavar="ID")
    p.add_argument("--rdata")
    p.add_argument("--ttl")
    p.add_argument("--weight")
    p.add_argument("--geo", metavar="CC", help="two-letter country code, default, or none")
    flag = p.add_mutually_exclusive_group()
    flag.add_argument("--enabled", dest="enabled", action="store_const", const=True)
    flag.add_argument("--disabled", dest="enabled", action="store_const", const=False)
    p.set_defaults(func=update_record, enabled=None)

    p = subparsers.add_parser("delete-record", parents=[common], help="delete a record by id")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=delete_record)
