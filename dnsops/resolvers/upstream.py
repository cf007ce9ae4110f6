# -*- test-case-name: tests.test_upstream -*-
"""
The forwarding layer: ask the upstream resolvers, in ascending priority, until one answers.

Each try sends over UDP from a fresh socket (a new random source port) with a random ID, and
keeps only a reply from that upstream whose ID and question match (RFC 5452), so a blind
spoofer must guess both. A truncated reply is asked again over TCP. SERVFAIL, REFUSED, a
timeout or an unreachable port moves on to the next upstream; when all fail, the client gets
SERVFAIL. Identical questions asked while one is in flight share its answer, so a burst of
clients asking one name costs the upstream one query.
"""

import ipaddress
import secrets
import sqlite3
from dataclasses import dataclass

from twisted.internet import defer, endpoints, protocol
from twisted.internet.error import TimeoutError
from twisted.names import dns
from twisted.protocols.basic import Int16StringReceiver

from dnsops.resolvers.context import QueryContext, Resolution

#: The EDNS payload size we offer upstreams (DNS Flag Day 2020), so few answers need TCP.
EDNS_SIZE = 1232

#: Upstream rcodes that mean "ask someone else", with their names for the status.
_GIVE_UP = {dns.ESERVER: "SERVFAIL", dns.EREFUSED: "REFUSED"}


@dataclass(frozen=True)
class Upstream:
    """One row of the C{upstreams} table."""

    id: int
    address: str
    port: int = 53
    priority: int = 0


@dataclass
class UpstreamStatus:
    """What the last try of one upstream showed: C{up} is None until it is first asked."""

    up: bool | None = None
    last_error: str | None = None
    last_rtt_ms: float | None = None


class UpstreamError(Exception):
    """One upstream gave no usable answer (its rcode, a timeout, a refused port)."""


def read_upstreams(conn: sqlite3.Connection) -> list[Upstream]:
    """The table in the order they are tried: priority, then age."""
    return [
        Upstream(row[0], row[1], row[2], row[3])
        for row in conn.execute(
            "SELECT id, address, port, priority FROM upstreams ORDER BY priority, id"
        )
    ]


def _same_question(message: dns.Message, query: dns.Query) -> bool:
    if len(message.queries) != 1:
        return False
    asked = message.queries[0]
    return (asked.type == query.type and asked.cls == query.cls
            and asked.name.name.lower() == query.name.name.lower())


def _accept(data: bytes, query_id: int, query: dns.Query) -> dns.Message | None:
    """The reply in C{data} if it answers our query, else None (it is dropped)."""
    message = dns.Message()
    try:
        message.fromStr(data)
    except Exception:
        return None
    if not message.answer or message.id != query_id or not _same_question(message, query):
        return None
    return message


class _UDPExchange(protocol.DatagramProtocol):
    """One query over UDP from its own socket; fires C{deferred} with the matching reply."""

    noisy = False  # one exchange per cache miss: starting/stopping lines would flood the log

    def __init__(self, host: str, port: int, data: bytes, query_id: int, query: dns.Query) -> None:
        self.host, self.port, self.data = host, port, data
        self.query_id, self.query = query_id, query
        self.deferred: defer.Deferred = defer.Deferred()

    def startProtocol(self) -> None:
        self.transport.connect(self.host, self.port)
        self.transport.write(self.data)

    def datagramReceived(self, data: bytes, addr) -> None:
        message = _accept(data, self.query_id, self.query)
        if message is not None and not self.deferred.called:
            self.deferred.callback(message)

    def connectionRefused(self) -> None:
        if not self.deferred.called:
            self.deferred.errback(UpstreamError("port unreachable"))

    def stopProtocol(self) -> None:
        # An ICMP port unreachable shows up as EPOLLERR alone, which the reactor handles
        # by closing the port rather than calling connectionRefused.
        self.connectionRefused()


class _TCPExchange(Int16StringReceiver):
    """One query over TCP (RFC 7766 two-octet length prefix)."""

    def __init__(self, data: bytes, query_id: int, query: dns.Query) -> None:
        self.data, self.query_id, self.query = data, query_id, query
        self.deferred: defer.Deferred = defer.Deferred()

    def connectionMade(self) -> None:
        self.sendString(self.data)

    def stringReceived(self, data: bytes) -> None:
        message = _accept(data, self.query_id, self.query)
        if message is not None and not self.deferred.called:
            self.deferred.callback(message)
            self.transport.loseConnection()

    def connectionLost(self, reason) -> None:
        if not self.deferred.called:
            self.deferred.errback(UpstreamError("connection closed without an answer"))


