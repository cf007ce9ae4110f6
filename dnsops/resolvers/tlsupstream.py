# -*- test-case-name: tests.test_tls_upstream -*-
"""
DNS-over-TLS upstreams (RFC 7858): one verified, reused connection per upstream, pipelined.

An upstream written C{tls://1.1.1.1:853#cloudflare-dns.com} is reached over TLS and its
certificate must name C{cloudflare-dns.com} (or the address itself when no name follows the
C{#}), checked against the system trust store or a configured CA file; a certificate that does
not match fails the try, as a timeout would. The handshake costs more than the query, so the
connection stays open and every query to that upstream is written on it as soon as it is
asked, without waiting for earlier answers (RFC 7766 section 6.2.1.1); answers are matched
back by message ID and question.
"""

import ipaddress
import secrets
import struct

from twisted.application.service import Service
from twisted.internet import defer, endpoints, protocol, ssl
from twisted.logger import Logger
from twisted.names import dns

from dnsops.errors import InvalidInput

_log = Logger()

SCHEME = "tls://"
DEFAULT_PORT = 853


class TLSUpstreamError(Exception):
    """The TLS upstream could not be reached, or its certificate was refused."""


def parse_tls_upstream(text: str) -> tuple[str, int | None, str]:
    """
    Read C{tls://ADDRESS[:PORT][#NAME]} (IPv6 in brackets) into (address, port or None, name).

    The name defaults to the address: the certificate must then carry it as an IP SAN.

    @raise InvalidInput: naming the value, for anything else.
    """
    original = text
    text = text.strip()
    if not text.lower().startswith(SCHEME):
        raise InvalidInput(f"invalid upstream address '{original}': expected tls://ADDRESS[:PORT][#NAME]", "address")
    rest = text[len(SCHEME):]
    rest, _, name = rest.partition("#")
    port = None
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail:
            if not tail.startswith(":"):
                raise InvalidInput(f"invalid upstream address '{original}'", "address")
            port = tail[1:]
    elif rest.count(":") == 1:
        host, port = rest.split(":")
    else:
        host = rest
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        raise InvalidInput(f"invalid upstream address '{original}': expected an IP address after tls://", "address") from None
    if port is not None:
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise InvalidInput(f"invalid upstream port '{port}' in '{original}'", "port")
        port = int(port)
    name = name.strip().rstrip(".").lower()
    if name:
        from dnsops.names import canonical_name

        name = canonical_name(name, "address")
    return address, port, name or address


def format_tls_upstream(address: str, name: str) -> str:
    """The stored form: C{tls://ADDRESS#NAME} (the port is its own column)."""
    return f"{SCHEME}{address}#{name}" if name != address else f"{SCHEME}{address}"


def trust_root(ca_file: str | None):
    """The roots upstream certificates are checked against: C{ca_file}, or the system's."""
    if not ca_file:
        return ssl.platformTrust()
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        with open(ca_file, "rb") as f:
            certs = x509.load_pem_x509_certificates(f.read())
    except (OSError, ValueError) as e:
        raise InvalidInput(f"cannot read CA file '{ca_file}': {e}", "upstream_tls_ca")
    return ssl.trustRootFromCertificates(
        [ssl.Certificate.loadPEM(c.public_bytes(Encoding.PEM)) for c in certs]
    )


def describe(reason) -> str:
    """A one-line reason for the upstream status: why the connection failed."""
    value = getattr(reason, "value", reason)
    text = str(value)
    if "VerificationError" in type(value).__name__ or "VerificationError" in text:
        return "tls certificate does not match the upstream name"
    if "certificate verify failed" in text:
        return "tls certificate verify failed"
    if "SSL" in type(value).__module__ or type(value).__name__ == "Error":
        return f"tls handshake failed: {text[:120]}"
    return text[:160] or type(value).__name__


