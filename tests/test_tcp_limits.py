"""
Tests for L{dnsops.server.tcplimits}: RFC 7766 pipelining, idle and stall timers, the connection cap.

Unit tests drive L{DNSStreamProtocol} over a string transport with a Clock; the end-to-end
ones put it in front of a real dnsops server on 127.0.0.1, with the timers still on a Clock.
"""

import socket
import struct

import dns.message
import dns.rcode

from twisted.internet import defer, reactor
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.threads import deferToThread
from twisted.internet.testing import StringTransport
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.server.tcplimits import STALL_TIMEOUT, ConnectionTable, DNSStreamFactory, GuardedFactory
from tests.harness import start_server
from tests.test_server import make_zone_db

TIMEOUT = 3.0


class HeldAnswers:
    """A stand-in for the server factory that keeps each query's C{write} until the test answers."""

    def __init__(self) -> None:
        self.connections: list = []
        self.queries: list = []

    def connectionMade(self, proto) -> None:
        self.connections.append(proto)

    def connectionLost(self, proto) -> None:
        self.connections.remove(proto)

    def handle(self, data, address, transport, write) -> None:
        self.queries.append((data, address, transport, write))


def query_wire(msg_id: int, name: str = "www.example.com") -> bytes:
    message = dns.message.make_query(name, "A")
    message.id = msg_id
    return message.to_wire()


def framed(wire: bytes) -> bytes:
    return struct.pack("!H", len(wire)) + wire


def unframe(data: bytes) -> list[bytes]:
    out = []
    while len(data) >= 2:
        (length,) = struct.unpack_from("!H", data)
        out.append(data[2 : 2 + length])
        data = data[2 + length :]
    return out


class Harness:
    """A table on a Clock and a factory of stream protocols over it."""

    def __init__(self, max_connections=10, idle=10.0, per_address=None) -> None:
        self.clock = Clock()
        self.table = ConnectionTable(self.clock, max_connections, idle, per_address)
        self.dns = HeldAnswers()
        self.factory = DNSStreamFactory(self.dns, self.table, "tcp")

    def connect(self, host: str = "192.0.2.1", port: int = 5000):
        proto = self.factory.buildProtocol(None)
        transport = StringTransport(peerAddress=IPv4Address("TCP", host, port))
        proto.makeConnection(transport)
        return proto, transport


class StreamProtocolTests(SynchronousTestCase):
    """One connection's framing and timers."""

    def test_pipelined_queries_answered_out_of_order(self) -> None:
        """If three queries arrive in one write and are answered last first, then each answer is framed and sent as it is ready."""
        h = Harness()
        proto, transport = h.connect()
        proto.dataReceived(b"".join(framed(query_wire(i)) for i in (1, 2, 3)))
        self.assertEqual([q[0][:2] for q in h.dns.queries], [b"\0\1", b"\0\2", b"\0\3"])
        self.assertEqual(proto.busy, 3)
        for data, _, _, write in reversed(h.dns.queries):
            write(b"answer" + data[:2] + b"......")
        self.assertEqual([a[6:8] for a in unframe(transport.value())], [b"\0\3", b"\0\2", b"\0\1"])
        self.assertEqual(proto.busy, 0)

    def test_message_split_across_reads(self) -> None:
        """If a message arrives one octet at a time, then it is handled once complete."""
        h = Harness()
        proto, _ = h.connect()
        for octet in framed(query_wire(7)):
            proto.dataReceived(bytes([octet]))
        self.assertEqual(len(h.dns.queries), 1)
        self.assertEqual(h.dns.queries[0][2], "tcp")

    def test_idle_connection_closed(self) -> None:
        """If no query comes for tcp_idle_timeout seconds, then the connection is closed."""
        h = Harness(idle=10.0)
        proto, transport = h.connect()
        h.clock.advance(9.9)
        self.assertFalse(transport.disconnecting)
        h.clock.advance(0.2)
        self.assertTrue(transport.disconnecting)

    def test_query_resets_idle_timer(self) -> None:
        """If a query arrives before the timeout, then the idle timer starts again."""
        h = Harness(idle=10.0)
        proto, transport = h.connect()
        h.clock.advance(9)
        proto.dataReceived(framed(query_wire(1)))
        h.dns.queries[0][3](b"x" * 12)
        h.clock.advance(9)
        self.assertFalse(transport.disconnecting)

    def test_stalled_partial_message_dropped(self) -> None:
        """If a client sends part of a message and stops, then it is dropped after the stall timeout, before the idle one."""
        h = Harness(idle=10.0)
        proto, transport = h.connect()
        proto.dataReceived(framed(query_wire(1))[:5])
        h.clock.advance(STALL_TIMEOUT + 0.01)
        self.assertTrue(transport.disconnecting)
        self.assertEqual(h.dns.queries, [])

    def test_pending_answer_keeps_connection(self) -> None:
        """If a query is still being answered at the idle timeout, then the connection stays for its answer."""
        h = Harness(idle=1.0)
        proto, transport = h.connect()
        proto.dataReceived(framed(query_wire(1)))
        h.clock.advance(2.5)
        self.assertFalse(transport.disconnecting)
        h.dns.queries[0][3](b"y" * 12)
        self.assertEqual(len(unframe(transport.value())), 1)

    def test_responses_are_not_handled(self) -> None:
        """If a message with QR=1 arrives, then it is not handed on and counts as nothing in flight."""
        h = Harness()
        proto, _ = h.connect()
        wire = bytearray(query_wire(1))
        wire[2] |= 0x80
        proto.dataReceived(framed(bytes(wire)))
        self.assertEqual((h.dns.queries, proto.busy), ([], 0))

    def test_answer_after_close_is_dropped(self) -> None:
        """If the client went away before its answer, then writing the answer does nothing."""
        h = Harness()
        proto, transport = h.connect()
        proto.dataReceived(framed(query_wire(1)))
        proto.connectionLost(None)
        h.dns.queries[0][3](b"z" * 12)
        self.assertEqual(transport.value(), b"")
        self.assertEqual(len(h.table), 0)


