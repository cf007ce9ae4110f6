# -*- test-case-name: tests.test_cli -*-
"""The config commands: C{set-config}, C{get-config}, C{list-config}."""

import argparse
import json

from dnsops.cli import Table
from dnsops.config import KEYS
from dnsops.store import audit, config, db



def set_config(args: argparse.Namespace, conn: db.Connection) -> None:
    """Store a value after checking it with the key's parser."""
    with db.transaction(conn):
        before = config.get(conn, args.key)
        config.set(conn, args.key, args.value)
        audit.record(conn, audit.CLI, "set-config", args.key, before, args.value)


def get_config(args: argparse.Namespace, conn: db.Connection) -> str:
    """Print one value, secrets included: asking for a key by name is asking to see it."""
    value = config.get(conn, args.key)
    if getattr(args, "json", False):
        return json.dumps({"key": args.key, "value": value})
    return value


def list_config(args: argparse.Namespace, conn: db.Connection) -> Table:
    """Every key with its value and description; secret values are masked."""
    rows = [
        {
            "key": key,
            "value": audit.MASK if KEYS[key].secret and value else value,
            "description": KEYS[key].doc,
        }
        for key, value in config.all(conn).items()
    ]
    return Table(["key", "value", "description"], rows)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("set-config", parents=[common], help="set a config key")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE")
    p.set_defaults(func=set_config)

    p = subparsers.add_parser("get-config", parents=[common], help="print a config value")
    p.add_argument("key", metavar="KEY")
    p.set_defaults(func=get_config)

    p = subparsers.add_parser("list-config", parents=[common], help="list every config key")
    p.set_defaults(func=list_config)
