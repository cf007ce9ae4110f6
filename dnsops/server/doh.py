# -*- test-case-name: tests.test_doh -*-
"""
DNS over HTTPS (RFC 8484) at C{/dns-query}, and the JSON form at C{/resolve} too.

The wire forms (POST C{application/dns-message}, GET C{?dns=} base64url) hand the message
to the same L{DNSServerFactory.handle} as UDP and TCP, as protocol C{doh}, and send back what
it writes, with C{Cache-Control: max-age} set to the smallest TTL in the answer (RFC 8484
section 5.1), so HTTP caches never keep an answer longer than DNS would. The JSON form
(C{?name=&type=}, as Google and Cloudflare serve it) builds a query, answers it the same way,
and renders the answer as JSON. HTTP/2 comes from Twisted's web server when TLS negotiates
C{h2} by ALPN; HTTP/1.1 is always there. Over HTTP/2, plain wire queries skip twisted.web's
C{Request} and resources (L{dnsops.server.dohfast}); everything else, errors included, is
answered here.

Over HTTP/2 every answer leaves as its HEADERS frame and one DATA frame carrying END_STREAM,
written at once in a TLS record of its own (L{_WholeAnswerH2}). Twisted's own sending loop
sends one frame per reactor turn, round-robin across streams: with many queries in flight
that caps the rate, and it puts other streams' DATA frames between a stream's data and its
empty END_STREAM frame. A client that gathers DATA until END_STREAM into one buffer per
connection and takes one answer per TLS record read (dnsperf's DoH mode) then glues answers
together, or drops all but the first of a record, and times the rest out.
L{_WholeAnswerH2} leans on internals of Twisted's C{H2Connection} (its stream table and
queues, C{_requestReceived}, C{_requestDone}, flow-control state, C{H2Stream}) and of its TLS
transport's write gathering; C{tests.test_doh}'s C{HTTP2DeliveryTests} and
C{FastPathStateTests} pin the frames, records and bookkeeping, so a Twisted upgrade that moves
them shows.
"""

import base64
import binascii
import json
import socket

from twisted.names import dns
from twisted.web import http, resource, server

try:
    from twisted.web._http2 import H2Connection
except ImportError:  # no h2 package: HTTP/1.1 only, as Twisted itself does then
    H2Connection = None

from dnsops.errors import UserError
from dnsops.names import canonical_name
from dnsops.server import dohfast, edns
from dnsops.server.dohfast import MAX_MESSAGE, MESSAGE_TYPE, min_ttl

ALPN = [b"h2", b"http/1.1"]
JSON_TYPE = b"application/dns-json"


def _error(request, status: int, message: str) -> bytes:
    request.setResponseCode(status)
    request.setHeader(b"content-type", b"application/json")
    return json.dumps({"error": message}).encode()


class _Answering(resource.Resource):
    """Hands one message to the DNS factory and finishes the request when it answers."""

    isLeaf = True

    def __init__(self, dns_factory) -> None:
        resource.Resource.__init__(self)
        self.dns = dns_factory

    def _ask(self, request, data: bytes, respond) -> object:
        peer = request.getClientAddress()
        gone = []
        request.notifyFinish().addErrback(lambda _: gone.append(True))

        def write(wire: bytes) -> None:
            if gone or request.finished:
                return
            body = respond(request, wire)
            request.setHeader(b"content-length", str(len(body)).encode())
            request.write(body)
            request.finish()

        self.dns.handle(data, (getattr(peer, "host", ""), getattr(peer, "port", 0)), "doh", write)
        return server.NOT_DONE_YET

    def _json(self, request) -> bytes | object:
        try:
            data = json_query(request.args)
        except UserError as e:
            return _error(request, 400, str(e))
        return self._ask(request, data, _render_json)


def _render_wire(request, wire: bytes) -> bytes:
    request.setHeader(b"content-type", MESSAGE_TYPE)
    request.setHeader(b"cache-control", b"max-age=%d" % min_ttl(wire))
    return wire


