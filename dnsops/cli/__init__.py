# -*- test-case-name: tests.test_cli -*-
"""
The C{dnsops} command line: one subcommand per operation, one transaction each.

Each module in this package registers its commands with L{register}-style functions listed in
L{COMMAND_MODULES}. A command function takes the parsed arguments and an open connection and
returns what to print: a L{Table}, a string, or None. L{main} renders L{UserError} as one
C{error: ...} line on stderr with exit status 1, and never shows a traceback.
"""

import argparse
import importlib
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from dnsops import __version__
from dnsops.errors import UserError

#: Modules with a C{register(subparsers)} function, in the order their commands are listed.
COMMAND_MODULES = (
    "dnsops.cli.server",
    "dnsops.cli.zones",
    "dnsops.cli.records",
    "dnsops.cli.zonefiles",
    "dnsops.cli.config",
    "dnsops.cli.upstreams",
    "dnsops.cli.blocklist",
    "dnsops.cli.cache",
    "dnsops.cli.keys",
    "dnsops.cli.dnssec",
)


@dataclass
class Table:
    """Rows for people (aligned columns) or scripts (C{--json})."""

    columns: Sequence[str]
    rows: list[dict] = field(default_factory=list)

    def render(self, as_json: bool) -> str:
        if as_json:
            return json.dumps(self.rows, indent=2, default=str)
        if not self.rows:
            return "(none)"
        cells = [[_cell(row.get(c)) for c in self.columns] for row in self.rows]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(self.columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.columns, widths)).rstrip()]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises L{UserError} instead of printing usage and exiting 2."""

    def error(self, message: str):  # noqa: D102 - argparse's name
        raise UserError(message)


def build_parser() -> ArgumentParser:
    common = ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=argparse.SUPPRESS, help="SQLite database (default $DNSOPS_DB or dns.db)"
    )
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of a table")
    parser = ArgumentParser(
        prog="dnsops", description="DNS server and ops console.", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"dnsops {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue
            raise
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return _run(args)
    except UserError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as e:
        print(f"error: database: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 - a bug still gets one line, never a traceback
        print(f"error: internal error ({type(e).__name__}: {e})", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from dnsops.store.db import connect, default_path

    if getattr(args, "no_db", False):
        result = args.func(args, None)
    else:
        conn = connect(getattr(args, "db", None) or default_path())
        try:
            result = args.func(args, conn)
        finally:
            conn.close()
    if isinstance(result, int):
        return result
    if isinstance(result, Table):
        print(result.render(getattr(args, "json", False)))
    elif isinstance(result, (dict, list)):
        print(json.dumps(result, indent=2, default=str))
    elif result is not None:
        print(result)
    return 0
