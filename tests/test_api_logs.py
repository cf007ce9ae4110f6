# -*- test-case-name: tests.test_api_logs -*-
"""REST query log: newest first, limit, filters."""

from twisted.trial.unittest import SynchronousTestCase

from dnsops.store import querylog
from tests.test_api import ApiClient

ROWS = [
    (1000.0 + i, client, "udp", name, "A", "NOERROR", kind, 0.5)
    for i, (client, name, kind) in enumerate([
        ("192.0.2.1", "www.example.com", "authoritative"),
        ("192.0.2.2", "ads.example.net", "blocked"),
        ("192.0.2.1", "www.example.org", "upstream"),
        ("192.0.2.2", "www.example.com", "cache"),
    ])
]


class LogTests(SynchronousTestCase):
    """The log endpoint."""

    def setUp(self) -> None:
        self.api = ApiClient(self)
        querylog.append(self.api.conn, ROWS, 100)

    def test_newest_first_with_limit(self) -> None:
        """If limit=2 is asked, then the two newest entries come back, newest first."""
        page = self.api.ok("GET", "/api/logs?limit=2")
        self.assertEqual([e["time"] for e in page["items"]], [1003.0, 1002.0])
        self.assertEqual(page["total"], 4)
        self.assertEqual(set(page["items"][0]), {"time", "client", "protocol", "name", "type",
                                                 "rcode", "answered_by", "duration_ms"})

    def test_filters(self) -> None:
        """If client, name and answered_by are given, then only matching entries come back."""
        self.assertEqual(self.api.ok("GET", "/api/logs?client=192.0.2.1")["total"], 2)
        self.assertEqual(self.api.ok("GET", "/api/logs?name=www.example.com")["total"], 2)
        page = self.api.ok("GET", "/api/logs?answered_by=blocked")
        self.assertEqual([e["name"] for e in page["items"]], ["ads.example.net"])

    def test_bad_kind(self) -> None:
        """If answered_by is not a known kind, then it is 400 naming it."""
        self.api.fails("GET", "/api/logs?answered_by=magic", field="answered_by")

    def test_bad_limit(self) -> None:
        """If limit is negative, then it is 400 naming limit."""
        self.api.fails("GET", "/api/logs?limit=-1", field="limit")
