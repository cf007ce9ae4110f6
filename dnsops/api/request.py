# -*- test-case-name: tests.test_api -*-
"""
Reading what a REST call sent: its JSON body and query parameters, checked against the same
small schemas that L{dnsops.api.openapi} publishes.

Only the shape is checked here (JSON types, required and unknown fields); values are checked by
the store, as for the CLI, so the same bad value gives the same message either way.
"""

import json

from twisted.web.iweb import IRequest

from dnsops.errors import InvalidInput, UserError

#: Request bodies larger than this are refused with 413.
MAX_BODY = 10 * 1024 * 1024

_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


class TooLarge(UserError):
    """A request body over L{MAX_BODY}."""

    http_status = 413


def read_body(request: IRequest) -> bytes:
    """The raw body, refusing more than L{MAX_BODY} bytes."""
    length = request.getHeader(b"content-length")
    if length is not None and length.strip().isdigit() and int(length) > MAX_BODY:
        raise TooLarge(f"request body of {int(length)} bytes is over the {MAX_BODY} byte limit")
    data = request.content.read(MAX_BODY + 1) if request.content is not None else b""
    if len(data) > MAX_BODY:
        raise TooLarge(f"request body is over the {MAX_BODY} byte limit")
    return data


def read_text(request: IRequest) -> str:
    """The body as UTF-8 text (zone files)."""
    try:
        return read_body(request).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("request body is not UTF-8 text", "body")


def read_json(request: IRequest, schema: dict) -> dict:
    """The body as a JSON object matching C{schema}'s shape."""
    data = read_body(request)
    if not data.strip():
        value = {}
    else:
        try:
            value = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidInput(f"invalid JSON body: {e}", "body")
        except RecursionError:
            raise InvalidInput("invalid JSON body: nested too deeply", "body") from None
    check(value, schema, "body")
    return value


def check(value: object, schema: dict, field: str) -> None:
    """
    Check C{value}'s shape against C{schema} (type, required, properties, items).

    An C{enum} is documentation only: the store checks the value, so that the CLI and REST
    give the same message for the same bad value.
    """
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        if value is None and "null" in allowed:
            return
        pytypes = tuple(t for name in allowed if name != "null" for t in _TYPES[name])
        if not isinstance(value, pytypes) or (
            isinstance(value, bool) and bool not in pytypes
        ):
            expected = " or ".join(allowed)
            raise InvalidInput(f"invalid {field} {_show(value)}: expected {expected}", field)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                raise InvalidInput(f"missing field '{name}'", name)
        for name, item in value.items():
            if name not in properties:
                raise InvalidInput(f"unknown field '{name}'", name)
            check(item, properties[name], name)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            check(item, schema["items"], field)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def query_args(request: IRequest, spec: dict) -> dict:
    """
    The query parameters named in C{spec} (OpenAPI parameter schemas), parsed; others ignored.

    A parameter given twice uses its last value.
    """
    result = {}
    for name, schema in spec.items():
        values = request.args.get(name.encode())
        if not values:
            if "default" in schema:
                result[name] = schema["default"]
            continue
        try:
            text = values[-1].decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"invalid {name}: not UTF-8", name)
        result[name] = _parse_param(name, text, schema)
    return result


def _parse_param(name: str, text: str, schema: dict) -> object:
    kind = schema.get("type", "string")
    if kind == "integer":
        try:
            value = int(text)
        except ValueError:
            raise InvalidInput(f"invalid {name} '{text}': expected an integer", name)
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidInput(f"invalid {name} '{text}': expected {low} to {high}", name)
        return value
    if kind == "boolean":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise InvalidInput(f"invalid {name} '{text}': expected true or false", name)
    if "enum" in schema and text not in schema["enum"]:
        raise InvalidInput(
            f"invalid {name} '{text}': expected one of {', '.join(schema['enum'])}", name
        )
    if "\0" in text:
        raise InvalidInput(f"invalid {name}: contains a NUL character", name)
    return text


#: Query parameters of every list endpoint.
PAGE = {
    "limit": {"type": "integer", "minimum": 0, "maximum": 100000},
    "offset": {"type": "integer", "minimum": 0, "maximum": 2**31},
}

#: A name or domain in a path: what a DNS name may hold, without slashes.
NAME_PARAM = {"type": "string", "pattern": "^[A-Za-z0-9_*-][A-Za-z0-9_.*-]{0,252}$"}

#: A numeric id in a path.
ID_PARAM = {"type": "integer", "minimum": 1, "maximum": 2**62}


def page(items: list, query: dict, total: int | None = None) -> dict:
    """C{{"items", "total"}} for a list the store returned whole, cut to C{limit}/C{offset}."""
    offset = query.get("offset") or 0
    limit = query.get("limit")
    end = None if limit is None else offset + limit
    return {"items": items[offset:end], "total": len(items) if total is None else total}
