# -*- test-case-name: tests.test_transfer -*-
"""
Tests for zone transfers out (L{dnsops.server.transfer} and its C{answer}, and the
stream write path of L{dnsops.server.tcplimits}): a 20,000-record zone pulled by dnspython over
TCP and DoT, and by Knot as a real secondary whose answers are then compared with ours.
"""

import os
import socket
import ssl
import struct

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.xfr
import dns.zone

from twisted.internet import defer, reactor
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.threads import deferToThread
from twisted.internet.testing import StringTransport
from twisted.names import dns as tdns
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops import records as rdata_types
from dnsops.api.auth import ensure_api_token
from dnsops.server import transfer
from dnsops.server.dot import ALPN, dot_factory
from dnsops.server.tcplimits import ConnectionTable, DNSStreamFactory
from dnsops.server.tls import ReloadableServerTLS
from dnsops.store import db, imports, records, zones
from dnsops.zonefile.reader import ZoneRecord
from tests import dnsquery
from tests.harness import start_server
from tests.knot import start_knot
from tests.test_api_live import http
from tests.test_server import set_config
from tests.test_tcp_limits import HeldAnswers, framed, unframe
from tests.test_tls import issue, make_ca

#: Records the big zone holds besides its SOA and apex NS.
BIG = 20_000
TIMEOUT = 10.0
#: Most messages a transfer read here may take (20,000 records need about 40).
MAX_MESSAGES = 2_000
#: Records of the big zone, one per name, in turn of these types (rdata from C{i}).
_KINDS = (
    ("A", lambda i: f"192.0.2.{i % 250 + 1}"),
    ("AAAA", lambda i: f"2001:db8::{i:x}"),
    ("TXT", lambda i: f"record {i} of the big zone"),
    ("MX", lambda i: f"{i % 50} mail{i}.example.com"),
    ("SRV", lambda i: f"10 60 {5000 + i % 1000} sip{i}.example.com"),
    ("CAA", lambda i: '0 issue "ca.example.net"'),
    ("CNAME", lambda i: f"h{i - 6}.example.com"),
    ("NAPTR", lambda i: '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'),
)


def make_big_zone(path: str) -> None:
    """example.com with L{BIG} records of several types, a disabled one, and a delegation."""
    rows = []
    for i in range(BIG):
        rtype, rdata = _KINDS[i % len(_KINDS)]
        rows.append(ZoneRecord(f"h{i}.example.com", rtype, 3600 + i % 7, rdata_types.parse_rdata(rtype, rdata(i))))
    conn = db.connect(path)
    try:
        with db.transaction(conn):
            zones.add_zone(conn, "example.com", ns="ns1.example.com", admin="admin.example.com")
            imports.replace_records(conn, "example.com", rows, False)
            records.add_record(conn, "example.com", "ns1", "A", "192.0.2.1")
            records.add_record(conn, "example.com", "off", "A", "192.0.2.99", enabled=False)
            records.add_record(conn, "example.com", "sub", "NS", "ns.sub.example.com")
            records.add_record(conn, "example.com", "ns.sub", "A", "192.0.2.53")
    finally:
        conn.close()


def stored_records(path: str) -> set[tuple[str, str, int, str]]:
    """(name, type, ttl, rdata) of every enabled record in the database, names absolute."""
    conn = db.connect(path)
    try:
        rows, _ = records.list_records(conn, "example.com")
    finally:
        conn.close()
    return {(r["name"], r["type"], r["ttl"], r["rdata"]) for r in rows if r["enabled"]}


def zone_records(zone: dns.zone.Zone) -> set[tuple[str, str, int, str]]:
    """The same tuples for a zone dnspython built, in dnsops' canonical rdata text."""
    out = set()
    for name, ttl, rdata in zone.iterate_rdatas():
        owner = name.derelativize(zone.origin).to_text(omit_final_dot=True)
        rtype = dns.rdatatype.to_text(rdata.rdtype)
        text = rdata.to_text(origin=zone.origin, relativize=False)
        out.add((owner, rtype, ttl, rdata_types.parse_rdata(rtype, text)))
    return out


