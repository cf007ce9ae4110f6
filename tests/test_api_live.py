# -*- test-case-name: tests.test_api_live -*-
"""
The REST API over real HTTP: a C{Site} on 127.0.0.1 port 0, called with treq and, from a
thread, by schemathesis against the server's own C{/api/openapi.json}; and the whole server,
where a record made over REST is answered over UDP.
"""

import json
import os
import time

import treq
from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import TestCase
from twisted.protocols.policies import WrappingFactory
from twisted.web.client import HTTPConnectionPool
from twisted.web.server import Site

from dnsops.api.app import ApiDeps, make_api
from dnsops.api.auth import ensure_api_token
from dnsops.store import keys
from dnsops.store.db import connect, transaction

#: Examples schemathesis tries per operation; bounded so the suite stays quick.
SCHEMATHESIS_EXAMPLES = 15


class LiveApi:
    """A real HTTP server for one test, stopped in its cleanups."""

    def __init__(self, test: TestCase, web_root: str | None = None) -> None:
        self.db_path = os.path.abspath(test.mktemp())
        conn = connect(self.db_path)
        self.token = ensure_api_token(conn)
        with transaction(conn):
            _, self.admin_key = keys.add_key(conn, "schemathesis-admin-key-0b7c", "admin")
        conn.close()
        self.deps = ApiDeps(self.db_path, reactor, web_root=web_root)
        test.addCleanup(self.deps.close)
        site = Site(make_api(self.deps).resource())
        site.noisy = False
        self.factory = WrappingFactory(site)
        self.port = reactor.listenTCP(0, self.factory, interface="127.0.0.1")
        test.addCleanup(self._close)
        self.url = f"http://127.0.0.1:{self.port.getHost().port}"

    @inlineCallbacks
    def _close(self):
        """Stop listening, drop open connections and wait until they are gone (bounded)."""
        yield self.port.stopListening()
        for protocol in list(self.factory.protocols):
            protocol.transport.abortConnection()
        for _ in range(200):
            if not self.factory.protocols:
                break
            yield deferLater(reactor, 0.01, lambda: None)

    def headers(self, token: str | None = None) -> dict:
        return {"Authorization": f"Bearer {token or self.token}"}


def http(method: str, url: str, **kwargs):
    """One treq request on a connection of its own, closed by the server after the answer."""
    headers = {"Connection": "close", **kwargs.pop("headers", {})}
    pool = HTTPConnectionPool(reactor, persistent=False)
    return treq.request(method, url, headers=headers, pool=pool, **kwargs)


class LiveHttpTests(TestCase):
    """End to end over TCP with treq."""

    def setUp(self) -> None:
        self.root = self.mktemp()
        os.makedirs(self.root)
        with open(os.path.join(self.root, "index.html"), "w") as f:
            f.write("<html>dnsops</html>")
        self.live = LiveApi(self, web_root=self.root)

    @inlineCallbacks
    def test_zone_and_record_round_trip(self) -> None:
        """If a zone and a record are created over HTTP, then listing returns the record."""
        url, headers = self.live.url, self.live.headers()
        response = yield http("POST", url + "/api/zones", json={"name": "example.com"},
                                   headers=headers)
        self.assertEqual(response.code, 201)
        yield response.content()
        response = yield http("POST", url + "/api/zones/example.com/records",
                                   json={"name": "www", "type": "A", "rdata": "192.0.2.7"},
                                   headers=headers)
        self.assertEqual(response.code, 201)
        yield response.content()
        response = yield http("GET", url + "/api/zones/example.com/records?type=A",
                                  headers=headers)
        body = yield response.json()
        self.assertEqual([r["rdata"] for r in body["items"]], ["192.0.2.7"])

    @inlineCallbacks
    def test_dashboard_index(self) -> None:
        """If / is fetched, then the dashboard's index.html comes back without a token."""
        response = yield http("GET", self.live.url + "/")
        self.assertEqual(response.code, 200)
        self.assertEqual((yield response.content()), b"<html>dnsops</html>")

    @inlineCallbacks
    def test_missing_file_is_json(self) -> None:
        """If a missing dashboard file is fetched, then it is a JSON 404."""
        response = yield http("GET", self.live.url + "/missing.css")
        self.assertEqual(response.code, 404)
        self.assertIn("error", (yield response.json()))

    @inlineCallbacks
    def test_large_import_runs_in_a_thread(self) -> None:
        """If 20,000 domains are imported, then they are all blocked and the import audited."""
        domains = [f"host{i}.ads.example.com" for i in range(20_000)]
        response = yield http("POST", self.live.url + "/api/blocklist/import",
                              json={"domains": domains}, headers=self.live.headers())
        self.assertEqual((yield response.json()), {"added": 20_000, "duplicate": 0,
                                                   "invalid": 0})
        response = yield http("GET", self.live.url + "/api/audit?action=import-blocklist",
                              headers=self.live.headers())
        self.assertEqual((yield response.json())["total"], 1)

    @inlineCallbacks
    def test_oversized_body_is_413(self) -> None:
        """If a body of over 10 MB is posted, then the answer is 413 JSON."""
        response = yield http("POST", self.live.url + "/api/blocklist/import",
                                   data=b"x" * (10 * 1024 * 1024 + 10),
                                   headers=self.live.headers())
        self.assertEqual(response.code, 413)
        self.assertIn("error", (yield response.json()))


