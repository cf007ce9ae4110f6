# -*- test-case-name: tests.test_records -*-
"""
Record types: validation of rdata text and its encoding for the wire; the one list of supported types.

Rdata is stored as canonical text (see L{parse_rdata}) and encoded only when answering, so
every writer (CLI, REST, zone import) goes through the same parser and the same wording.
"""

import re
from dataclasses import dataclass
from typing import Callable

from twisted.names import dns

from dnsops.errors import InvalidInput
from dnsops.records import addresses, caa, naptr, soa, targets, text
from dnsops.records.fields import bad


def _same(rdata: str) -> str:
    """Rdata that a zone file writes as it is stored (no names inside)."""
    return rdata


def _none(rdata: str) -> list[str]:
    """Rdata with no names whose addresses belong in the additional section."""
    return []


@dataclass(frozen=True)
class RecordType:
    """
    Everything dnsops knows about one record type.

    @ivar parse: (text, origin) -> canonical rdata text.
    @ivar wire: (canonical rdata, ttl) -> C{twisted.names.dns} payload.
    @ivar from_wire: wire rdata bytes -> rdata text that C{parse} accepts (RFC 3597 input).
    @ivar presentation: canonical rdata -> zone-file rdata (names absolute, with dots).
    @ivar targets: canonical rdata -> names whose A/AAAA go in the additional section.
    """

    name: str
    code: int
    parse: Callable[[str, str | None], str]
    wire: Callable[[str, int], object]
    from_wire: Callable[[bytes], str]
    presentation: Callable[[str], str] = _same
    targets: Callable[[str], list[str]] = _none


TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
        RecordType("A", dns.A, addresses.parse_a, addresses.wire_a, addresses.a_from_wire),
        RecordType("AAAA", dns.AAAA, addresses.parse_aaaa, addresses.wire_aaaa,
                   addresses.aaaa_from_wire),
        RecordType("CNAME", dns.CNAME, targets.parse_cname, targets.wire_cname,
                   targets.cname_from_wire, targets.presentation_cname),
        RecordType("MX", dns.MX, targets.parse_mx, targets.wire_mx, targets.mx_from_wire,
                   targets.presentation_mx, targets.targets_mx),
        RecordType("NS", dns.NS, targets.parse_ns, targets.wire_ns, targets.ns_from_wire,
                   targets.presentation_ns, targets.targets_ns),
        RecordType("TXT", dns.TXT, text.parse_txt, text.wire_txt, text.txt_from_wire),
        RecordType("SOA", dns.SOA, soa.parse_soa, soa.wire_soa, soa.soa_from_wire,
                   soa.presentation_soa),
        RecordType("SRV", dns.SRV, targets.parse_srv, targets.wire_srv, targets.srv_from_wire,
                   targets.presentation_srv, targets.targets_srv),
        RecordType("CAA", 257, caa.parse_caa, caa.wire_caa, caa.caa_from_wire),
        RecordType("PTR", dns.PTR, targets.parse_ptr, targets.wire_ptr, targets.ptr_from_wire,
                   targets.presentation_ptr),
        RecordType("SPF", dns.SPF, text.parse_spf, text.wire_spf, text.txt_from_wire),
        RecordType("NAPTR", dns.NAPTR, naptr.parse_naptr, naptr.wire_naptr,
                   naptr.naptr_from_wire, naptr.presentation_naptr),
    )
}

_GENERIC = re.compile(r"\s*\\#\s+(\S+)(.*)", re.DOTALL)


def check_type(rtype: str) -> str:
    """
    The type name upper-cased, if dnsops supports it.

    @raise InvalidInput: C{unsupported record type 'X' (supported: A, AAAA, ...)}.
    """
    name = rtype.strip().upper() if isinstance(rtype, str) else rtype
    if name not in TYPES:
        raise InvalidInput(
            f"unsupported record type '{rtype}' (supported: {', '.join(TYPES)})", "type"
        )
    return name


def type_code(rtype: str) -> int:
    """The numeric type (CAA 257, SPF 99, NAPTR 35, ...)."""
    return _type(rtype).code


def parse_rdata(rtype: str, rdata: str, origin: str | None = None) -> str:
    """
    Validate rdata text and return its canonical form, the form that is stored.

    @param origin: C{None} for the CLI and REST, where names in rdata are absolute (trailing
        dot optional); a zone's origin for zone files, where names without a trailing dot are
        relative to it and C{@} is the origin.
    @raise InvalidInput: With C{field} C{"rdata"} (C{"type"} for an unknown type).
    """
    record_type = TYPES[check_type(rtype)]
    if not isinstance(rdata, str):
        raise bad(f"invalid rdata {rdata!r} for {record_type.name} record: not text")
    if _GENERIC.match(rdata):
        return parse_generic(record_type.name, rdata, origin)
    return record_type.parse(rdata, origin)


def parse_generic(rtype: str, rdata: str, origin: str | None = None) -> str:
    """
    Canonical rdata from RFC 3597 generic text (C{\\# 4 C0000201}) for a known type.

    The bytes are decoded and then checked as if typed, so generic input cannot store what
    the type's own syntax would refuse.
    """
    record_type = TYPES[check_type(rtype)]
    match = _GENERIC.fullmatch(rdata)
    if not match:
        raise bad(f"invalid generic rdata '{rdata}' for {record_type.name} record: "
                  "expected '\\# LENGTH HEX'")
    length, hex_text = match.group(1), "".join(match.group(2).split())
    if not (length.isascii() and length.isdigit()):
        raise bad(f"invalid length '{length}' in generic rdata for {record_type.name} record")
    try:
        data = bytes.fromhex(hex_text)
    except ValueError:
        raise bad(f"invalid hex '{hex_text}' in generic rdata for {record_type.name} record") \
            from None
    if len(data) != int(length):
        raise bad(f"generic rdata for {record_type.name} record has {len(data)} bytes, "
                  f"length says {length}")
    return record_type.parse(record_type.from_wire(data), None)


def _type(rtype: str) -> RecordType:
    """The table entry for a stored (upper-case) type, or any spelling L{check_type} accepts."""
    return TYPES.get(rtype) or TYPES[check_type(rtype)]


def to_wire_record(rtype: str, rdata: str, ttl: int = 0):
    """Canonical rdata as a C{twisted.names.dns} payload (C{UnknownRecord} for CAA)."""
    return _type(rtype).wire(rdata, ttl)


def to_presentation(rtype: str, rdata: str) -> str:
    """Canonical rdata as a zone file writes it: names absolute, with their trailing dots."""
    return _type(rtype).presentation(rdata)


def target_names(rtype: str, rdata: str) -> list[str]:
    """Names whose A/AAAA belong in the additional section: MX exchange, SRV target, NS host."""
    return _type(rtype).targets(rdata)


def cname_target(rdata: str) -> str:
    """The canonical name a CNAME points at (C{""} for the root)."""
    return "" if rdata == "." else rdata
