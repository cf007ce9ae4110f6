# -*- test-case-name: tests.test_api_stats -*-
"""REST stats: counters, hit rate, uptime, top domains."""

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.querylog import Stats
from dnsops.resolvers.cache import Cache
from dnsops.store import querylog
from tests.test_api import ApiClient


class StatsTests(SynchronousTestCase):
    """The stats endpoint."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.stats = Stats(self.clock)
        self.cache = Cache(self.clock)
        self.api = ApiClient(self, clock=self.clock, stats=self.stats, cache=self.cache)

    def test_counters(self) -> None:
        """If queries were counted, then the stats show totals, kinds, hit rate and uptime."""
        self.stats.count("udp", "authoritative")
        self.stats.count("tcp", "blocked")
        self.stats.count("udp", "rate-limited")
        self.stats.upstream_failures = 2
        self.cache.hits, self.cache.misses = 1, 3
        self.clock.advance(42)
        stats = self.api.ok("GET", "/api/stats")
        self.assertEqual(
            {k: stats[k] for k in ("total", "authoritative", "blocked", "rate_limited",
                                   "upstream_failures", "hit_rate", "uptime")},
            {"total": 3, "authoritative": 1, "blocked": 1, "rate_limited": 1,
             "upstream_failures": 2, "hit_rate": 0.25, "uptime": 42.0},
        )

    def test_top_domains(self) -> None:
        """If the log has queries, then the top domains are counted from it."""
        querylog.append(self.api.conn, [
            (1.0, "192.0.2.1", "udp", "a.example.com", "A", "NOERROR", "cache", 1.0),
            (2.0, "192.0.2.1", "udp", "a.example.com", "A", "NOERROR", "cache", 1.0),
            (3.0, "192.0.2.1", "udp", "b.example.com", "A", "NOERROR", "cache", 1.0),
        ], 100)
        top = self.api.ok("GET", "/api/stats?top=1")["top_domains"]
        self.assertEqual(top, [{"name": "a.example.com", "count": 2}])

    def test_bad_top(self) -> None:
        """If top is out of range, then it is 400 naming top."""
        self.api.fails("GET", "/api/stats?top=0", field="top")

    def test_without_server_counters(self) -> None:
        """If no counters are injected, then the stats are zeros with an uptime."""
        api = ApiClient(self)
        self.assertEqual(api.ok("GET", "/api/stats")["total"], 0)
