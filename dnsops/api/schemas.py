# -*- test-case-name: tests.test_api_openapi -*-
"""
JSON shapes of the objects the REST API sends, shared by the resource modules.

Written once here so that list and single-object responses of one resource agree, and the
OpenAPI document names each shape once.
"""

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
#: A TTL or duration: seconds, or text such as C{1h30m} (parsed as the CLI does).
DURATION = {"type": ["integer", "string"]}


def obj(required: list[str] | None = None, **properties: dict) -> dict:
    """An object schema with these properties (all required unless C{required} is given)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


ZONE = obj(name=STRING, ttl=INTEGER, created=STRING, records=INTEGER, serial=NULLABLE_INTEGER)

RECORD = obj(
    id=INTEGER, zone=STRING, name=STRING, type=STRING, rdata=STRING, ttl=INTEGER,
    weight=INTEGER, geo=NULLABLE_STRING, enabled=BOOLEAN,
)

BLOCKED = obj(domain=STRING, response=STRING, source_id=NULLABLE_INTEGER, added=STRING)

ALLOWED = obj(domain=STRING, added=STRING)

SOURCE = obj(
    id=INTEGER, url=STRING, refresh=INTEGER, response=STRING, count=INTEGER,
    last_update=NULLABLE_STRING, last_error=NULLABLE_STRING, created=STRING,
)

KEY = obj(name=STRING, scope=STRING, created=STRING)

CONFIG_ITEM = obj(key=STRING, value=STRING, default=STRING, description=STRING, secret=BOOLEAN)

ANY = {}

AUDIT_ENTRY = obj(
    id=INTEGER, time=STRING, actor=STRING, action=STRING, target=STRING, before=ANY, after=ANY,
)

LOG_ENTRY = obj(
    time={"type": "number"}, client=STRING, protocol=STRING, name=STRING, type=STRING,
    rcode=STRING, answered_by=STRING, duration_ms={"type": "number"},
)
