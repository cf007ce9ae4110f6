# -*- test-case-name: tests.test_api_upstreams -*-
"""REST for upstream resolvers: list (with each one's live state), add, remove."""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import ID_PARAM, PAGE, page
from dnsops.api.schemas import INTEGER, STRING, obj
from dnsops.store import upstreams

_NULLABLE_NUMBER = {"type": ["number", "null"]}
_UPSTREAM = obj(
    ["id", "address", "port", "priority"],
    id=INTEGER, address=STRING, port=INTEGER, priority=INTEGER, created=STRING,
    status={"type": "string", "enum": ["up", "down", "unknown"]},
    last_error={"type": ["string", "null"]}, last_rtt_ms=_NULLABLE_NUMBER,
)


def _with_status(rows: list[dict], live: list[dict]) -> list[dict]:
    by_id = {row["id"]: row for row in live}
    result = []
    for row in rows:
        state = by_id.get(row["id"], {})
        up = state.get("up")
        result.append({
            **row,
            "status": "unknown" if up is None else ("up" if up else "down"),
            "last_error": state.get("last_error"),
            "last_rtt_ms": state.get("last_rtt_ms"),
        })
    return result


def add_routes(api: Api) -> None:
    """Register the upstream endpoints."""

    @api.route("GET", "/api/upstream", scope="read", query=PAGE, response=page_of(_UPSTREAM),
               summary="Upstream resolvers in the order tried, with their live state")
    def list_upstreams(call: Call) -> dict:
        live = api.deps.upstream_status() if api.deps.upstream_status is not None else []
        if isinstance(live, dict):
            live = list(live.values())
        return page(_with_status(upstreams.list_upstreams(call.conn), live), call.query)

    @api.route(
        "POST", "/api/upstream", scope="admin", status=201, errors=(409,),
        summary="Add an upstream resolver (lower priority is tried first)",
        body=obj(["address"], address=STRING, port=INTEGER, priority=INTEGER),
        response=_UPSTREAM,
    )
    def add_upstream(call: Call) -> dict:
        body = call.body
        with api.changing(call):
            row = upstreams.add_upstream(call.conn, body["address"], body.get("port", 53),
                                         body.get("priority", 0))
            call.change("add-upstream", row["id"], None, row)
        return _with_status([row], [])[0]

    @api.route("DELETE", "/api/upstream/{id}", scope="admin", status=204,
               summary="Remove an upstream resolver", path_params={"id": ID_PARAM})
    def delete_upstream(call: Call) -> None:
        with api.changing(call):
            row = upstreams.get_upstream(call.conn, call.args["id"])
            upstreams.delete_upstream(call.conn, row["id"])
            call.change("delete-upstream", row["id"], row, None)
