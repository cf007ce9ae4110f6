# -*- test-case-name: tests.test_api_blocklist -*-
"""REST blocking: blocked domains (one, bulk, search, delete), the allowlist, list sources."""

from twisted.trial.unittest import SynchronousTestCase

from tests.test_api import ApiClient


class BlocklistTests(SynchronousTestCase):
    """The blocklist endpoints."""

    def setUp(self) -> None:
        self.api = ApiClient(self)

    def test_block_and_list(self) -> None:
        """If a domain is blocked, then it is listed canonical with response zero."""
        entry = self.api.ok("POST", "/api/blocklist", {"domain": "Ads.Example.COM."}, code=201)
        self.assertEqual((entry["domain"], entry["response"]), ("ads.example.com", "zero"))
        self.assertEqual(self.api.ok("GET", "/api/blocklist")["total"], 1)

    def test_block_bad_domain(self) -> None:
        """If the domain is an IP address, then it is 400 naming domain."""
        self.api.fails("POST", "/api/blocklist", {"domain": "192.0.2.1"}, field="domain")

    def test_block_bad_response(self) -> None:
        """If the response kind is unknown, then it is 400 naming response."""
        self.api.fails("POST", "/api/blocklist", {"domain": "ads.example.com",
                                                  "response": "drop"}, field="response")

    def test_import(self) -> None:
        """If domains are imported in bulk, then added, duplicate and invalid are counted."""
        counts = self.api.ok("POST", "/api/blocklist/import", {
            "domains": ["a.example.com", "0.0.0.0 b.example.com", "a.example.com", "bad..x"],
        })
        self.assertEqual(counts, {"added": 2, "duplicate": 1, "invalid": 1})

    def test_import_not_a_list(self) -> None:
        """If domains is not a list, then it is 400 naming domains."""
        self.api.fails("POST", "/api/blocklist/import", {"domains": "a.example.com"},
                       field="domains")

    def test_search(self) -> None:
        """If q is given, then only domains containing it are listed."""
        self.api.ok("POST", "/api/blocklist/import",
                    {"domains": ["ads.example.com", "tracker.example.net", "ads.example.org"]})
        found = self.api.ok("GET", "/api/blocklist?q=ads&limit=1")
        self.assertEqual((found["total"], found["items"][0]["domain"]), (2, "ads.example.com"))
        self.assertEqual(self.api.ok("GET", "/api/blocklist?q=%25")["total"], 0)

    def test_unblock(self) -> None:
        """If a domain is unblocked, then it is 204 and gone; a wildcard works in the path."""
        self.api.ok("POST", "/api/blocklist", {"domain": "*.ads.example.com"}, code=201)
        self.api.ok("DELETE", "/api/blocklist/*.ads.example.com", code=204)
        self.assertEqual(self.api.ok("GET", "/api/blocklist")["total"], 0)

    def test_unblock_missing(self) -> None:
        """If the domain is not blocked, then unblocking is 404."""
        self.api.fails("DELETE", "/api/blocklist/ads.example.com", code=404)

    def test_allowlist(self) -> None:
        """If a domain is allowed and then disallowed, then the list follows."""
        self.api.ok("POST", "/api/allowlist", {"domain": "good.example.com"}, code=201)
        self.assertEqual(self.api.ok("GET", "/api/allowlist")["total"], 1)
        self.api.ok("DELETE", "/api/allowlist/good.example.com", code=204)
        self.api.fails("DELETE", "/api/allowlist/good.example.com", code=404)

    def test_allowlist_bad_domain(self) -> None:
        """If the allowed domain is bad, then it is 400."""
        self.api.fails("POST", "/api/allowlist", {"domain": ""}, field="domain")

    def test_sources(self) -> None:
        """If a source is added and deleted, then the list follows; a duplicate URL is 409."""
        source = self.api.ok("POST", "/api/blocklist/sources",
                             {"url": "https://lists.example.com/hosts", "refresh": "12h"},
                             code=201)
        self.assertEqual(source["refresh"], 43200)
        self.api.fails("POST", "/api/blocklist/sources",
                       {"url": "https://lists.example.com/hosts"}, code=409)
        self.assertEqual(self.api.ok("GET", "/api/blocklist/sources")["total"], 1)
        self.api.ok("DELETE", f"/api/blocklist/sources/{source['id']}", code=204)
        self.api.fails("DELETE", f"/api/blocklist/sources/{source['id']}", code=404)

    def test_source_bad_url(self) -> None:
        """If the source URL is not http(s), then it is 400 naming url."""
        self.api.fails("POST", "/api/blocklist/sources", {"url": "ftp://x.example"}, field="url")
