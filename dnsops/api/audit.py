# -*- test-case-name: tests.test_api_audit -*-
"""REST for the audit log: recent changes by CLI and API, newest first, filtered."""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import PAGE
from dnsops.api.schemas import AUDIT_ENTRY
from dnsops.store import audit


def add_routes(api: Api) -> None:
    """Register the audit endpoint."""

    @api.route(
        "GET", "/api/audit", scope="read", response=page_of(AUDIT_ENTRY),
        summary="Recent changes (who, when, what, before and after), newest first",
        query={
            "limit": {**PAGE["limit"], "default": 100}, "offset": PAGE["offset"],
            "actor": {"type": "string"}, "action": {"type": "string"},
            "target": {"type": "string"},
        },
    )
    def list_audit(call: Call) -> dict:
        q = call.query
        items, total = audit.list_entries(
            call.conn, q["limit"], q.get("offset") or 0, q.get("actor"), q.get("action"),
            q.get("target"),
        )
        return {"items": items, "total": total}
