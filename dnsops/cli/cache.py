# -*- test-case-name: tests.test_cli_pipeline -*-
"""The C{flush-cache} command: ask the running server, through the database, to empty its cache."""

import argparse

from dnsops.store import audit, db

FLUSH_COMMAND = "flush-cache"


def flush_cache(args: argparse.Namespace, conn: db.Connection) -> str:
    """
    Record a C{flush-cache} row in the C{control} table; the server's follower sees it within
    a second and empties the cache. The CLI never talks to the server directly.
    """
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO control (command, requested) VALUES (?, ?)", (FLUSH_COMMAND, db.now())
        )
        audit.record(conn, audit.CLI, FLUSH_COMMAND, "cache")
    return "cache flush requested"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("flush-cache", parents=[common],
                              help="empty the running server's forwarding cache")
    p.set_defaults(func=flush_cache)
