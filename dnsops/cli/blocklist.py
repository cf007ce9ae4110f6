# -*- test-case-name: tests.test_cli_pipeline -*-
"""
The blocklist commands: block, unblock, list-blocked, import-blocklist, allow, disallow,
list-allowed, and the downloaded list sources.
"""

import argparse
import sys

from dnsops.cli import Table
from dnsops.errors import UserError
from dnsops.store import audit, blocklist, db
from dnsops.store.db import MAX_ROWID


def block(args: argparse.Namespace, conn: db.Connection) -> str:
    """Block a domain (C{*.x.y} for its subdomains); print the stored form."""
    with db.transaction(conn):
        entry = blocklist.block(conn, args.domain, args.response)
        audit.record(conn, audit.CLI, "block", entry["domain"], None, entry)
    return entry["domain"]


def unblock(args: argparse.Namespace, conn: db.Connection) -> None:
    with db.transaction(conn):
        before = blocklist.get_blocked(conn, args.domain)
        blocklist.unblock(conn, args.domain)
        audit.record(conn, audit.CLI, "unblock", before["domain"], before, None)


def list_blocked(args: argparse.Namespace, conn: db.Connection) -> Table:
    rows, _ = blocklist.list_blocked(conn, limit=args.limit, offset=args.offset)
    for row in rows:
        row["source"] = row.pop("source_id")
    return Table(["domain", "response", "source", "added"], rows)


def import_blocklist(args: argparse.Namespace, conn: db.Connection):
    """Import a hosts file or plain list (C{-} is stdin); print added / duplicate / invalid."""
    if args.file == "-":
        counts = _import(conn, sys.stdin, args)
    else:
        try:
            stream = open(args.file, encoding="utf-8", errors="replace")
        except OSError as e:
            raise UserError(f"cannot read '{args.file}': {e.strerror.lower()}", "file") from None
        with stream:
            counts = _import(conn, stream, args)
    if getattr(args, "json", False):
        return counts
    return f"added {counts['added']}, duplicate {counts['duplicate']}, invalid {counts['invalid']}"


def _import(conn: db.Connection, lines, args: argparse.Namespace) -> dict:
    with db.transaction(conn):
        counts = blocklist.import_domains(conn, lines, args.response)
        audit.record(conn, audit.CLI, "import-blocklist", args.file, None, counts)
    return counts


def allow(args: argparse.Namespace, conn: db.Connection) -> str:
    """Add an allowlist exception; it wins over any block."""
    with db.transaction(conn):
        entry = blocklist.allow(conn, args.domain)
        audit.record(conn, audit.CLI, "allow", entry["domain"], None, entry)
    return entry["domain"]


def disallow(args: argparse.Namespace, conn: db.Connection) -> None:
    with db.transaction(conn):
        blocklist.disallow(conn, args.domain)
        audit.record(conn, audit.CLI, "disallow", args.domain, {"domain": args.domain}, None)


def list_allowed(args: argparse.Namespace, conn: db.Connection) -> Table:
    return Table(["domain", "added"], blocklist.list_allowed(conn))


def add_source(args: argparse.Namespace, conn: db.Connection) -> str:
    """
    Register a list to download; print its id. The running server fetches it within seconds
    and again every C{--refresh}.
    """
    with db.transaction(conn):
        source = blocklist.add_source(conn, args.url, args.refresh, args.response)
        audit.record(conn, audit.CLI, "add-blocklist-source", source["id"], None, source)
    return str(source["id"])


def list_sources(args: argparse.Namespace, conn: db.Connection) -> Table:
    return Table(
        ["id", "url", "refresh", "response", "count", "last_update", "last_error"],
        blocklist.list_sources(conn),
    )


def delete_source(args: argparse.Namespace, conn: db.Connection) -> None:
    with db.transaction(conn):
        before = blocklist.get_source(conn, _source_id(args.id))
        blocklist.delete_source(conn, before["id"])
        audit.record(conn, audit.CLI, "delete-blocklist-source", before["id"], before, None)


def _source_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(f"invalid id '{text}': expected an integer", "id") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_ROWID:
        raise UserError(f"invalid count '{text}': expected a whole number", "limit")
    return value


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No argparse choices: the store checks the value, so the CLI and REST say the same thing.
    response = dict(default="zero",
                    help="zero: A 0.0.0.0 / AAAA :: / others NXDOMAIN (default); nxdomain")

    p = subparsers.add_parser("block", parents=[common], help="block a domain (*.x.y: subdomains)")
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--response", **response)
    p.set_defaults(func=block)

    p = subparsers.add_parser("unblock", parents=[common], help="remove a domain from the blocklist")
    p.add_argument("domain", metavar="DOMAIN")
    p.set_defaults(func=unblock)

    p = subparsers.add_parser("list-blocked", parents=[common], help="list blocked domains")
    p.add_argument("--limit", type=_count, default=None)
    p.add_argument("--offset", type=_count, default=0)
    p.set_defaults(func=list_blocked)

    p = subparsers.add_parser("import-blocklist", parents=[common],
                              help="bulk import a hosts file or one-domain-per-line list")
    p.add_argument("file", metavar="FILE", help="path, or - for stdin")
    p.add_argument("--response", **response)
    p.set_defaults(func=import_blocklist)

    p = subparsers.add_parser("allow", parents=[common], help="allowlist a domain (wins over blocks)")
    p.add_argument("domain", metavar="DOMAIN")
    p.set_defaults(func=allow)

    p = subparsers.add_parser("disallow", parents=[common], help="remove a domain from the allowlist")
    p.add_argument("domain", metavar="DOMAIN")
    p.set_defaults(func=disallow)

    p = subparsers.add_parser("list-allowed", parents=[common], help="list allowlisted domains")
    p.set_defaults(func=list_allowed)

    p = subparsers.add_parser("add-blocklist-source", parents=[common],
                              help="download a hosts/domain list over HTTP(S) and keep it fresh")
    p.add_argument("url", metavar="URL")
    p.add_argument("--refresh", default="24h", help="how often to download it again (24h)")
    p.add_argument("--response", **response)
    p.set_defaults(func=add_source)

    p = subparsers.add_parser("list-blocklist-sources", parents=[common],
                              help="list sources with their count, last update and last error")
    p.set_defaults(func=list_sources)

    p = subparsers.add_parser("delete-blocklist-source", parents=[common],
                              help="remove a source and its entries")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=delete_source)
