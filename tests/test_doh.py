"""
Tests for L{dnsops.server.doh}: DNS over HTTPS (RFC 8484) and the JSON form.

A real server answers; its DoH site is behind TLS with a certificate from the test CA of
L{tests.test_tls}, on 127.0.0.1 port 0. dnspython (with httpx and h2), httpx itself and
kdig are the clients.
"""

import base64
import re
import shutil
import socket
import ssl
import subprocess

import dns.message
import dns.query
import dns.rcode
try:
    import httpx2 as httpx
except ImportError:  # the test extras: dnspython[doh] brings httpx2 and h2
    httpx = None

from twisted.internet import defer, reactor
from twisted.internet.error import ConnectionDone
from twisted.internet.task import deferLater
from twisted.internet.testing import StringTransport
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.trial.unittest import SkipTest, SynchronousTestCase, TestCase

from dnsops.server.doh import ALPN, doh_site, json_query, min_ttl
from dnsops.server.tcplimits import ConnectionTable, GuardedFactory
from dnsops.server.tls import ReloadableServerTLS
from tests import dnsquery
from tests.harness import start_server
from tests.test_dot import same_answer
from tests.test_server import make_zone_db, set_config
from tests.test_tls import issue, make_ca

TIMEOUT = 3.0


def doh_query(port: int, name: str, rdtype: str, cafile: str, post: bool, http2: bool) -> dns.message.Message:
    """One query over DoH with dnspython (blocking)."""
    version = dns.query.HTTPVersion.H2 if http2 else dns.query.HTTPVersion.H1
    message = dnsquery.make(name, rdtype, flags="RD")
    message.id = 0
    return dns.query.https(message, "127.0.0.1", port=port, timeout=TIMEOUT, verify=cafile,
                           post=post, http_version=version)


def http(port: int, cafile: str, method: str, path: str, http2: bool = False, **kw) -> httpx.Response:
    """One HTTPS request with httpx (blocking)."""
    with httpx.Client(verify=cafile, http2=http2, http1=not http2, timeout=TIMEOUT) as client:
        return client.request(method, f"https://127.0.0.1:{port}{path}", **kw)


def _need_doh_client() -> None:
    if httpx is None or not dns.query.have_doh:
        raise SkipTest("needs the test extras: dnspython[doh] (httpx2, h2)")


def h2_exchange(port: int, cafile: str, names: list[str], post: bool = False,
                window: int | None = None, headers_out: dict | None = None) -> tuple[list[list[tuple]], dict[int, bytes]]:
    """
    Send one query per name on one HTTP/2 connection, all in one write, and read every answer
    (blocking, bounded by L{TIMEOUT} per read and 200 reads).

    @param window: the client's initial stream window, to make the server wait on flow control.
    @param headers_out: filled with each stream's response headers, as a dict of str.
    @return: per TLS read, the frames seen as C{(kind, stream)} with kind C{headers}, C{data}
        or C{data+end}; and the body of each stream.
    """
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["h2"])
    reads, bodies = [], {}
    with context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT),
                             server_hostname="dns.test") as tls:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        if window is not None:
            conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
        for name in names:
            wire = dnsquery.make(name, flags="RD").to_wire()
            stream = conn.get_next_available_stream_id()
            bodies[stream] = b""
            headers = [(":method", "POST" if post else "GET"), (":scheme", "https"),
                       (":authority", "dns.test")]
            if post:
                conn.send_headers(stream, headers + [(":path", "/dns-query"),
                                                     ("content-type", "application/dns-message")])
                conn.send_data(stream, wire, end_stream=True)
            else:
                encoded = base64.urlsafe_b64encode(wire).rstrip(b"=").decode()
                conn.send_headers(stream, headers + [(":path", "/dns-query?dns=" + encoded)], end_stream=True)
        tls.sendall(conn.data_to_send())
        ended = set()
        for _ in range(200):
            if len(ended) == len(names):
                break
            data = tls.recv(65536)  # one TLS record at most, as OpenSSL reads
            if not data:
                break
            frames = []
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    frames.append(("headers", event.stream_id))
                    if headers_out is not None:
                        headers_out[event.stream_id] = {bytes(k).decode(): bytes(v).decode()
                                                        for k, v in event.headers}
                elif isinstance(event, h2.events.DataReceived):
                    frames.append(("data+end" if event.stream_ended else "data", event.stream_id))
                    bodies[event.stream_id] += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    ended.add(event.stream_id)
            if frames:
                reads.append(frames)
            tls.sendall(conn.data_to_send())
    return reads, bodies


