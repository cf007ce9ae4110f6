# -*- test-case-name: tests.test_server -*-
"""
Per-client policy between the wire and the resolver chain: who may ask what, and how it is answered.

The resolver chain sees a question and a L{QueryContext}; everything that needs the raw message
or the client's address is decided here, once per query: dropping what is not a query,
NOTIMP for other opcodes, FORMERR, EDNS (RFC 6891) and BADVERS, the rate-limit hook, the
recursion ACL (which picks the C{recursive} or C{local} chain and the RA bit), CHAOS TXT,
the one map from failures to rcodes, truncation, the packet cache and the query-log hook.
Nothing a client sends may raise out of here: the edges log and carry on.
"""

import ipaddress
import struct
import time

from twisted.internet import defer
from twisted.logger import Logger
from twisted.names import dns, error, server

from dnsops import config
from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.server import edns, transfer
from dnsops.server import cookies as dns_cookies
from dnsops.server.packetcache import PacketCache

_log = Logger()

#: CHAOS TXT names and the config key whose value answers them (empty: REFUSED).
CHAOS_NAMES = {
    b"version.bind": "version_string",
    b"version.server": "version_string",
    b"hostname.bind": "server_id",
    b"id.server": "server_id",
}
MAX_MEMO = 100_000


def rcode_for(reason) -> tuple[int, bool]:
    """
    The one map from a failure out of the chain to an rcode; the bool says it was expected.

    A failure whose value has an integer C{rcode} attribute (L{dnsops.resolvers.outcomes})
    gives that rcode. A bare L{error.DomainError} means no layer took the name: REFUSED.
    Anything unexpected is a bug and gets SERVFAIL.
    """
    value = getattr(reason, "value", reason)
    rcode = getattr(value, "rcode", None)
    if isinstance(rcode, int):
        return rcode, True
    for kind, code in (
        ((error.DNSNameError, error.AuthoritativeDomainError), dns.ENAME),
        (error.DNSQueryRefusedError, dns.EREFUSED),
        (error.DNSNotImplementedError, dns.ENOTIMP),
        (error.DNSFormatError, dns.EFORMAT),
        ((error.DNSServerError, error.DNSUnknownError, error.DNSQueryTimeoutError, defer.TimeoutError, TimeoutError), dns.ESERVER),
        (error.DomainError, dns.EREFUSED),
    ):
        if isinstance(value, kind):
            return code, True
    return dns.ESERVER, False


class _NoIndex:
    """Stands in for a zone index when there is none: its generation never moves."""

    generation = 0

    def get(self, name: str) -> None:
        return None


