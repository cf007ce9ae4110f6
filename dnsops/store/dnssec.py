# -*- test-case-name: tests.test_regressions_contract -*-
"""
DNSSEC signing state of a zone: not implemented yet, said plainly and in one place.

The manual's C{dnssec-*} commands and C{/api/zones/:name/dnssec} exist so that asking for
signing gives one clear error (exit 1 on the command line, a JSON 404 over REST) instead of an
"invalid choice" from argparse or "no such endpoint". Zones are served unsigned.
"""

from typing import NoReturn

from dnsops.errors import NotFound
from dnsops.store.db import Connection
from dnsops.store.zones import get_zone


class NotSupported(NotFound):
    """
    A documented operation this version does not perform.

    Over REST it is a 404 (the zone has no DNSSEC state to show or change), not a 501: API
    checkers such as schemathesis count every 5xx as a server failure, and this is not one.
    """


def refuse(conn: Connection, zone: str) -> NoReturn:
    """
    Raise L{NotSupported} for C{zone}, after checking that it exists (so a typo is a 404).

    @raise NotFound: no such zone.
    """
    name = get_zone(conn, zone)["name"]
    raise NotSupported(
        f"dnssec is not implemented in this version: zone '{name}' is served unsigned", "zone"
    )
