# -*- test-case-name: tests.test_tcp_limits -*-
"""
Stream connections under RFC 7766 rules: a shared cap, idle and stall timers, pipelining.

TCP, DoT and DoH share one L{ConnectionTable}, so C{tcp_max_connections} bounds them all
together, and no single address may hold more than its share. When the table is full, a new
client does not simply lose: the connection that has waited longest with nothing in flight is
closed to make room (RFC 7766 section 6.2.2 lets a server close idle connections), and only when
every connection is busy is the newcomer turned away. L{DNSStreamProtocol} answers pipelined
queries as each completes (so possibly out of order, section 6.2.1.1), closes a connection idle
for C{tcp_idle_timeout} seconds, and drops a client that starts a message and stalls.
"""

import struct
from collections import OrderedDict

from twisted.internet import defer, protocol
from twisted.logger import Logger
from twisted.protocols import policies

_log = Logger()

#: Default cap on connections from one address, never above the total cap.
PER_ADDRESS = 100
#: Seconds a client may take to finish a message it has started.
STALL_TIMEOUT = 3.0
#: Seconds an unanswered query keeps an otherwise idle connection open.
ANSWER_GRACE = 30.0
#: Queries one connection may have in flight before we stop reading from it.
MAX_PIPELINE = 100


class ConnectionTable:
    """
    Every open stream connection, oldest activity first, with the caps applied on arrival.

    A member is any object with C{host}, C{busy} (queries in flight) and C{abort()}.

    @ivar max_connections: the total cap (config C{tcp_max_connections}).
    @ivar per_address: the cap for one source address.
    @ivar idle_timeout: seconds of silence before a connection is closed (C{tcp_idle_timeout}).
    @ivar evicted: how many connections were closed to make room; C{refused}: turned away.
    """

    def __init__(self, clock, max_connections: int = 1000, idle_timeout: float = 10.0,
                 per_address: int | None = None) -> None:
        self.clock = clock
        self._members: OrderedDict = OrderedDict()
        self._per_host: dict[str, int] = {}
        self.evicted = 0
        self.refused = 0
        self.configure(max_connections, idle_timeout, per_address)

    def configure(self, max_connections: int, idle_timeout: float, per_address: int | None = None) -> None:
        """Apply new caps and timeout; open connections are only affected as they next act."""
        self.max_connections = max(1, int(max_connections))
        self.idle_timeout = float(idle_timeout)
        self.per_address = min(self.max_connections, per_address or PER_ADDRESS)

    def __len__(self) -> int:
        return len(self._members)

    def count(self, host: str) -> int:
        return self._per_host.get(host, 0)

    def admit(self, member) -> bool:
        """
        Add C{member}, closing the longest-idle connections (of its address when that address
        is at its cap, else of anyone) to make room; False when not enough could be freed.
        """
        host = member.host
        while self.count(host) >= self.per_address:
            if not self._evict(lambda m: m.host == host):
                self.refused += 1
                return False
        while len(self._members) >= self.max_connections:
            if not self._evict(lambda m: True):
                self.refused += 1
                return False
        self._members[member] = None
        self._per_host[host] = self.count(host) + 1
        return True

    def _evict(self, eligible) -> bool:
        for member in self._members:
            if not member.busy and eligible(member):
                self.remove(member)
                self.evicted += 1
                member.abort()
                return True
        return False

    def touch(self, member) -> None:
        """Note activity: C{member} becomes the last to be evicted."""
        if member in self._members:
            self._members.move_to_end(member)

    def remove(self, member) -> None:
        if member in self._members:
            del self._members[member]
            left = self._per_host.get(member.host, 1) - 1
            if left:
                self._per_host[member.host] = left
            else:
                self._per_host.pop(member.host, None)

    def abort_all(self) -> None:
        """Close every connection at once (the server is stopping)."""
        for member in list(self._members):
            self.remove(member)
            member.abort()


def _no_delay(transport) -> None:
    """
    Turn off Nagle's algorithm: an answer often leaves in more than one write (TLS records,
    HTTP/2 frames), and waiting for the client's delayed ACK between them costs 40 ms.
    """
    try:
        transport.setTcpNoDelay(True)
    except (AttributeError, OSError):
        pass


