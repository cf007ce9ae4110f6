# -*- test-case-name: tests.test_transfer -*-
"""
Zone transfers out: AXFR (RFC 5936), and IXFR (RFC 1995) answered with the whole zone.

The manual's rules: C{axfr_allow} lists the networks that may transfer a zone; when it is empty
every transfer is REFUSED, and a transfer over UDP is always refused. An allowed transfer is the
SOA, every enabled record of the zone, the SOA again, split over as many messages as it takes
(RFC 5936 section 2.2), each at most L{MESSAGE_SIZE} octets, as Knot sends them. dnsops
keeps no change history, so an IXFR gets that same full answer, which RFC 1995 section 4 allows
("If incremental zone transfer is not available, the entire zone is returned"). Records and
messages are made lazily, one message at a time, so a large zone is never held encoded whole.
The server factory hands every transfer query to L{answer}. Pure: no reactor.
"""

import ipaddress
import struct
import time
from collections.abc import Iterable, Iterator
from io import BytesIO

from twisted.logger import Logger
from twisted.names import dns

from dnsops import records as rdata_types
from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.server import cookies as dns_cookies
from dnsops.server import edns
from dnsops.zoneindex.index import Zone, type_name

_log = Logger()

AXFR = 252
IXFR = 251
#: The question types that ask for a transfer rather than an answer.
TYPES = frozenset((AXFR, IXFR))
#: Transports a transfer may use: streams that can carry several messages for one query.
STREAMS = frozenset(("tcp", "dot"))

#: A message is closed before it passes this many octets (Knot sends 16 KiB messages too).
MESSAGE_SIZE = 16384
#: No message may pass this: two octets of length frame it on a stream (RFC 1035 4.2.2).
MAX_MESSAGE = 65535

#: RFC 2136 / RFC 5936 NOTAUTH: not authoritative for the zone named; also what Knot answers
#: to NOTIFY and UPDATE it is not configured to take.
NOTAUTH = 9


class RecordTooLarge(ValueError):
    """One record does not fit in a message of L{MAX_MESSAGE} octets even on its own."""


def allowed(host: str, networks) -> bool:
    """Whether the client address C{host} is in one of C{networks} (the parsed C{axfr_allow})."""
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in networks if net.version == address.version)


def answer(factory, query, ctx: QueryContext, send, stream_write, cookie: bytes | None, started: float) -> None:
    """
    AXFR or IXFR: REFUSED over UDP and DoH and for clients outside C{axfr_allow} (the
    manual), NOTAUTH for a name that is not one of our apexes (RFC 5936 section 2.2.1), else
    the whole zone in as many messages as it takes (L{messages}).

    @param factory: the L{dnsops.server.factory.DNSServerFactory} answering: its C{values},
        C{stats}, C{index}, C{edns_udp_size}, C{on_answer} and C{clock}.
    @param send: C{send(resolution)} answers in one message, through the answer path with our
        DNS cookie in it (the refusals).
    @param stream_write: the stream's own C{write(wire, last)}, which takes several messages
        for one query (L{dnsops.server.tcplimits}); our cookie goes in each message's OPT.
    @param cookie: our COOKIE option's data when the query carried a client cookie.
    @param started: C{time.perf_counter()} when the query came in, for the query log.
    """
    denied = ctx.transport not in STREAMS or not allowed(ctx.client, factory.values.get("axfr_allow", ()))
    if factory.stats is not None:
        factory.stats.count_transfer(denied)
    if denied:
        send(Resolution(rcode=dns.EREFUSED, answered_by="refused"))
        return
    zone = factory.index.get(query.qname.lower().decode("latin-1"))
    records = zone_records(zone) if zone is not None else None
    if records is None:
        send(Resolution(rcode=NOTAUTH, answered_by="refused"))
        return
    options = b""
    if cookie is not None:
        options = struct.pack("!HH", dns_cookies.OPTION_COOKIE, len(cookie)) + cookie
    opt = edns.opt_wire(factory.edns_udp_size, dns.OK, query.edns.do, options) if query.edns is not None else b""
    flags = edns.header_flags(dns.OP_QUERY, dns.OK, query.flags, True, ctx.recursion_allowed)
    question = edns.question_wire(query.labels, query.qtype, query.qclass)
    wires = messages(records, query.id, flags, question, query.labels, opt)
    _log.info("zone transfer of {zone} to {client} over {transport}",
              zone=zone.name, client=ctx.client, transport=ctx.transport)

    def finished(rcode: int) -> None:
        if factory.on_answer is not None:
            qname = query.qname.decode("ascii", "backslashreplace").lower()
            factory.on_answer(ctx, qname, query.qtype, rcode, "authoritative", time.perf_counter() - started)

    def failed() -> None:
        _log.failure("transferring {zone} to {client}", zone=zone.name, client=ctx.client)
        fail_flags = edns.header_flags(dns.OP_QUERY, dns.ESERVER, query.flags, False, ctx.recursion_allowed)
        stream_write(edns.header_only(query.id, fail_flags, question))
        finished(dns.ESERVER)

    MessageStream(wires, stream_write, factory.clock, finished, failed).next_message()


