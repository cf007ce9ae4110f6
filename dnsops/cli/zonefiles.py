# -*- test-case-name: tests.test_cli -*-
"""The zone file commands: C{import-zone} and C{export-zone} (BIND master-file format)."""

import argparse
import json
import sys
import time

from dnsops.errors import InvalidInput
from dnsops.store import audit, db, imports, records, zones
from dnsops.zonefile.reader import read_zone, read_zone_file
from dnsops.zonefile.writer import write_zone


class _Progress:
    """
    Progress lines on stderr, only when stderr is a terminal (never in scripts or pipes).

    Updates are throttled to a few a second so they cost nothing on a large import.
    """

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.last = 0.0

    def say(self, text: str, done: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done or now - self.last >= 0.2:
            self.last = now
            self.stream.write(f"\r{text}\x1b[K" + ("\n" if done else ""))
            self.stream.flush()

    def rows(self, written: int, total: int) -> None:
        self.say(f"writing {written:,}/{total:,} records", done=written == total)


def _read_stdin() -> str:
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("zone file '-' is not UTF-8 text", "file") from None


def import_zone(args: argparse.Namespace, conn: db.Connection) -> str:
    """
    Read a master file and store its records in one transaction; print the counts.

    The file is parsed before the write lock is taken, so a slow parse never blocks the server
    or other commands. The zone is created when it does not exist.
    """
    name = zones.zone_name(args.zone)
    row = zones.zone_row(conn, name)
    default_ttl = 3600 if row is None else row["ttl"]
    progress = _Progress()
    progress.say(f"reading {args.file}")
    if args.file == "-":
        parsed = read_zone(_read_stdin(), name, "-", default_ttl)
    else:
        parsed = read_zone_file(args.file, name, default_ttl)
    progress.say(f"read {len(parsed):,} records", done=True)
    with db.transaction(conn):
        result = imports.replace_records(conn, name, parsed, args.replace, progress.rows)
        audit.record(conn, audit.CLI, "import-zone", name, None, result)
    result["serial"] = zones.get_zone(conn, name)["serial"]
    if getattr(args, "json", False):
        return json.dumps(result, indent=2)
    serial = "" if result["serial"] is None else f", serial {result['serial']}"
    return (
        f"{result['zone']}: {result['added']} added, {result['duplicates']} duplicate,"
        f" {result['deleted']} deleted{serial}"
    )


def export_zone(args: argparse.Namespace, conn: db.Connection) -> str:
    """Print the zone as a master file that C{import-zone} reads back to the same records."""
    zone = zones.get_zone(conn, args.zone)
    rows, _ = records.list_records(conn, zone["name"])
    return write_zone(zone["name"], rows, ttl=zone["ttl"]).rstrip("\n")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("import-zone", parents=[common],
                              help="read a BIND zone file into a zone ('-' is stdin)")
    p.add_argument("zone", metavar="ZONE")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--replace", action="store_true", help="delete the zone's records first")
    p.set_defaults(func=import_zone)

    p = subparsers.add_parser("export-zone", parents=[common],
                              help="print a zone as a BIND zone file")
    p.add_argument("zone", metavar="ZONE")
    p.set_defaults(func=export_zone)
