# -*- test-case-name: tests.test_regressions_contract -*-
"""
The DNSSEC commands of the manual (C{dnssec-enable}, C{dnssec-disable}, C{dnssec-ds},
C{dnssec-status}): each says, in one line, that signing is not implemented yet.
"""

import argparse

from dnsops.store import db, dnssec

#: Command name and help text, in the manual's order.
COMMANDS = (
    ("dnssec-enable", "sign a zone and print its DS record (not implemented)"),
    ("dnssec-disable", "stop signing a zone (not implemented)"),
    ("dnssec-ds", "print a zone's DS record for the parent (not implemented)"),
    ("dnssec-status", "show a zone's signing state and key tag (not implemented)"),
)


def not_implemented(args: argparse.Namespace, conn: db.Connection) -> None:
    """Refuse with one clear error line (the zone is checked first)."""
    dnssec.refuse(conn, args.zone)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    for name, summary in COMMANDS:
        p = subparsers.add_parser(name, parents=[common], help=summary)
        p.add_argument("zone", metavar="ZONE")
        p.set_defaults(func=not_implemented)
