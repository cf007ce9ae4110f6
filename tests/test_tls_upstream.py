"""
Tests for L{dnsops.resolvers.tlsupstream}: forwarding over DNS-over-TLS to a verified upstream.

The upstream is a second real dnsops with a DoT listener on 127.0.0.1 and a certificate from
a test CA (L{tests.test_tls}); the client checks it against that CA file.
"""

from twisted.internet import defer, reactor
from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.errors import InvalidInput
from dnsops.resolvers.tlsupstream import (
    TLSUpstreamError,
    TLSUpstreams,
    format_tls_upstream,
    parse_tls_upstream,
)
from dnsops.server.dot import ALPN, dot_factory
from dnsops.server.tcplimits import ConnectionTable
from dnsops.server.tls import ReloadableServerTLS
from tests.harness import start_server
from tests.test_server import make_zone_db
from tests.test_tls import issue, make_ca

TIMEOUT = 5.0


class ParseTests(SynchronousTestCase):
    """The tls:// form of an upstream."""

    def test_full_form(self) -> None:
        """If address, port and name are given, then all three are read."""
        self.assertEqual(parse_tls_upstream("tls://1.1.1.1:853#cloudflare-dns.com"),
                         ("1.1.1.1", 853, "cloudflare-dns.com"))

    def test_ipv6_and_defaults(self) -> None:
        """If an IPv6 address in brackets has no port or name, then the name is the address."""
        self.assertEqual(parse_tls_upstream("tls://[2606:4700:4700::1111]"),
                         ("2606:4700:4700::1111", None, "2606:4700:4700::1111"))
        self.assertEqual(parse_tls_upstream("TLS://[2001:db8::1]:8853#Dns.Example.")[1:], (8853, "dns.example"))

    def test_round_trip(self) -> None:
        """If the stored form is read back, then it gives the same address and name."""
        text = format_tls_upstream("9.9.9.9", "dns.quad9.net")
        self.assertEqual(text, "tls://9.9.9.9#dns.quad9.net")
        self.assertEqual(parse_tls_upstream(text), ("9.9.9.9", None, "dns.quad9.net"))
        self.assertEqual(format_tls_upstream("9.9.9.9", "9.9.9.9"), "tls://9.9.9.9")

    def test_bad_forms(self) -> None:
        """If the address is not an IP, the port is out of range, or the scheme differs, then the error names the value."""
        for text in ("tls://dns.google#dns.google", "tls://1.1.1.1:99999", "https://1.1.1.1", "tls://1.1.1.1#bad..name"):
            error = self.assertRaises(InvalidInput, parse_tls_upstream, text)
            self.assertTrue(str(error).startswith("invalid"), str(error))


def question(name: bytes = b"www.example.com") -> dns.Query:
    return dns.Query(name, dns.A, dns.IN)


class UpstreamDoTTestCase(TestCase):
    """A second dnsops serving example.com over DoT with a test-CA certificate."""

    def setUp(self) -> None:
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        self.upstream = start_server(self, self.db_path)
        directory = self.mktemp()
        self.ca = make_ca(directory)
        self.other_ca = make_ca(self.mktemp(), "another CA")
        cert, key = issue(directory, self.ca, names=("dns.test",), ips=("127.0.0.1",))
        self.table = ConnectionTable(reactor, max_connections=50, idle_timeout=10.0)
        factory = dot_factory(self.upstream.factory, self.table, ReloadableServerTLS(cert, key, ALPN))
        listening = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(listening.stopListening)
        self.addCleanup(self.table.abort_all)
        self.dot_port = listening.getHost().port

    def client(self, ca_file: str | None = None) -> TLSUpstreams:
        pool = TLSUpstreams(reactor, ca_file=ca_file or self.ca[0])
        self.addCleanup(pool.close)
        return pool

    def ask(self, pool: TLSUpstreams, address: str, name: bytes = b"www.example.com") -> defer.Deferred:
        d, cleanup = pool.exchange(address, self.dot_port, question(name))
        timer = reactor.callLater(TIMEOUT, lambda: d.called or d.cancel())
        return d.addBoth(lambda r: (timer.active() and timer.cancel(), cleanup(), r)[2])


