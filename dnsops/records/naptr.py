# -*- test-case-name: tests.test_records -*-
"""
NAPTR rdata (RFC 3403): order, preference, three character-strings and a replacement name.
"""

from twisted.names import dns

from dnsops.records.fields import (
    U16,
    absolute,
    bad,
    decode_record,
    name_from_wire,
    number,
    rdata_name,
    show_name,
    wire_name,
)
from dnsops.records.text import MAX_STRING, quote, split_fields, unquote

LAYOUT = "ORDER PREFERENCE FLAGS SERVICE REGEXP REPLACEMENT"
_STRINGS = ("flags", "service", "regexp")


def _split(text: str, origin: str | None) -> tuple[int, int, bytes, bytes, bytes, str]:
    """The six NAPTR fields, checked; the strings may be quoted or bare."""
    parts = split_fields(text)
    if len(parts) != 6:
        raise bad(f"NAPTR record needs '{LAYOUT}', got '{text}'")
    order = number(parts[0], "order", "NAPTR", U16)
    preference = number(parts[1], "preference", "NAPTR", U16)
    strings = []
    for field, what in zip(parts[2:5], _STRINGS):
        data = unquote(field)
        if len(data) > MAX_STRING:
            raise bad(f"invalid {what} for NAPTR record: longer than {MAX_STRING} bytes")
        strings.append(data)
    replacement = rdata_name(parts[5], origin, "NAPTR")
    return (order, preference, *strings, replacement)


def parse_naptr(text: str, origin: str | None = None) -> str:
    """Canonical NAPTR rdata: C{100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .}."""
    order, preference, flags, service, regexp, replacement = _split(text, origin)
    quoted = " ".join(quote(s) for s in (flags, service, regexp))
    return f"{order} {preference} {quoted} {show_name(replacement)}"


def wire_naptr(rdata: str, ttl: int) -> dns.Record_NAPTR:
    """Canonical NAPTR rdata as a Twisted record."""
    order, preference, flags, service, regexp, replacement = _split(rdata, None)
    return dns.Record_NAPTR(order, preference, flags, service, regexp, wire_name(replacement),
                            ttl=ttl)


def presentation_naptr(rdata: str) -> str:
    """NAPTR rdata for a zone file: the replacement with its trailing dot."""
    head, _, replacement = rdata.rpartition(" ")
    return f"{head} {absolute(replacement.rstrip('.'))}"


def naptr_from_wire(data: bytes) -> str:
    """NAPTR wire rdata as text, for RFC 3597 input."""
    r = decode_record(dns.Record_NAPTR, data, "NAPTR")
    quoted = " ".join(quote(s.string) for s in (r.flags, r.service, r.regexp))
    return f"{r.order} {r.preference} {quoted} {name_from_wire(r.replacement, 'NAPTR')}"
