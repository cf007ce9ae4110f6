# -*- test-case-name: tests.test_api -*-
"""
The dashboard's static files at C{/}, and JSON 404/405 for every path no route serves.

One C{branch=True} route catches whatever the API routes do not; it answers a path that
another route serves with other methods with 405 (and C{Allow}), other C{/api} paths with 404,
and the rest from the C{web/} directory, with no listings and JSON for missing files.
"""

import os

from klein import Klein
from twisted.web.iweb import IRequest
from twisted.web.resource import Resource
from twisted.web.static import File
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from dnsops.api.app import Api, error_body, request_path

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_WEB_ENDPOINTS = ("web", "web_branch")


class _JsonNotFound(Resource):
    """What the dashboard's file tree answers for a missing file: JSON, not an HTML page."""

    isLeaf = True

    def render(self, request: IRequest) -> bytes:
        return error_body(request, 404, f"no such file '{request.path.decode('utf-8', 'replace')}'")


class WebRoot(File):
    """The dashboard's files, with no directory listings and JSON for missing files."""

    childNotFound = _JsonNotFound()
    forbidden = _JsonNotFound()

    def directoryListing(self) -> Resource:
        return _JsonNotFound()


def add_routes(api: Api) -> None:
    """The dashboard at C{/}, and JSON 404/405 for any other path."""
    app = api.app

    @app.route("/", branch=True, methods=list(_METHODS), endpoint="web")
    def web(request: IRequest) -> Resource:
        path = request_path(request)
        allowed = _allowed_methods(app, path)
        if allowed and request.method.decode("ascii", "replace") not in allowed:
            raise MethodNotAllowed(valid_methods=allowed)
        if (
            request.method not in (b"GET", b"HEAD")
            or path == "/api" or path.startswith("/api/")
            or not api.deps.web_root or not os.path.isdir(api.deps.web_root)
        ):
            raise RouteNotFound()
        return WebRoot(api.deps.web_root)


def _allowed_methods(app: Klein, path: str) -> list[str]:
    """The methods some route other than the dashboard serves C{path} with."""
    adapter = app.url_map.bind("localhost")
    allowed = []
    for method in _METHODS:
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint not in _WEB_ENDPOINTS:
            allowed.append(method)
    if "GET" in allowed:
        allowed.append("HEAD")
    return allowed
