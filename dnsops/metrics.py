# -*- test-case-name: tests.test_metrics -*-
"""
Every Prometheus metric name once, in a registry of our own, served at C{/metrics}.

Counters the server already keeps (L{dnsops.querylog.Stats}, the cache's and the packet cache's
hit counts, upstream status) are read when scraped, by L{_LiveCollector}, so nothing is counted
twice. What only exists per answer (the duration histogram, responses by rcode) is observed by
L{Metrics.observe}, which the query-log hook calls once per answered query. The registry is
not prometheus_client's global one: two servers in one process (tests) do not share series.
"""

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

#: Seconds; DNS answers from memory take well under a millisecond, upstream ones tens.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """
    The server's metrics registry.

    @ivar stats: L{dnsops.querylog.Stats} or None.
    @ivar cache: the forwarding cache (C{stats()} returning hits, misses, entries) or None.
    @ivar packet_cache: L{dnsops.server.packetcache.PacketCache} or None.
    @ivar upstream_status: returns rows with C{id address port up last_rtt_ms}, or None.
    """

    def __init__(
        self,
        clock: Any,
        stats: Any = None,
        cache: Any = None,
        packet_cache: Any = None,
        upstream_status: Callable[[], list[dict]] | None = None,
    ) -> None:
        self.clock = clock
        self.started = clock.seconds()
        self.stats = stats
        self.cache = cache
        self.packet_cache = packet_cache
        self.upstream_status = upstream_status
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_LiveCollector(self))
        self.durations = Histogram(
            "dns_query_duration_seconds", "Time from query received to answer sent",
            ["protocol"], buckets=DURATION_BUCKETS, registry=self.registry,
        )
        self.responses = Counter(
            "dns_responses", "Answers sent, by response code", ["rcode"], registry=self.registry,
        )

    def observe(self, protocol: str, rcode: str, duration_ms: float) -> None:
        """Count one answered query: its rcode name and how long it took."""
        self.durations.labels(protocol).observe(max(duration_ms, 0.0) / 1000)
        self.responses.labels(rcode).inc()

    def observe_rows(self, rows: list[tuple]) -> None:
        """
        Count a batch of query-log rows (C{time, client, protocol, name, qtype, rcode,
        answered_by, duration_ms}) at once, off the per-query path.

        Answers sent from the packet cache have duration 0 and are counted by rcode only;
        their (constant, sub-microsecond) time would only flatten the histogram.
        """
        from collections import Counter

        from dnsops.querylog import rcode_text

        for rcode, n in Counter(row[5] for row in rows).items():
            self.responses.labels(rcode_text(rcode)).inc(n)
        for row in rows:
            if row[7]:
                self.durations.labels(row[2]).observe(row[7] / 1000)

    def uptime(self) -> float:
        if self.stats is not None:
            return self.stats.uptime()
        return self.clock.seconds() - self.started

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)


class _LiveCollector:
    """Read the server's own counters at scrape time."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        yield _gauge("dns_uptime_seconds", "Seconds since the server started", m.uptime())
        stats = m.stats
        queries = CounterMetricFamily(
            "dns_queries", "Queries answered, by protocol", labels=["protocol"]
        )
        per_protocol = dict(getattr(stats, "queries", {}) or {})
        for protocol in ("udp", "tcp", "dot", "doh"):
            per_protocol.setdefault(protocol, 0)
        for protocol, count in sorted(per_protocol.items()):
            queries.add_metric([protocol], count)
        yield queries
        yield _counter("dns_queries_grand", "Queries answered, all protocols",
                       sum(per_protocol.values()))
        yield _counter("dns_authoritative_responses", "Answers from our own zones",
                       getattr(stats, "authoritative", 0))
        yield _counter("dns_blocked_queries", "Queries answered by the blocklist",
                       getattr(stats, "blocked", 0))
        yield _counter("dns_upstream_failures", "Upstream tries that gave no usable answer",
                       getattr(stats, "upstream_failures", 0))
        yield _counter("dns_rate_limited", "Queries refused by the per-client rate limit",
                       getattr(stats, "rate_limited", 0))
        yield _counter("dns_axfr_requests", "Zone transfers (AXFR, IXFR) asked for",
                       getattr(stats, "axfr_requests", 0))
        yield _counter("dns_axfr_denied", "Zone transfers refused: client not in axfr_allow, or not over TCP or DoT",
                       getattr(stats, "axfr_denied", 0))
        yield from _cache_metrics(m.cache)
        yield from _packet_cache_metrics(m.packet_cache)
        yield from _upstream_metrics(m.upstream_status)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=value)


def cache_numbers(cache: Any) -> dict:
    """Hits, misses, entries, capacity and hit rate of the forwarding cache (zeros without one)."""
    raw = cache.stats() if cache is not None else {}
    hits = raw.get("hits", 0)
    misses = raw.get("misses", 0)
    entries = raw.get("entries", raw.get("size", 0))
    looked = hits + misses
    return {
        **raw,
        "hits": hits,
        "misses": misses,
        "entries": entries,
        "capacity": raw.get("capacity", raw.get("max_entries")),
        "hit_rate": raw.get("hit_rate", hits / looked if looked else 0.0),
    }


def _cache_metrics(cache: Any) -> Iterator[Metric]:
    numbers = cache_numbers(cache)
    yield _counter("dns_cache_hits", "Forwarding-cache lookups answered", numbers["hits"])
    yield _counter("dns_cache_misses", "Forwarding-cache lookups not answered",
                   numbers["misses"])
    yield _gauge("dns_cache_entries", "Entries in the forwarding cache", numbers["entries"])
    yield _gauge("dns_cache_hit_rate", "Forwarding-cache hits / lookups since start",
                 numbers["hit_rate"])


def _packet_cache_metrics(packet_cache: Any) -> Iterator[Metric]:
    if packet_cache is None:
        return
    hits, misses = packet_cache.hits, packet_cache.misses
    yield _counter("dns_packet_cache_hits", "Answers sent from the packet cache", hits)
    yield _counter("dns_packet_cache_misses", "Queries the packet cache could not answer",
                   misses)
    yield _gauge("dns_packet_cache_hit_rate", "Packet-cache hits / lookups since start",
                 hits / (hits + misses) if hits + misses else 0.0)


def _upstream_metrics(status: Callable[[], list[dict]] | None) -> Iterator[Metric]:
    labels = ["id", "address", "port"]
    up = GaugeMetricFamily(
        "dns_upstream_up", "1 when the upstream's last try succeeded, 0 when it failed",
        labels=labels,
    )
    rtt = GaugeMetricFamily(
        "dns_upstream_rtt_seconds", "Round-trip time of the upstream's last good answer",
        labels=labels,
    )
    rows = status() if status is not None else []
    for row in rows.values() if isinstance(rows, dict) else rows:
        key = [str(row.get("id")), str(row.get("address")), str(row.get("port"))]
        if row.get("up") is not None:
            up.add_metric(key, 1.0 if row["up"] else 0.0)
        if row.get("last_rtt_ms") is not None:
            rtt.add_metric(key, row["last_rtt_ms"] / 1000)
    yield up
    yield rtt