def read_transfer(sock: socket.socket, message: dns.message.Message) -> list[bytes]:
    """
    Send C{message} on a connected stream socket and read answer messages until the one that
    ends the transfer (the second SOA, or any error), bounded by L{MAX_MESSAGES} (blocking).
    """
    sock.settimeout(TIMEOUT)
    sock.sendall(framed(message.to_wire()))
    out, soas = [], 0
    while len(out) < MAX_MESSAGES:
        (length,) = struct.unpack("!H", dnsquery._read(sock, 2))
        wire = dnsquery._read(sock, length)
        out.append(wire)
        parsed = dns.message.from_wire(wire, xfr=True, one_rr_per_rrset=True)
        soas += sum(1 for rrset in parsed.answer if rrset.rdtype == dns.rdatatype.SOA)
        if parsed.rcode() != dns.rcode.NOERROR or soas >= 2:
            break
    return out


def tcp_transfer(port: int, name: str = "example.com", rdtype: str = "AXFR") -> list[bytes]:
    """L{read_transfer} over a new TCP connection to 127.0.0.1 (blocking)."""
    with socket.create_connection((dnsquery.LOOPBACK, port), timeout=TIMEOUT) as sock:
        return read_transfer(sock, dnsquery.make(name, rdtype))


class BigZoneTestCase(TestCase):
    """A server on L{make_big_zone}'s database; C{axfr_allow} as the class says."""

    axfr_allow = "127.0.0.0/8"
    api = False

    def setUp(self) -> None:
        self.db_path = os.path.abspath(self.mktemp())
        make_big_zone(self.db_path)
        if self.axfr_allow:
            set_config(self.db_path, "axfr_allow", self.axfr_allow)
        self.server = start_server(self, self.db_path, **({"api_port": 0} if self.api else {}))
        self.port = self.server.port


