# -*- test-case-name: tests.test_cli_pipeline -*-
"""The upstream commands: C{add-upstream}, C{list-upstream}, C{delete-upstream}."""

import argparse

from dnsops.cli import Table
from dnsops.store import audit, db, upstreams


def add_upstream(args: argparse.Namespace, conn: db.Connection) -> str:
    """Add a resolver to forward to; print its id. A running server uses it within a second."""
    with db.transaction(conn):
        row = upstreams.add_upstream(conn, args.address, port=args.port, priority=args.priority)
        audit.record(conn, audit.CLI, "add-upstream", row["id"], None, row)
    return str(row["id"])


def list_upstream(args: argparse.Namespace, conn: db.Connection) -> Table:
    """The resolvers in the order they are tried (ascending priority)."""
    return Table(["id", "address", "port", "priority", "created"], upstreams.list_upstreams(conn))


def delete_upstream(args: argparse.Namespace, conn: db.Connection) -> None:
    with db.transaction(conn):
        before = upstreams.get_upstream(conn, args.id)
        upstreams.delete_upstream(conn, args.id)
        audit.record(conn, audit.CLI, "delete-upstream", before["id"], before, None)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("add-upstream", parents=[common],
                              help="add a resolver that non-local names are forwarded to")
    p.add_argument("address", metavar="ADDR", help="IPv4 or IPv6 address, or tls://ADDR[:PORT][#NAME] for DNS over TLS")
    p.add_argument("--port", default="53", help="UDP/TCP port (53)")
    p.add_argument("--priority", default="0", help="lower is tried first (0)")
    p.set_defaults(func=add_upstream)

    p = subparsers.add_parser("list-upstream", parents=[common],
                              help="list resolvers in priority order")
    p.set_defaults(func=list_upstream)

    p = subparsers.add_parser("delete-upstream", parents=[common], help="remove a resolver")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=delete_upstream)