class DNSServerFactory(server.DNSServerFactory):
    """
    Answer raw DNS messages from UDP, TCP, DoT and DoH with the resolver chains.

    Stream transports (L{dnsops.server.tcplimits}, L{dnsops.server.doh}) call L{handle};
    UDP comes through L{DNSDatagramProtocol}, which answers packet-cache hits itself.

    @ivar allow_query: C{allow_query(address) -> bool}, the rate-limit hook; None allows all.
    @ivar on_answer: C{on_answer(ctx, qname, qtype, rcode, answered_by, duration)}, the
        query-log hook; called for every answered query (duration 0.0 on packet-cache hits,
        which cost microseconds), None for no log. qname is lower-case text, qtype and
        rcode integers.
    @ivar packet_cache: answers kept as bytes; see L{dnsops.server.packetcache}.
    @ivar udp_contexts: client address -> its base L{QueryContext} for UDP, so the hot path
        knows the recursion bit without an ACL walk.
    @ivar stats: L{dnsops.querylog.Stats} (or None), for the zone-transfer counters; every
        other counter is fed by the query-log hook.
    """

    def __init__(
        self,
        chains,
        index=None,
        values: dict | None = None,
        packet_cache: PacketCache | None = None,
        allow_query=None,
        on_answer=None,
        clock=None,
        stats=None,
    ) -> None:
        server.DNSServerFactory.__init__(self)
        self.noisy = False
        self.chains = chains
        self.index = index if index is not None else _NoIndex()
        self.packet_cache = packet_cache if packet_cache is not None else PacketCache()
        self.allow_query = allow_query
        self.on_answer = on_answer
        self.clock = clock
        self.stats = stats
        #: The packet cache's expiry clock (forwarded entries): the reactor's time, as a bound method.
        self.now = clock.seconds if clock is not None else time.time
        # DNS cookies (RFC 7873): see dnsops.server.cookies; off without a clock.
        self.cookies = dns_cookies.ServerCookies(clock) if clock is not None else None
        self.udp_tables = (self.packet_cache.table("udp", False), self.packet_cache.table("udp", True))
        self.udp_contexts: dict[str, QueryContext] = {}
        self._recursion: dict[str, bool] = {}
        self.apply_config(values or {})

    def apply_config(self, values: dict) -> None:
        """
        Take new configuration (stored text, or values already parsed) into use at once.

        Drops the packet cache and the per-client memos, since any key may change answers.
        """
        if all(isinstance(v, str) for v in values.values()):
            values = config.effective(values)
        else:
            values = {**config.effective({}), **values}
        self.values = values
        self.edns_udp_size = int(values["edns_udp_size"])
        self.recursion_networks = tuple(values["allow_recursion"])
        self._recursion.clear()
        self.udp_contexts.clear()
        self.packet_cache.clear()

    def recursion_allowed(self, host: str) -> bool:
        """Whether C{host} is in C{allow_recursion} (memoised per address)."""
        allowed = self._recursion.get(host)
        if allowed is None:
            try:
                address = ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:
                address = None
            if address is not None and address.version == 6 and address.ipv4_mapped:
                address = address.ipv4_mapped
            allowed = address is not None and any(
                address in net for net in self.recursion_networks if net.version == address.version
            )
            if len(self._recursion) >= MAX_MEMO:
                self._recursion.clear()
            self._recursion[host] = allowed
        return allowed

    def handle(self, data: bytes, address: tuple, transport: str, write, allowed=None) -> None:
        """
        Answer one raw message from C{address}; C{write(bytes)} sends the answer back.

        @param allowed: the rate limiter's verdict when the caller already asked it.
        """
        try:
            self._handle(data, address, transport, write, allowed)
        except Exception:
            _log.failure("answering a {transport} query from {client}", transport=transport, client=address[0])

    def _handle(self, data, address, transport, write, allowed) -> None:
        started = time.perf_counter()
        if len(data) < 12:
            return
        msg_id, flags, qdcount, _, _, _ = edns.parse_header(data)
        if flags & edns.QR:
            return
        host = address[0]
        if allowed is None:
            allowed = self.allow_query is None or self.allow_query(host)
        opcode = (flags >> 11) & 0xF
        if opcode != dns.OP_QUERY:
            rcode = transfer.NOTAUTH if opcode in (dns.OP_NOTIFY, dns.OP_UPDATE) else dns.ENOTIMP
            write(self._error_reply(data, msg_id, opcode, rcode, flags, _question_if_parsable(data, qdcount)))
            return
        try:
            query = edns.parse_query(data)
        except edns.MalformedQuery:
            question = _question_if_parsable(data, qdcount) if qdcount == 1 else b""
            write(self._error_reply(data, msg_id, opcode, dns.EFORMAT, flags, question))
            return
        recursion = self.recursion_allowed(host)
        ecs = query.edns.client_subnet() if query.edns is not None else None
        do = query.edns is not None and query.edns.do
        ctx = QueryContext(host, transport, ecs, do, recursion)
        if transport == "udp" and len(self.udp_contexts) < MAX_MEMO:
            self.udp_contexts[host] = QueryContext(host, "udp", None, False, recursion)
        stream_write = write
        # --- DNS cookies (RFC 7873 / 9018), dnsops.server.cookies ---
        cookie = self.cookies.check(query.edns.options, host) if self.cookies and query.edns else None
        if cookie is not None:
            if cookie.malformed:
                write(self._error_reply(data, msg_id, opcode, dns.EFORMAT, flags, _question_if_parsable(data, qdcount)))
                return
            write = dns_cookies.answering_with(write, cookie.reply, self._limit(query, transport))
            data = dns_cookies.without_cookie(data)
            if transport == "udp" and cookie.valid:
                allowed = True
            elif transport == "udp" and not allowed:
                bad = Resolution(rcode=dns_cookies.BADCOOKIE, answered_by="rate-limited")
                self._send(bad, query, ctx, write, data, None, started)
                return
        # --- end DNS cookies ---
        if query.edns is not None and query.edns.version > 0:
            self._send(Resolution(rcode=dns.EBADVERSION, answered_by="refused"), query, ctx, write, data, None, started)
        elif not allowed:
            self._send(Resolution(rcode=dns.EREFUSED, answered_by="rate-limited"), query, ctx, write, data, None, started)
        elif query.qclass == dns.CH:
            self._send(self._chaos(query), query, ctx, write, data, None, started)
        elif query.qclass not in (dns.IN, dns.ANY):
            # QCLASS * (RFC 1035 section 3.2.5) matches our IN data, as Knot and BIND answer it.
            self._send(Resolution(rcode=dns.EREFUSED, answered_by="refused"), query, ctx, write, data, None, started)
        elif query.qtype in transfer.TYPES:
            transfer.answer(
                self, query, ctx, lambda resolution: self._send(resolution, query, ctx, write, data, None, started),
                stream_write, cookie.reply if cookie is not None else None, started,
            )
        else:
            self._resolve(query, ctx, write, data, started)

    def _error_reply(self, data: bytes, msg_id: int, opcode: int, rcode: int, flags: int, question: bytes) -> bytes:
        """
        A reply with no records (NOTIMP, FORMERR), with our OPT when the query carried one.

        RFC 6891 section 6.1.1: a responder that got an OPT record includes one in its reply; only
        a query whose single OPT record reads gets one, as Knot does (two OPT records: none).
        """
        reply_flags = edns.header_flags(opcode, rcode, flags, False, False)
        do = _client_do(data)
        if do is None:
            return edns.header_only(msg_id, reply_flags, question)
        return (edns.HEADER.pack(msg_id, reply_flags, 1 if question else 0, 0, 0, 1)
                + question + edns.opt_wire(self.edns_udp_size, rcode, do))

    def _resolve(self, query, ctx, write, data, started) -> None:
        cache = self.packet_cache
        generation = self.index.generation
        if cache.generation != generation:
            cache.reset(generation)
        entry = cache.get(ctx.transport, ctx.recursion_allowed, data[2:], self.now())
        if entry is not None:
            write(data[:2] + entry[0])
            if self.on_answer is not None:
                self.on_answer(ctx, entry[1], entry[2], entry[3], entry[4], 0.0)
            return
        chain = self.chains.recursive if ctx.recursion_allowed else self.chains.local
        question = dns.Query(_lookup_name(query).lower(), query.qtype, dns.IN)
        try:
            result = chain.resolve(question, ctx)
        except Exception as e:
            result = defer.fail(e)
        if isinstance(result, defer.Deferred):
            result.addErrback(self._failed, ctx)
            result.addCallback(self._send, query, ctx, write, data, generation, started)
            result.addErrback(lambda f: _log.failure("sending an answer to {client}", f, client=ctx.client))
        else:
            self._send(result, query, ctx, write, data, generation, started)

    def _failed(self, reason, ctx: QueryContext) -> Resolution:
        rcode, expected = rcode_for(reason)
        if not expected:
            _log.failure("resolving a query from {client}", reason, client=ctx.client)
        default = "refused" if rcode == dns.EREFUSED else ("upstream" if ctx.recursion_allowed else "authoritative")
        return Resolution(rcode=rcode, answered_by=getattr(reason.value, "answered_by", default))

    def _send(self, resolution, query, ctx, write, data, generation, started) -> None:
        """
        Encode C{resolution} for C{query}, send it, keep it in the packet cache when allowed.

        @param generation: the index generation the answer was made from, or None when it
            must not be cached.
        """
        rcode = resolution.rcode
        aa = resolution.authoritative and rcode in (dns.OK, dns.ENAME)
        flags = edns.header_flags(dns.OP_QUERY, rcode, query.flags, aa, ctx.recursion_allowed)
        answer, authority, additional = resolution.answer, resolution.authority, resolution.additional
        if rcode == dns.EBADVERSION:
            answer = authority = additional = []
        options = b""
        if ctx.ecs is not None and query.edns is not None:
            scope = ctx.ecs.prefixlen if resolution.by_client_subnet else 0
            options = edns.ecs_option(ctx.ecs, scope)
        wire = edns.encode_response(
            query, flags, _query_case(answer, query), authority, additional,
            self._limit(query, ctx.transport), self.edns_udp_size, rcode, options,
        )
        write(wire)
        qname = query.qname.decode("ascii", "backslashreplace").lower()
        if generation is not None and (resolution.cacheable or resolution.cache_for > 0):
            if resolution.cacheable:
                entry = (wire[2:], qname, query.qtype, rcode, resolution.answered_by, None, None)
            else:
                # A forwarded answer, repeated briefly: from then on it is a cache answer.
                entry = (wire[2:], qname, query.qtype, rcode, "cache",
                         self.now() + resolution.cache_for, resolution.hit_counter)
            self.packet_cache.put(ctx.transport, ctx.recursion_allowed, generation, data[2:], entry)
        if self.on_answer is not None:
            duration = time.perf_counter() - started if started is not None else 0.0
            self.on_answer(ctx, qname, query.qtype, rcode, resolution.answered_by, duration)

    def _limit(self, query, transport: str) -> int:
        """The largest answer the client can take: RFC 6891 section 6.2.5 for UDP."""
        if transport != "udp":
            return 65535
        if query.edns is None:
            return 512
        return min(max(query.edns.udp_size, 512), self.edns_udp_size)

    def _chaos(self, query) -> Resolution:
        """CHAOS TXT version.bind and friends, as Knot answers them: TTL 0, no AA."""
        key = CHAOS_NAMES.get(query.qname.lower())
        text = self.values.get(key, "") if key else ""
        if query.qtype != dns.TXT or not text:
            return Resolution(rcode=dns.EREFUSED, answered_by="refused")
        record = dns.RRHeader(query.qname, dns.TXT, dns.CH, 0, dns.Record_TXT(text.encode("utf-8")[:255]))
        return Resolution(answer=[record], answered_by="authoritative")