class DoHTestCase(TestCase):
    """A real server with a DoH listener of its own factory on a free port."""

    #: config keys stored before the server starts
    config: dict = {}

    def setUp(self) -> None:
        _need_doh_client()
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        for key, value in self.config.items():
            set_config(self.db_path, key, value)
        self.server = start_server(self, self.db_path)
        directory = self.mktemp()
        self.ca = make_ca(directory)
        cert, key = issue(directory, self.ca, names=("dns.test",), ips=("127.0.0.1",))
        self.cafile = self.ca[0]
        self.table = ConnectionTable(reactor, max_connections=50, idle_timeout=10.0)
        self.site = doh_site(self.server.factory)
        tls = TLSMemoryBIOFactory(ReloadableServerTLS(cert, key, ALPN), False, self.site)
        listening = reactor.listenTCP(0, GuardedFactory(tls, self.table), interface="127.0.0.1")
        self.addCleanup(listening.stopListening)
        self.addCleanup(self.table.abort_all)
        self.port = listening.getHost().port

    #: whether L{request} speaks HTTP/2 unless told
    http2 = False

    def request(self, method: str, path: str, http2: bool | None = None, **kw):
        return deferToThread(http, self.port, self.cafile, method, path,
                             self.http2 if http2 is None else http2, **kw)

    def count_requests(self) -> list:
        """Count the twisted.web Requests the site makes from now on (one list item each)."""
        made = []
        factory = self.site.requestFactory

        def counting(*args, **kw):
            made.append(True)
            return factory(*args, **kw)

        self.site.requestFactory = counting
        return made


class DoHAnswerTests(DoHTestCase):
    """DoH and UDP agree, in every form."""

    @defer.inlineCallbacks
    def test_same_answers_as_udp(self) -> None:
        """If a question is asked over UDP and over DoH by GET and POST on HTTP/1.1 and HTTP/2, then every answer is the same."""
        for name in ("www.example.com", "nope.example.com"):
            over_udp = yield dnsquery.query(self.server.port, name, "A", flags="RD")
            for post in (True, False):
                for http2 in (False, True):
                    over_doh = yield deferToThread(doh_query, self.port, name, "A", self.cafile, post, http2)
                    self.assertTrue(same_answer(over_udp, over_doh), f"{name} post={post} h2={http2}")

    @defer.inlineCallbacks
    def test_http2_negotiated(self) -> None:
        """If the client offers h2 by ALPN, then the answer comes over HTTP/2."""
        wire = dnsquery.make("www.example.com").to_wire()
        response = yield self.request("POST", "/dns-query", http2=True, content=wire,
                                      headers={"content-type": "application/dns-message"})
        self.assertEqual(response.http_version, "HTTP/2")
        self.assertEqual(response.status_code, 200)

    @defer.inlineCallbacks
    def test_cache_control_from_ttl(self) -> None:
        """If the answer's records have TTL 3600, then Cache-Control says max-age=3600."""
        wire = dnsquery.make("www.example.com").to_wire()
        encoded = base64.urlsafe_b64encode(wire).rstrip(b"=").decode()
        response = yield self.request("GET", f"/dns-query?dns={encoded}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["content-type"], "application/dns-message")
        self.assertEqual(response.headers["cache-control"], "max-age=3600")
        self.assertEqual(dns.message.from_wire(response.content).answer[0].ttl, 3600)

    @defer.inlineCallbacks
    def test_counted_as_doh(self) -> None:
        """If a query comes over DoH, then the query-log hook sees protocol doh."""
        seen = []
        hook = self.server.factory.on_answer
        self.server.factory.on_answer = lambda ctx, *rest: (seen.append(ctx.transport), hook(ctx, *rest))
        yield deferToThread(doh_query, self.port, "www.example.com", "A", self.cafile, True, False)
        self.assertEqual(seen, ["doh"])

    @defer.inlineCallbacks
    def test_json_form(self) -> None:
        """If the JSON form is asked at /resolve and at /dns-query, then both give the answer as JSON."""
        for path in ("/resolve?name=www.example.com&type=A", "/dns-query?name=www.example.com&type=1"):
            response = yield self.request("GET", path, headers={"accept": "application/dns-json"})
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.headers["content-type"], "application/dns-json")
            body = response.json()
            self.assertEqual(body["Status"], 0)
            self.assertEqual(body["Question"], [{"name": "www.example.com.", "type": 1}])
            self.assertEqual(body["Answer"], [{"name": "www.example.com.", "type": 1, "TTL": 3600, "data": "192.0.2.10"}])

    @defer.inlineCallbacks
    def test_json_nxdomain_carries_soa(self) -> None:
        """If the JSON form asks for a missing name, then Status is 3 and the SOA is in Authority."""
        response = yield self.request("GET", "/resolve?name=nope.example.com&type=MX")
        body = response.json()
        self.assertEqual(body["Status"], 3)
        self.assertEqual(body["Authority"][0]["type"], 6)
        self.assertTrue(body["Authority"][0]["data"].startswith("ns1.example.com. admin.example.com. "))

    @defer.inlineCallbacks
    def test_kdig_https(self) -> None:
        """If kdig asks with +https, then it gets the authoritative answer."""
        if shutil.which("kdig") is None:
            raise SkipTest("kdig is not installed")
        out = yield deferToThread(
            subprocess.run,
            ["kdig", "@127.0.0.1", "-p", str(self.port), "+https", f"+tls-ca={self.cafile}",
             "+short", "+timeout=3", "+retry=0", "www.example.com", "A"],
            capture_output=True, text=True, timeout=10,
        )
        if "unsupported" in out.stderr.lower() or "invalid" in out.stderr.lower():
            raise SkipTest(f"this kdig has no DoH: {out.stderr.strip()}")
        self.assertEqual(out.stdout.strip(), "192.0.2.10", out.stderr)


