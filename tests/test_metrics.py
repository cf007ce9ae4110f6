# -*- test-case-name: tests.test_metrics -*-
"""/metrics: the contract's series in Prometheus text, from a registry of our own."""

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.metrics import Metrics
from dnsops.querylog import Stats
from dnsops.resolvers.cache import Cache
from dnsops.server.packetcache import PacketCache
from tests.test_api import ApiClient

SERIES = {
    "dns_uptime_seconds", "dns_queries_total", "dns_queries_grand_total",
    "dns_authoritative_responses_total", "dns_cache_hits_total", "dns_cache_misses_total",
    "dns_cache_entries", "dns_cache_hit_rate", "dns_blocked_queries_total",
    "dns_upstream_failures_total", "dns_rate_limited_total",
    "dns_query_duration_seconds_bucket", "dns_responses_total", "dns_upstream_up",
    "dns_packet_cache_hits_total",
}


def samples(text: str) -> dict:
    """(name, labels) -> value for every sample, parsed by prometheus_client's own parser."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


class MetricsTests(SynchronousTestCase):
    """The metrics registry and its endpoint."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.stats = Stats(self.clock)
        self.cache = Cache(self.clock)
        self.packet_cache = PacketCache()
        self.upstreams = [{"id": 1, "address": "192.0.2.53", "port": 53, "up": True,
                           "last_rtt_ms": 12.0}]
        self.metrics = Metrics(self.clock, stats=self.stats, cache=self.cache,
                               packet_cache=self.packet_cache,
                               upstream_status=lambda: self.upstreams)
        self.api = ApiClient(self, clock=self.clock, stats=self.stats, metrics=self.metrics)

    def scrape(self) -> dict:
        reply = self.api.call("GET", "/metrics", token=None)
        self.assertEqual(reply.code, 200)
        self.assertTrue(reply.content_type.startswith("text/plain"))
        return samples(reply.raw.decode())

    def test_every_series_present(self) -> None:
        """If /metrics is scraped, then every contract series parses."""
        self.metrics.observe("udp", "NOERROR", 1.5)
        names = {name for name, _ in self.scrape()}
        self.assertEqual(SERIES - names, set())

    def test_counters_follow_the_server(self) -> None:
        """If queries are counted, then the series show them by protocol and in total."""
        self.stats.count("udp", "authoritative")
        self.stats.count("doh", "blocked")
        self.cache.hits, self.cache.misses = 3, 1
        self.clock.advance(7)
        values = self.scrape()
        self.assertEqual(values["dns_queries_total", (("protocol", "udp"),)], 1)
        self.assertEqual(values["dns_queries_total", (("protocol", "doh"),)], 1)
        self.assertEqual(values["dns_queries_grand_total", ()], 2)
        self.assertEqual(values["dns_authoritative_responses_total", ()], 1)
        self.assertEqual(values["dns_blocked_queries_total", ()], 1)
        self.assertEqual(values["dns_cache_hit_rate", ()], 0.75)
        self.assertEqual(values["dns_uptime_seconds", ()], 7)
        up = values["dns_upstream_up", (("address", "192.0.2.53"), ("id", "1"), ("port", "53"))]
        self.assertEqual(up, 1)

    def test_histogram_and_rcodes(self) -> None:
        """If answers are observed, then the histogram counts them and rcodes are split."""
        self.metrics.observe("udp", "NOERROR", 0.3)
        self.metrics.observe("udp", "NXDOMAIN", 30)
        values = self.scrape()
        self.assertEqual(values["dns_query_duration_seconds_count", (("protocol", "udp"),)], 2)
        le = (("le", "0.001"), ("protocol", "udp"))
        self.assertEqual(values["dns_query_duration_seconds_bucket", le], 1)
        self.assertEqual(values["dns_responses_total", (("rcode", "NXDOMAIN"),)], 1)

    def test_own_registry(self) -> None:
        """If two registries exist, then neither touches prometheus_client's global one."""
        Metrics(Clock()).observe("udp", "NOERROR", 1)
        self.assertNotIn("dns_responses_total",
                         {s.name for f in REGISTRY.collect() for s in f.samples})

    def test_default_metrics_without_server(self) -> None:
        """If no Metrics is injected, then /metrics still serves zeros."""
        api = ApiClient(self)
        values = samples(api.call("GET", "/metrics", token=None).raw.decode())
        self.assertEqual(values["dns_queries_grand_total", ()], 0)


class HealthTests(SynchronousTestCase):
    """/health."""

    def test_all_up(self) -> None:
        """If every listener is up, then /health is 200 listing them."""
        api = ApiClient(self, listeners=lambda: {"dns udp 127.0.0.1:53": True})
        reply = api.call("GET", "/health", token=None)
        self.assertEqual((reply.code, reply.json["listeners"]),
                         (200, {"dns udp 127.0.0.1:53": True}))

    def test_one_down(self) -> None:
        """If a listener is down, then /health is 503 and says which."""
        api = ApiClient(self, listeners=lambda: {"dns udp 127.0.0.1:53": True,
                                                 "dns tcp 127.0.0.1:53": False})
        reply = api.call("GET", "/health", token=None)
        self.assertEqual((reply.code, reply.json["status"]), (503, "down"))
        self.assertFalse(reply.json["listeners"]["dns tcp 127.0.0.1:53"])