class _Timer:
    """One restartable C{callLater} on a clock."""

    def __init__(self, clock, action) -> None:
        self.clock, self.action, self.call = clock, action, None

    def start(self, seconds: float) -> None:
        self.stop()
        self.call = self.clock.callLater(seconds, self._fire)

    def _fire(self) -> None:
        self.call = None
        self.action()

    def stop(self) -> None:
        if self.call is not None and self.call.active():
            self.call.cancel()
        self.call = None

    @property
    def running(self) -> bool:
        return self.call is not None


class _SendBuffer:
    """
    Tell a multi-message answer when the connection's send buffer has room for its next message.

    Registered on the transport as a streaming producer, only once a connection carries its
    first multi-message answer: the transport pauses it when its buffer passes its limit and
    resumes it when the buffer has drained, and stops it when the connection is gone.
    """

    def __init__(self) -> None:
        self.full = False
        self.gone = False
        self._waiting: list[defer.Deferred] = []

    def ready(self) -> defer.Deferred:
        """Fires True when there is room (now, or once the buffer drains), False when gone."""
        if self.gone or not self.full:
            return defer.succeed(not self.gone)
        waiter = defer.Deferred()
        self._waiting.append(waiter)
        return waiter

    def pauseProducing(self) -> None:
        self.full = True

    def resumeProducing(self) -> None:
        self.full = False
        self._release(True)

    def stopProducing(self) -> None:
        self.gone = True
        self._release(False)

    def _release(self, ready: bool) -> None:
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            waiter.callback(ready)


class DNSStreamProtocol(protocol.Protocol):
    """
    DNS messages with a two-octet length prefix (RFC 1035 4.2.2), over TCP or inside TLS.

    Every complete message goes to the server factory's C{handle} at once; answers are written
    when ready, so a slow upstream answer does not hold up an authoritative one behind it.
    A query may be answered by several messages (a zone transfer, RFC 5936 section 2.2): it
    stays in flight until its last message is written.

    @ivar busy: queries handed on and not yet answered.
    """

    def __init__(self, factory: "DNSStreamFactory") -> None:
        self.factory = factory
        self.table = factory.table
        self.busy = 0
        self.host = ""
        self._buffer = b""
        self._closed = False
        self._since = None
        self._idle = _Timer(self.table.clock, self._idle_expired)
        self._stall = _Timer(self.table.clock, self._stalled)
        self._send_buffer: _SendBuffer | None = None

    def connectionMade(self) -> None:
        peer = self.transport.getPeer()
        self.host, self.port = getattr(peer, "host", ""), getattr(peer, "port", 0)
        if not self.table.admit(self):
            _log.debug("{label} connection from {client} refused: at the cap",
                       label=self.factory.transport_name, client=self.host)
            self._closed = True
            self.transport.abortConnection()
            return
        self.factory.dns.connectionMade(self)
        _no_delay(self.transport)
        self._idle.start(self.table.idle_timeout)

    def connectionLost(self, reason) -> None:
        self._closed = True
        self._idle.stop()
        self._stall.stop()
        self.table.remove(self)
        if self._send_buffer is not None:
            self._send_buffer.stopProducing()
        if self in self.factory.dns.connections:
            self.factory.dns.connectionLost(self)

    def abort(self) -> None:
        """Close now, whatever is in flight (the table evicts us, or the server stops)."""
        self._closed = True
        if self.transport is not None:
            self.transport.abortConnection()

    def dataReceived(self, data: bytes) -> None:
        if self._closed:
            return
        self._buffer += data
        buffer = self._buffer
        offset = 0
        while len(buffer) - offset >= 2:
            (length,) = struct.unpack_from("!H", buffer, offset)
            if len(buffer) - offset - 2 < length:
                break
            message = buffer[offset + 2 : offset + 2 + length]
            offset += 2 + length
            self._dispatch(message)
            if self._closed:
                return
        self._buffer = buffer[offset:]
        if self._buffer:
            if not self._stall.running:
                self._stall.start(min(STALL_TIMEOUT, self.table.idle_timeout))
        else:
            self._stall.stop()

    def _dispatch(self, message: bytes) -> None:
        self.table.touch(self)
        self._idle.start(self.table.idle_timeout)
        if len(message) < 12 or message[2] & 0x80:
            return
        self.busy += 1
        if self.busy >= MAX_PIPELINE:
            self.transport.pauseProducing()
        if self._since is None:
            self._since = self.table.clock.seconds()
        answered = []

        def write(wire: bytes, last: bool = True) -> defer.Deferred | None:
            """
            Send one answer message. A multi-message answer passes C{last=False} for all but
            its final message and gets a Deferred firing True when the connection can take the
            next one, False when it is gone; the query stays in flight until C{last}.
            """
            if answered:
                return None if last else defer.succeed(False)
            if last:
                answered.append(True)
            return self._answered(wire, last)

        self.factory.dns.handle(message, (self.host, self.port), self.factory.transport_name, write)

    def _answered(self, wire: bytes, last: bool = True) -> defer.Deferred | None:
        if last:
            self.busy -= 1
            if self.busy == MAX_PIPELINE - 1 and not self._closed:
                self.transport.resumeProducing()
            if self.busy == 0:
                self._since = None
        if self._closed:
            return None if last else defer.succeed(False)
        self.transport.write(struct.pack("!H", len(wire)) + wire)
        self.table.touch(self)
        self._idle.start(self.table.idle_timeout)
        if last:
            return None
        if self._send_buffer is None:
            self._send_buffer = _SendBuffer()
            self.transport.registerProducer(self._send_buffer, True)
        return self._send_buffer.ready()

    def _idle_expired(self) -> None:
        now = self.table.clock.seconds()
        if self.busy and self._since is not None and now - self._since < ANSWER_GRACE:
            self._idle.start(self.table.idle_timeout)
            return
        _log.debug("closing idle {label} connection from {client}",
                   label=self.factory.transport_name, client=self.host)
        self.abort()

    def _stalled(self) -> None:
        _log.debug("dropping {label} client {client}: partial message stalled",
                   label=self.factory.transport_name, client=self.host)
        self.abort()


