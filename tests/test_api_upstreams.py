# -*- test-case-name: tests.test_api_upstreams -*-
"""REST upstreams: listing with live state, adding, removing."""

from twisted.trial.unittest import SynchronousTestCase

from tests.test_api import ApiClient


class UpstreamTests(SynchronousTestCase):
    """The upstream endpoints."""

    def setUp(self) -> None:
        self.live = []
        self.api = ApiClient(self, upstream_status=lambda: self.live)

    def test_defaults_listed_with_status(self) -> None:
        """If nothing was asked yet, then the default upstreams are listed as unknown."""
        items = self.api.ok("GET", "/api/upstream")["items"]
        self.assertEqual([(u["address"], u["status"]) for u in items],
                         [("8.8.8.8", "unknown"), ("1.1.1.1", "unknown"), ("9.9.9.9", "unknown")])

    def test_live_status(self) -> None:
        """If the resolver reports an upstream down, then the list says down with the error."""
        first = self.api.ok("GET", "/api/upstream")["items"][0]
        self.live.append({"id": first["id"], "up": False, "last_error": "timeout",
                          "last_rtt_ms": None})
        item = self.api.ok("GET", "/api/upstream")["items"][0]
        self.assertEqual((item["status"], item["last_error"]), ("down", "timeout"))

    def test_add_and_delete(self) -> None:
        """If an upstream is added and deleted, then it appears and goes."""
        row = self.api.ok("POST", "/api/upstream", {"address": "192.0.2.53", "port": 5353,
                                                    "priority": 5}, code=201)
        self.assertEqual((row["address"], row["port"], row["priority"]),
                         ("192.0.2.53", 5353, 5))
        self.api.ok("DELETE", f"/api/upstream/{row['id']}", code=204)
        self.api.fails("DELETE", f"/api/upstream/{row['id']}", code=404)

    def test_add_bad_address(self) -> None:
        """If the address is not an IP address, then it is 400 naming address."""
        self.api.fails("POST", "/api/upstream", {"address": "not an ip"}, field="address")

    def test_add_bad_port(self) -> None:
        """If the port is out of range, then it is 400 naming port."""
        self.api.fails("POST", "/api/upstream", {"address": "192.0.2.53", "port": 70000},
                       field="port")