def _render_json(request, wire: bytes) -> bytes:
    request.setHeader(b"content-type", JSON_TYPE)
    request.setHeader(b"cache-control", b"max-age=%d" % min_ttl(wire))
    return json.dumps(json_answer(wire)).encode()


class DNSQueryResource(_Answering):
    """C{/dns-query}: the RFC 8484 wire forms, and the JSON form when asked by C{name=}."""

    def render_GET(self, request):
        if b"dns" in request.args:
            try:
                text = request.args[b"dns"][0]
                data = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
            except (binascii.Error, ValueError):
                return _error(request, 400, "invalid base64url in parameter 'dns'")
            return self._wire(request, data)
        if b"name" in request.args:
            return self._json(request)
        return _error(request, 400, "missing parameter 'dns' (or 'name' for the JSON form)")

    def render_POST(self, request):
        kind = (request.getHeader(b"content-type") or b"").split(b";")[0].strip().lower()
        if kind != MESSAGE_TYPE:
            shown = kind.decode("latin-1")
            return _error(request, 415, f"unsupported content type '{shown}': expected application/dns-message")
        return self._wire(request, request.content.read(MAX_MESSAGE + 1))

    def _wire(self, request, data: bytes):
        if not 12 <= len(data) <= MAX_MESSAGE:
            return _error(request, 400, f"invalid DNS message: {len(data)} octets")
        if data[2] & 0x80:
            return _error(request, 400, "invalid DNS message: it is a response")
        return self._ask(request, data, _render_wire)


class ResolveResource(_Answering):
    """C{/resolve}: the JSON form only."""

    def render_GET(self, request):
        return self._json(request)


def doh_site(dns_factory, timeout: float | None = None) -> server.Site:
    """The web site served on the DoH port; C{timeout} closes idle HTTP connections."""
    root = resource.Resource()
    root.putChild(b"dns-query", DNSQueryResource(dns_factory))
    root.putChild(b"resolve", ResolveResource(dns_factory))
    site = _QuietSite(root, timeout=timeout)
    site.dns_factory = dns_factory
    site.noisy = False
    site.displayTracebacks = False
    return site