class HTTP2DeliveryTests(DoHTestCase):
    """Many answers in flight on one HTTP/2 connection, as load generators send them."""

    config = {"rate_limit_per_sec": "0"}
    names = ["www.example.com", "nope.example.com", "ns1.example.com", "mx.example.com",
             "m1.example.com", "m2.example.com", "sub.example.com", "many.example.com"]

    def check_whole(self, reads: list, bodies: dict) -> None:
        """Every answer came as HEADERS then one DATA frame with END_STREAM, alone in its read."""
        for frames in reads:
            self.assertEqual(len(frames), 2, reads)
            (first, stream), (second, same) = frames
            self.assertEqual((first, second, same), ("headers", "data+end", stream), reads)
        self.assertEqual(sorted(stream for frames in reads for _, stream in frames[:1]), sorted(bodies))
        for stream, body in bodies.items():
            dns.message.from_wire(body)

    @defer.inlineCallbacks
    def test_answers_whole_and_one_per_record(self) -> None:
        """If eight GET and eight POST queries arrive in one write, then each answer is one HEADERS and one END_STREAM DATA frame in a TLS record of its own."""
        for post in (False, True):
            reads, bodies = yield deferToThread(h2_exchange, self.port, self.cafile, self.names, post)
            self.assertEqual(len(bodies), len(self.names))
            self.check_whole(reads, bodies)

    @defer.inlineCallbacks
    def test_flow_control_still_obeyed(self) -> None:
        """If the client's stream window is 16 octets, then GET and POST answers come in 16-octet frames as it opens the window, and are complete."""
        for post in (False, True):
            reads, bodies = yield deferToThread(h2_exchange, self.port, self.cafile, self.names[:3], post, 16)
            sizes = [kind for frames in reads for kind, _ in frames if kind.startswith("data")]
            self.assertGreater(len(sizes), 3)
            self.assertEqual(len(bodies), 3)
            for body in bodies.values():
                self.assertGreater(len(body), 16)
                self.assertEqual(len(dns.message.from_wire(body).question), 1)

    @defer.inlineCallbacks
    def test_wire_queries_skip_twisted_web(self) -> None:
        """If wire queries come by GET and POST over HTTP/2, then no twisted.web Request is made and the answers carry type, Cache-Control and Date; over HTTP/1.1 the Request path still answers."""
        made = self.count_requests()
        for post in (False, True):
            headers = {}
            reads, bodies = yield deferToThread(h2_exchange, self.port, self.cafile, self.names[:2], post, None, headers)
            self.assertEqual(sorted(headers), [1, 3])
            www, nope = headers[1], headers[3]
            self.assertEqual((www[":status"], www["content-type"], www["cache-control"]),
                             ("200", "application/dns-message", "max-age=3600"))
            self.assertIn("date", www)
            self.assertEqual(dns.message.from_wire(bodies[1]).answer[0][0].address, "192.0.2.10")
            self.assertEqual(dns.message.from_wire(bodies[3]).rcode(), dns.rcode.NXDOMAIN)
            self.assertRegex(nope["cache-control"], r"^max-age=\d+$")
        self.assertEqual(made, [])
        over_http1 = yield deferToThread(doh_query, self.port, "www.example.com", "A", self.cafile, False, False)
        self.assertEqual(over_http1.answer[0][0].address, "192.0.2.10")
        self.assertEqual(len(made), 1)


    @defer.inlineCallbacks
    def test_dnsperf_loses_nothing(self) -> None:
        """If dnsperf runs DoH for two seconds with 40 queries in flight, then every query is answered."""
        if shutil.which("dnsperf") is None:
            raise SkipTest("dnsperf is not installed")
        datafile = self.mktemp()
        with open(datafile, "w") as f:
            f.write("".join(f"{name} A\n" for name in self.names))
        out = yield deferToThread(
            subprocess.run,
            ["dnsperf", "-m", "doh", "-s", "127.0.0.1", "-p", str(self.port), "-d", datafile,
             "-l", "2", "-c", "2", "-T", "1", "-q", "40", "-t", "2",
             "-O", f"doh-uri=https://127.0.0.1:{self.port}/dns-query"],
            capture_output=True, text=True, timeout=30,
        )
        sent = re.search(r"Queries sent:\s+(\d+)", out.stdout)
        lost = re.search(r"Queries lost:\s+(\d+)", out.stdout)
        self.assertIsNotNone(sent, out.stdout + out.stderr)
        self.assertGreater(int(sent.group(1)), 100, out.stdout)
        self.assertEqual(int(lost.group(1)), 0, out.stdout)


