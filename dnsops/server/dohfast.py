# -*- test-case-name: tests.test_doh -*-
"""
The HTTP/2 fast path for RFC 8484 wire queries: no twisted.web C{Request} per query.

A plain wire query (C{GET /dns-query?dns=...}, or C{POST /dns-query} as
C{application/dns-message}) is most of what a DoH server ever sees, and Twisted's C{H2Stream}
and C{Request} (header conversion, cookies, a resource walk, C{Deferred}s, a request body in
a file-like buffer) cost more CPU than the DNS answer itself: without them a POST costs half
the CPU and a GET about three quarters; most of what is left is h2's own framing and HPACK.
The answer goes without C{content-length} (HTTP/2 ends a body by END_STREAM; a value that
changes with every answer churns the HPACK table), and C{Cache-Control} values are kept per
answer. L{wire_request} picks such a
request out from its HTTP/2 headers alone; the connection then gives the stream a L{FastStream}
in place of Twisted's C{H2Stream}, and answers it straight from the DNS factory. Anything else,
and any fast request that turns out bad (a short or oversized body, a response message), goes
the usual C{Request} way, so error answers and the JSON form stay in one place
(L{dnsops.server.doh}).

Pure: no reactor, no Twisted imports; the connection (L{dnsops.server.doh}) does the I/O.
"""

import base64
import binascii
import struct

from dnsops.server import edns

MESSAGE_TYPE = b"application/dns-message"
MAX_MESSAGE = 65535
PATH = b"/dns-query"

_BASE64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="


#: C{Cache-Control} values by answer (ID left out), so repeated answers skip the record walk.
_MAX_AGE: dict[bytes, bytes] = {}
_MAX_AGE_SIZE = 4096


def min_ttl(wire: bytes) -> int:
    """The smallest TTL of the answer and authority records (OPT aside); 0 when there are none."""
    try:
        ttls = [r.ttl for r in edns.walk_records(wire, sections=2) if r.rtype != edns.TYPE_OPT]
    except (ValueError, struct.error):
        return 0
    return min(ttls, default=0)


def cache_control(wire: bytes) -> bytes:
    """
    C{max-age=} the answer's smallest TTL (RFC 8484 section 5.1), remembered by the answer's
    bytes: most answers repeat from the packet cache, and the value depends on nothing else.
    """
    key = wire[2:]
    value = _MAX_AGE.get(key)
    if value is None:
        if len(_MAX_AGE) >= _MAX_AGE_SIZE:
            _MAX_AGE.clear()
        value = _MAX_AGE[key] = b"max-age=%d" % min_ttl(wire)
    return value


def acceptable(data: bytes) -> bool:
    """Whether C{data} may go to the DNS factory: a query of 12 to 65535 octets."""
    return 12 <= len(data) <= MAX_MESSAGE and not data[2] & 0x80


def wire_request(headers) -> tuple[bytes, bytes | None] | None:
    """
    C{(b"GET", message)} or C{(b"POST", None)} (the message is the body to come) when the
    HTTP/2 request is a plain RFC 8484 wire query the fast path can answer; else C{None}.

    Only what L{dnsops.server.doh.DNSQueryResource} would answer the same way is taken: a GET
    whose first C{dns} parameter is clean base64url of an acceptable query (no percent-escapes
    anywhere in the query string, which Twisted would decode first), a POST to the exact path
    with the DNS message type and no C{Expect}. Everything else, errors included, is the
    resource's.

    @param headers: the request's header block as h2 gives it, C{(name, value)} bytes pairs.
    """
    method = path = kind = None
    for name, value in headers:
        if name == b":method":
            method = value
        elif name == b":path":
            path = value
        elif name == b"content-type":
            kind = value
        elif name == b"expect":
            return None
    if method == b"GET":
        if path is None or not path.startswith(PATH + b"?"):
            return None
        query = path[len(PATH) + 1:]
        if b"%" in query or b"+" in query:
            return None
        for part in query.split(b"&"):
            if part[:4] == b"dns=":
                text = part[4:]
                break
        else:
            return None
        if not text or text.translate(None, _BASE64URL):
            return None
        try:
            data = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        return (b"GET", data) if acceptable(data) else None
    if method == b"POST" and path == PATH and kind is not None:
        if kind.split(b";")[0].strip().lower() == MESSAGE_TYPE:
            return (b"POST", None)
    return None


class FastStream:
    """
    Stands in for Twisted's C{H2Stream} for one fast wire query: what C{H2Connection} calls on
    a stream (data, end of request, loss, flow-control news), and nothing of C{Request}.

    @ivar headers: the request's header block, kept to hand the stream back to Twisted.
    @ivar message: the DNS message (from the GET, or the POST body once it has ended).
    @ivar gone: the stream was reset or the connection lost: its answer is dropped.
    """

    __slots__ = ("streamID", "headers", "message", "gone", "_conn", "_body", "_size")

    def __init__(self, connection, streamID: int, headers, message: bytes | None) -> None:
        self.streamID = streamID
        self.headers = headers
        self.message = message
        self.gone = False
        self._conn = connection
        self._body: list[bytes] = []
        self._size = 0

    def body(self) -> list[bytes]:
        """The POST body received so far, in chunks."""
        return self._body

    def receiveDataChunk(self, data: bytes, flowControlledLength: int) -> None:
        """Keep the chunk and open the window for it; past 65535 octets the resource takes over."""
        self._conn.acknowledge(self.streamID, flowControlledLength)
        if self.message is not None:  # a GET with a body: the resource would ignore it too
            return
        self._body.append(data)
        self._size += len(data)
        if self._size > MAX_MESSAGE:
            self._conn.slow_path(self)

    def requestComplete(self) -> None:
        """The request is whole: answer it, or let the resource give the error."""
        if self.message is None:
            message = b"".join(self._body)
            if not acceptable(message):
                self._conn.slow_path(self, complete=True)
                return
            self.message = message
            self._body = []
        self._conn.answer(self)

    def connectionLost(self, reason) -> None:
        self.gone = True

    def windowUpdated(self) -> None:
        """Nothing to resume: the answer is queued whole (see C{H2Connection.writeDataToStream})."""

    def flowControlBlocked(self) -> None:
        """Nothing to pause: there is no producer behind a fast answer."""
