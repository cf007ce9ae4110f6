# -*- test-case-name: tests.test_api -*-
"""
The dashboard's static files at C{/}, and JSON 404/405 for every path no route serves.

One C{branch=True} route catches whatever the API routes do not; it answers a path that
another route serves with other methods with 405 (and C{Allow}), other C{/api} paths with 404,
and the rest from the C{web/} directory, with no listings and JSON for missing files.
"""

import os

from twisted.web.iweb import IRequest
from twisted.web.resource import Resource
from twisted.web.static import File
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as RouteNotFound

from dnsops.api.app import METHODS, Api, allowed_methods, error_body, request_path


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

    def getChild(self, path: bytes, request: IRequest) -> Resource:
        # A NUL names no file; File would pass it to stat() and fail with ValueError (a 500).
        if b"\0" in path:
            return self.childNotFound
        return super().getChild(path, request)


def add_routes(api: Api) -> None:
    """The dashboard at C{/}, and JSON 404/405 for any other path."""
    app = api.app

    @app.route("/", branch=True, methods=list(METHODS), endpoint="web")
    def web(request: IRequest) -> Resource:
        path = request_path(request)
        allowed = allowed_methods(app, path)
        if allowed and request.method.decode("ascii", "replace") not in allowed:
            raise MethodNotAllowed(valid_methods=allowed)
        if (
            request.method not in (b"GET", b"HEAD")
            or path == "/api" or path.startswith("/api/")
            or not api.deps.web_root or not os.path.isdir(api.deps.web_root)
        ):
            raise RouteNotFound()
        return WebRoot(api.deps.web_root)
