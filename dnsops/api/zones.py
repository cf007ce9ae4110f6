# -*- test-case-name: tests.test_api_zones -*-
"""REST for zones: list, create, show, delete, and BIND zone-file import and export."""

import re

from dnsops.api.app import Api, Call
from dnsops.api.openapi import page_of
from dnsops.api.request import NAME_PARAM, PAGE, page
from dnsops.api.schemas import DURATION, INTEGER, NULLABLE_INTEGER, STRING, ZONE, obj
from dnsops.errors import InvalidInput
from dnsops.store import imports, records, zones
from dnsops.zonefile.reader import read_zone
from dnsops.zonefile.writer import write_zone

_ZONE_PATH = {"name": NAME_PARAM}
_INCLUDE = re.compile(r"^[ \t]*\$INCLUDE\b", re.IGNORECASE | re.MULTILINE)


def _public(zone: dict) -> dict:
    return {k: v for k, v in zone.items() if k != "id"}


def add_routes(api: Api) -> None:
    """Register the zone endpoints."""

    @api.route("GET", "/api/zones", scope="read", summary="List zones", query=PAGE,
               response=page_of(ZONE))
    def list_zones(call: Call) -> dict:
        return page(zones.list_zones(call.conn), call.query)

    @api.route(
        "POST", "/api/zones", scope="write", status=201, errors=(409,),
        summary="Create a zone; with ns and admin also its SOA and apex NS",
        body=obj(["name"], name=STRING, ns=STRING, admin=STRING, ttl=DURATION),
        response=ZONE,
    )
    def add_zone(call: Call) -> dict:
        body = call.body
        with api.changing(call):
            zone = _public(zones.add_zone(
                call.conn, body["name"], body.get("ns"), body.get("admin"),
                body.get("ttl", 3600),
            ))
            call.change("add-zone", zone["name"], None, zone)
        return zone

    @api.route("GET", "/api/zones/{name}", scope="read", summary="Show one zone",
               path_params=_ZONE_PATH, response=ZONE)
    def get_zone(call: Call) -> dict:
        return _public(zones.get_zone(call.conn, call.args["name"]))

    @api.route("DELETE", "/api/zones/{name}", scope="write", status=204,
               summary="Delete a zone and all its records", path_params=_ZONE_PATH)
    def delete_zone(call: Call) -> None:
        with api.changing(call):
            zone = _public(zones.get_zone(call.conn, call.args["name"]))
            zones.delete_zone(call.conn, zone["name"])
            call.change("delete-zone", zone["name"], zone, None)

    @api.route(
        "POST", "/api/zones/{name}/import", scope="write", path_params=_ZONE_PATH,
        summary="Read a BIND master file (text/plain) into the zone; ?replace=1 wipes first",
        query={"replace": {"type": "boolean", "default": False}},
        body={"type": "string"}, body_type="text/plain", errors=(409,),
        response=obj(zone=STRING, created={"type": "boolean"}, added=INTEGER,
                      duplicates=INTEGER, deleted=INTEGER, serial=NULLABLE_INTEGER),
    )
    def import_zone(call: Call) -> dict:
        name = zones.zone_name(call.args["name"])
        included = _INCLUDE.search(call.body)
        if included:
            line = call.body.count("\n", 0, included.start()) + 1
            raise InvalidInput(f"-:{line}: $INCLUDE is not allowed over REST", "body")
        row = zones.zone_row(call.conn, name)
        parsed = read_zone(call.body, name, "-", 3600 if row is None else row["ttl"])
        with api.changing(call):
            result = imports.replace_records(call.conn, name, parsed, call.query["replace"])
            call.change("import-zone", name, None, result)
        # Read after the commit, which may bump the serial; inside it the value is stale.
        result["serial"] = zones.get_zone(call.conn, name)["serial"]
        return result

    @api.route("GET", "/api/zones/{name}/export", scope="read", path_params=_ZONE_PATH,
               summary="The zone as a BIND master file", response={"type": "string"},
               response_type="text/plain")
    def export_zone(call: Call) -> str:
        zone = zones.get_zone(call.conn, call.args["name"])
        rows, _ = records.list_records(call.conn, zone["name"])
        return write_zone(zone["name"], rows, ttl=zone["ttl"])