class TransferTests(BigZoneTestCase):
    """AXFR and IXFR of a zone far larger than one message, to an allowed client."""

    @defer.inlineCallbacks
    def test_dnspython_gets_every_record(self) -> None:
        """If dnspython transfers the 20,000-record zone, then it holds exactly our enabled records."""
        zone = yield deferToThread(lambda: dns.zone.from_xfr(
            dns.query.xfr(dnsquery.LOOPBACK, "example.com", port=self.port, lifetime=TIMEOUT)))
        got = zone_records(zone)
        self.assertEqual(len(got), BIG + 5)
        self.assertEqual(got, stored_records(self.db_path))
        self.assertNotIn("off", [str(name) for name in zone.nodes])

    @defer.inlineCallbacks
    def test_several_messages_each_bounded(self) -> None:
        """If the zone is transferred, then it comes in several framed messages of at most 16 KiB, SOA first and last, each with the ID, QR, AA, the question and our OPT."""
        wires = yield deferToThread(tcp_transfer, self.port)
        self.assertGreater(len(wires), 10)
        self.assertLessEqual(max(len(w) for w in wires), transfer.MESSAGE_SIZE)
        messages = [dns.message.from_wire(w, xfr=True, one_rr_per_rrset=True) for w in wires]
        first_id = messages[0].id
        for message in messages:
            dnsquery.check(message, rcode="NOERROR", flags="QR AA", noflags="TC")
            self.assertEqual(message.id, first_id)
            self.assertEqual([(str(q.name), q.rdtype) for q in message.question],
                             [("example.com.", dns.rdatatype.AXFR)])
            self.assertEqual(message.edns, 0)
        answers = [rrset for message in messages for rrset in message.answer]
        self.assertEqual(answers[0].rdtype, dns.rdatatype.SOA)
        self.assertEqual(answers[-1].rdtype, dns.rdatatype.SOA)
        self.assertEqual([r.rdtype for r in answers].count(dns.rdatatype.SOA), 2)
        self.assertEqual(len(answers), BIG + 5 + 1)

    @defer.inlineCallbacks
    def test_ixfr_gets_the_whole_zone(self) -> None:
        """If a secondary asks IXFR from an old serial, then it gets the whole zone, which dnspython applies as a full transfer."""
        zone = dns.zone.Zone("example.com")

        def pull() -> None:
            query, _ = dns.xfr.make_query(zone, serial=0)
            dns.query.inbound_xfr(dnsquery.LOOPBACK, zone, query, port=self.port, lifetime=TIMEOUT)

        yield deferToThread(pull)
        self.assertEqual(zone_records(zone), stored_records(self.db_path))

    @defer.inlineCallbacks
    def test_refused_over_udp_and_notauth_below_apex(self) -> None:
        """If a transfer is asked over UDP, then it is REFUSED; if for a name that is no apex, then NOTAUTH."""
        resp = yield dnsquery.query(self.port, "example.com", "AXFR")
        dnsquery.check(resp, rcode="REFUSED", noflags="AA")
        wires = yield deferToThread(tcp_transfer, self.port, "h1.example.com")
        self.assertEqual(len(wires), 1)
        dnsquery.check(dns.message.from_wire(wires[0]), rcode="NOTAUTH", noflags="AA")

    @defer.inlineCallbacks
    def test_queries_pipelined_after_a_transfer(self) -> None:
        """If a query follows an AXFR on the same connection, then it is answered too (its ID tells it apart) and the connection stays usable after the transfer."""

        def exchange() -> tuple[list[bytes], dns.message.Message]:
            with socket.create_connection((dnsquery.LOOPBACK, self.port), timeout=TIMEOUT) as sock:
                follow = dnsquery.make("ns1.example.com", "A")
                follow.id = 4242
                axfr = dnsquery.make("example.com", "AXFR")
                axfr.id = 4141
                sock.sendall(framed(axfr.to_wire()) + framed(follow.to_wire()))
                sock.settimeout(TIMEOUT)
                wires, ids, soas = [], set(), 0
                while len(wires) < MAX_MESSAGES and not (4242 in ids and soas >= 2):
                    (length,) = struct.unpack("!H", dnsquery._read(sock, 2))
                    wire = dnsquery._read(sock, length)
                    wires.append(wire)
                    ids.add(struct.unpack_from("!H", wire)[0])
                    if struct.unpack_from("!H", wire)[0] == 4141:
                        answer = dns.message.from_wire(wire, xfr=True, one_rr_per_rrset=True).answer
                        soas += sum(1 for rrset in answer if rrset.rdtype == dns.rdatatype.SOA)
                again = dnsquery.make("h0.example.com", "A")
                sock.sendall(framed(again.to_wire()))
                (length,) = struct.unpack("!H", dnsquery._read(sock, 2))
                return wires, dns.message.from_wire(dnsquery._read(sock, length))

        wires, last = yield deferToThread(exchange)
        self.assertIn(4242, [struct.unpack_from("!H", w)[0] for w in wires])
        dnsquery.check_rr(last, "answer", "h0.example.com", "A")


class TransferDeniedTests(BigZoneTestCase):
    """Transfers to a client outside C{axfr_allow}, counted in /api/stats and /metrics."""

    axfr_allow = "192.0.2.0/24"
    api = True

    @defer.inlineCallbacks
    def test_refused_and_counted(self) -> None:
        """If 127.0.0.1 (outside axfr_allow) asks AXFR and IXFR, then both are REFUSED and axfr_requests and axfr_denied count them."""
        for rdtype in ("AXFR", "IXFR"):
            wires = yield deferToThread(tcp_transfer, self.port, "example.com", rdtype)
            self.assertEqual(len(wires), 1)
            resp = dns.message.from_wire(wires[0])
            dnsquery.check(resp, rcode="REFUSED", noflags="AA")
            self.assertEqual(resp.answer, [])
        url = f"http://127.0.0.1:{self.server.api_port}"
        conn = db.connect(self.db_path)
        token = ensure_api_token(conn)
        conn.close()
        response = yield http("GET", url + "/api/stats", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.code, 200)
        stats = yield response.json()
        self.assertEqual((stats["axfr_requests"], stats["axfr_denied"]), (2, 2))
        response = yield http("GET", url + "/metrics")
        text = (yield response.content()).decode()
        self.assertIn("dns_axfr_requests_total 2.0", text)
        self.assertIn("dns_axfr_denied_total 2.0", text)


