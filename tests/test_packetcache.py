"""
Tests for L{dnsops.server.packetcache}: forwarded answers repeated as bytes for a short time.

The factory, the forwarding cache and the packet cache share one Clock, so expiry is exact
and no test waits on real time.
"""

import dns.message
import dns.rcode
from twisted.internet import defer, task
from twisted.names import dns as tdns
from twisted.trial.unittest import SynchronousTestCase

from dnsops.resolvers.cache import Cache, CachingResolver
from dnsops.resolvers.chain import Chains, ResolverChain
from dnsops.resolvers.context import Resolution
from dnsops.server.factory import DNSDatagramProtocol, DNSServerFactory
from dnsops.server.packetcache import PacketCache
from tests import dnsquery

CLIENT = ("127.0.0.1", 5353)


class Counter:
    """Anything with a C{hits} count, as the forwarding cache has."""

    hits = 0


class Upstream:
    """An upstream layer that answers A 192.0.2.1 with a given TTL and counts the questions."""

    def __init__(self, ttl: int = 300, rcode: int = tdns.OK) -> None:
        self.ttl = ttl
        self.rcode = rcode
        self.asked = 0

    def resolve(self, query, ctx):
        self.asked += 1
        record = tdns.RRHeader(query.name.name, tdns.A, tdns.IN, self.ttl, tdns.Record_A("192.0.2.1"))
        answer = [record] if self.rcode == tdns.OK else []
        return defer.succeed(Resolution(rcode=self.rcode, answer=answer, answered_by="upstream"))


class Counted:
    """A layer that counts the questions it passes to the layer it wraps."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.asked = 0

    def resolve(self, query, ctx):
        self.asked += 1
        return self.layer.resolve(query, ctx)


class FakeSocket:
    """Stands in for the UDP socket: keeps what C{sendto} was given."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def sendto(self, data: bytes, address) -> None:
        self.sent.append(data)


class PacketCacheExpiryTests(SynchronousTestCase):
    """L{PacketCache.get} with an expiry time on the entry."""

    def setUp(self) -> None:
        self.cache = PacketCache()
        self.cache.reset(0)
        self.counter = Counter()

    def test_entry_served_until_expiry(self):
        """If an entry expires at 10.0, then it is a hit at 9.9 and a miss at 10.0."""
        self.cache.put("udp", True, 0, b"k", (b"answer", "a.example.org", 1, 0, "cache", 10.0, self.counter))
        self.assertEqual(self.cache.get("udp", True, b"k", 9.9)[0], b"answer")
        self.assertIsNone(self.cache.get("udp", True, b"k", 10.0))
        self.assertEqual((self.cache.hits, self.cache.misses), (1, 1))

    def test_hit_counts_for_the_counter(self):
        """If an entry with a counter is served twice, then the counter's hits go up by two."""
        self.cache.put("udp", True, 0, b"k", (b"answer", "a.example.org", 1, 0, "cache", 10.0, self.counter))
        self.cache.get("udp", True, b"k", 1.0)
        self.cache.get("udp", True, b"k", 2.0)
        self.cache.get("udp", True, b"k", 11.0)
        self.assertEqual(self.counter.hits, 2)

    def test_entry_without_expiry_never_expires(self):
        """If an entry has no expiry (an authoritative answer), then it is served at any time."""
        self.cache.put("udp", False, 0, b"k", (b"answer", "www.example.com", 1, 0, "authoritative", None, None))
        self.assertIsNotNone(self.cache.get("udp", False, b"k", 1e12))

    def test_clear_drops_entries_with_expiry(self):
        """If the cache is cleared (flush-cache, config change), then unexpired entries go too."""
        self.cache.put("udp", True, 0, b"k", (b"answer", "a.example.org", 1, 0, "cache", 10.0, None))
        self.cache.clear()
        self.assertIsNone(self.cache.get("udp", True, b"k", 1.0))