if H2Connection is not None:
    from collections import deque
    from functools import partial

    import h2.config
    import h2.connection
    import priority
    from h2.exceptions import ProtocolError, StreamClosedError
    from twisted.internet.defer import Deferred
    from twisted.protocols.tls import TLSMemoryBIOProtocol
    from twisted.web._http2 import H2Stream

    def _write_record(transport, data: bytes) -> None:
        """
        Write C{data} as TLS records of its own: whatever the transport holds for this
        reactor turn goes first, then C{data}, not merged with what follows.

        Twisted's TLS transport gathers a turn's writes into one record. A client that reads
        one record at a time and takes one answer per read (dnsperf) then loses every answer
        after the first in a record, so each answer gets its own.
        """
        aggregator = getattr(transport, "_aggregator", None)
        if isinstance(transport, TLSMemoryBIOProtocol) and aggregator is not None:
            aggregator.flush()
            TLSMemoryBIOProtocol.write(transport, data)
        else:
            transport.write(data)

    class _WholeAnswerH2(H2Connection):
        """
        Twisted's HTTP/2 connection, but a response finished in the reactor turn it was
        written goes out whole and at once: HEADERS and one DATA frame with END_STREAM, in a
        TLS record of their own. Longer or streamed responses, or a connection waiting on
        flow control or on a full transport, take Twisted's own sending loop.

        Plain wire queries (L{dohfast.wire_request}) skip twisted.web altogether: their stream
        is a L{dohfast.FastStream}, answered straight from the DNS factory by L{answer}.
        The stream bookkeeping of C{H2Connection} (C{streams}, C{_outboundStreamQueues},
        C{_streamCleanupCallbacks}, the priority tree) is kept exactly as Twisted's
        C{_requestReceived} keeps it, so its flow-control loop, resets and connection loss
        treat fast streams like any other.

        @ivar _held: per stream, body written this turn and not yet handed to Twisted's queue.
        @ivar _turn: the call at the end of this turn that hands on what is still held.
        @ivar _peer: the client's C{(host, port)}, for the DNS factory.
        @ivar _date: the C{Date} header value and the second it is for.
        """

        _peer = None
        _date = (None, b"")

        def __init__(self, reactor=None) -> None:
            H2Connection.__init__(self, reactor)
            # Our own response headers need no checks on the way out (still lower-cased); inbound
            # headers stay checked.
            self.conn = h2.connection.H2Connection(config=h2.config.H2Configuration(
                client_side=False, header_encoding=None,
                validate_outbound_headers=False))
            self._held: dict[int, list[bytes]] = {}
            self._turn = None

        # The fast path: plain wire queries without a Request.

        def _requestReceived(self, event) -> None:
            wanted = dohfast.wire_request(event.headers)
            if wanted is None:
                H2Connection._requestReceived(self, event)
                return
            sid = event.stream_id
            self.streams[sid] = dohfast.FastStream(self, sid, event.headers, wanted[1])
            self._streamCleanupCallbacks[sid] = Deferred()
            self._outboundStreamQueues[sid] = deque()
            try:
                self.priority.insert_stream(sid)
            except priority.DuplicateStreamError:
                pass  # a PRIORITY frame came first; Twisted set it up then
            else:
                self.priority.block(sid)

        def acknowledge(self, streamID: int, size: int) -> None:
            """Open the stream's window for body data read; the update leaves with this read's other control frames."""
            if size:
                self.conn.acknowledge_received_data(size, streamID)

        def slow_path(self, fast, complete: bool = False) -> None:
            """Hand a fast stream to Twisted's C{H2Stream} and C{Request}, body so far included."""
            stream = H2Stream(fast.streamID, self, fast.headers, self.requestFactory, self.site, self.factory)
            self.streams[fast.streamID] = stream
            for chunk in fast.body():
                stream.receiveDataChunk(chunk, 0)  # its window was opened as it came
            if complete:
                stream.requestComplete()

        def answer(self, fast) -> None:
            """Ask the DNS factory; its answer goes out by L{_reply}."""
            peer = self._peer
            if peer is None:
                address = self.transport.getPeer()
                peer = self._peer = (getattr(address, "host", ""), getattr(address, "port", 0))
            self.site.dns_factory.handle(fast.message, peer, "doh", partial(self._reply, fast))

        def _reply(self, fast, wire: bytes) -> None:
            sid = fast.streamID
            if fast.gone or self.streams.get(sid) is not fast:
                return
            # No content-length: HTTP/2 needs none (the END_STREAM flag ends the body), and a
            # value that changes with every answer would churn the HPACK table.
            headers = [(b":status", b"200"), (b"content-type", MESSAGE_TYPE),
                       (b"cache-control", dohfast.cache_control(wire)), (b"date", self._http_date())]
            config = self.conn.config
            config.normalize_outbound_headers = False  # already lower-case and trimmed
            try:
                self.conn.send_headers(sid, headers)
            except ProtocolError:  # the stream or the connection closed meanwhile
                self._requestDone(sid)
                return
            finally:
                config.normalize_outbound_headers = True
            self._send_whole(sid, wire)

        def _http_date(self) -> bytes:
            second = int(self._reactor.seconds())
            if self._date[0] != second:
                self._date = (second, http.datetimeToString(second))
            return self._date[1]

        # Whole answers for the Request path.

        def _hold_until_turn_ends(self) -> None:
            if self._turn is None:
                self._turn = self._reactor.callLater(0, self._end_turn)

        def _end_turn(self) -> None:
            """Responses still open at the end of the turn are streamed the usual way."""
            self._turn = None
            held, self._held = self._held, {}
            for stream_id, chunks in held.items():
                if stream_id in self._outboundStreamQueues:
                    H2Connection.writeDataToStream(self, stream_id, b"".join(chunks))
            self._tryToWriteControlData()

        def writeHeaders(self, version, code, reason, headers, streamID) -> None:
            headers.insert(0, (b":status", code))
            try:
                self.conn.send_headers(streamID, headers)
            except StreamClosedError:
                return
            self._hold_until_turn_ends()

        def writeDataToStream(self, streamID: int, data: bytes) -> None:
            self._held.setdefault(streamID, []).append(data)
            self._hold_until_turn_ends()

        def endRequest(self, streamID: int) -> None:
            data = b"".join(self._held.pop(streamID, ()))
            if streamID not in self._outboundStreamQueues:  # the client reset the stream
                return
            self._send_whole(streamID, data)

        def _send_whole(self, streamID: int, data: bytes) -> None:
            """
            End the stream with C{data}, its headers already given to h2: at once in a TLS
            record of its own when nothing waits before it and the window allows, else by
            Twisted's sending loop.
            """
            if (self._outboundStreamQueues[streamID] or self._consumerBlocked is not None
                    or self._bufferedControlFrames
                    or len(data) > min(self.conn.local_flow_control_window(streamID),
                                       self.conn.max_outbound_frame_size)):
                self._tryToWriteControlData()
                if data:
                    H2Connection.writeDataToStream(self, streamID, data)
                H2Connection.endRequest(self, streamID)
                return
            if data:
                self.conn.send_data(streamID, data, end_stream=True)
            else:
                self.conn.end_stream(streamID)
            _write_record(self.transport, self.conn.data_to_send())
            self._requestDone(streamID)

        def connectionLost(self, reason, _cancelTimeouts=True) -> None:
            self._held.clear()
            if self._turn is not None and self._turn.active():
                self._turn.cancel()
            self._turn = None
            H2Connection.connectionLost(self, reason, _cancelTimeouts)

    class _DoHChannel(http._GenericHTTPChannelProtocol):
        """Twisted's HTTP/1.1-or-HTTP/2 switch, choosing L{_WholeAnswerH2} for C{h2}."""

        def dataReceived(self, data: bytes) -> None:
            if self._negotiatedProtocol is None:
                if getattr(self._channel.transport, "negotiatedProtocol", None) == b"h2":
                    self._become_h2()
            return http._GenericHTTPChannelProtocol.dataReceived(self, data)

        def _become_h2(self) -> None:
            old = self._channel
            producer = old._networkProducer
            producer.unregisterProducer()
            old.setTimeout(None)
            transport = old.transport
            self._channel = channel = _WholeAnswerH2()
            channel.requestFactory = self._requestFactory
            channel.site = self._site
            channel.factory = self._factory
            channel.timeOut = self._timeOut
            channel.callLater = self._callLater
            channel.makeConnection(transport)
            producer.registerProducer(channel, True)
            self._negotiatedProtocol = b"h2"

    def _channel_for(site) -> http._GenericHTTPChannelProtocol:
        return _DoHChannel(http.HTTPChannel())

