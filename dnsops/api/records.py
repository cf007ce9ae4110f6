# -*- test-case-name: tests.test_api_records -*-
"""REST for records: list a zone's (filtered, paged), add, show, update, delete."""

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import ID_PARAM, NAME_PARAM, PAGE
from dnsops.api.schemas import BOOLEAN, DURATION, INTEGER, RECORD, STRING, obj
from dnsops.store import records

_FIELDS = dict(ttl=DURATION, weight=INTEGER, geo={"type": ["string", "null"]}, enabled=BOOLEAN)


def add_routes(api: Api) -> None:
    """Register the record endpoints."""

    @api.route(
        "GET", "/api/zones/{name}/records", scope="read", summary="List a zone's records",
        path_params={"name": NAME_PARAM},
        query={**PAGE, "name": {"type": "string"}, "type": {"type": "string"}},
        response=page_of(RECORD),
    )
    def list_records(call: Call) -> dict:
        query = call.query
        items, total = records.list_records(
            call.conn, call.args["name"], query.get("name") or None,
            query.get("type") or None, query.get("limit"), query.get("offset") or 0,
        )
        return {"items": items, "total": total}

    @api.route(
        "POST", "/api/zones/{name}/records", scope="write", status=201, errors=(409,),
        summary="Add a record; priority/port prepend MX and SRV fields as the CLI flags do",
        path_params={"name": NAME_PARAM},
        body=obj(["name", "type", "rdata"], name=STRING, type=STRING, rdata=STRING,
                 priority=INTEGER, port=INTEGER, srv_weight=INTEGER, **_FIELDS),
        response=RECORD,
    )
    def add_record(call: Call) -> dict:
        body = call.body
        with api.changing(call):
            record = records.add_record(
                call.conn, call.args["name"], body["name"], body["type"], body["rdata"],
                ttl=body.get("ttl"), weight=body.get("weight", 0), geo=body.get("geo"),
                enabled=body.get("enabled", True), priority=body.get("priority"),
                port=body.get("port"), srv_weight=body.get("srv_weight"),
            )
            call.change("add-record", record["id"], None, record)
        return record

    @api.route("GET", "/api/records/{id}", scope="read", summary="Show one record",
               path_params={"id": ID_PARAM}, response=RECORD)
    def get_record(call: Call) -> dict:
        return records.get_record(call.conn, call.args["id"])

    @api.route(
        "PUT", "/api/records/{id}", scope="write", errors=(409,),
        summary="Change some fields of a record (absent fields stay; geo null or '' clears)",
        path_params={"id": ID_PARAM}, body=obj([], rdata=STRING, **_FIELDS), response=RECORD,
    )
    def update_record(call: Call) -> dict:
        body = call.body
        geo = body.get("geo")
        if "geo" in body and geo is None:
            geo = ""
        with api.changing(call):
            before = records.get_record(call.conn, call.args["id"])
            after = records.update_record(
                call.conn, before["id"], rdata=body.get("rdata"), ttl=body.get("ttl"),
                weight=body.get("weight"), geo=geo, enabled=body.get("enabled"),
            )
            call.change("update-record", before["id"], before, after)
        return after

    @api.route("DELETE", "/api/records/{id}", scope="write", status=204,
               summary="Delete a record", path_params={"id": ID_PARAM})
    def delete_record(call: Call) -> None:
        with api.changing(call):
            before = records.get_record(call.conn, call.args["id"])
            records.delete_record(call.conn, before["id"])
            call.change("delete-record", before["id"], before, None)
