# -*- test-case-name: tests.test_regressions_contract -*-
"""REST for a zone's DNSSEC state: a JSON 404 saying so until signing is implemented."""

from dnsops.api.app import Api, Call
from dnsops.api.request import NAME_PARAM
from dnsops.store import dnssec

_ZONE_PATH = {"name": NAME_PARAM}


def add_routes(api: Api) -> None:
    """Register the manual's three DNSSEC endpoints."""
    for method, scope, summary in (
        ("GET", "read", "DNSSEC status and DS (not implemented: 404)"),
        ("POST", "write", "Sign the zone and return its DS (not implemented: 404)"),
        ("DELETE", "write", "Stop signing the zone (not implemented: 404)"),
    ):
        @api.route(method, "/api/zones/{name}/dnssec", scope=scope, summary=summary,
                   path_params=_ZONE_PATH, errors=(404,))
        def refuse(call: Call) -> None:
            dnssec.refuse(call.conn, call.args["name"])