def zone_records(zone: Zone) -> Iterator | None:
    """
    The records of a full transfer of C{zone}: SOA, every other enabled record, SOA.

    Each record keeps its own stored TTL (a transfer copies the zone, it does not answer a
    question). Disabled records are left out: a secondary serves what this server serves.
    The zone version is immutable, so the records come from one version even while a newer
    one is loaded during the transfer.

    @return: an iterator of C{RRHeader}s, or None when the zone has no enabled SOA to frame
        them with.
    """
    apex = zone.name
    soa = next((row for row in zone.rrset(apex, dns.SOA) if row[4]), None)
    if soa is None:
        return None
    first = dns.RRHeader(apex.encode("latin-1"), dns.SOA, dns.IN, soa[0], _payload(dns.SOA, soa[1]), auth=True)
    return _framed(zone, first)


def _framed(zone: Zone, soa) -> Iterator:
    yield soa
    apex = zone.name
    for name in sorted(zone.nodes, key=_canonical_order):
        node = zone.nodes[name]
        encoded = name.encode("latin-1")
        for i in range(0, len(node), 2):
            code = node[i]
            if code == dns.SOA and name == apex:
                continue
            for row in node[i + 1]:
                if row[4]:
                    yield dns.RRHeader(encoded, code, dns.IN, row[0], _payload(code, row[1]), auth=True)
    yield soa


def _payload(code: int, rdata: str):
    # Not Zone.payload: its small LRU serves hot answers, and a transfer would only flush it.
    return rdata_types.to_wire_record(type_name(code), rdata)


def messages(
    records: Iterable,
    msg_id: int,
    flags: int,
    question: bytes,
    labels: list,
    opt: bytes = b"",
    size: int = MESSAGE_SIZE,
) -> Iterator[bytes]:
    """
    Encode C{records} as a stream of answer messages, each closed before it passes C{size} octets.

    Every message carries the question and our OPT (C{opt}, when the query had one), as Knot
    sends them, and its own compression table: a pointer may only point into its own message.
    A record that does not fit in what is left of a message starts the next one.

    @param flags: the header flags of every message (see L{edns.header_flags}).
    @param question: the question section as wire, C{labels} its name as asked (case kept).
    @raise RecordTooLarge: (from the iteration) when one record cannot fit in any message.
    """
    fixed = 12 + len(opt)
    body, comp = _start(question, labels)
    count = 0
    for record in records:
        mark = body.tell()
        _encode(record, body, comp)
        if count and fixed + body.tell() > size:
            body.seek(mark)
            body.truncate()
            yield _message(msg_id, flags, count, body, opt)
            body, comp = _start(question, labels)
            count = 0
            _encode(record, body, comp)
        if fixed + body.tell() > MAX_MESSAGE:
            raise RecordTooLarge(f"record {record.name} type {record.type} needs more than {MAX_MESSAGE} octets")
        count += 1
    yield _message(msg_id, flags, count, body, opt)


def _encode(record, body: BytesIO, comp: dict) -> None:
    try:
        record.encode(body, comp)
    except struct.error:
        # Twisted cannot write an rdata length above 65535 octets.
        raise RecordTooLarge(f"record {record.name} type {record.type} needs more than {MAX_MESSAGE} octets")


def _start(question: bytes, labels: list) -> tuple[BytesIO, dict]:
    """A message body holding the question, and Twisted's compression table seeded with it."""
    body = BytesIO()
    body.write(question)
    comp = {}
    if not any(b"." in label for label in labels):
        offset = 12
        for i in range(len(labels)):
            comp[b".".join(labels[i:])] = offset
            offset += len(labels[i]) + 1
    return body, comp


def _message(msg_id: int, flags: int, count: int, body: BytesIO, opt: bytes) -> bytes:
    header = edns.HEADER.pack(msg_id, flags, 1, count, 0, 1 if opt else 0)
    return header + body.getvalue() + opt


class MessageStream:
    """
    Write a transfer's messages to a stream one at a time, each once the connection can take it.

    One message per reactor turn, so other queries are answered during a long transfer, and
    the next only when the stream's send buffer has room (its C{write(wire, False)} returns a
    Deferred firing True then, or False when the connection is gone), so a slow secondary
    never makes us hold more than a buffer's worth of the zone.

    @ivar write: the stream's C{write(wire, last=True)} (L{dnsops.server.tcplimits}).
    @ivar clock: an C{IReactorTime}; None writes every message at once (no flow control).
    @ivar finished: called with the rcode once the last message is written or the connection
        has gone; C{failed}: called (in an C{except} block) when making a message failed, to
        end the answer with an error.
    """

    def __init__(self, wires: Iterator[bytes], write, clock, finished, failed) -> None:
        self.wires = wires
        self.write = write
        self.clock = clock
        self.finished = finished
        self.failed = failed
        self._next: bytes | None = None

    def next_message(self, ready: bool = True) -> None:
        """Write the next message (the last with C{last=True}), unless the connection is gone."""
        try:
            while True:
                if not ready:
                    self.wires.close()
                    self.finished(dns.OK)
                    return
                wire = self._next if self._next is not None else next(self.wires)
                self._next = next(self.wires, None)
                if self._next is None:
                    self.write(wire)
                    self.finished(dns.OK)
                    return
                writable = self.write(wire, False)
                if self.clock is not None:
                    writable.addCallback(self._later)
                    return
        except Exception:
            self.failed()

    def _later(self, ready: bool) -> None:
        self.clock.callLater(0, self.next_message, ready)


def _canonical_order(name: str) -> tuple:
    """Names sorted label by label from the right (RFC 4034 6.1), so the apex comes first."""
    return tuple(reversed(name.split("."))) if name else ()