def _lookup_name(query) -> bytes:
    """
    The question name as the zones and layers look it up: dotted text, lower and upper case kept.

    A label may hold any octet (RFC 1035 section 3.1, RFC 2181 section 11), a dot included:
    C{a\\.b.example.com} is two labels below C{example.com}, not C{a.b.example.com}. Joining such
    labels with dots would answer for another name, so a dot (and a backslash, so that the result
    stays unambiguous) inside a label is written as a decimal escape, which no stored name holds.
    """
    labels = query.labels
    if not any(b"." in label for label in labels):
        return query.qname
    return b".".join(label.replace(b"\\", b"\\092").replace(b".", b"\\046") for label in labels)


class _LabelsName(dns.Name):
    """A name written on the wire label by label as received (labels with dots in them too)."""

    def __init__(self, labels: list) -> None:
        dns.Name.__init__(self, b".".join(labels))
        self.labels = labels

    def encode(self, strio, compDict=None) -> None:
        # Uncompressed and never a compression target: Twisted keys its table by dotted text.
        for label in self.labels:
            strio.write(bytes((len(label),)) + label)
        strio.write(b"\0")


def _query_case(records: list, query) -> list:
    """
    Records owned by the question name, renamed to the name exactly as the client asked it: its
    case (as Knot does, for 0x20 resolvers) and its labels.
    """
    lookup = _lookup_name(query)
    lower = lookup.lower()
    if lookup == query.qname:
        if lookup == lower:
            return records
        owner = query.qname
    else:
        owner = _LabelsName(query.labels)
    out = []
    for record in records:
        if record.name.name.lower() == lower:
            renamed = dns.RRHeader(lower, record.type, record.cls, record.ttl, record.payload, record.auth)
            renamed.name = owner if isinstance(owner, dns.Name) else dns.Name(owner)
            record = renamed
        out.append(record)
    return out


