# -*- test-case-name: tests.test_server -*-
"""
Queries and answers on the wire: the header, the question, EDNS (RFC 6891) and truncation.

Twisted's L{twisted.names.dns.Message} reads a cut-off message without complaint and
truncates answers by slicing bytes, so the strict reading a server needs (FORMERR for what
does not parse, one OPT at most, nothing after the last record) and RFC 2181 section 9
truncation (whole records, additional first) are done here. Records themselves are still
encoded by Twisted's L{twisted.names.dns.RRHeader}.
"""

import ipaddress
import struct
from dataclasses import dataclass, field
from io import BytesIO
from typing import Iterator, NamedTuple

HEADER = struct.Struct("!HHHHHH")
RR_FIXED = struct.Struct("!HHIH")
TYPE_OPT = 41
OPTION_ECS = 8
MAX_POINTERS = 32

QR, AA, TC, RD, RA, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0010


class MalformedQuery(ValueError):
    """The message cannot be read as a query: answered with FORMERR when its header can be."""


@dataclass(slots=True)
class Edns:
    """
    The client's OPT record.

    @ivar udp_size: the payload size the client can reassemble (not yet raised to 512).
    @ivar flags: the 16 flag bits of the OPT TTL (DO is 0x8000).
    @ivar options: (code, data) pairs, in order.
    """

    udp_size: int = 512
    version: int = 0
    flags: int = 0
    options: list = field(default_factory=list)

    @property
    def do(self) -> bool:
        return bool(self.flags & 0x8000)

    def client_subnet(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        """The EDNS Client Subnet (RFC 7871) the query carried, if a well-formed one."""
        for code, data in self.options:
            if code == OPTION_ECS:
                return _parse_ecs(data)
        return None


@dataclass(slots=True)
class ParsedQuery:
    """
    A query read strictly from the wire.

    @ivar labels: the question name's labels in the case the client sent.
    @ivar qname: the dotted question name as sent (case kept).
    """

    id: int
    flags: int
    labels: list
    qname: bytes
    qtype: int
    qclass: int
    edns: Edns | None = None

    @property
    def opcode(self) -> int:
        return (self.flags >> 11) & 0xF


def read_name(data: bytes, offset: int) -> tuple[list, int]:
    """
    Read a possibly compressed name; return its labels and the offset after it.

    @raise MalformedQuery: on a cut-off name, a pointer loop, an extended label type or
        a name longer than 255 octets.
    """
    labels = []
    length = 1
    end = None
    hops = 0
    size = len(data)
    while True:
        if offset >= size:
            raise MalformedQuery("name runs past the end")
        byte = data[offset]
        if byte == 0:
            offset += 1
            break
        kind = byte & 0xC0
        if kind == 0xC0:
            if offset + 1 >= size:
                raise MalformedQuery("pointer runs past the end")
            hops += 1
            if hops > MAX_POINTERS:
                raise MalformedQuery("too many compression pointers")
            if end is None:
                end = offset + 2
            target = ((byte & 0x3F) << 8) | data[offset + 1]
            if target >= offset:
                raise MalformedQuery("forward compression pointer")
            offset = target
            continue
        if kind:
            raise MalformedQuery("unknown label type")
        label = data[offset + 1 : offset + 1 + byte]
        if len(label) != byte:
            raise MalformedQuery("label runs past the end")
        length += byte + 1
        if length > 255:
            raise MalformedQuery("name longer than 255 octets")
        labels.append(label)
        offset += byte + 1
    return labels, (end if end is not None else offset)


def parse_header(data: bytes) -> tuple[int, int, int, int, int, int]:
    """(id, flags, qdcount, ancount, nscount, arcount); the caller checks len >= 12."""
    return HEADER.unpack_from(data)


class RecordSpan(NamedTuple):
    """Where one resource record lies in a message: C{data[start:end]}, its data from C{rdata_at}."""

    start: int
    rtype: int
    ttl: int
    rdata_at: int
    end: int


def walk_records(data: bytes, sections: int = 3) -> Iterator[RecordSpan]:
    """
    Every resource record after the question, in order, without decoding any record data.

    @param sections: how many sections to walk: 1 answer, 2 with authority, 3 with additional.
    @raise MalformedQuery: (from the iteration) when a name does not read.
    @raise struct.error: (from the iteration) when the header or a record's fixed part is cut off.
    """
    _, _, qdcount, ancount, nscount, arcount = parse_header(data)
    offset = 12
    for _ in range(qdcount):
        _, offset = read_name(data, offset)
        offset += 4
    for _ in range((ancount, ancount + nscount, ancount + nscount + arcount)[sections - 1]):
        start = offset
        _, offset = read_name(data, offset)
        rtype, _, ttl, rdlength = RR_FIXED.unpack_from(data, offset)
        rdata_at = offset + 10
        offset = rdata_at + rdlength
        yield RecordSpan(start, rtype, ttl, rdata_at, offset)


def parse_question(data: bytes) -> tuple[list, int, int, int]:
    """The first question: (labels, qtype, qclass, offset after it)."""
    labels, offset = read_name(data, 12)
    if offset + 4 > len(data):
        raise MalformedQuery("question runs past the end")
    qtype, qclass = struct.unpack_from("!HH", data, offset)
    return labels, qtype, qclass, offset + 4


def parse_query(data: bytes) -> ParsedQuery:
    """
    Read a whole QUERY message: one question, records after it walked, one OPT at most.

    @raise MalformedQuery: for anything a FORMERR answers.
    """
    msg_id, flags, qdcount, ancount, nscount, arcount = HEADER.unpack_from(data)
    if qdcount != 1:
        raise MalformedQuery("QDCOUNT is not 1")
    labels, qtype, qclass, offset = parse_question(data)
    edns = None
    for section, count in ((1, ancount), (2, nscount), (3, arcount)):
        for _ in range(count):
            owner, offset = read_name(data, offset)
            if offset + 10 > len(data):
                raise MalformedQuery("record runs past the end")
            rtype, rclass, ttl, rdlength = RR_FIXED.unpack_from(data, offset)
            offset += 10
            rdata = data[offset : offset + rdlength]
            if len(rdata) != rdlength:
                raise MalformedQuery("rdata runs past the end")
            offset += rdlength
            if rtype == TYPE_OPT:
                if section != 3 or edns is not None or owner:
                    raise MalformedQuery("misplaced or repeated OPT record")
                edns = Edns(rclass, (ttl >> 16) & 0xFF, ttl & 0xFFFF, _parse_options(rdata))
    if offset != len(data):
        raise MalformedQuery("data after the last record")
    return ParsedQuery(msg_id, flags, labels, b".".join(labels), qtype, qclass, edns)


def _parse_options(rdata: bytes) -> list:
    options = []
    offset = 0
    while offset < len(rdata):
        if offset + 4 > len(rdata):
            raise MalformedQuery("EDNS option header runs past the end")
        code, length = struct.unpack_from("!HH", rdata, offset)
        value = rdata[offset + 4 : offset + 4 + length]
        if len(value) != length:
            raise MalformedQuery("EDNS option runs past the end")
        options.append((code, value))
        offset += 4 + length
    return options


def _parse_ecs(data: bytes):
    if len(data) < 4:
        return None
    family, source, _scope = struct.unpack_from("!HBB", data)
    width = {1: 4, 2: 16}.get(family)
    if width is None or source > width * 8:
        return None
    address = data[4:].ljust(width, b"\0")[:width]
    try:
        return ipaddress.ip_network((ipaddress.ip_address(address), source), strict=False)
    except ValueError:
        return None


def question_wire(labels: list, qtype: int, qclass: int) -> bytes:
    """The question section for C{labels} (case kept), without compression."""
    return (
        b"".join(bytes((len(label),)) + label for label in labels)
        + b"\0"
        + struct.pack("!HH", qtype, qclass)
    )


def opt_wire(udp_size: int, rcode: int, do: bool, options: bytes = b"") -> bytes:
    """The server's OPT: version 0, only DO copied, extended rcode bits, C{options} (wire)."""
    ttl = ((rcode >> 4) << 24) | (0x8000 if do else 0)
    return b"\0" + RR_FIXED.pack(TYPE_OPT, udp_size, ttl, len(options)) + options


def ecs_option(subnet, scope: int) -> bytes:
    """
    The EDNS Client Subnet option of a reply (RFC 7871 section 7.2.1): the query's family,
    source prefix and address, with C{scope} the prefix length the answer is valid for (0: the
    answer is the same for every client).
    """
    family = 1 if subnet.version == 4 else 2
    source = subnet.prefixlen
    address = subnet.network_address.packed[: (source + 7) // 8]
    data = struct.pack("!HBB", family, source, scope) + address
    return struct.pack("!HH", OPTION_ECS, len(data)) + data


def header_flags(opcode: int, rcode: int, query_flags: int, aa: bool, ra: bool) -> int:
    """Response flags: QR, the opcode, RD and CD copied, Z and AD zero."""
    flags = QR | (opcode << 11) | (query_flags & (RD | CD)) | (rcode & 0xF)
    if aa:
        flags |= AA
    if ra:
        flags |= RA
    return flags


def header_only(msg_id: int, flags: int, question: bytes = b"") -> bytes:
    """A reply with no records: FORMERR, NOTIMP, and the like."""
    return HEADER.pack(msg_id, flags, 1 if question else 0, 0, 0, 0) + question


def encode_response(
    query: ParsedQuery,
    flags: int,
    answer: list,
    authority: list,
    additional: list,
    limit: int,
    edns_size: int,
    rcode: int,
    options: bytes = b"",
) -> bytes:
    """
    Encode an answer to C{query}, truncated to C{limit} octets per RFC 2181 section 9.

    Additional records are dropped first, from the end, whole RRsets at a time, without TC;
    a referral that loses its glue, or an answer whose answer and authority do not fit,
    gets TC=1 with only the question (and OPT) left, as Knot does.

    @param flags: header flags without TC (see L{header_flags}).
    @param edns_size: the payload size our OPT advertises (only used when the query had OPT).
    @param options: EDNS options of our OPT, as wire (the ECS echo).
    """
    question = question_wire(query.labels, query.qtype, query.qclass)
    opt = opt_wire(edns_size, rcode, query.edns.do, options) if query.edns is not None else b""
    body = BytesIO()
    body.write(question)
    comp = _question_compression(query.labels)
    ends = []
    for section in (answer, authority, additional):
        for record in section:
            record.encode(body, comp)
            ends.append(body.tell())
    data = body.getvalue()
    counts = [len(answer), len(authority), len(additional)]
    if 12 + len(data) + len(opt) <= limit:
        return _assemble(query.id, flags, counts, data, opt)
    kept_before_additional = counts[0] + counts[1]
    core_end = ends[kept_before_additional - 1] if kept_before_additional else len(question)
    referral = not answer and not (flags & AA) and any(r.type == 2 for r in authority)
    if 12 + core_end + len(opt) <= limit and not referral:
        keep = _additional_that_fits(additional, ends[kept_before_additional:], limit - 12 - len(opt))
        cut = ends[kept_before_additional + keep - 1] if keep else core_end
        return _assemble(query.id, flags, [counts[0], counts[1], keep], data[:cut], opt)
    return _assemble(query.id, flags | TC, [0, 0, 0], question, opt)


def _additional_that_fits(additional: list, ends: list, room: int) -> int:
    """How many additional records to keep: whole RRsets only, in order."""
    keep = 0
    for i, end in enumerate(ends):
        if end > room:
            break
        following = additional[i + 1] if i + 1 < len(additional) else None
        current = additional[i]
        if following is None or (following.name, following.type) != (current.name, current.type):
            keep = i + 1
    return keep


def _assemble(msg_id: int, flags: int, counts: list, body: bytes, opt: bytes) -> bytes:
    header = HEADER.pack(msg_id, flags, 1, counts[0], counts[1], counts[2] + (1 if opt else 0))
    return header + body + opt


def _question_compression(labels: list) -> dict:
    """Twisted's compression table seeded with the question name's suffixes (offset 12 on)."""
    comp = {}
    if any(b"." in label for label in labels):
        return comp
    offset = 12
    for i in range(len(labels)):
        comp[b".".join(labels[i:])] = offset
        offset += len(labels[i]) + 1
    return comp
