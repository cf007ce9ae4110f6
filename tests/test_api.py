# -*- test-case-name: tests.test_api -*-
"""
The REST API frame: authentication on every endpoint, scopes, the failed-login limiter, JSON
errors, body limits and the dashboard branch; plus L{ApiClient}, used by every API test.
"""

import json
import os

from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.api.app import ApiDeps, make_api
from dnsops.api.auth import FailureLimiter, ensure_api_token
from dnsops.api.request import MAX_BODY
from dnsops.store import keys
from dnsops.store.db import connect, transaction

#: Path parameter values that routing accepts, for calls that must fail before the handler.
SAMPLE_ARGS = {"name": "example.com", "id": "1", "domain": "ads.example.com",
               "key": "rate_limit_burst"}


class Reply:
    """A finished response: status, headers and the body (parsed when it is JSON)."""

    def __init__(self, code: int, headers, raw: bytes) -> None:
        self.code = code
        self.headers = headers
        self.raw = raw
        kind = (headers.getRawHeaders(b"content-type") or [b""])[0]
        self.content_type = kind.decode()
        self.json = json.loads(raw) if kind.startswith(b"application/json") and raw else None

    def __repr__(self) -> str:
        return f"<Reply {self.code} {self.raw[:200]!r}>"


class ApiClient:
    """
    A REST API over a real SQLite file, called through C{StubTreq} (no sockets).

    @ivar token: the generated config C{api_token} (admin).
    @ivar clock: drives the failed-login limiter and uptime.
    """

    def __init__(self, test: SynchronousTestCase, **deps) -> None:
        self.test = test
        self.db_path = os.path.abspath(test.mktemp())
        self.conn = connect(self.db_path)
        test.addCleanup(self.conn.close)
        self.token = ensure_api_token(self.conn)
        self.clock = deps.pop("clock", None) or Clock()
        self.deps = ApiDeps(self.db_path, self.clock, **deps)
        test.addCleanup(self.deps.close)
        self.app = make_api(self.deps)
        self.stub = StubTreq(self.app.resource())

    def key(self, scope: str, name: str | None = None) -> str:
        """A new key's secret."""
        with transaction(self.conn):
            _, secret = keys.add_key(self.conn, name or f"{scope}-key", scope)
        return secret

    def call(self, method: str, path: str, body: object = None, token: object = "",
             data: bytes | None = None, headers: dict | None = None) -> Reply:
        """
        One request; C{token=""} means the admin token, None means no Authorization header.
        """
        token = self.token if token == "" else token
        sent = {k.encode(): [v.encode()] for k, v in (headers or {}).items()}
        if token is not None:
            sent[b"authorization"] = [f"Bearer {token}".encode()]
        if data is None and body is not None:
            data = json.dumps(body).encode()
            sent.setdefault(b"content-type", [b"application/json"])
        d = self.stub.request(method, "http://127.0.0.1" + path, headers=sent, data=data)
        self.stub.flush()
        response = self.test.successResultOf(d)
        content = self.stub.content(response)
        self.stub.flush()
        return Reply(response.code, response.headers, self.test.successResultOf(content))

    def ok(self, method: str, path: str, body: object = None, code: int = 200, **kw) -> object:
        """Call, check the status, return the JSON (or the raw body)."""
        reply = self.call(method, path, body, **kw)
        self.test.assertEqual(reply.code, code, reply)
        return reply.json if reply.json is not None else reply.raw

    def fails(self, method: str, path: str, body: object = None, code: int = 400,
              error: str | None = None, field: str | None = None, **kw) -> Reply:
        """Call, check the status and the JSON error (and its message and field, if given)."""
        reply = self.call(method, path, body, **kw)
        self.test.assertEqual(reply.code, code, reply)
        self.test.assertEqual(reply.content_type, "application/json")
        self.test.assertIn("error", reply.json)
        if error is not None:
            self.test.assertEqual(reply.json["error"], error)
        if field is not None:
            self.test.assertEqual(reply.json["field"], field)
        return reply


def sample_path(path: str) -> str:
    """An OpenAPI path with every parameter filled in."""
    for name, value in SAMPLE_ARGS.items():
        path = path.replace("{" + name + "}", value)
    return path


def _operations() -> list:
    return make_api(ApiDeps(":memory:", Clock())).spec.operations


class AuthPerEndpointTests(SynchronousTestCase):
    """Generated below: for every endpoint, a missing token and a too-narrow scope."""

    def setUp(self) -> None:
        self.api = ApiClient(self)