def run_schemathesis(url: str, token: str, examples: int) -> list[str]:
    """
    Check every operation of the served document with generated requests, in this thread.

    @return: one line per failing operation (empty when all pass).
    """
    import hypothesis
    import requests
    import schemathesis
    from schemathesis import checks

    wanted = [checks.not_a_server_error, checks.status_code_conformance,
              checks.content_type_conformance, checks.response_schema_conformance]
    schema = schemathesis.openapi.from_url(url + "/api/openapi.json")
    session = requests.Session()
    session.headers["Connection"] = "close"
    failures = []
    count = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1

        @hypothesis.settings(
            max_examples=examples, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def check(case) -> None:
            response = case.call(base_url=url, session=session,
                                 headers={"Authorization": f"Bearer {token}"}, timeout=10)
            case.validate_response(response, checks=wanted)

        try:
            check()
        except Exception as e:
            failures.append(f"{operation.label}: {type(e).__name__}: {str(e)[:800]}")
    if count < 30:
        failures.append(f"only {count} operations in the document")
    return failures


class SchemathesisTests(TestCase):
    """Property-based checks of the live server against its own OpenAPI document."""

    timeout = 600

    @inlineCallbacks
    def test_document_holds(self) -> None:
        """If schemathesis calls every operation, then no answer is a 500 or off-schema."""
        live = LiveApi(self)
        failures = yield deferToThread(
            run_schemathesis, live.url, live.admin_key, SCHEMATHESIS_EXAMPLES
        )
        self.assertEqual(failures, [], "\n".join(failures))


class RestToDnsTests(TestCase):
    """The whole server: REST writes are served over DNS."""

    @inlineCallbacks
    def test_record_created_over_rest_is_answered_over_udp(self) -> None:
        """If a record is created over REST, then UDP answers it within 1.5 s."""
        from tests.dnsquery import query
        from tests.harness import start_server

        db_path = os.path.abspath(self.mktemp())
        server = start_server(self, db_path, api_port=0)
        conn = connect(db_path)
        token = ensure_api_token(conn)
        conn.close()
        url = f"http://127.0.0.1:{server.api_port}"
        headers = {"Authorization": f"Bearer {token}"}
        response = yield http(
            "POST",
            url + "/api/zones", headers=headers,
            json={"name": "example.com", "ns": "ns1.example.com", "admin": "admin.example.com"},
        )
        self.assertEqual(response.code, 201, (yield response.content()))
        start = time.monotonic()
        response = yield http("POST", url + "/api/zones/example.com/records", headers=headers,
                                   json={"name": "www", "type": "A", "rdata": "192.0.2.80"})
        self.assertEqual(response.code, 201, (yield response.content()))
        answer = None
        for _ in range(30):
            reply = yield query(server.port, "www.example.com", "A")
            answer = [rr.to_text() for rrset in reply.answer for rr in rrset]
            if answer or time.monotonic() - start > 1.5:
                break
            yield deferLater(reactor, 0.05, lambda: None)
        self.assertEqual(answer, ["192.0.2.80"])
        self.assertLess(time.monotonic() - start, 1.5)
        response = yield http("GET", url + "/health")
        self.assertEqual(response.code, 200)
        health = yield response.json()
        self.assertTrue(health["listeners"] and all(health["listeners"].values()), health)
        json.dumps(health)
