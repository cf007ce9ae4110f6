# -*- test-case-name: tests.test_records -*-
"""
Rdata that points at another name: CNAME, NS, PTR (a name), MX (preference, name) and SRV.

These are the types whose targets the answer code may chase (CNAME) or add addresses for in
the additional section (MX, SRV, NS), so their targets are read back out here too.
"""

from twisted.names import dns

from dnsops.records.fields import (
    U16,
    absolute,
    decode_record,
    fields,
    name_from_wire,
    number,
    rdata_name,
    show_name,
    wire_name,
)

_HOST_RECORDS = {"CNAME": dns.Record_CNAME, "NS": dns.Record_NS, "PTR": dns.Record_PTR}


def _host_type(rtype: str):
    """The parse, wire, presentation and from-wire functions for a one-name type."""

    def parse(text: str, origin: str | None = None) -> str:
        (host,) = fields(text, 1, rtype, "HOST")
        return show_name(rdata_name(host, origin, rtype))

    def wire(rdata: str, ttl: int):
        return _HOST_RECORDS[rtype](wire_name(rdata), ttl=ttl)

    def from_wire(data: bytes) -> str:
        record = decode_record(_HOST_RECORDS[rtype], data, rtype)
        return name_from_wire(record.name, rtype)

    parse.__doc__ = f"Canonical {rtype} rdata: one absolute name."
    return parse, wire, absolute_host, from_wire


def absolute_host(rdata: str) -> str:
    """One-name rdata for a zone file: with its trailing dot."""
    return absolute(rdata.rstrip("."))


parse_cname, wire_cname, presentation_cname, cname_from_wire = _host_type("CNAME")
parse_ns, wire_ns, presentation_ns, ns_from_wire = _host_type("NS")
parse_ptr, wire_ptr, presentation_ptr, ptr_from_wire = _host_type("PTR")


def parse_mx(text: str, origin: str | None = None) -> str:
    """Canonical MX rdata: C{PREFERENCE HOST}; C{0 .} is a null MX (RFC 7505)."""
    priority, host = fields(text, 2, "MX", "PRIORITY HOST")
    return f"{number(priority, 'priority', 'MX', U16)} {show_name(rdata_name(host, origin, 'MX'))}"


def wire_mx(rdata: str, ttl: int) -> dns.Record_MX:
    """Canonical MX rdata as a Twisted record."""
    priority, host = rdata.split()
    return dns.Record_MX(int(priority), wire_name(host), ttl=ttl)


def presentation_mx(rdata: str) -> str:
    """MX rdata for a zone file."""
    priority, host = rdata.split()
    return f"{priority} {absolute_host(host)}"


def mx_from_wire(data: bytes) -> str:
    """MX wire rdata as text, for RFC 3597 input."""
    record = decode_record(dns.Record_MX, data, "MX")
    return f"{record.preference} {name_from_wire(record.name, 'MX')}"


def parse_srv(text: str, origin: str | None = None) -> str:
    """Canonical SRV rdata: C{PRIORITY WEIGHT PORT TARGET} (RFC 2782)."""
    priority, weight, port, target = fields(text, 4, "SRV", "PRIORITY WEIGHT PORT TARGET")
    numbers = [number(value, what, "SRV", U16) for value, what in
               ((priority, "priority"), (weight, "weight"), (port, "port"))]
    return " ".join(map(str, numbers + [show_name(rdata_name(target, origin, "SRV"))]))


def wire_srv(rdata: str, ttl: int) -> dns.Record_SRV:
    """Canonical SRV rdata as a Twisted record."""
    priority, weight, port, target = rdata.split()
    return dns.Record_SRV(int(priority), int(weight), int(port), wire_name(target), ttl=ttl)


def presentation_srv(rdata: str) -> str:
    """SRV rdata for a zone file."""
    *numbers, target = rdata.split()
    return " ".join(numbers + [absolute_host(target)])


def srv_from_wire(data: bytes) -> str:
    """SRV wire rdata as text, for RFC 3597 input."""
    record = decode_record(dns.Record_SRV, data, "SRV")
    target = name_from_wire(record.target, "SRV")
    return f"{record.priority} {record.weight} {record.port} {target}"


def targets_mx(rdata: str) -> list[str]:
    """The MX exchange, whose addresses go in the additional section (none for a null MX)."""
    host = rdata.split()[1]
    return [] if host == "." else [host]


def targets_srv(rdata: str) -> list[str]:
    """The SRV target, whose addresses go in the additional section (none for C{.})."""
    host = rdata.split()[3]
    return [] if host == "." else [host]


def targets_ns(rdata: str) -> list[str]:
    """The NS host, whose addresses are glue or additional data."""
    return [] if rdata == "." else [rdata]