class ConnectionTableTests(SynchronousTestCase):
    """The shared cap and who is evicted."""

    def test_oldest_idle_evicted_for_a_newcomer(self) -> None:
        """If the table is full, then the connection idle longest is closed and the new one admitted."""
        h = Harness(max_connections=3)
        conns = [h.connect(port=5000 + i) for i in range(3)]
        conns[0][0].dataReceived(framed(query_wire(1)))
        h.dns.queries[0][3](b"a" * 12)
        proto, transport = h.connect(port=6000)
        self.assertFalse(transport.disconnecting)
        self.assertEqual([c[1].disconnecting for c in conns], [False, True, False])
        self.assertEqual(len(h.table), 3)
        self.assertEqual(h.table.evicted, 1)

    def test_busy_connections_are_not_evicted(self) -> None:
        """If every connection has a query in flight, then the newcomer is refused instead."""
        h = Harness(max_connections=2)
        conns = [h.connect(port=5000 + i) for i in range(2)]
        for i, (proto, _) in enumerate(conns):
            proto.dataReceived(framed(query_wire(i)))
        proto, transport = h.connect(port=6000)
        self.assertTrue(transport.disconnecting)
        self.assertEqual([c[1].disconnecting for c in conns], [False, False])
        self.assertEqual(h.table.refused, 1)

    def test_per_address_cap(self) -> None:
        """If one address is at its own cap, then its idle connection makes room, and other addresses are untouched."""
        h = Harness(max_connections=10, per_address=2)
        other = h.connect(host="192.0.2.9")
        first = [h.connect(host="192.0.2.1", port=5000 + i) for i in range(2)]
        h.clock.advance(1)
        third = h.connect(host="192.0.2.1", port=6000)
        self.assertTrue(first[0][1].disconnecting)
        self.assertFalse(other[1].disconnecting)
        self.assertFalse(third[1].disconnecting)
        self.assertEqual(h.table.count("192.0.2.1"), 2)

    def test_configure_applies_new_cap(self) -> None:
        """If tcp_max_connections is lowered, then the next arrival brings the table down to the new cap."""
        h = Harness(max_connections=10)
        for i in range(3):
            h.connect(port=5000 + i)
        h.table.configure(2, 10.0)
        h.connect(port=6000)
        self.assertEqual(len(h.table), 2)
        self.assertEqual(h.table.evicted, 2)

    def test_guarded_factory_counts_other_protocols(self) -> None:
        """If another protocol (HTTP for DoH) is wrapped, then it shares the cap and the idle timer."""
        from twisted.internet import protocol

        h = Harness(max_connections=1, idle=5.0)
        guarded = GuardedFactory(protocol.ServerFactory.forProtocol(protocol.Protocol), h.table)
        proto = guarded.buildProtocol(None)
        transport = StringTransport(peerAddress=IPv4Address("TCP", "192.0.2.1", 1))
        proto.makeConnection(transport)
        self.assertEqual(len(h.table), 1)
        h.clock.advance(5.1)
        self.assertTrue(transport.disconnecting)
        proto.connectionLost(None)
        self.assertEqual(len(h.table), 0)