def _add_auth_tests() -> None:
    for op in _operations():
        if op.scope is None:
            continue
        slug = op.method.lower() + op.path.replace("/", "_").replace("{", "").replace("}", "")
        path = sample_path(op.path)

        def missing(self, op=op, path=path) -> None:
            self.api.fails(op.method, path, {}, code=401, token=None)

        missing.__doc__ = f"If {op.method} {op.path} is called without a token, then it is 401."
        setattr(AuthPerEndpointTests, f"test_missing_token_{slug}", missing)

        def wrong(self, op=op, path=path) -> None:
            self.api.fails(op.method, path, {}, code=401, token="dnsops_not-a-key")

        wrong.__doc__ = f"If {op.method} {op.path} is called with a bad token, then it is 401."
        setattr(AuthPerEndpointTests, f"test_bad_token_{slug}", wrong)

        if op.scope == "read":
            continue
        narrow = "read" if op.scope == "write" else "write"

        def scope(self, op=op, path=path, narrow=narrow) -> None:
            reply = self.api.fails(op.method, path, {}, code=403, token=self.api.key(narrow))
            self.assertIn(op.scope, reply.json["error"])

        scope.__doc__ = (
            f"If {op.method} {op.path} is called with a {narrow} key, then it is 403."
        )
        setattr(AuthPerEndpointTests, f"test_wrong_scope_{slug}", scope)


_add_auth_tests()


class AuthTests(SynchronousTestCase):
    """Tokens, keys and scopes."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_token_is_generated_once(self) -> None:
        """If the token is ensured again (a restart), then it is the same token."""
        self.assertEqual(ensure_api_token(self.api.conn), self.api.token)
        self.assertGreaterEqual(len(self.api.token), 24)

    def test_set_token_is_kept(self) -> None:
        """If api_token was set by hand before the first start, then that token is used."""
        conn = connect(self.mktemp())
        self.addCleanup(conn.close)
        from dnsops.store import config

        with transaction(conn):
            config.set(conn, "api_token", "my-stable-token")
        self.assertEqual(ensure_api_token(conn), "my-stable-token")

    def test_read_key_may_get(self) -> None:
        """If a read key lists zones, then it gets 200."""
        self.api.ok("GET", "/api/zones", token=self.api.key("read"))

    def test_write_key_may_change_zones(self) -> None:
        """If a write key creates a zone, then it gets 201."""
        self.api.ok("POST", "/api/zones", {"name": "example.com"}, code=201,
                    token=self.api.key("write"))

    def test_revoked_key_is_refused(self) -> None:
        """If a key is revoked, then its secret gets 401."""
        secret = self.api.key("admin", "gone")
        self.api.ok("DELETE", "/api/keys/gone", code=204)
        self.api.fails("GET", "/api/zones", code=401, token=secret)

    def test_token_changed_by_config_applies_at_once(self) -> None:
        """If api_token is changed over REST, then the old token is refused at once."""
        self.api.ok("PUT", "/api/config/api_token", {"value": "new-token-1234567890"})
        self.api.fails("GET", "/api/zones", code=401)
        self.api.ok("GET", "/api/zones", token="new-token-1234567890")

    def test_other_scheme_is_missing_token(self) -> None:
        """If the Authorization header is not Bearer, then it is 401 naming the header."""
        self.api.fails("GET", "/api/zones", code=401, token=None,
                       headers={"Authorization": "Basic YWRtaW46YWRtaW4="})

    def test_open_endpoints(self) -> None:
        """If /health, /metrics or /api/openapi.json are called without a token, then 200."""
        for path in ("/health", "/metrics", "/api/openapi.json"):
            self.assertEqual(self.api.call("GET", path, token=None).code, 200, path)


class BruteForceTests(SynchronousTestCase):
    """The failed-login limiter."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_fifty_bad_tokens_end_in_429(self) -> None:
        """If one address sends 50 bad tokens, then it ends in 429 with Retry-After."""
        codes = [self.api.call("GET", "/api/zones", token=f"guess-{i}").code for i in range(50)]
        self.assertEqual(codes[0], 401)
        self.assertEqual(codes[-1], 429)
        reply = self.api.fails("GET", "/api/zones", code=429, token="guess")
        self.assertGreater(int(reply.headers.getRawHeaders(b"retry-after")[0]), 0)

    def test_locked_address_is_refused_even_with_the_token(self) -> None:
        """If an address is locked, then the right token gets 429 too until the lock ends."""
        for i in range(50):
            self.api.call("GET", "/api/zones", token=f"guess-{i}")
        self.api.fails("GET", "/api/zones", code=429)
        self.api.clock.advance(11)
        self.api.ok("GET", "/api/zones")

    def test_lockout_doubles(self) -> None:
        """If an address is locked out twice, then the second lockout is twice as long."""
        limiter = FailureLimiter(Clock(), max_failures=3, lockout=10)
        for _ in range(3):
            limiter.failed("192.0.2.1")
        limiter._clock.advance(11)
        for _ in range(3):
            limiter.failed("192.0.2.1")
        limiter._clock.advance(11)
        self.assertRaises(Exception, limiter.check, "192.0.2.1")
        limiter._clock.advance(10)
        limiter.check("192.0.2.1")

    def test_other_address_is_not_locked(self) -> None:
        """If one address is locked, then another is not."""
        limiter = FailureLimiter(Clock(), max_failures=2)
        limiter.failed("192.0.2.1")
        limiter.failed("192.0.2.1")
        limiter.check("192.0.2.2")
        self.assertRaises(Exception, limiter.check, "192.0.2.1")

    def test_missing_token_is_not_a_guess(self) -> None:
        """If an address sends no token 50 times, then it still gets 401, not 429."""
        codes = {self.api.call("GET", "/api/zones", token=None).code for _ in range(50)}
        self.assertEqual(codes, {401})


