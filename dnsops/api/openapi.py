# -*- test-case-name: tests.test_api_openapi -*-
"""
The OpenAPI 3.0 description of the REST API, built from the routes themselves.

Each route is declared once, with its scope, parameters, body and response schemas
(L{dnsops.api.app.Api.route}); this module collects those declarations into the document
served at C{GET /api/openapi.json}. The same schemas check request bodies, so the document
cannot drift from what the server accepts, and the schemathesis test checks what it returns.
"""

from dataclasses import dataclass, field

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "what went wrong, for people"},
        "field": {"type": ["string", "null"], "description": "the input field at fault"},
    },
    "required": ["error"],
}

_REASONS = {
    400: "bad input; 'field' names the field",
    401: "missing or invalid bearer token",
    403: "the key's scope is too narrow",
    404: "not found",
    409: "conflict with what exists",
    413: "request body over 10 MB",
    503: "a listener is down",
    429: "too many failed logins from this address; see Retry-After",
}


def page_of(item: dict) -> dict:
    """The schema of a list response: C{{"items": [...], "total": N}}."""
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": item}, "total": {"type": "integer"}},
        "required": ["items", "total"],
    }


@dataclass
class Operation:
    """One method on one path, as declared by its route."""

    method: str
    path: str
    summary: str
    scope: str | None
    status: int = 200
    path_params: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: dict | None = None
    body_type: str = "application/json"
    response: dict | None = None
    response_type: str = "application/json"
    errors: tuple = ()

    def statuses(self) -> list[int]:
        """Every error status this operation may answer with."""
        codes = set(self.errors)
        if self.scope is not None:
            codes |= {401, 429}
            if self.scope != "read":
                codes.add(403)
        if self.body is not None:
            codes |= {400, 413}
        if self.query:
            codes.add(400)
        if self.path_params:
            codes |= {400, 404}
        return sorted(codes)


class Spec:
    """Operations collected from route declarations."""

    def __init__(self, title: str, version: str) -> None:
        self.title = title
        self.version = version
        self.operations: list[Operation] = []

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)

    def document(self) -> dict:
        """The OpenAPI 3.0.3 document."""
        paths: dict[str, dict] = {}
        for op in self.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
        return {
            "openapi": "3.0.3",
            "info": {
                "title": self.title,
                "version": self.version,
                "description": (
                    "dnsops REST API. Every /api/* call except this document needs "
                    "'Authorization: Bearer TOKEN': the config api_token (admin) or a scoped "
                    "key. Each operation's x-scope is the narrowest scope allowed "
                    "(read < write < admin)."
                ),
            },
            "paths": paths,
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                "schemas": {"Error": _oas30(ERROR)},
            },
        }


def _operation(op: Operation) -> dict:
    result: dict = {
        "summary": op.summary,
        "operationId": f"{op.method.lower()}_{_slug(op.path)}",
        "parameters": [],
        "responses": {},
    }
    if op.scope is None:
        result["security"] = []
    else:
        result["security"] = [{"bearer": []}]
        result["x-scope"] = op.scope
        result["description"] = f"Needs scope '{op.scope}' or wider."
    for name, schema in op.path_params.items():
        result["parameters"].append(
            {"name": name, "in": "path", "required": True, "schema": _oas30(schema)}
        )
    for name, schema in op.query.items():
        result["parameters"].append({"name": name, "in": "query", "schema": _oas30(schema)})
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {op.body_type: {"schema": _closed(_oas30(op.body))}},
        }
    ok: dict = {"description": "success"}
    if op.response is not None:
        ok["content"] = {op.response_type: {"schema": _oas30(op.response)}}
    result["responses"][str(op.status)] = ok
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for code in op.statuses():
        result["responses"][str(code)] = {"description": _REASONS[code], "content": error}
    if not result["parameters"]:
        del result["parameters"]
    return result


def _closed(schema: dict) -> dict:
    """A request body schema that, like L{dnsops.api.request.check}, refuses unknown fields."""
    if schema.get("type") == "object" and "properties" in schema:
        return {**schema, "additionalProperties": False}
    return schema


def _slug(path: str) -> str:
    return "_".join(p.strip("{}") for p in path.strip("/").split("/")) or "root"


def _oas30(schema: object) -> object:
    """Our JSON-Schema-style types (C{["string", "null"]}) in OpenAPI 3.0 form (C{nullable})."""
    if isinstance(schema, list):
        return [_oas30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            kinds = [v for v in value if v != "null"]
            if len(kinds) == 1:
                result["type"] = kinds[0]
            else:
                result["anyOf"] = [{"type": kind} for kind in kinds]
            if "null" in value:
                result["nullable"] = True
        elif key in ("properties",):
            result[key] = {name: _oas30(s) for name, s in value.items()}
        else:
            result[key] = _oas30(value)
    return result