class _DoTConnection(protocol.Protocol):
    """One TLS connection to an upstream, carrying any number of queries at once."""

    def __init__(self, pool: "TLSUpstreams", key: tuple) -> None:
        self.pool, self.key = pool, key
        self.pending: dict[int, tuple[defer.Deferred, dns.Query]] = {}
        self._buffer = b""
        self.open = False
        self.handshake_done = False

    def connectionMade(self) -> None:
        self.open = True

    def handshakeCompleted(self) -> None:
        self.handshake_done = True

    def send(self, query: dns.Query) -> tuple[defer.Deferred, int]:
        query_id = secrets.randbits(16)
        while query_id in self.pending:
            query_id = secrets.randbits(16)
        message = dns.Message(id=query_id, recDes=1)
        message.queries = [dns.Query(query.name.name, query.type, query.cls)]
        data = message.toStr()
        waiter: defer.Deferred = defer.Deferred()
        self.pending[query_id] = (waiter, query)
        self.transport.write(struct.pack("!H", len(data)) + data)
        return waiter, query_id

    def dataReceived(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 2:
            (length,) = struct.unpack_from("!H", self._buffer)
            if len(self._buffer) < 2 + length:
                return
            payload, self._buffer = self._buffer[2 : 2 + length], self._buffer[2 + length :]
            self._answer(payload)

    def _answer(self, payload: bytes) -> None:
        message = dns.Message()
        try:
            message.fromStr(payload)
        except Exception:
            return
        entry = self.pending.get(message.id)
        if entry is None or not message.answer or len(message.queries) != 1:
            return
        waiter, query = entry
        asked = message.queries[0]
        if (asked.type, asked.cls, asked.name.name.lower()) != (query.type, query.cls, query.name.name.lower()):
            return
        del self.pending[message.id]
        if not waiter.called:
            waiter.callback(message)

    def forget(self, query_id: int) -> None:
        self.pending.pop(query_id, None)

    def connectionLost(self, reason) -> None:
        self.open = False
        self.pool._lost(self.key, self)
        failure = TLSUpstreamError(describe(reason))
        pending, self.pending = self.pending, {}
        for waiter, _ in pending.values():
            if not waiter.called:
                waiter.errback(failure)


class TLSUpstreams(Service):
    """
    The open DoT connections, one per (address, port, name), made when first needed; as a
    service, they are closed when the server stops.

    @ivar ca_file: PEM roots for verifying upstreams; empty for the system trust store.
    @ivar connections_made: how many connections were opened (tests check reuse with it).
    """

    def __init__(self, reactor, ca_file: str | None = None, connect_timeout: float = 5.0) -> None:
        self.reactor = reactor
        self.ca_file = ca_file or None
        self.connect_timeout = connect_timeout
        self.connections_made = 0
        self._connections: dict[tuple, _DoTConnection] = {}
        self._connecting: dict[tuple, list[defer.Deferred]] = {}

    def set_ca_file(self, ca_file: str | None) -> None:
        """Use other roots from now on (open connections were verified already and stay)."""
        self.ca_file = ca_file or None

    def exchange(self, address: str, port: int, query: dns.Query) -> tuple[defer.Deferred, object]:
        """
        Send C{query} to the upstream C{address} (C{tls://…}); return the Deferred reply and
        a cleanup callable that forgets it (for the caller's timeout).
        """
        host, given_port, name = parse_tls_upstream(address)
        key = (host, given_port or port or DEFAULT_PORT, name)
        result: defer.Deferred = defer.Deferred()
        state: dict = {}

        def connected(conn: _DoTConnection) -> None:
            if result.called:
                return
            waiter, query_id = conn.send(query)
            state["forget"] = lambda: conn.forget(query_id)
            waiter.chainDeferred(result)

        def failed(reason) -> None:
            if not result.called:
                result.errback(TLSUpstreamError(describe(reason)))

        self._connection(key).addCallbacks(connected, failed)

        def cleanup() -> None:
            forget = state.get("forget")
            if forget is not None:
                forget()

        return result, cleanup

    def _connection(self, key: tuple) -> defer.Deferred:
        conn = self._connections.get(key)
        if conn is not None and conn.open:
            return defer.succeed(conn)
        waiting: defer.Deferred = defer.Deferred()
        if key in self._connecting:
            self._connecting[key].append(waiting)
            return waiting
        self._connecting[key] = [waiting]
        host, port, name = key
        try:
            options = ssl.optionsForClientTLS(name, trustRoot=trust_root(self.ca_file))
        except InvalidInput as e:
            self._connected(key, e)
            return waiting
        v6 = ipaddress.ip_address(host).version == 6
        tcp = (endpoints.TCP6ClientEndpoint if v6 else endpoints.TCP4ClientEndpoint)(
            self.reactor, host, port, timeout=self.connect_timeout)
        endpoint = endpoints.wrapClientTLS(options, tcp)
        conn = _DoTConnection(self, key)
        self.connections_made += 1
        d = endpoints.connectProtocol(endpoint, conn)
        d.addCallbacks(lambda p: self._connected(key, p), lambda f: self._connected(key, f))
        return waiting

    def _connected(self, key: tuple, result) -> None:
        waiters = self._connecting.pop(key, [])
        if isinstance(result, _DoTConnection):
            self._connections[key] = result
            for waiter in waiters:
                waiter.callback(result)
        else:
            for waiter in waiters:
                waiter.errback(result)

    def _lost(self, key: tuple, conn: _DoTConnection) -> None:
        if self._connections.get(key) is conn:
            del self._connections[key]

    def close(self) -> None:
        """Close every upstream connection (the server is stopping)."""
        for conn in list(self._connections.values()):
            if conn.transport is not None:
                conn.transport.abortConnection()
        self._connections.clear()

    def stopService(self) -> None:
        Service.stopService(self)
        self.close()