class ErrorTests(SynchronousTestCase):
    """Every error is JSON with the right status."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_unknown_path(self) -> None:
        """If a path matches no route, then it is a JSON 404."""
        self.api.fails("GET", "/api/nothing", code=404, error="no such endpoint '/api/nothing'")
        self.api.fails("GET", "/nothing.html", code=404)

    def test_wrong_method(self) -> None:
        """If a route exists but not for the method, then it is a JSON 405 with Allow."""
        reply = self.api.fails("PATCH", "/api/zones", code=405)
        self.assertEqual(reply.headers.getRawHeaders(b"allow"), [b"GET, HEAD, POST"])

    def test_bad_json(self) -> None:
        """If the body is not JSON, then it is 400 naming the body."""
        self.api.fails("POST", "/api/zones", data=b"{oops", code=400, field="body")

    def test_body_not_an_object(self) -> None:
        """If the body is a JSON list, then it is 400."""
        self.api.fails("POST", "/api/zones", [1], code=400, field="body")

    def test_wrong_type(self) -> None:
        """If a field has the wrong JSON type, then it is 400 naming the field."""
        self.api.fails("POST", "/api/zones", {"name": 5}, code=400, field="name",
                       error="invalid name '5': expected string")

    def test_unknown_field(self) -> None:
        """If the body has an unknown field, then it is 400 naming it."""
        self.api.fails("POST", "/api/zones", {"name": "example.com", "nmae": 1}, field="nmae",
                       error="unknown field 'nmae'")

    def test_missing_field(self) -> None:
        """If a required field is missing, then it is 400 naming it."""
        self.api.fails("POST", "/api/zones", {}, field="name", error="missing field 'name'")

    def test_body_over_10_mb(self) -> None:
        """If the body is over 10 MB, then it is 413."""
        self.api.fails("POST", "/api/blocklist/import", data=b" " * (MAX_BODY + 1), code=413)

    def test_bad_query_parameter(self) -> None:
        """If limit is not a number, then it is 400 naming limit."""
        self.api.fails("GET", "/api/zones?limit=ten", field="limit",
                       error="invalid limit 'ten': expected an integer")

    def test_non_integer_id(self) -> None:
        """If a record id is not a number, then it is a JSON 404."""
        self.api.fails("DELETE", "/api/records/abc", code=404)

    def test_internal_error_is_json(self) -> None:
        """If a handler has a bug, then the answer is a JSON 500 with no traceback."""

        class Broken:
            """A cache whose stats() raises, standing in for a bug."""

            def stats(self):
                raise RuntimeError("bug")

        api = ApiClient(self, cache=Broken())
        reply = api.fails("GET", "/api/cache/stats", code=500, error="internal error")
        self.assertNotIn(b"Traceback", reply.raw)
        self.flushLoggedErrors(RuntimeError)


class WebTests(SynchronousTestCase):
    """
    The dashboard's static files: what is refused. (Files themselves are served through a
    producer that the in-memory transport does not drive; C{test_api_live} fetches them.)
    """

    def setUp(self) -> None:
        self.root = self.mktemp()
        os.makedirs(os.path.join(self.root, "sub"))
        with open(os.path.join(self.root, "index.html"), "w") as f:
            f.write("<html>dnsops</html>")
        self.api = ApiClient(self, web_root=self.root)

    def test_missing_file_is_json(self) -> None:
        """If a missing file is asked for, then it is a JSON 404, not an HTML page."""
        self.api.fails("GET", "/nope.js", code=404, token=None)

    def test_no_directory_listing(self) -> None:
        """If a directory without index is asked for, then it is a JSON 404."""
        self.api.fails("GET", "/sub/", code=404, token=None)

    def test_api_paths_never_reach_files(self) -> None:
        """If an unknown /api path is asked for, then it is a JSON 404 even with a web root."""
        self.api.fails("GET", "/api/index.html", code=404)
