"""Tests for L{dnsops.resolvers.cache}: the LRU forwarding cache in front of real upstreams."""

from twisted.internet import defer, reactor, task
from twisted.names import dns, error
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.resolvers.blocklist import Blocklist, BlocklistResolver, DomainSet, Snapshot
from dnsops.resolvers.cache import Cache, CachingResolver, cache_ttl
from dnsops.resolvers.chain import build_chains
from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.resolvers.upstream import Upstream, UpstreamResolver
from tests.upstreams import SOA, Counting

CTX = QueryContext()


def a_answer(name: bytes = b"www.example.org", ttl: int = 300) -> Resolution:
    return Resolution(answer=[dns.RRHeader(name, dns.A, dns.IN, ttl, dns.Record_A("192.0.2.1"))],
                      answered_by="upstream")


class CacheTests(SynchronousTestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.cache = Cache(self.clock, capacity=3, serve_stale_max=3600)

    def test_ttl_counts_down(self):
        """If an entry is served 100 s after it was stored, then its TTLs are 100 lower."""
        self.cache.put(("a", 1, 1), a_answer(ttl=300))
        self.clock.advance(100.5)
        hit = self.cache.get(("a", 1, 1))
        self.assertEqual(hit.answered_by, "cache")
        self.assertEqual(hit.answer[0].ttl, 200)

    def test_entry_expires_at_min_ttl(self):
        """If the least TTL in the answer has passed, then the entry is a miss."""
        answer = a_answer(ttl=300)
        answer.answer.append(dns.RRHeader(b"www.example.org", dns.A, dns.IN, 60, dns.Record_A("192.0.2.2")))
        self.cache.put(("a", 1, 1), answer)
        self.clock.advance(59)
        self.assertIsNotNone(self.cache.get(("a", 1, 1)))
        self.clock.advance(1)
        self.assertIsNone(self.cache.get(("a", 1, 1)))
        self.assertEqual(self.cache.stats()["hits"], 1)
        self.assertEqual(self.cache.stats()["misses"], 1)

    def test_negative_answer_ttl_is_soa_minimum(self):
        """If an NXDOMAIN carries an SOA with TTL 300 and minimum 60, then it is kept 60 s (RFC 2308)."""
        negative = Resolution(rcode=dns.ENAME, authority=[dns.RRHeader(b"example.org", dns.SOA, dns.IN, 300, SOA)])
        self.assertEqual(cache_ttl(negative), 60)
        nodata = Resolution(rcode=dns.OK, authority=[dns.RRHeader(b"example.org", dns.SOA, dns.IN, 30, SOA)])
        self.assertEqual(cache_ttl(nodata), 30)

    def test_negative_answer_without_soa_not_cached(self):
        """If an NXDOMAIN has no SOA, then it is not cached."""
        self.assertFalse(self.cache.put(("a", 1, 1), Resolution(rcode=dns.ENAME)))

    def test_servfail_not_cached(self):
        """If an answer is SERVFAIL, then it is not cached."""
        self.assertFalse(self.cache.put(("a", 1, 1), Resolution(rcode=dns.ESERVER)))
        self.assertEqual(self.cache.stats()["size"], 0)

    def test_least_recently_used_is_evicted(self):
        """If the cache is full, then the entry used longest ago goes first."""
        for key in ("a", "b", "c"):
            self.cache.put((key, 1, 1), a_answer())
        self.cache.get(("a", 1, 1))
        self.cache.put(("d", 1, 1), a_answer())
        self.assertEqual([k[0] for k in self.cache.entries], ["c", "a", "d"])
        self.assertIsNone(self.cache.get(("b", 1, 1)))

    def test_stats_and_flush(self):
        """If the cache is flushed, then it is empty and its stats say so."""
        self.cache.put(("a", 1, 1), a_answer())
        self.cache.get(("a", 1, 1))
        self.cache.get(("x", 1, 1))
        self.assertEqual(self.cache.stats(), {"size": 1, "capacity": 3, "hits": 1, "misses": 1, "hit_rate": 0.5})
        self.assertEqual(self.cache.flush(), 1)
        self.assertEqual(self.cache.stats()["size"], 0)

    def test_resize_evicts(self):
        """If the capacity shrinks, then the oldest entries go at once."""
        for key in ("a", "b", "c"):
            self.cache.put((key, 1, 1), a_answer())
        self.cache.resize(1)
        self.assertEqual([k[0] for k in self.cache.entries], ["c"])

    def test_stale_window(self):
        """If an entry expired less than serve_stale_max ago, then stale() serves it with TTL 30; after, never."""
        self.cache.put(("a", 1, 1), a_answer(ttl=300))
        self.clock.advance(300 + 3599)
        stale = self.cache.stale(("a", 1, 1))
        self.assertEqual((stale.answered_by, stale.answer[0].ttl), ("stale", 30))
        self.clock.advance(1)
        self.assertIsNone(self.cache.stale(("a", 1, 1)))
        self.assertEqual(self.cache.stats()["size"], 0)


class CachingResolverTests(TestCase):
    def setUp(self):
        self.server = Counting(ttl=300)
        upstream = UpstreamResolver(reactor, upstreams=[Upstream(1, "127.0.0.1", self.server.start(self))])
        self.clock = task.Clock()
        self.cache = Cache(self.clock, capacity=100, serve_stale_max=86400)
        self.resolver = CachingResolver(upstream, self.cache)

    def ask(self, name: bytes = b"www.example.org", qtype: int = dns.A):
        return defer.maybeDeferred(self.resolver.resolve, dns.Query(name, qtype, dns.IN), CTX)

    @defer.inlineCallbacks
    def test_second_question_is_a_cache_hit(self):
        """If a name is asked twice, then the upstream is asked once and the second answer says cache."""
        first = yield self.ask()
        self.clock.advance(10)
        second = yield self.ask(b"WWW.example.org")
        self.assertEqual((first.answered_by, second.answered_by), ("upstream", "cache"))
        self.assertEqual(second.answer[0].ttl, 290)
        self.assertEqual(self.server.count(), 1)

    @defer.inlineCallbacks
    def test_expired_entry_is_asked_again(self):
        """If the TTL has passed, then the upstream is asked again."""
        yield self.ask()
        self.clock.advance(300)
        again = yield self.ask()
        self.assertEqual(again.answered_by, "upstream")
        self.assertEqual(self.server.count(), 2)

    @defer.inlineCallbacks
    def test_negative_answer_cached_for_soa_minimum(self):
        """If the upstream says NXDOMAIN with SOA minimum 60, then it is served from cache for 60 s only."""
        yield self.ask(b"nope.example.org")
        self.clock.advance(59)
        cached = yield self.ask(b"nope.example.org")
        self.assertEqual((cached.rcode, cached.answered_by), (dns.ENAME, "cache"))
        self.clock.advance(1)
        yield self.ask(b"nope.example.org")
        self.assertEqual(self.server.count(), 2)

    @defer.inlineCallbacks
    def test_servfail_is_not_cached(self):
        """If the upstream fails, then the next question asks it again."""
        self.server.servfail = True
        yield self.ask()
        yield self.ask()
        self.assertEqual(self.server.count(), 2)

    @defer.inlineCallbacks
    def test_serve_stale_when_upstreams_fail(self):
        """If the entry expired and every upstream fails, then the stale answer is served with TTL 30."""
        yield self.ask()
        self.clock.advance(3600)
        self.server.servfail = True
        stale = yield self.ask()
        self.assertEqual((stale.rcode, stale.answered_by, stale.answer[0].ttl), (dns.OK, "stale", 30))
        self.clock.advance(86400)
        failed = yield self.ask()
        self.assertEqual(failed.rcode, dns.ESERVER)


class _NoZones:
    """An authority layer with no zones: every name passes on."""

    def resolve(self, query, ctx):
        raise error.DomainError(query.name)


class ChainWiringTests(TestCase):
    @defer.inlineCallbacks
    def test_blocklist_then_cache_then_upstream(self):
        """If the chain is built from these layers, then blocked names never reach the upstream and others are cached."""
        server = Counting()
        upstream = UpstreamResolver(reactor, upstreams=[Upstream(1, "127.0.0.1", server.start(self))])
        blocklist = Blocklist(Snapshot(blocked=DomainSet({b"ads.example.org"}, set())))
        chains = build_chains(_NoZones(), BlocklistResolver(blocklist), CachingResolver(upstream, Cache(task.Clock())))
        blocked = yield defer.maybeDeferred(chains.recursive.resolve, dns.Query(b"ads.example.org", dns.A, dns.IN), CTX)
        first = yield chains.recursive.resolve(dns.Query(b"www.example.org", dns.A, dns.IN), CTX)
        second = yield chains.recursive.resolve(dns.Query(b"www.example.org", dns.A, dns.IN), CTX)
        refused = yield defer.maybeDeferred(chains.local.resolve, dns.Query(b"www.example.org", dns.A, dns.IN), CTX)
        self.assertEqual([r.answered_by for r in (blocked, first, second, refused)],
                         ["blocked", "upstream", "cache", "refused"])
        self.assertEqual(server.count(), 1)
