# -*- test-case-name: tests.test_records -*-
"""
A and AAAA rdata: one address each, stored in the form C{ipaddress} prints.
"""

import ipaddress

from twisted.names import dns

from dnsops.records.fields import bad


def parse_a(text: str, origin: str | None = None) -> str:
    """
    Canonical A rdata: dotted quad.

    Leading zeros are refused (C{ipaddress} does since Python 3.9.5) because some tools read
    C{010} as octal.
    """
    body = text.strip()
    try:
        return str(ipaddress.IPv4Address(body))
    except ValueError:
        raise bad(f"invalid IPv4 address '{text}' for A record") from None


def parse_aaaa(text: str, origin: str | None = None) -> str:
    """Canonical AAAA rdata: compressed, lower-case; zone ids (C{%eth0}) are refused."""
    body = text.strip()
    try:
        if "%" in body:
            raise ValueError(body)
        return ipaddress.IPv6Address(body).compressed
    except ValueError:
        raise bad(f"invalid IPv6 address '{text}' for AAAA record") from None


def wire_a(rdata: str, ttl: int) -> dns.Record_A:
    """Canonical A rdata as a Twisted record."""
    return dns.Record_A(rdata, ttl=ttl)


def wire_aaaa(rdata: str, ttl: int) -> dns.Record_AAAA:
    """Canonical AAAA rdata as a Twisted record."""
    return dns.Record_AAAA(rdata, ttl=ttl)


def a_from_wire(data: bytes) -> str:
    """A wire rdata as text, for RFC 3597 input."""
    if len(data) != 4:
        raise bad("invalid wire data for A record: expected 4 bytes")
    return str(ipaddress.IPv4Address(data))


def aaaa_from_wire(data: bytes) -> str:
    """AAAA wire rdata as text, for RFC 3597 input."""
    if len(data) != 16:
        raise bad("invalid wire data for AAAA record: expected 16 bytes")
    return ipaddress.IPv6Address(data).compressed