else:
    _channel_for = http._genericHTTPChannelProtocolFactory


class _QuietSite(server.Site):
    """
    No HTTP access log: every query is in the query log already, and a line each costs.
    HTTP/2 connections answer through L{_WholeAnswerH2}.
    """

    protocol = _channel_for

    def log(self, request) -> None:
        pass


# The JSON form.


def _type_code(text: str) -> int:
    from dnsops.records import TYPES, type_code

    upper = text.strip().upper()
    if upper in TYPES:
        return type_code(upper)
    if upper in dns.REV_TYPES:
        return dns.REV_TYPES[upper]
    number = upper[4:] if upper.startswith("TYPE") else upper
    if number.isdigit() and 0 < int(number) < 65536:
        return int(number)
    raise UserError(f"invalid type '{text}'", "type")


def _flag(args: dict, key: bytes) -> bool:
    return args.get(key, [b""])[0].decode("ascii", "replace").lower() in ("1", "true")


def json_query(args: dict) -> bytes:
    """
    A wire query (ID 0, RD set) from the JSON form's C{name}, C{type}, C{cd} and C{do}.

    @raise UserError: for a missing or invalid name or type.
    """
    raw = args.get(b"name", [b""])[0].decode("utf-8", "replace").strip()
    if not raw:
        raise UserError("missing parameter 'name'", "name")
    name = "" if raw == "." else canonical_name(raw, "name")
    qtype = _type_code(args.get(b"type", [b"A"])[0].decode("ascii", "replace") or "A")
    flags = edns.RD | (edns.CD if _flag(args, b"cd") else 0)
    labels = [label.encode("ascii") for label in name.split(".") if label]
    question = edns.question_wire(labels, qtype, dns.IN)
    opt = edns.opt_wire(MAX_MESSAGE, 0, _flag(args, b"do"))
    return edns.HEADER.pack(0, flags, 1, 0, 0, 1) + question + opt