class DNSStreamFactory(protocol.ServerFactory):
    """
    Build L{DNSStreamProtocol}s for one transport (C{tcp} or C{dot}) of one server factory.

    @ivar dns: the L{dnsops.server.factory.DNSServerFactory} answering the messages; its
        C{connections} list holds ours too, so whoever closes its connections closes these.
    """

    noisy = False

    def __init__(self, dns, table: ConnectionTable, transport_name: str = "tcp") -> None:
        self.dns = dns
        self.table = table
        self.transport_name = transport_name

    def buildProtocol(self, addr) -> DNSStreamProtocol:
        return DNSStreamProtocol(self)


class _GuardedConnection(policies.ProtocolWrapper):
    """One connection of another protocol (HTTP for DoH) counted in the table, with an idle timer."""

    busy = 0
    _lost = False

    def __init__(self, factory, wrapped) -> None:
        policies.ProtocolWrapper.__init__(self, factory, wrapped)
        self.table = factory.table
        self.host = ""
        self._idle = _Timer(self.table.clock, self.abort)

    def makeConnection(self, transport) -> None:
        self.host = getattr(transport.getPeer(), "host", "")
        if not self.table.admit(self):
            transport.abortConnection()
            return
        self._idle.start(self.table.idle_timeout)
        _no_delay(transport)
        policies.ProtocolWrapper.makeConnection(self, transport)

    def dataReceived(self, data: bytes) -> None:
        self._active()
        policies.ProtocolWrapper.dataReceived(self, data)

    def write(self, data: bytes) -> None:
        self._active()
        policies.ProtocolWrapper.write(self, data)

    def writeSequence(self, data) -> None:
        self._active()
        policies.ProtocolWrapper.writeSequence(self, data)

    def _active(self) -> None:
        if self._lost:
            return
        self.table.touch(self)
        self._idle.start(self.table.idle_timeout)

    def abort(self) -> None:
        self._idle.stop()
        if self.transport is not None:
            self.transport.abortConnection()

    def connectionLost(self, reason) -> None:
        self._lost = True
        self._idle.stop()
        self.table.remove(self)
        if self.connected:
            policies.ProtocolWrapper.connectionLost(self, reason)


class GuardedFactory(policies.WrappingFactory):
    """Put any stream factory (the DoH web site behind TLS) under the connection table."""

    protocol = _GuardedConnection
    noisy = False

    def __init__(self, wrapped, table: ConnectionTable) -> None:
        policies.WrappingFactory.__init__(self, wrapped)
        self.table = table

    def registerProtocol(self, p) -> None:
        pass

    def unregisterProtocol(self, p) -> None:
        pass
