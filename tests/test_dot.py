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


class LogLines:
    """Collects the text of every log event while a test runs."""

    def __init__(self, test) -> None:
        from twisted.logger import formatEvent, globalLogPublisher

        self.lines: list[str] = []
        observer = lambda event: self.lines.append(formatEvent(event))  # noqa: E731
        globalLogPublisher.addObserver(observer)
        test.addCleanup(globalLogPublisher.removeObserver, observer)


def served_certificate(port: int, host: str = "127.0.0.1") -> bytes:
    """The DER certificate a TLS server sends (blocking; not verified)."""
    context = ssl._create_unverified_context()
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        with context.wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)


class ServiceDoTTests(TestCase):
    """DoT as make_service starts it."""

    def setUp(self) -> None:
        import os

        self.db_path = os.path.join(os.path.abspath(self.mktemp()), "dns.db")
        os.makedirs(os.path.dirname(self.db_path))
        make_zone_db(self.db_path)

    @defer.inlineCallbacks
    def test_listener_logged_and_answering(self) -> None:
        """If DoT is on, then its listener is logged in the common format and answers with the generated certificate."""
        from tests.test_tls import der_fingerprint, fingerprint
        from dnsops.server.tls import generated_paths

        log = LogLines(self)
        server = start_server(self, self.db_path, no_dot=False, dot_port=0)
        port = server.service.dot.port_number
        self.assertIn(f"dns dot listening on 127.0.0.1:{port}", log.lines)
        cert_path = generated_paths(self.db_path)[0]
        answer = yield deferToThread(
            lambda: dns.query.tls(dnsquery.make("www.example.com"), "127.0.0.1", port=port,
                                  timeout=TIMEOUT, verify=cert_path, server_hostname="localhost"))
        self.assertEqual(answer.answer[0][0].address, "192.0.2.10")
        der = yield deferToThread(served_certificate, port)
        self.assertEqual(der_fingerprint(der), fingerprint(cert_path))

    @defer.inlineCallbacks
    def test_certificate_reused_across_restarts(self) -> None:
        """If the server restarts on the same database, then it serves the same generated certificate."""
        from tests.harness import _stop

        first = start_server(self, self.db_path, no_dot=False, dot_port=0)
        der_first = yield deferToThread(served_certificate, first.service.dot.port_number)
        yield _stop(first.service)
        second = start_server(self, self.db_path, no_dot=False, dot_port=0)
        der_second = yield deferToThread(served_certificate, second.service.dot.port_number)
        self.assertEqual(der_first, der_second)

    @defer.inlineCallbacks
    def test_dual_stack_by_default(self) -> None:
        """If no interface is given, then DoT listens on 0.0.0.0 and :: and answers over IPv6 loopback."""
        if not socket.has_ipv6:
            raise SkipTest("no IPv6")
        server = start_server(self, self.db_path, no_dot=False, dot_port=0, interface=[])
        hosts = [listener.host for listener in server.service.dot.listeners]
        self.assertEqual(hosts, ["0.0.0.0", "::"])
        try:
            der = yield deferToThread(served_certificate, server.service.dot.port_number, "::1")
        except OSError as e:
            raise SkipTest(f"no IPv6 loopback: {e}")
        self.assertTrue(der)

    @defer.inlineCallbacks
    def test_metrics_count_dot(self) -> None:
        """If a query comes over DoT, then /metrics counts it under protocol dot."""
        import urllib.request

        server = start_server(self, self.db_path, no_dot=False, dot_port=0, api_port=0)
        from dnsops.server.tls import generated_paths

        cert_path = generated_paths(self.db_path)[0]
        yield deferToThread(
            lambda: dns.query.tls(dnsquery.make("www.example.com"), "127.0.0.1",
                                  port=server.service.dot.port_number, timeout=TIMEOUT,
                                  verify=cert_path, server_hostname="localhost"))
        text = ""
        for _ in range(100):
            response = yield deferToThread(urllib.request.urlopen, f"http://127.0.0.1:{server.api_port}/metrics",
                                           timeout=TIMEOUT)
            text = response.read().decode()
            if 'dns_queries_total{protocol="dot"} 1.0' in text:
                break
            yield _later(0.05)
        self.assertIn('dns_queries_total{protocol="dot"} 1.0', text)


def _later(seconds: float):
    from twisted.internet.task import deferLater

    return deferLater(reactor, seconds, lambda: None)