def _name(value) -> str:
    text = value.name.decode("ascii", "backslashreplace") if hasattr(value, "name") else str(value)
    return text.rstrip(".") + "."


def _strings(data) -> str:
    return " ".join('"' + s.decode("latin-1").replace("\\", "\\\\").replace('"', '\\"') + '"' for s in data)


def rdata_text(record: dns.RRHeader) -> str:
    """Presentation text of one record's data; unknown types in RFC 3597 form."""
    p = record.payload
    kind = record.type
    if kind == dns.A:
        return p.dottedQuad()
    if kind == dns.AAAA:
        return socket.inet_ntop(socket.AF_INET6, p.address)
    if kind in (dns.CNAME, dns.NS, dns.PTR, dns.DNAME):
        return _name(p.name)
    if kind == dns.MX:
        return f"{p.preference} {_name(p.name)}"
    if kind in (dns.TXT, dns.SPF):
        return _strings(p.data)
    if kind == dns.SOA:
        return f"{_name(p.mname)} {_name(p.rname)} {p.serial} {p.refresh} {p.retry} {p.expire} {p.minimum}"
    if kind == dns.SRV:
        return f"{p.priority} {p.weight} {p.port} {_name(p.target)}"
    if kind == dns.NAPTR:
        return (f"{p.order} {p.preference} {_strings([p.flags])} {_strings([p.service])} "
                f"{_strings([p.regexp])} {_name(p.replacement)}")
    data = getattr(p, "data", None)
    if not isinstance(data, bytes):
        from io import BytesIO

        out = BytesIO()
        p.encode(out)
        data = out.getvalue()
    return f"\\# {len(data)} {data.hex()}".rstrip()


def json_answer(wire: bytes) -> dict:
    """The answer in the JSON form Google's and Cloudflare's resolvers use."""
    message = dns.Message()
    message.fromStr(wire)
    flags = edns.parse_header(wire)[1]

    def records(section):
        return [
            {"name": _name(r.name), "type": r.type, "TTL": r.ttl, "data": rdata_text(r)}
            for r in section if r.type != dns.OPT
        ]

    out = {
        "Status": message.rCode, "TC": bool(message.trunc), "RD": bool(message.recDes),
        "RA": bool(message.recAv), "AD": bool(message.authenticData), "CD": bool(flags & edns.CD),
        "Question": [{"name": _name(q.name), "type": q.type} for q in message.queries],
    }
    for key, section in (("Answer", message.answers), ("Authority", message.authority),
                         ("Additional", message.additional)):
        rows = records(section)
        if rows:
            out[key] = rows
    return out