def _recv_answers(sock: socket.socket, count: int) -> list[dns.message.Message]:
    data = b""
    answers = []
    while len(answers) < count:
        chunk = sock.recv(65535)
        if not chunk:
            break
        data += chunk
        while len(data) >= 2 and len(data) >= 2 + struct.unpack_from("!H", data)[0]:
            (length,) = struct.unpack_from("!H", data)
            answers.append(dns.message.from_wire(data[2 : 2 + length]))
            data = data[2 + length :]
    return answers


def pipelined(port: int, count: int) -> list[dns.message.Message]:
    """Write C{count} queries in one send and read as many answers (blocking)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"".join(framed(query_wire(100 + i)) for i in range(count)))
        return _recv_answers(sock, count)


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed C{sock} (blocking, bounded by the socket timeout)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class LiveStreamTests(TestCase):
    """The stream protocol in front of a real server."""

    def setUp(self) -> None:
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        self.server = start_server(self, self.db_path)
        self.clock = Clock()
        self.table = ConnectionTable(self.clock, max_connections=3, idle_timeout=10.0)
        listening = reactor.listenTCP(0, DNSStreamFactory(self.server.factory, self.table, "tcp"),
                                      interface="127.0.0.1")
        self.addCleanup(listening.stopListening)
        self.addCleanup(self.table.abort_all)
        self.port = listening.getHost().port

    @defer.inlineCallbacks
    def test_ten_pipelined_queries_answered(self) -> None:
        """If ten queries arrive in one write, then ten answers come back on the connection."""
        answers = yield deferToThread(pipelined, self.port, 10)
        self.assertEqual(sorted(a.id for a in answers), list(range(100, 110)))
        self.assertTrue(all(a.rcode() == dns.rcode.NOERROR and a.answer for a in answers))

    @defer.inlineCallbacks
    def test_stalled_client_dropped(self) -> None:
        """If a client sends half a message and stalls, then the server closes its connection."""
        sock = yield deferToThread(socket.create_connection, ("127.0.0.1", self.port), TIMEOUT)
        self.addCleanup(sock.close)
        yield deferToThread(sock.sendall, framed(query_wire(1))[:6])
        for _ in range(200):
            if len(self.clock.getDelayedCalls()) == 2:
                break
            yield _later(0.01)
        self.clock.advance(STALL_TIMEOUT + 0.1)
        self.assertTrue((yield deferToThread(closed_by_server, sock)))

    @defer.inlineCallbacks
    def test_cap_holds_and_fresh_client_answered(self) -> None:
        """If the cap is reached by idle clients, then a fresh client is still answered and the count stays at the cap."""
        idle = []
        for _ in range(3):
            sock = yield deferToThread(socket.create_connection, ("127.0.0.1", self.port), TIMEOUT)
            self.addCleanup(sock.close)
            idle.append(sock)
        for _ in range(100):
            if len(self.table) == 3:
                break
            yield _later(0.01)
        answers = yield deferToThread(pipelined, self.port, 1)
        self.assertEqual(len(answers), 1)
        self.assertEqual(answers[0].rcode(), dns.rcode.NOERROR)
        self.assertLessEqual(len(self.table), 3)
        self.assertTrue((yield deferToThread(closed_by_server, idle[0])))
        self.assertEqual(self.table.evicted, 1)


def _later(seconds: float):
    from twisted.internet.task import deferLater

    return deferLater(reactor, seconds, lambda: None)
