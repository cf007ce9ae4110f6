"""
Tests for L{dnsops.server.dot}: DNS over TLS gives the same answers as UDP, with TCP's rules.

A real server answers; its DoT listener is on 127.0.0.1 port 0 with a certificate from the
test CA of L{tests.test_tls}. dnspython and kdig are the clients.
"""

import shutil
import socket
import ssl
import struct
import subprocess

import dns.message
import dns.query
import dns.rcode

from twisted.internet import defer, reactor
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SkipTest, TestCase

from dnsops.server.dot import ALPN, dot_factory
from dnsops.server.tcplimits import ConnectionTable
from dnsops.server.tls import ReloadableServerTLS
from tests import dnsquery
from tests.harness import start_server
from tests.test_server import make_zone_db
from tests.test_tls import issue, make_ca

TIMEOUT = 3.0


def dot_query(port: int, name: str, rdtype: str, cafile: str, **kw) -> dns.message.Message:
    """One query over DoT with dnspython, verifying the test CA (blocking)."""
    message = dnsquery.make(name, rdtype, flags="RD", **kw)
    return dns.query.tls(message, "127.0.0.1", port=port, timeout=TIMEOUT,
                         server_hostname="dns.test", verify=cafile)


def same_answer(a: dns.message.Message, b: dns.message.Message) -> bool:
    """Same rcode, flags and sections (the ID aside)."""
    return (a.rcode(), a.flags, a.answer, a.authority, a.additional) == (
        b.rcode(), b.flags, b.answer, b.authority, b.additional)


class DoTTestCase(TestCase):
    """A real server with a DoT listener of its own factory on a free port."""

    def setUp(self) -> None:
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        self.server = start_server(self, self.db_path)
        directory = self.mktemp()
        self.ca = make_ca(directory)
        cert, key = issue(directory, self.ca, names=("dns.test",), ips=("127.0.0.1",))
        self.cafile = self.ca[0]
        self.table = ConnectionTable(reactor, max_connections=50, idle_timeout=10.0)
        factory = dot_factory(self.server.factory, self.table, ReloadableServerTLS(cert, key, ALPN))
        listening = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(listening.stopListening)
        self.addCleanup(self.table.abort_all)
        self.dot_port = listening.getHost().port


class DoTAnswerTests(DoTTestCase):
    """DoT and UDP agree."""

    @defer.inlineCallbacks
    def test_same_answers_as_udp(self) -> None:
        """If the same questions are asked over UDP (TCP for the one too big for UDP) and DoT, then the answers are the same."""
        for name, rdtype, tcp in (("www.example.com", "A", False), ("nope.example.com", "A", False),
                                  ("example.com", "SOA", False), ("mx.example.com", "MX", True)):
            over_udp = yield dnsquery.query(self.server.port, name, rdtype, flags="RD", tcp=tcp)
            over_dot = yield deferToThread(dot_query, self.dot_port, name, rdtype, self.cafile)
            self.assertTrue(same_answer(over_udp, over_dot), f"{name} {rdtype}: {over_udp} / {over_dot}")

    @defer.inlineCallbacks
    def test_counted_as_dot(self) -> None:
        """If a query comes over DoT, then the query log and the per-protocol counter say dot."""
        seen = []
        hook = self.server.factory.on_answer
        self.server.factory.on_answer = lambda ctx, *rest: (seen.append(ctx.transport), hook(ctx, *rest))
        yield deferToThread(dot_query, self.dot_port, "www.example.com", "A", self.cafile)
        self.assertEqual(seen, ["dot"])

    @defer.inlineCallbacks
    def test_pipelined_over_tls(self) -> None:
        """If ten queries are written at once inside TLS, then ten answers come back."""

        def run():
            context = ssl.create_default_context(cafile=self.cafile)
            with socket.create_connection(("127.0.0.1", self.dot_port), timeout=TIMEOUT) as raw:
                with context.wrap_socket(raw, server_hostname="dns.test") as sock:
                    wires = []
                    for i in range(10):
                        message = dnsquery.make("www.example.com", "A")
                        message.id = i
                        wire = message.to_wire()
                        wires.append(struct.pack("!H", len(wire)) + wire)
                    sock.sendall(b"".join(wires))
                    data, answers = b"", []
                    while len(answers) < 10:
                        chunk = sock.recv(65535)
                        if not chunk:
                            break
                        data += chunk
                        while len(data) >= 2 and len(data) >= 2 + struct.unpack_from("!H", data)[0]:
                            (n,) = struct.unpack_from("!H", data)
                            answers.append(dns.message.from_wire(data[2 : 2 + n]))
                            data = data[2 + n :]
                    return answers

        answers = yield deferToThread(run)
        self.assertEqual(sorted(a.id for a in answers), list(range(10)))

    @defer.inlineCallbacks
    def test_untrusted_client_view(self) -> None:
        """If a client checks for a name the certificate lacks, then it refuses the server."""
        with self.assertRaises(ssl.SSLCertVerificationError):
            yield deferToThread(lambda: dns.query.tls(
                dnsquery.make("www.example.com"), "127.0.0.1", port=self.dot_port, timeout=TIMEOUT,
                server_hostname="wrong.test", verify=self.cafile))

    @defer.inlineCallbacks
    def test_kdig_tls(self) -> None:
        """If kdig asks with +tls, then it gets the authoritative answer."""
        if shutil.which("kdig") is None:
            raise SkipTest("kdig is not installed")
        out = yield deferToThread(
            subprocess.run,
            ["kdig", "@127.0.0.1", "-p", str(self.dot_port), "+tls", f"+tls-ca={self.cafile}",
             "+tls-hostname=dns.test", "+short", "+timeout=3", "+retry=0", "www.example.com", "A"],
            capture_output=True, text=True, timeout=10,
        )
        self.assertEqual(out.stdout.strip(), "192.0.2.10", out.stderr)