class FastPathStateTests(DoHTestCase):
    """
    The fast path keeps Twisted's HTTP/2 stream bookkeeping as Twisted does; these pin the
    internals of C{twisted.web._http2.H2Connection} that L{dnsops.server.doh} relies on.
    """

    config = {"rate_limit_per_sec": "0"}

    def connect(self):
        """A server-side DoH HTTP/2 connection on a memory transport, and a client for it."""
        import h2.config
        import h2.connection

        from dnsops.server.doh import _WholeAnswerH2

        server = _WholeAnswerH2(reactor)
        server.site = server.factory = self.site
        server.requestFactory = self.site.requestFactory
        server.timeOut = None
        server.callLater = reactor.callLater
        transport = StringTransport()
        server.makeConnection(transport)
        client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        client.initiate_connection()
        server.dataReceived(client.data_to_send())
        client.receive_data(transport.value())
        transport.clear()
        return server, transport, client

    @defer.inlineCallbacks
    def test_streams_forgotten(self) -> None:
        """If a GET and a POST are answered and a third stream is reset before its body, then two answers come and the connection keeps no state for any stream."""
        import h2.events

        server, transport, client = self.connect()
        wire = dnsquery.make("www.example.com", flags="RD").to_wire()
        base = [(":scheme", "https"), (":authority", "dns.test")]
        encoded = base64.urlsafe_b64encode(wire).rstrip(b"=").decode()
        client.send_headers(1, base + [(":method", "GET"), (":path", "/dns-query?dns=" + encoded)], end_stream=True)
        post = base + [(":method", "POST"), (":path", "/dns-query"), ("content-type", "application/dns-message")]
        client.send_headers(3, post)
        client.send_data(3, wire, end_stream=True)
        client.send_headers(5, post)
        client.reset_stream(5)
        server.dataReceived(client.data_to_send())
        bodies, ended = {}, set()
        for _ in range(50):
            for event in client.receive_data(transport.value()):
                if isinstance(event, h2.events.DataReceived):
                    bodies[event.stream_id] = bodies.get(event.stream_id, b"") + event.data
                elif isinstance(event, h2.events.StreamEnded):
                    ended.add(event.stream_id)
            transport.clear()
            if ended == {1, 3}:
                break
            yield deferLater(reactor, 0, lambda: None)
        self.assertEqual(ended, {1, 3})
        for body in bodies.values():
            self.assertEqual(dns.message.from_wire(body).answer[0][0].address, "192.0.2.10")
        self.assertEqual((server.streams, server._outboundStreamQueues, server._streamCleanupCallbacks), ({}, {}, {}))
        server.connectionLost(Failure(ConnectionDone()))
        yield deferLater(reactor, 0, lambda: None)

    @defer.inlineCallbacks
    def test_oversized_post_handed_to_request(self) -> None:
        """If a POST body grows past 65535 octets, then the stream passes to twisted.web with its body and the answer is 400."""
        import h2.events

        server, transport, client = self.connect()
        made = self.count_requests()
        server.requestFactory = self.site.requestFactory
        client.send_headers(1, [(":scheme", "https"), (":authority", "dns.test"), (":method", "POST"),
                                (":path", "/dns-query"), ("content-type", "application/dns-message")])
        status = None
        sent = 0
        for _ in range(200):
            if sent <= 65535:
                chunk = min(16384, client.local_flow_control_window(1), 65536 - sent)
                if chunk:
                    client.send_data(1, b"\0" * chunk, end_stream=sent + chunk > 65535)
                    sent += chunk
            server.dataReceived(client.data_to_send())
            for event in client.receive_data(transport.value()):
                if isinstance(event, h2.events.ResponseReceived):
                    status = dict(event.headers)[b":status"]
            transport.clear()
            if status is not None:
                break
            yield deferLater(reactor, 0, lambda: None)
        self.assertEqual(status, b"400")
        self.assertEqual(len(made), 1)
        server.connectionLost(Failure(ConnectionDone()))
        yield deferLater(reactor, 0, lambda: None)


