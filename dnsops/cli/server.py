# -*- test-case-name: tests.test_process -*-
"""The server commands: C{init-db} (schema and default upstreams) and C{start} (the server, in the foreground)."""

import argparse
import sys

from dnsops.errors import UserError
from dnsops.store import db


def init_db(args: argparse.Namespace, conn: db.Connection) -> str:
    """Opening the database creates and seeds it; running it again changes nothing."""
    return f"database ready: {getattr(args, 'db', None) or db.default_path()}"


def _tap_argv(args: argparse.Namespace) -> list[str]:
    argv = []
    if getattr(args, "db", None):
        argv += ["--db", args.db]
    for flag in ("port", "api_port", "doh_port", "dot_port", "log_level"):
        value = getattr(args, flag)
        if value is not None:
            argv += ["--" + flag.replace("_", "-"), str(value)]
    for address in args.interface or []:
        argv += ["--interface", address]
    if args.no_doh:
        argv.append("--no-doh")
    if args.no_dot:
        argv.append("--no-dot")
    return argv


def start(args: argparse.Namespace, conn) -> int:
    """
    Run the server until SIGTERM or SIGINT, then stop it cleanly and exit 0.

    The options are checked by the same L{dnsops.tap.Options} as C{twistd dnsops}.
    """
    from twisted.python import usage

    from dnsops.tap import Options, log_predicates

    options = Options()
    try:
        options.parseOptions(_tap_argv(args))
    except usage.UsageError as e:
        raise UserError(str(e))

    from twisted.internet import reactor
    from twisted.logger import (
        FilteringLogObserver, globalLogBeginner, textFileLogObserver,
    )

    from dnsops.server.listeners import ListenError
    from dnsops.service import make_service

    observer = FilteringLogObserver(textFileLogObserver(sys.stdout), log_predicates(options["log-level"]))
    globalLogBeginner.beginLoggingTo([observer], redirectStandardIO=False)
    service = make_service(options, reactor)
    try:
        service.privilegedStartService()
    except ListenError as e:
        raise UserError(str(e))
    except OSError as e:
        raise UserError(f"cannot listen on port {options['port']}: {e.strerror or e}")
    reactor.callWhenRunning(service.startService)
    reactor.addSystemEventTrigger("before", "shutdown", service.stopService)
    reactor.run()
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("init-db", parents=[common], help="create the database; idempotent")
    p.set_defaults(func=init_db)

    p = subparsers.add_parser("start", parents=[common], help="run the server in the foreground")
    p.add_argument("--port", help="DNS port for UDP and TCP (default 53; 0 picks one)")
    p.add_argument("--api-port", help="REST API and dashboard port (default 8088)")
    p.add_argument("--doh-port", help="DNS over HTTPS port (default 443)")
    p.add_argument("--dot-port", help="DNS over TLS port (default 853)")
    p.add_argument("--no-doh", action="store_true", help="do not serve DNS over HTTPS")
    p.add_argument("--no-dot", action="store_true", help="do not serve DNS over TLS")
    p.add_argument("--interface", action="append", metavar="ADDR",
                   help="address to listen on (repeatable; default 0.0.0.0 and ::)")
    p.add_argument("--log-level", help="least severe log level shown (default info)")
    p.set_defaults(func=start, no_db=True)
