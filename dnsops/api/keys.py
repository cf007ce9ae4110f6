# -*- test-case-name: tests.test_api_keys -*-
"""REST for scoped API keys (admin only): list, create (the secret is shown once), revoke."""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import PAGE, page
from dnsops.api.schemas import KEY, STRING, obj
from dnsops.store import keys

_SCOPE = {"type": "string", "enum": ["admin", "write", "read"]}


def add_routes(api: Api) -> None:
    """Register the key endpoints."""

    @api.route("GET", "/api/keys", scope="admin", summary="List API keys (never secrets)",
               query=PAGE, response=page_of(KEY))
    def list_keys(call: Call) -> dict:
        return page(keys.list_keys(call.conn), call.query)

    @api.route(
        "POST", "/api/keys", scope="admin", status=201, errors=(409,),
        summary="Create a scoped key; the response is the only time its secret is shown",
        body=obj(["name", "scope"], name=STRING, scope=_SCOPE),
        response=obj(name=STRING, scope=STRING, secret=STRING, created=STRING),
    )
    def add_key(call: Call) -> dict:
        with api.changing(call):
            key, secret = keys.add_key(call.conn, call.body["name"], call.body["scope"])
            call.change("add-key", key["name"], None, key)
        return {**key, "secret": secret}

    @api.route("DELETE", "/api/keys/{name}", scope="admin", status=204,
               summary="Revoke a key", path_params={"name": {"type": "string"}})
    def revoke_key(call: Call) -> None:
        with api.changing(call):
            key = keys.revoke_key(call.conn, call.args["name"])
            call.change("revoke-key", key["name"], key, None)
