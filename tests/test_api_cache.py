# -*- test-case-name: tests.test_api_cache -*-
"""REST cache: numbers and flush."""

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.resolvers.cache import Cache
from tests.test_api import ApiClient


class CacheTests(SynchronousTestCase):
    """The cache endpoints."""

    def setUp(self) -> None:
        self.cache = Cache(Clock(), capacity=100)
        self.cache.hits, self.cache.misses = 3, 1
        self.cache.entries[("example.com", 1, 1)] = object()
        self.api = ApiClient(self, cache=self.cache)

    def test_stats(self) -> None:
        """If the cache has hits and an entry, then the stats show them and the hit rate."""
        stats = self.api.ok("GET", "/api/cache/stats")
        self.assertEqual((stats["entries"], stats["capacity"], stats["hits"], stats["misses"],
                          stats["hit_rate"]), (1, 100, 3, 1, 0.75))

    def test_flush(self) -> None:
        """If the cache is flushed, then it is 204, empty, and the flush is audited."""
        self.api.ok("DELETE", "/api/cache", code=204)
        self.assertEqual(len(self.cache.entries), 0)
        entry = self.api.ok("GET", "/api/audit?action=flush-cache")["items"][0]
        self.assertEqual(entry["before"], {"entries": 1})

    def test_unknown_query_parameter_ignored(self) -> None:
        """If stats get an unknown query parameter, then it is ignored."""
        self.assertEqual(self.api.ok("GET", "/api/cache/stats?x=1")["entries"], 1)
