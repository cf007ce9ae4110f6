# -*- test-case-name: tests.test_api_logs -*-
"""REST for the query log: the newest answered queries first, filtered."""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import PAGE
from dnsops.api.schemas import LOG_ENTRY
from dnsops.store import querylog

ANSWER_KINDS = ["authoritative", "cache", "upstream", "blocked", "refused", "rate-limited",
                "stale"]


def add_routes(api: Api) -> None:
    """Register the log endpoint."""

    @api.route(
        "GET", "/api/logs", scope="read", response=page_of(LOG_ENTRY),
        summary="Recent queries, newest first (default 100), filtered by client, name, kind",
        query={
            "limit": {**PAGE["limit"], "default": 100}, "offset": PAGE["offset"],
            "client": {"type": "string"}, "name": {"type": "string"},
            "answered_by": {"type": "string", "enum": ANSWER_KINDS},
        },
    )
    def logs(call: Call) -> dict:
        q = call.query
        filters = {k: q[k] for k in ("client", "name", "answered_by") if q.get(k)}
        items, total = querylog.recent(call.conn, q["limit"], q.get("offset") or 0, **filters)
        return {"items": items, "total": total}

