# -*- test-case-name: tests.test_api_keys -*-
"""The key and audit commands: C{add-key}, C{list-keys}, C{revoke-key}, C{audit}."""

import argparse
import json

from dnsops.cli import Table
from dnsops.store import audit, db, keys
from dnsops.store.db import MAX_ROWID


def add_key(args: argparse.Namespace, conn: db.Connection) -> str:
    """Make a key and print its secret, the only time it is ever shown."""
    with db.transaction(conn):
        key, secret = keys.add_key(conn, args.name, args.scope)
        audit.record(conn, audit.CLI, "add-key", key["name"], None, key)
    if getattr(args, "json", False):
        return json.dumps({**key, "secret": secret}, indent=2)
    return f"{key['name']}\nsecret (shown once): {secret}"


def list_keys(args: argparse.Namespace, conn: db.Connection) -> Table:
    """Every key's name, scope and creation time; secrets are not stored, so never shown."""
    return Table(["name", "scope", "created"], keys.list_keys(conn))


def revoke_key(args: argparse.Namespace, conn: db.Connection) -> None:
    """Delete a key; calls made with its secret fail from now on."""
    with db.transaction(conn):
        key = keys.revoke_key(conn, args.name)
        audit.record(conn, audit.CLI, "revoke-key", key["name"], key, None)


def show_audit(args: argparse.Namespace, conn: db.Connection) -> Table:
    """Recent changes, newest first."""
    entries, _ = audit.list_entries(
        conn, args.limit, 0, args.actor, args.action, args.target
    )
    for entry in entries:
        if not getattr(args, "json", False):
            entry["before"] = _short(entry["before"])
            entry["after"] = _short(entry["after"])
    return Table(["id", "time", "actor", "action", "target", "before", "after"], entries)


def _short(value: object) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 60 else text[:59] + "…"


def _limit(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ROWID:
        raise argparse.ArgumentTypeError(f"invalid limit '{text}': expected 0 or more")
    return int(text)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("add-key", parents=[common],
                              help="create a scoped API key; its secret is printed once")
    p.add_argument("name", metavar="NAME")
    # No argparse choices: the store checks the scope, so the CLI and REST say the same thing.
    p.add_argument("--scope", required=True, metavar="|".join(reversed(keys.SCOPES)),
                   help="read: GET only; write: also zones, records, blocklist, cache;"
                        " admin: everything")
    p.set_defaults(func=add_key)

    p = subparsers.add_parser("list-keys", parents=[common], help="list API keys")
    p.set_defaults(func=list_keys)

    p = subparsers.add_parser("revoke-key", parents=[common], help="delete an API key")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=revoke_key)

    p = subparsers.add_parser("audit", parents=[common],
                              help="recent changes from the CLI and the API, newest first")
    p.add_argument("--limit", type=_limit, default=20, help="how many (default 20)")
    p.add_argument("--actor", help="only this actor: cli, token or key:NAME")
    p.add_argument("--action", help="only this action, e.g. add-record")
    p.add_argument("--target", help="only this target, e.g. a zone or record id")
    p.set_defaults(func=show_audit)