def _client_do(data: bytes) -> bool | None:
    """
    The DO bit of the query's OPT record, read leniently for error replies; None when the query
    has no OPT record, more than one, one outside the additional section or not owned by the
    root, or when the records do not read.
    """
    try:
        _, _, qdcount, ancount, nscount, arcount = edns.parse_header(data)
        offset = 12
        for _ in range(qdcount):
            _, offset = edns.read_name(data, offset)
            offset += 4
        found = None
        for i in range(ancount + nscount + arcount):
            owner, offset = edns.read_name(data, offset)
            rtype, _, ttl, rdlength = edns.RR_FIXED.unpack_from(data, offset)
            offset += 10 + rdlength
            if offset > len(data):
                return None
            if rtype == edns.TYPE_OPT:
                if i < ancount + nscount or owner or found is not None:
                    return None
                found = bool(ttl & 0x8000)
        return found
    except (edns.MalformedQuery, struct.error):
        return None


def _question_if_parsable(data: bytes, qdcount: int) -> bytes:
    """The first question as wire bytes, or nothing when there is none or it does not read."""
    if qdcount < 1:
        return b""
    try:
        labels, qtype, qclass, _ = edns.parse_question(data)
    except (edns.MalformedQuery, ValueError):
        return b""
    return edns.question_wire(labels, qtype, qclass)