class TransferCounterTests(BigZoneTestCase):
    """The counters with transfers allowed."""

    @defer.inlineCallbacks
    def test_allowed_counted_udp_denied(self) -> None:
        """If one AXFR goes over TCP and one over UDP, then axfr_requests is 2 and axfr_denied 1."""
        yield deferToThread(tcp_transfer, self.port)
        yield dnsquery.query(self.port, "example.com", "AXFR")
        stats = self.server.factory.stats
        self.assertEqual((stats.axfr_requests, stats.axfr_denied), (2, 1))


class DoTTransferTests(BigZoneTestCase):
    """Zone transfer over DNS over TLS (RFC 9103's transport)."""

    @defer.inlineCallbacks
    def test_axfr_over_dot(self) -> None:
        """If the zone is transferred over DoT, then it comes whole in several messages."""
        directory = self.mktemp()
        ca = make_ca(directory)
        cert, key = issue(directory, ca, names=("dns.test",), ips=("127.0.0.1",))
        table = ConnectionTable(reactor, max_connections=10, idle_timeout=10.0)
        listening = reactor.listenTCP(
            0, dot_factory(self.server.factory, table, ReloadableServerTLS(cert, key, ALPN)),
            interface="127.0.0.1")
        self.addCleanup(listening.stopListening)
        self.addCleanup(table.abort_all)

        def pull() -> list[bytes]:
            context = ssl.create_default_context(cafile=ca[0])
            context.set_alpn_protocols(["dot"])
            with socket.create_connection((dnsquery.LOOPBACK, listening.getHost().port), timeout=TIMEOUT) as raw:
                with context.wrap_socket(raw, server_hostname="dns.test") as sock:
                    return read_transfer(sock, dnsquery.make("example.com", "AXFR"))

        wires = yield deferToThread(pull)
        self.assertGreater(len(wires), 10)
        count = sum(len(dns.message.from_wire(w, xfr=True, one_rr_per_rrset=True).answer) for w in wires)
        self.assertEqual(count, BIG + 5 + 1)


class KnotSecondaryTests(BigZoneTestCase):
    """Knot DNS as a real secondary of dnsops."""

    @defer.inlineCallbacks
    def test_knot_serves_what_we_serve(self) -> None:
        """If Knot transfers the 20,000-record zone from dnsops, then it answers questions about it as dnsops does and its copy holds exactly our enabled records."""
        knot = yield start_knot(self, {}, primaries={"example.com": (dnsquery.LOOPBACK, self.port)})
        questions = [("example.com", "SOA"), ("example.com", "NS"), ("ns1.example.com", "A"),
                     ("h0.example.com", "A"), ("h19999.example.com", "TXT"),
                     ("h3.example.com", "MX"), ("h5.example.com", "CAA"),
                     ("h6.example.com", "CNAME"), ("h7.example.com", "NAPTR"),
                     ("h4.example.com", "SRV"), ("h1.example.com", "AAAA"),
                     ("nope.example.com", "A")]
        for name, rdtype in questions:
            ours = yield dnsquery.query(self.port, name, rdtype, tcp=True)
            theirs = yield dnsquery.query(knot.port, name, rdtype, tcp=True)
            self.assertEqual(dns.rcode.to_text(theirs.rcode()), dns.rcode.to_text(ours.rcode()), name)
            self.assertEqual(sorted(rr.to_text() for rrset in theirs.answer for rr in rrset),
                             sorted(rr.to_text() for rrset in ours.answer for rr in rrset), name)
            self.assertTrue(theirs.flags & dns.flags.AA and ours.flags & dns.flags.AA, name)
        copy = yield deferToThread(lambda: dns.zone.from_xfr(
            dns.query.xfr(dnsquery.LOOPBACK, "example.com", port=knot.port, lifetime=TIMEOUT)))
        self.assertEqual(zone_records(copy), stored_records(self.db_path))