class UpstreamResolver:
    """
    The last layer of the recursive chain: forward to the configured upstreams.

    @ivar upstreams: in the order tried; replaced whole by L{set_upstreams} (the table may
        change while the server runs).
    @ivar status: L{UpstreamStatus} by upstream id, for C{list-upstream} and the API.
    @ivar timeout: seconds for one try (config C{upstream_timeout}).
    """

    def __init__(self, reactor, clock=None, upstreams=(), timeout: float = 2.0, stats=None,
                 tls=None) -> None:
        """
        @param reactor: sends the packets (C{listenUDP}, TCP endpoints).
        @param clock: times the tries; the reactor unless a test passes a Clock.
        @param stats: an object with an C{upstream_failures} counter, or None.
        @param tls: a L{dnsops.resolvers.tlsupstream.TLSUpstreams} for C{tls://} upstreams;
            without it they count as failing tries.
        """
        self.reactor = reactor
        self.tls = tls
        self.clock = clock or reactor
        self.timeout = timeout
        self.stats = stats
        self.upstreams: list[Upstream] = []
        self.status: dict[int, UpstreamStatus] = {}
        self._inflight: dict[tuple, list[defer.Deferred]] = {}
        self.set_upstreams(upstreams)

    def set_upstreams(self, upstreams) -> None:
        self.upstreams = sorted(upstreams, key=lambda u: (u.priority, u.id))
        self.status = {u.id: self.status.get(u.id, UpstreamStatus()) for u in self.upstreams}

    def reload_if_changed(self, conn: sqlite3.Connection) -> bool:
        """Re-read the (small) upstreams table; apply it if it differs from what we use."""
        upstreams = read_upstreams(conn)
        if upstreams == self.upstreams:
            return False
        self.set_upstreams(upstreams)
        return True

    def status_rows(self) -> list[dict]:
        return [
            {"id": u.id, "address": u.address, "port": u.port, "priority": u.priority,
             "up": self.status[u.id].up, "last_error": self.status[u.id].last_error,
             "last_rtt_ms": self.status[u.id].last_rtt_ms}
            for u in self.upstreams
        ]

    def resolve(self, query: dns.Query, ctx: QueryContext | None = None) -> defer.Deferred:
        """A Deferred L{Resolution}: the first usable upstream answer, or SERVFAIL."""
        key = (query.name.name.lower(), query.type, query.cls)
        waiter: defer.Deferred = defer.Deferred()
        waiters = self._inflight.get(key)
        if waiters is not None:
            waiters.append(waiter)
            return waiter
        self._inflight[key] = [waiter]
        self._forward(query).addBoth(self._share, key)
        return waiter

    def _share(self, result, key: tuple) -> None:
        for waiter in self._inflight.pop(key):
            if isinstance(result, Resolution):
                waiter.callback(Resolution(
                    result.rcode, list(result.answer), list(result.authority),
                    list(result.additional), result.authoritative, result.answered_by,
                    result.cacheable,
                ))
            else:
                waiter.errback(result)

    @defer.inlineCallbacks
    def _forward(self, query: dns.Query):
        for upstream in list(self.upstreams):
            message = yield self._try(upstream, query)
            if message is not None:
                return Resolution(
                    rcode=message.rCode,
                    answer=message.answers,
                    authority=message.authority,
                    additional=[rr for rr in message.additional if rr.type != dns.OPT],
                    answered_by="upstream",
                )
        if self.stats is not None:
            self.stats.upstream_failures += 1
        return Resolution(rcode=dns.ESERVER, answered_by="upstream")

    @defer.inlineCallbacks
    def _try(self, upstream: Upstream, query: dns.Query):
        """The upstream's reply, or None after noting why it was no good."""
        state = self.status.setdefault(upstream.id, UpstreamStatus())
        started = self.clock.seconds()
        try:
            message = yield self._exchange(upstream, query, tcp=False)
            if message.trunc:
                message = yield self._exchange(upstream, query, tcp=True)
            if message.rCode in _GIVE_UP:
                raise UpstreamError(f"answered {_GIVE_UP[message.rCode]}")
        except Exception as e:
            state.up, state.last_error = False, _describe(e)
            return None
        state.up, state.last_error = True, None
        state.last_rtt_ms = round((self.clock.seconds() - started) * 1000, 3)
        return message

    def _exchange(self, upstream: Upstream, query: dns.Query, tcp: bool) -> defer.Deferred:
        if upstream.address.startswith("tls://"):
            if self.tls is None:
                return defer.fail(UpstreamError("DNS over TLS upstreams are not enabled"))
            reply, cleanup = self.tls.exchange(upstream.address, upstream.port, query)
            return self._with_timeout(reply, cleanup)
        query_id = secrets.randbits(16)
        message = dns.Message(id=query_id, recDes=1)
        message.queries = [dns.Query(query.name.name, query.type, query.cls)]
        if not tcp:
            message.additional = [dns._OPTHeader(udpPayloadSize=EDNS_SIZE)]
        data = message.toStr()
        v6 = ipaddress.ip_address(upstream.address).version == 6
        if tcp:
            exchange = _TCPExchange(data, query_id, query)
            endpoint = (endpoints.TCP6ClientEndpoint if v6 else endpoints.TCP4ClientEndpoint)(
                self.reactor, upstream.address, upstream.port, timeout=self.timeout
            )
            connecting = endpoints.connectProtocol(endpoint, exchange)
            connecting.addErrback(lambda f: exchange.deferred.called or exchange.deferred.errback(f))

            def cleanup() -> None:
                if exchange.transport is not None:
                    exchange.transport.abortConnection()
                else:
                    connecting.cancel()
        else:
            exchange = _UDPExchange(upstream.address, upstream.port, data, query_id, query)
            port = self.reactor.listenUDP(0, exchange, interface="::" if v6 else "")
            cleanup = port.stopListening
        return self._with_timeout(exchange.deferred, cleanup)

    def _with_timeout(self, deferred: defer.Deferred, cleanup) -> defer.Deferred:
        def expire() -> None:
            if not deferred.called:
                deferred.errback(TimeoutError(f"no answer in {self.timeout:g} s"))

        timer = self.clock.callLater(self.timeout, expire)

        def done(result):
            if timer.active():
                timer.cancel()
            cleanup()
            return result

        return deferred.addBoth(done)


def _describe(failure: Exception) -> str:
    if isinstance(failure, TimeoutError):
        return "timeout"
    return str(failure) or type(failure).__name__