class DoHErrorTests(DoHTestCase):
    """Bad requests get HTTP errors, not DNS ones (over HTTP/1.1 here)."""

    @defer.inlineCallbacks
    def test_wrong_content_type(self) -> None:
        """If a POST is not application/dns-message, then the answer is 415."""
        response = yield self.request("POST", "/dns-query", content=b"{}", headers={"content-type": "application/json"})
        self.assertEqual(response.status_code, 415)
        self.assertIn("application/json", response.json()["error"])

    @defer.inlineCallbacks
    def test_short_body(self) -> None:
        """If the body is shorter than a DNS header, then the answer is 400."""
        response = yield self.request("POST", "/dns-query", content=b"\0\1",
                                      headers={"content-type": "application/dns-message"})
        self.assertEqual(response.status_code, 400)

    @defer.inlineCallbacks
    def test_bad_base64(self) -> None:
        """If the dns parameter is not base64url, then the answer is 400."""
        response = yield self.request("GET", "/dns-query?dns=%21%21%21")
        self.assertEqual(response.status_code, 400)

    @defer.inlineCallbacks
    def test_no_parameter(self) -> None:
        """If a GET has neither dns nor name, then the answer is 400."""
        response = yield self.request("GET", "/dns-query")
        self.assertEqual(response.status_code, 400)

    @defer.inlineCallbacks
    def test_json_bad_name(self) -> None:
        """If the JSON form's name is invalid, then the answer is 400 naming it."""
        response = yield self.request("GET", "/resolve?name=" + "a" * 70 + ".example.com")
        self.assertEqual(response.status_code, 400)
        self.assertIn("invalid name", response.json()["error"])

    @defer.inlineCallbacks
    def test_malformed_message_gets_formerr(self) -> None:
        """If the body is a broken DNS message with a readable header, then the DNS answer is FORMERR inside a 200."""
        wire = dnsquery.make("www.example.com").to_wire()[:20]
        response = yield self.request("POST", "/dns-query", content=wire,
                                      headers={"content-type": "application/dns-message"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[3] & 0xF, dns.rcode.FORMERR)


    @defer.inlineCallbacks
    def test_oversized_body(self) -> None:
        """If the body is longer than 65535 octets, then the answer is 400."""
        response = yield self.request("POST", "/dns-query", content=b"\0" * 70000,
                                      headers={"content-type": "application/dns-message"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("invalid DNS message", response.json()["error"])

    @defer.inlineCallbacks
    def test_percent_escaped_dns_parameter(self) -> None:
        """If the dns parameter is percent-escaped, then it is decoded first and answered."""
        wire = dnsquery.make("www.example.com").to_wire()
        encoded = base64.urlsafe_b64encode(wire).decode().replace("=", "%3D")
        response = yield self.request("GET", f"/dns-query?x=1&dns={encoded}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(dns.message.from_wire(response.content).answer[0][0].address, "192.0.2.10")

    @defer.inlineCallbacks
    def test_response_message(self) -> None:
        """If the message sent is a response, then the answer is 400."""
        wire = bytearray(dnsquery.make("www.example.com").to_wire())
        wire[2] |= 0x80
        encoded = base64.urlsafe_b64encode(bytes(wire)).rstrip(b"=").decode()
        response = yield self.request("GET", f"/dns-query?dns={encoded}")
        self.assertEqual(response.status_code, 400)
        self.assertIn("response", response.json()["error"])


class HTTP2ErrorTests(DoHErrorTests):
    """The same bad requests over HTTP/2, where plain wire queries take the fast path."""

    http2 = True


class ServiceDoHTests(TestCase):
    """DoH as make_service starts it."""

    @defer.inlineCallbacks
    def test_listener_logged_and_answering(self) -> None:
        """If DoH is on, then its listener is logged and answers over HTTP/2 with the generated certificate."""
        import os

        _need_doh_client()

        from dnsops.server.tls import generated_paths
        from tests.test_dot import LogLines

        db_path = os.path.join(os.path.abspath(self.mktemp()), "dns.db")
        os.makedirs(os.path.dirname(db_path))
        make_zone_db(db_path)
        log = LogLines(self)
        server = start_server(self, db_path, no_doh=False, doh_port=0)
        port = server.service.doh.port_number
        self.assertIn(f"dns doh listening on 127.0.0.1:{port}", log.lines)
        self.assertIsNone(server.service.dot)
        answer = yield deferToThread(doh_query, port, "www.example.com", "A",
                                     generated_paths(db_path)[0], True, True)
        self.assertEqual(answer.answer[0][0].address, "192.0.2.10")


class WireHelperTests(SynchronousTestCase):
    """The pure helpers."""

    def test_min_ttl(self) -> None:
        """If the answer has TTLs 300 and 60, then max-age is 60; with no records, 0."""
        message = dns.message.make_response(dns.message.make_query("a.example.com", "A"))
        message.answer.append(dns.rrset.from_text("a.example.com.", 300, "IN", "A", "192.0.2.1"))
        message.authority.append(dns.rrset.from_text("example.com.", 60, "IN", "NS", "ns.example.com."))
        self.assertEqual(min_ttl(message.to_wire()), 60)
        empty = dns.message.make_response(dns.message.make_query("a.example.com", "A"))
        self.assertEqual(min_ttl(empty.to_wire()), 0)

    def test_walk_records_sections(self) -> None:
        """If an answer has one answer, one authority and an OPT record, then two sections give two records and three end with the OPT."""
        from dnsops.server import edns

        message = dns.message.make_response(dns.message.make_query("a.example.com", "A", use_edns=0))
        message.answer.append(dns.rrset.from_text("a.example.com.", 300, "IN", "A", "192.0.2.1"))
        message.authority.append(dns.rrset.from_text("example.com.", 60, "IN", "NS", "ns.example.com."))
        wire = message.to_wire()
        self.assertEqual([(r.rtype, r.ttl) for r in edns.walk_records(wire, sections=2)], [(1, 300), (2, 60)])
        every = list(edns.walk_records(wire))
        self.assertEqual([r.rtype for r in every], [1, 2, edns.TYPE_OPT])
        self.assertEqual(every[-1].end, len(wire))
        self.assertEqual(wire[every[0].rdata_at:every[0].end], bytes([192, 0, 2, 1]))

    def test_json_query(self) -> None:
        """If the JSON form asks for an IDN with type MX and cd=1, then the wire query has the A-label, MX, RD and CD."""
        wire = json_query({b"name": ["bücher.example".encode()], b"type": [b"MX"], b"cd": [b"1"]})
        message = dns.message.from_wire(wire)
        self.assertEqual(message.question[0].name.to_text(), "xn--bcher-kva.example.")
        self.assertEqual(message.question[0].rdtype, dns.rdatatype.MX)
        self.assertTrue(message.flags & dns.flags.RD and message.flags & dns.flags.CD)


import dns.flags  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402
