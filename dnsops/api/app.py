# -*- test-case-name: tests.test_api -*-
"""
The REST API as one Klein app: routes declared with their scope and schemas, one auth check,
and JSON errors (the dashboard's files are in L{dnsops.api.web}).

Each resource module has C{add_routes(api)}; L{Api.route} registers a handler with Klein and
its description with L{dnsops.api.openapi}, so what is served and what is documented are the
same list. Handlers get a L{Call} and return a JSON-able object; they never build responses.
"""

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from klein import Klein
from klein._resource import KleinResource, URLDecodeError, extractURLparts
from twisted.internet.defer import maybeDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.iweb import IRequest
from werkzeug.exceptions import HTTPException, MethodNotAllowed

import dnsops
from dnsops.api.auth import Authenticator, Caller, FailureLimiter, TooManyRequests
from dnsops.api.openapi import Operation, Spec
from dnsops.api.request import query_args, read_json, read_text
from dnsops.errors import UserError
from dnsops.store import audit
from dnsops.store.db import Connection, connect, transaction

_log = Logger()



@dataclass
class ApiDeps:
    """
    Everything the API reads besides the database, injected by the service.

    @ivar db_path: the SQLite file; the API opens its own connection, used only from the
        reactor thread.
    @ivar clock: for uptime and the failed-login limiter.
    @ivar stats: the server's live counters (L{dnsops.querylog}'s Stats), or None.
    @ivar cache: the forwarding cache (C{stats()}, C{flush()}), or None: flushing then goes
        through the control table, as C{flush-cache} does.
    @ivar upstream_status: returns live state per upstream, keyed by upstream id.
    @ivar listeners: returns C{{"dns udp 127.0.0.1:53": True, ...}}: is each listener up.
    @ivar metrics: the Prometheus registry wrapper served at C{/metrics}.
    @ivar web_root: the dashboard directory served at C{/}; None for no dashboard.
    @ivar series: the L{dnsops.api.timeseries.Sampler} behind C{/api/stats/series}, or None.
    """

    db_path: str
    clock: IReactorTime
    stats: Any = None
    cache: Any = None
    upstream_status: Callable[[], dict] | None = None
    listeners: Callable[[], dict] | None = None
    metrics: Any = None
    web_root: str | None = None
    series: Any = None
    started: float | None = None
    limiter: FailureLimiter | None = None
    _conn: Connection | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock.seconds()
        if self.limiter is None:
            self.limiter = FailureLimiter(self.clock)

    def connection(self) -> Connection:
        """The API's connection, opened on first use."""
        if self._conn is None:
            self._conn = connect(self.db_path)
        return self._conn

    def close(self) -> None:
        """Close the API's connection (the service calls this on stop)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class Call:
    """
    One authenticated call, as a handler sees it.

    @ivar args: path parameters.
    @ivar query: query parameters declared by the route, parsed.
    @ivar body: the JSON body (a dict), the text body, or None.
    """

    request: IRequest
    conn: Connection
    caller: Caller | None
    args: dict
    query: dict
    body: Any

    def change(self, action: str, target: object, before: object, after: object) -> None:
        """Record this caller's change in the audit log (inside the change's transaction)."""
        actor = self.caller.actor if self.caller else "anonymous"
        audit.record(self.conn, actor, action, str(target), before, after)


class Api:
    """A Klein app plus its OpenAPI description, filled by the resource modules."""

    def __init__(self, deps: ApiDeps) -> None:
        self.deps = deps
        self.app = _Klein()
        self.spec = Spec("dnsops", dnsops.__version__)
        self.auth = Authenticator(deps.limiter)

    def route(
        self,
        method: str,
        path: str,
        *,
        scope: str | None,
        summary: str,
        status: int = 200,
        path_params: dict | None = None,
        query: dict | None = None,
        body: dict | None = None,
        body_type: str = "application/json",
        response: dict | None = None,
        response_type: str = "application/json",
        errors: tuple = (),
    ) -> Callable:
        """
        Declare one operation; the decorated function takes a L{Call}.

        @param path: OpenAPI form (C{/api/zones/{name}}); integer path parameters become
            werkzeug C{int} converters, so a non-number id is a 404 before any handler runs.
        @param scope: the narrowest scope allowed, or None for no authentication.
        """
        op = Operation(
            method, path, summary, scope, status, path_params or {}, query or {}, body,
            body_type, response, response_type, errors,
        )
        self.spec.add(op)

        def decorate(handler: Callable[[Call], Any]) -> Callable:
            def endpoint(request: IRequest, **kwargs: Any) -> Any:
                return self._run(op, handler, request, kwargs)

            self.app.route(
                _klein_path(path, op.path_params), methods=[method],
                endpoint=f"{method} {path}",
            )(endpoint)
            return handler

        return decorate

    def _run(self, op: Operation, handler: Callable, request: IRequest, args: dict) -> Any:
        conn = self.deps.connection() if op.scope is not None or op.path.startswith("/api/") \
            else None
        caller = None
        if op.scope is not None:
            caller = self.auth.authenticate(
                conn, request.getHeader(b"authorization"), _address(request)
            )
            self.auth.permit(caller, op.scope)
        query = query_args(request, op.query)
        if op.body is None:
            body = None
        elif op.body_type == "application/json":
            body = read_json(request, op.body)
        else:
            body = read_text(request)
        call = Call(request, conn, caller, args, query, body)
        d = maybeDeferred(handler, call)
        d.addCallback(_render, request, op)
        return d

    def changing(self, call: Call) -> Any:
        """The transaction a write handler runs in: C{with api.changing(call):}."""
        return transaction(call.conn)


def _klein_path(path: str, params: dict) -> str:
    for name, schema in params.items():
        converter = "int:" if schema.get("type") == "integer" else ""
        path = path.replace("{" + name + "}", f"<{converter}{name}>")
    return path


def _address(request: IRequest) -> str:
    peer = request.getClientAddress()
    return getattr(peer, "host", None) or str(peer)


def _render(result: Any, request: IRequest, op: Operation) -> bytes:
    if isinstance(result, bytes):
        return result
    if op.status == 204 or (result is None and op.response is None):
        request.setResponseCode(204)
        return b""
    request.setResponseCode(op.status)
    if op.response_type == "application/json":
        request.setHeader(b"content-type", b"application/json")
        return json_bytes(result)
    request.setHeader(b"content-type", f"{op.response_type}; charset=utf-8".encode())
    return str(result).encode("utf-8")


def json_bytes(value: object) -> bytes:
    """A JSON document as the API sends it."""
    return json.dumps(value, default=str).encode("utf-8")


#: Reason phrases twisted.web does not know (it would send "Unknown Status").
EXTRA_REASONS = {429: b"Too Many Requests"}


def error_body(request: IRequest, status: int, message: str, field: str | None = None) -> bytes:
    request.setResponseCode(status, EXTRA_REASONS.get(status))
    request.setHeader(b"content-type", b"application/json")
    return json_bytes({"error": message, "field": field})


def add_error_handlers(api: Api) -> None:
    """Render every failure as C{{"error", "field"}} JSON: user errors, routing errors, bugs."""
    app = api.app

    @app.handle_errors(UserError)
    def user_error(request: IRequest, failure: Failure) -> bytes:
        error = failure.value
        if isinstance(error, TooManyRequests):
            request.setHeader(b"retry-after", str(error.retry_after).encode())
        return error_body(request, error.http_status, error.message, error.field)

    @app.handle_errors(MethodNotAllowed)
    def not_allowed(request: IRequest, failure: Failure) -> bytes:
        # werkzeug's own list includes the dashboard's catch-all route, which takes every
        # method only to answer 404/405 itself; name what the API really serves.
        allowed = allowed_methods(app, request_path(request)) or failure.value.valid_methods or []
        if allowed:
            request.setHeader(b"allow", ", ".join(sorted(allowed)).encode())
        method = request.method.decode("ascii", "replace")
        path = request_path(request)
        return error_body(request, 405, f"method {method} not allowed on '{path}'")

    @app.handle_errors(HTTPException)
    def http_error(request: IRequest, failure: Failure) -> bytes:
        error = failure.value
        if error.code == 404:
            return error_body(request, 404, f"no such endpoint '{request_path(request)}'")
        return error_body(request, error.code, error.description or error.name)

    @app.handle_errors(sqlite3.IntegrityError)
    def integrity_error(request: IRequest, failure: Failure) -> bytes:
        return error_body(request, 409, f"conflict: {failure.value}")

    @app.handle_errors(Exception)
    def bug(request: IRequest, failure: Failure) -> bytes:
        _log.failure("Unhandled error in {method} {path}", failure,
                     method=request.method, path=request.path)
        return error_body(request, 500, "internal error")


def request_path(request: IRequest) -> str:
    return request.path.decode("utf-8", "replace")


#: The methods API routes are declared with.
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: Endpoint names of the dashboard's catch-all routes (L{dnsops.api.web}).
WEB_ENDPOINTS = ("web", "web_branch")


def allowed_methods(app: Klein, path: str) -> list[str]:
    """The methods some route other than the dashboard's catch-all serves C{path} with."""
    adapter = app.url_map.bind("localhost")
    allowed = []
    for method in METHODS:
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint not in WEB_ENDPOINTS:
            allowed.append(method)
    if "GET" in allowed:
        allowed.append("HEAD")
    return allowed


class _ApiResource(KleinResource):
    """
    Klein's resource, but a URL that is not UTF-8 gets a JSON 400 like every other error.

    Klein answers such URLs itself, before any route or error handler runs, with a bare
    C{text/html} body; clients of a JSON API must never see that.
    """

    def render(self, request: IRequest) -> Any:
        try:
            extractURLparts(request)
        except URLDecodeError:
            return error_body(request, 400, "invalid URL: the path is not UTF-8")
        return super().render(request)


class _Klein(Klein):
    """A Klein app whose resource is L{_ApiResource}."""

    def resource(self) -> KleinResource:
        return _ApiResource(self)


def make_api(deps: ApiDeps) -> Klein:
    """The whole REST API, dashboard and metrics, ready for C{Site(app.resource())}."""
    from dnsops.api import (
        audit as audit_routes, blocklist, cache, config, dnssec, keys, logs, meta, records,
        stats, timeseries, upstreams, web, zones,
    )

    api = Api(deps)
    add_error_handlers(api)
    for module in (zones, records, dnssec, blocklist, upstreams, cache, logs, config, keys,
                   stats, timeseries, audit_routes, meta):
        module.add_routes(api)
    web.add_routes(api)
    api.app.spec = api.spec
    return api.app
