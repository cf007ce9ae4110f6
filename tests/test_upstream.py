"""Tests for L{dnsops.resolvers.upstream}: forwarding to real upstream servers on loopback."""

from twisted.internet import defer, reactor, task
from twisted.internet.protocol import DatagramProtocol
from twisted.names import dns
from twisted.trial.unittest import TestCase

from dnsops.querylog import Stats
from dnsops.resolvers.context import QueryContext
from dnsops.resolvers.upstream import Upstream, UpstreamResolver
from dnsops.store import db, upstreams as upstream_store
from tests.upstreams import Counting, Mismatching, ServFail, Silent, Truncating

QUERY = dns.Query(b"www.example.org", dns.A, dns.IN)


def wait_until(predicate, timeout: float = 2.0) -> defer.Deferred:
    """Fire when C{predicate()} is true, polling the real reactor for at most C{timeout} s."""
    deadline = reactor.seconds() + timeout

    def poll():
        if predicate() or reactor.seconds() > deadline:
            return
        return task.deferLater(reactor, 0.01, poll)

    return defer.maybeDeferred(poll)


class UpstreamResolverTests(TestCase):
    def resolver(self, *servers, clock=None, timeout=2.0) -> UpstreamResolver:
        upstreams = [
            Upstream(i + 1, "127.0.0.1", server.start(self), priority=i)
            for i, server in enumerate(servers)
        ]
        self.stats = Stats(reactor)
        return UpstreamResolver(reactor, clock=clock, upstreams=upstreams, timeout=timeout,
                                stats=self.stats)

    @defer.inlineCallbacks
    def test_answer_comes_from_first_upstream(self):
        """If the first upstream answers, then its answer is returned and the second is not asked."""
        first, second = Counting(), Counting()
        resolver = self.resolver(first, second)
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual(result.rcode, dns.OK)
        self.assertEqual(result.answered_by, "upstream")
        self.assertEqual(result.answer[0].payload.dottedQuad(), "192.0.2.1")
        self.assertEqual((first.count(), second.count()), (1, 0))
        self.assertEqual(resolver.status[1].up, True)
        self.assertIsNotNone(resolver.status[1].last_rtt_ms)

    @defer.inlineCallbacks
    def test_nxdomain_is_an_answer(self):
        """If the first upstream says NXDOMAIN, then that is the answer (no next upstream)."""
        first, second = Counting(), Counting()
        resolver = self.resolver(first, second)
        result = yield resolver.resolve(dns.Query(b"nope.example.org", dns.A, dns.IN), QueryContext())
        self.assertEqual(result.rcode, dns.ENAME)
        self.assertEqual(result.authority[0].type, dns.SOA)
        self.assertEqual(second.count(), 0)

    @defer.inlineCallbacks
    def test_servfail_moves_to_next_upstream(self):
        """If the first upstream answers SERVFAIL, then the next one is asked and its answer used."""
        failing, good = ServFail(), Counting()
        resolver = self.resolver(failing, good)
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual(result.rcode, dns.OK)
        self.assertEqual((failing.count(), good.count()), (1, 1))
        self.assertEqual(resolver.status[1].up, False)
        self.assertEqual(resolver.status[1].last_error, "answered SERVFAIL")
        self.assertEqual(self.stats.upstream_failures, 0)

    @defer.inlineCallbacks
    def test_silent_upstream_times_out_then_next(self):
        """If an upstream stays silent for the timeout, then the next upstream answers."""
        clock = task.Clock()
        silent, good = Silent(), Counting()
        resolver = self.resolver(silent, good, clock=clock, timeout=2.0)
        d = resolver.resolve(QUERY, QueryContext())
        yield wait_until(lambda: silent.count() == 1)
        self.assertNoResult(d)
        clock.advance(2.0)
        result = yield d
        self.assertEqual(result.rcode, dns.OK)
        self.assertEqual((silent.count(), good.count()), (1, 1))
        self.assertEqual(resolver.status[1].last_error, "timeout")

    @defer.inlineCallbacks
    def test_all_failing_gives_servfail_and_counts(self):
        """If every upstream fails, then the answer is SERVFAIL and upstream_failures goes up by one."""
        clock = task.Clock()
        silent, failing = Silent(), ServFail()
        resolver = self.resolver(failing, silent, clock=clock)
        d = resolver.resolve(QUERY, QueryContext())
        yield wait_until(lambda: silent.count() == 1)
        clock.advance(2.0)
        result = yield d
        self.assertEqual(result.rcode, dns.ESERVER)
        self.assertEqual(self.stats.upstream_failures, 1)

    @defer.inlineCallbacks
    def test_unreachable_port_moves_on(self):
        """If an upstream's port is closed, then the next upstream answers without waiting for the timeout."""
        good = Counting()
        closed = reactor.listenUDP(0, DatagramProtocol(), interface="127.0.0.1")
        port = closed.getHost().port
        yield closed.stopListening()
        resolver = self.resolver(good, clock=task.Clock())
        resolver.set_upstreams([Upstream(0, "127.0.0.1", port, 0)] + resolver.upstreams)
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual(result.rcode, dns.OK)
        self.assertEqual(resolver.status[0].last_error, "port unreachable")

    @defer.inlineCallbacks
    def test_truncated_answer_is_asked_again_over_tcp(self):
        """If the UDP answer has TC=1, then the same query goes over TCP and its full answer is used."""
        server = Truncating()
        resolver = self.resolver(server)
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual(result.answer[0].payload.dottedQuad(), "192.0.2.1")
        self.assertEqual((server.count("udp"), server.count("tcp")), (1, 1))

    @defer.inlineCallbacks
    def test_mismatched_replies_are_dropped(self):
        """If replies with a wrong ID or question arrive first, then they are dropped and the right one is used."""
        resolver = self.resolver(Mismatching())
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual([rr.payload.dottedQuad() for rr in result.answer], ["192.0.2.1"])

    @defer.inlineCallbacks
    def test_concurrent_identical_questions_share_one_query(self):
        """If the same question is asked three times at once, then the upstream sees it once and all get the answer."""
        server = Counting()
        resolver = self.resolver(server)
        asked = [resolver.resolve(dns.Query(name, dns.A, dns.IN), QueryContext())
                 for name in (b"www.example.org", b"WWW.example.org", b"www.example.org")]
        results = yield defer.gatherResults(asked)
        self.assertEqual(server.count(), 1)
        self.assertEqual([r.answer[0].payload.dottedQuad() for r in results], ["192.0.2.1"] * 3)
        self.assertIsNot(results[0].answer, results[1].answer)

    @defer.inlineCallbacks
    def test_ids_and_ports_vary(self):
        """If several queries are sent, then their IDs and source ports are not all the same."""
        server = Counting()
        resolver = self.resolver(server)
        for i in range(8):
            yield resolver.resolve(dns.Query(b"q%d.example.org" % i, dns.A, dns.IN), QueryContext())
        ids = {source[0] for source in server.sources}
        ports = {source[1] for source in server.sources}
        self.assertGreater(len(ids), 1)
        self.assertGreater(len(ports), 1)

    @defer.inlineCallbacks
    def test_no_upstreams_is_servfail(self):
        """If the upstream table is empty, then the answer is SERVFAIL."""
        resolver = UpstreamResolver(reactor, upstreams=[])
        result = yield resolver.resolve(QUERY, QueryContext())
        self.assertEqual(result.rcode, dns.ESERVER)

    def test_table_changes_apply(self):
        """If the upstreams table changes, then reload_if_changed picks it up in priority order."""
        conn = db.connect(self.mktemp())
        self.addCleanup(conn.close)
        resolver = UpstreamResolver(reactor)
        self.assertTrue(resolver.reload_if_changed(conn))
        self.assertEqual([u.address for u in resolver.upstreams], ["8.8.8.8", "1.1.1.1", "9.9.9.9"])
        self.assertFalse(resolver.reload_if_changed(conn))
        with db.transaction(conn):
            added = upstream_store.add_upstream(conn, "127.0.0.1", port=5300, priority=0)
            upstream_store.delete_upstream(conn, 1)
        self.assertTrue(resolver.reload_if_changed(conn))
        self.assertEqual([u.address for u in resolver.upstreams], ["1.1.1.1", "9.9.9.9", "127.0.0.1"])
        self.assertEqual(resolver.upstreams[-1].id, added["id"])
        rows = resolver.status_rows()
        self.assertEqual(rows[0]["up"], None)