class StreamWriteTests(SynchronousTestCase):
    """The stream protocol's write path for an answer of several messages."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.table = ConnectionTable(self.clock, 10, 10.0)
        self.dns = HeldAnswers()
        self.proto = DNSStreamFactory(self.dns, self.table, "tcp").buildProtocol(None)
        self.transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.1", 5000))
        self.proto.makeConnection(self.transport)
        self.proto.dataReceived(framed(b"\x00\x01" + b"\x00" * 10))
        ((_, _, _, self.write),) = self.dns.queries

    def test_in_flight_until_last_message(self) -> None:
        """If an answer is written as three messages, then the query stays in flight until the last, and all three go out framed."""
        self.assertTrue(self.successResultOf(self.write(b"one", False)))
        self.assertTrue(self.successResultOf(self.write(b"two", False)))
        self.assertEqual(self.proto.busy, 1)
        self.write(b"three")
        self.assertEqual(self.proto.busy, 0)
        self.assertEqual(unframe(self.transport.value()), [b"one", b"two", b"three"])

    def test_waits_while_the_send_buffer_is_full(self) -> None:
        """If the transport pauses its producer, then the next message waits until it resumes."""
        self.successResultOf(self.write(b"one", False))
        self.transport.producer.pauseProducing()
        waiting = self.write(b"two", False)
        self.assertNoResult(waiting)
        self.transport.producer.resumeProducing()
        self.assertTrue(self.successResultOf(waiting))

    def test_connection_gone_stops_the_answer(self) -> None:
        """If the connection is lost while a message waits for room, then the wait ends with False."""
        self.successResultOf(self.write(b"one", False))
        self.transport.producer.pauseProducing()
        waiting = self.write(b"two", False)
        self.proto.connectionLost(None)
        self.assertFalse(self.successResultOf(waiting))
        self.assertFalse(self.successResultOf(self.write(b"three", False)))

    def test_idle_timer_spares_a_moving_transfer(self) -> None:
        """If a transfer writes a message every 5 s of a 10 s idle timeout, then the connection stays open past 10 s."""
        for _ in range(4):
            self.clock.advance(5)
            self.write(b"more", False)
        self.assertFalse(self.transport.disconnecting)
        self.write(b"end")
        self.clock.advance(10)
        self.assertTrue(self.transport.disconnecting)


class MessagesTests(SynchronousTestCase):
    """L{transfer.messages}: splitting and compression."""

    def test_split_and_compressed_per_message(self) -> None:
        """If records pass the message size, then they continue in a new message whose names compress against its own question only."""
        owner = b"a-rather-long-owner-name.example.com"
        recs = [tdns.RRHeader(owner, tdns.A, tdns.IN, 60, tdns.Record_A("192.0.2.1")) for _ in range(400)]
        labels = [b"example", b"com"]
        question = b"\x07example\x03com\x00" + struct.pack("!HH", 252, 1)
        wires = list(transfer.messages(recs, 7, 0x8400, question, labels, size=1024))
        self.assertGreater(len(wires), 1)
        total = 0
        for wire in wires:
            self.assertLessEqual(len(wire), 1024)
            message = dns.message.from_wire(wire, one_rr_per_rrset=True)
            total += len(message.answer)
            self.assertEqual(str(message.answer[0].name), owner.decode() + ".")
            # The first owner in each message is written out once, then pointed at.
            self.assertEqual(wire.count(b"a-rather-long-owner-name"), 1)
        self.assertEqual(total, 400)

    def test_record_too_large(self) -> None:
        """If one record cannot fit in any message, then making the messages raises RecordTooLarge."""
        big = tdns.RRHeader(b"example.com", tdns.TXT, tdns.IN, 60, tdns.Record_TXT(*([b"x" * 255] * 300)))
        with self.assertRaises(transfer.RecordTooLarge):
            list(transfer.messages([big], 1, 0x8400, b"\x00\x00\xfc\x00\x01", [], size=1024))