class ForwardedRepeatTests(SynchronousTestCase):
    """The factory, L{CachingResolver} and the packet cache together, on one Clock."""

    def setUp(self) -> None:
        self.clock = task.Clock()
        self.clock.advance(1000)
        self.upstream = Upstream()
        self.forwarding = Cache(self.clock, capacity=100)
        self.caching = Counted(CachingResolver(self.upstream, self.forwarding))
        chain = ResolverChain([self.caching])
        self.logged: list[tuple] = []
        self.factory = DNSServerFactory(Chains(recursive=chain, local=chain), clock=self.clock,
                                        on_answer=lambda *args: self.logged.append(args))

    @property
    def asked_cache(self) -> int:
        return self.caching.asked

    def ask(self, msg_id: int = 1, transport: str = "udp") -> dns.message.Message:
        """Send one RD query for a.example.org A through C{handle} and return the answer."""
        query = dnsquery.make("a.example.org", flags="RD")
        query.id = msg_id
        sent = []
        self.factory.handle(query.to_wire(), CLIENT, transport, sent.append)
        return dns.message.from_wire(sent[0])

    def test_repeat_within_a_second_skips_the_chain(self):
        """If a forwarded question is asked again within the second, then the chain is not asked."""
        first = self.ask(1)
        second = self.ask(2)
        self.assertEqual((first.id, second.id), (1, 2))
        self.assertEqual(second.answer[0].ttl, 300)
        self.assertEqual((self.asked_cache, self.upstream.asked), (1, 1))

    def test_repeat_after_expiry_asks_the_cache_again(self):
        """If the packet entry has expired, then the forwarding cache answers with a lower TTL."""
        self.ask(1)
        self.clock.advance(1.0)
        again = self.ask(2)
        self.assertEqual(self.asked_cache, 2)
        self.assertEqual(self.upstream.asked, 1)
        self.assertEqual(again.answer[0].ttl, 299)

    def test_cache_hit_kept_until_next_ttl_tick(self):
        """If the forwarding cache answers 2.25 s after storing, then the bytes are kept 0.75 s."""
        self.ask(1)
        self.clock.advance(2.25)
        self.assertEqual(self.ask(2).answer[0].ttl, 298)
        self.clock.advance(0.7)
        self.assertEqual(self.ask(3).answer[0].ttl, 298)
        self.assertEqual(self.asked_cache, 2)
        self.clock.advance(0.05)
        self.assertEqual(self.ask(4).answer[0].ttl, 297)
        self.assertEqual(self.asked_cache, 3)

    def test_repeats_count_as_forwarding_cache_hits(self):
        """If the packet cache repeats a forwarded answer, then it is logged and counted as a cache hit."""
        self.ask(1)
        self.ask(2)
        self.ask(3)
        self.assertEqual([row[4] for row in self.logged], ["upstream", "cache", "cache"])
        self.assertEqual((self.forwarding.hits, self.forwarding.misses), (2, 1))

    def test_servfail_not_repeated(self):
        """If the upstream answers SERVFAIL, then the next question goes to the upstream again."""
        self.upstream.rcode = tdns.ESERVER
        self.assertEqual(self.ask(1).rcode(), dns.rcode.SERVFAIL)
        self.ask(2)
        self.assertEqual(self.upstream.asked, 2)

    def test_ttl_zero_not_repeated(self):
        """If the upstream's answer has TTL 0, then it is neither cached nor repeated."""
        self.upstream.ttl = 0
        self.ask(1)
        self.ask(2)
        self.assertEqual(self.upstream.asked, 2)

    def test_stale_answer_not_repeated(self):
        """If a stale answer is served (upstream failing), then the next question is resolved again."""
        self.ask(1)
        self.clock.advance(301)
        self.upstream.rcode = tdns.ESERVER
        self.assertEqual(self.ask(2).answer[0].ttl, 30)
        self.ask(3)
        self.assertEqual(self.upstream.asked, 3)

    def test_flush_drops_repeats(self):
        """If the caches are flushed, then the next question goes to the upstream."""
        self.ask(1)
        self.forwarding.flush()
        self.factory.packet_cache.clear()
        self.ask(2)
        self.assertEqual(self.upstream.asked, 2)

    def test_tcp_repeats_expire_too(self):
        """If a TCP question repeats after the packet entry's expiry, then the cache is asked again."""
        self.ask(1, "tcp")
        self.ask(2, "tcp")
        self.assertEqual(self.asked_cache, 1)
        self.clock.advance(1.0)
        self.ask(3, "tcp")
        self.assertEqual(self.asked_cache, 2)

    def test_udp_fast_path_honours_expiry(self):
        """If the UDP fast path finds an expired entry, then it answers through the chain."""
        protocol = DNSDatagramProtocol(self.factory)
        sock = FakeSocket()
        protocol._sendto = sock.sendto
        wire = dnsquery.make("a.example.org", flags="RD").to_wire()
        for _ in range(3):
            protocol.datagramReceived(wire, CLIENT)
        self.assertEqual((len(sock.sent), self.asked_cache, self.forwarding.hits), (3, 1, 2))
        self.clock.advance(1.0)
        protocol.datagramReceived(wire, CLIENT)
        self.assertEqual(self.asked_cache, 2)
        self.assertEqual(dns.message.from_wire(sock.sent[-1]).answer[0].ttl, 299)
