"""
Real upstream DNS servers on 127.0.0.1 port 0 (UDP and TCP on one port) for forwarding tests.

Each kind shows one behaviour of the world outside: L{Counting} answers and counts,
L{ServFail} fails, L{Silent} never answers, L{Truncating} sets TC over UDP, L{Mismatching}
sends replies with a wrong ID and a wrong question before the right one. They speak
Twisted Names' wire format, modelled on dnspython's C{tests/nanonameserver.py}.
"""

from twisted.internet import protocol, reactor
from twisted.names import dns
from twisted.protocols.basic import Int16StringReceiver

SOA = dns.Record_SOA(
    mname=b"ns.example.net", rname=b"admin.example.net", serial=1,
    refresh=3600, retry=600, expire=86400, minimum=60, ttl=300,
)


class UpstreamServer:
    """
    A DNS server whose replies come from L{reply}; C{queries} lists what it was asked.

    @ivar queries: C{(transport, name, type)} for every query received.
    @ivar sources: C{(message id, source port)} of every UDP query.
    """

    def __init__(self) -> None:
        self.queries: list[tuple[str, bytes, int]] = []
        self.sources: list[tuple[int, int]] = []
        self.port = 0
        self._tcp_protocols: list = []

    def start(self, test) -> int:
        """Listen on a free loopback port for UDP and TCP; stop both when the test ends."""
        for _ in range(20):
            udp = reactor.listenUDP(0, _UDPServer(self), interface="127.0.0.1")
            self.port = udp.getHost().port
            try:
                tcp = reactor.listenTCP(self.port, _TCPFactory(self), interface="127.0.0.1")
            except Exception:
                udp.stopListening()
                continue
            test.addCleanup(udp.stopListening)
            test.addCleanup(tcp.stopListening)
            test.addCleanup(self._close_tcp)
            return self.port
        raise RuntimeError("no free loopback port for UDP and TCP")

    def _close_tcp(self) -> None:
        for proto in self._tcp_protocols:
            proto.transport.abortConnection()

    def count(self, transport: str | None = None) -> int:
        return sum(1 for q in self.queries if transport in (None, q[0]))

    def receive(self, data: bytes, transport: str) -> list[bytes]:
        message = dns.Message()
        message.fromStr(data)
        query = message.queries[0]
        self.queries.append((transport, query.name.name, query.type))
        return [r.toStr() for r in self.reply(message, query, transport)]

    def reply(self, message: dns.Message, query: dns.Query, transport: str) -> list[dns.Message]:
        raise NotImplementedError

    @staticmethod
    def response(message: dns.Message, rcode: int = dns.OK) -> dns.Message:
        reply = dns.Message(id=message.id, answer=1, recDes=message.recDes, recAv=1, rCode=rcode)
        reply.queries = list(message.queries)
        return reply


class Counting(UpstreamServer):
    """
    Answers A for the names in C{addresses} (TTL C{ttl}), NODATA for their other types and
    NXDOMAIN for every other name, both with an SOA whose minimum is 60 (RFC 2308).

    @ivar servfail: set it to make the server fail every query from then on.
    """

    def __init__(self, addresses: dict[bytes, str] | None = None, ttl: int = 300) -> None:
        super().__init__()
        self.addresses = addresses or {b"www.example.org": "192.0.2.1"}
        self.ttl = ttl
        self.servfail = False

    def reply(self, message, query, transport):
        if self.servfail:
            return [self.response(message, dns.ESERVER)]
        name = query.name.name.lower()
        address = self.addresses.get(name)
        if address is None:
            reply = self.response(message, dns.ENAME)
        else:
            reply = self.response(message)
        if address is not None and query.type == dns.A:
            reply.answers = [dns.RRHeader(name, dns.A, dns.IN, self.ttl, dns.Record_A(address, self.ttl))]
        else:
            reply.authority = [dns.RRHeader(b"example.org", dns.SOA, dns.IN, SOA.ttl, SOA)]
        return [reply]


class ServFail(UpstreamServer):
    """Answers every query SERVFAIL."""

    def reply(self, message, query, transport):
        return [self.response(message, dns.ESERVER)]


class Silent(UpstreamServer):
    """Counts queries and never answers them."""

    def reply(self, message, query, transport):
        return []


class Truncating(Counting):
    """Over UDP, an empty reply with TC=1; over TCP, the full answer."""

    def reply(self, message, query, transport):
        if transport == "udp":
            reply = self.response(message)
            reply.trunc = 1
            return [reply]
        return super().reply(message, query, transport)


class Mismatching(Counting):
    """Sends a reply with the wrong ID and one for another question before the right one."""

    def reply(self, message, query, transport):
        wrong_id = self.response(message)
        wrong_id.id = (message.id + 1) % 65536
        wrong_id.answers = [dns.RRHeader(query.name.name, dns.A, dns.IN, 60, dns.Record_A("203.0.113.66"))]
        wrong_question = self.response(message)
        wrong_question.queries = [dns.Query(b"evil.example.org", query.type, query.cls)]
        wrong_question.answers = [dns.RRHeader(b"evil.example.org", dns.A, dns.IN, 60, dns.Record_A("203.0.113.67"))]
        return [wrong_id, wrong_question] + super().reply(message, query, transport)


class _UDPServer(protocol.DatagramProtocol):
    def __init__(self, server: UpstreamServer) -> None:
        self.server = server

    def datagramReceived(self, data: bytes, addr) -> None:
        self.server.sources.append((int.from_bytes(data[:2], "big"), addr[1]))
        for reply in self.server.receive(data, "udp"):
            self.transport.write(reply, addr)


class _TCPServer(Int16StringReceiver):
    def __init__(self, server: UpstreamServer) -> None:
        self.server = server

    def connectionMade(self) -> None:
        self.server._tcp_protocols.append(self)

    def connectionLost(self, reason) -> None:
        if self in self.server._tcp_protocols:
            self.server._tcp_protocols.remove(self)

    def stringReceived(self, data: bytes) -> None:
        for reply in self.server.receive(data, "tcp"):
            self.sendString(reply)


class _TCPFactory(protocol.ServerFactory):
    def __init__(self, server: UpstreamServer) -> None:
        self.server = server

    def buildProtocol(self, addr):
        return _TCPServer(self.server)