class DNSDatagramProtocol(dns.DNSDatagramProtocol):
    """
    DNS over UDP, with the packet-cache hit done right here: one dict lookup, one concat, sendto.

    Everything else (misses, rate-limited clients, first queries from a client) goes to
    L{DNSServerFactory.handle}.
    """

    noisy = False

    def startProtocol(self) -> None:
        dns.DNSDatagramProtocol.startProtocol(self)
        self._sendto = self.transport.socket.sendto

    def datagramReceived(self, data: bytes, addr) -> None:
        factory = self.controller
        try:
            host = addr[0]
            allow = factory.allow_query
            allowed = allow is None or allow(host)
            ctx = factory.udp_contexts.get(host)
            if allowed and ctx is not None:
                cache = factory.packet_cache
                if cache.generation == factory.index.generation:
                    entry = factory.udp_tables[ctx.recursion_allowed].get(data[2:])
                    expires = entry[5] if entry is not None else None
                    if expires is not None and factory.now() >= expires:
                        entry = None
                    if entry is not None:
                        cache.hits += 1
                        if expires is not None and entry[6] is not None:
                            entry[6].hits += 1
                        try:
                            self._sendto(data[:2] + entry[0], addr)
                        except OSError:
                            return
                        hook = factory.on_answer
                        if hook is not None:
                            hook(ctx, entry[1], entry[2], entry[3], entry[4], 0.0)
                        return
            factory.handle(data, addr, "udp", lambda wire: self._send(wire, addr), allowed)
        except Exception:
            _log.failure("answering a udp query from {client}", client=addr[0])

    def _send(self, wire: bytes, addr) -> None:
        try:
            self._sendto(wire, addr)
        except OSError as e:
            _log.debug("udp send to {client} failed: {error}", client=addr[0], error=e)