class TLSUpstreamTests(UpstreamDoTTestCase):
    """Verified, reused, pipelined connections."""

    @defer.inlineCallbacks
    def test_answer_over_tls(self) -> None:
        """If the upstream's certificate names it, then the query is answered over TLS."""
        pool = self.client()
        message = yield self.ask(pool, "tls://127.0.0.1#dns.test")
        self.assertEqual(message.answers[0].payload.dottedQuad(), "192.0.2.10")

    @defer.inlineCallbacks
    def test_ip_address_name(self) -> None:
        """If no name is given, then the certificate must carry the upstream's IP address, which ours does."""
        message = yield self.ask(self.client(), "tls://127.0.0.1")
        self.assertEqual(message.rCode, dns.OK)

    @defer.inlineCallbacks
    def test_connection_reused(self) -> None:
        """If three queries are asked one after another, then one connection carries them all."""
        pool = self.client()
        for _ in range(3):
            yield self.ask(pool, "tls://127.0.0.1#dns.test")
        self.assertEqual(pool.connections_made, 1)
        self.assertEqual(len(self.table), 1)

    @defer.inlineCallbacks
    def test_pipelined(self) -> None:
        """If ten queries are asked at once, then they share one connection and each gets its own answer."""
        pool = self.client()
        names = [b"www.example.com", b"ns1.example.com", b"nope.example.com"] * 3 + [b"m1.example.com"]
        answers = yield defer.gatherResults([self.ask(pool, "tls://127.0.0.1#dns.test", n) for n in names])
        self.assertEqual(pool.connections_made, 1)
        self.assertEqual([a.queries[0].name.name for a in answers], names)
        self.assertEqual(answers[2].rCode, dns.ENAME)

    @defer.inlineCallbacks
    def test_reconnects_after_close(self) -> None:
        """If the upstream closes the connection, then the next query opens a new one."""
        pool = self.client()
        yield self.ask(pool, "tls://127.0.0.1#dns.test")
        self.table.abort_all()
        for _ in range(100):
            if not pool._connections:
                break
            yield _later(0.01)
        message = yield self.ask(pool, "tls://127.0.0.1#dns.test")
        self.assertEqual(message.rCode, dns.OK)
        self.assertEqual(pool.connections_made, 2)

    @defer.inlineCallbacks
    def test_wrong_name_refused(self) -> None:
        """If the certificate does not carry the configured name, then the query fails saying so."""
        failure = yield self.assertFailure(self.ask(self.client(), "tls://127.0.0.1#other.test"), TLSUpstreamError)
        self.assertIn("does not match", str(failure))

    @defer.inlineCallbacks
    def test_untrusted_ca_refused(self) -> None:
        """If the certificate is not from a trusted CA, then the query fails."""
        pool = self.client(self.other_ca[0])
        failure = yield self.assertFailure(self.ask(pool, "tls://127.0.0.1#dns.test"), TLSUpstreamError)
        self.assertIn("tls", str(failure))


def _later(seconds: float):
    from twisted.internet.task import deferLater

    return deferLater(reactor, seconds, lambda: None)


class _Stats:
    """Counts what L{UpstreamResolver} counts."""

    upstream_failures = 0


class ForwardingTests(TestCase):
    """dnsops forwarding to a second dnsops's DoT listener."""

    def setUp(self) -> None:
        import os

        from tests.test_server import set_config

        directory = os.path.abspath(self.mktemp())
        self.ca = make_ca(directory)
        cert, key = issue(directory, self.ca, names=("dns.test",), ips=("127.0.0.1",))
        self.upstream_db = os.path.join(directory, "upstream.db")
        make_zone_db(self.upstream_db)
        set_config(self.upstream_db, "tls_cert_path", cert)
        set_config(self.upstream_db, "tls_key_path", key)
        self.upstream = start_server(self, self.upstream_db, no_dot=False, dot_port=0)
        self.dot_port = self.upstream.service.dot.port_number

    def forwarder(self, address: str):
        import os

        from dnsops.store import db, upstreams

        path = os.path.join(os.path.abspath(self.mktemp()), "forwarder.db")
        os.makedirs(os.path.dirname(path))
        conn = db.connect(path)
        try:
            with db.transaction(conn):
                conn.execute("DELETE FROM upstreams")
                upstreams.add_upstream(conn, address, port=self.dot_port)
            listed = upstreams.list_upstreams(conn)
        finally:
            conn.close()
        server = start_server(self, path)
        server.service.tls_upstreams.set_ca_file(self.ca[0])
        return server, listed

    @defer.inlineCallbacks
    def test_forwarded_over_tls(self) -> None:
        """If the only upstream is tls://127.0.0.1#dns.test, then a name outside our zones is answered through it."""
        from tests import dnsquery

        server, listed = self.forwarder("tls://127.0.0.1#dns.test")
        self.assertEqual([(u["address"], u["port"]) for u in listed], [("tls://127.0.0.1#dns.test", self.dot_port)])
        response = yield dnsquery.query(server.port, "www.example.com", "A", flags="RD")
        self.assertEqual(response.answer[0][0].address, "192.0.2.10")
        self.assertEqual(server.service.tls_upstreams.connections_made, 1)
        seen = []
        hook = self.upstream.factory.on_answer
        self.upstream.factory.on_answer = lambda ctx, *rest: (seen.append(ctx.transport), hook(ctx, *rest))
        yield dnsquery.query(server.port, "ns1.example.com", "A", flags="RD")
        self.assertEqual(seen, ["dot"])
        self.assertEqual(server.service.tls_upstreams.connections_made, 1)

    @defer.inlineCallbacks
    def test_mismatched_certificate_is_an_upstream_failure(self) -> None:
        """If the certificate does not carry the configured name, then the answer is SERVFAIL, the upstream is down with the reason, and the failure is counted."""
        from dnsops.resolvers.upstream import Upstream, UpstreamResolver

        pool = TLSUpstreams(reactor, ca_file=self.ca[0])
        self.addCleanup(pool.close)
        stats = _Stats()
        resolver = UpstreamResolver(reactor, upstreams=[Upstream(1, "tls://127.0.0.1#other.test", self.dot_port)],
                                    timeout=TIMEOUT, stats=stats, tls=pool)
        resolution = yield resolver.resolve(question())
        self.assertEqual(resolution.rcode, dns.ESERVER)
        row = resolver.status_rows()[0]
        self.assertFalse(row["up"])
        self.assertIn("does not match", row["last_error"])
        self.assertEqual(stats.upstream_failures, 1)
