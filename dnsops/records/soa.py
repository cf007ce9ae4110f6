# -*- test-case-name: tests.test_records -*-
"""
SOA rdata: primary server, responsible mailbox, serial and the four timers (RFC 1035 3.3.13).
"""

from twisted.names import dns

from dnsops.errors import InvalidInput
from dnsops.records.fields import (
    I31,
    U32,
    absolute,
    bad,
    decode_record,
    name_from_wire,
    number,
    rdata_name,
    show_name,
    wire_name,
)
from dnsops.ttl import parse_ttl

LAYOUT = "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM"
TIMERS = ("refresh", "retry", "expire", "minimum")


def _mailbox(token: str, origin: str | None) -> str:
    """
    The RNAME as a name; C{admin@example.com} is accepted and becomes C{admin.example.com}.

    The mailbox form is always absolute. A dot in its local part would need a C{\\.} escape in
    the name, which names here do not carry, so it is refused rather than silently misread.
    """
    if "@" in token and token != "@":
        local, _, domain = token.partition("@")
        if not local or "." in local:
            raise bad(f"invalid mailbox '{token}' for SOA record: the part before '@' must be "
                      "one label")
        token = f"{local}.{domain.rstrip('.')}."
    return rdata_name(token, origin, "SOA")


def _timer(token: str, what: str) -> int:
    """A timer in seconds; TTL units (C{1h}, C{2w}) are accepted as BIND accepts them."""
    try:
        return parse_ttl(token, "rdata")
    except InvalidInput:
        raise bad(f"invalid {what} '{token}' for SOA record: expected 0 to {I31}") from None


def parse_soa(text: str, origin: str | None = None) -> str:
    """Canonical SOA rdata: two names then five numbers in seconds."""
    parts = text.split()
    if len(parts) != 7:
        raise bad(f"SOA record needs 7 fields ({LAYOUT}), got '{text}'")
    mname = show_name(rdata_name(parts[0], origin, "SOA"))
    rname = show_name(_mailbox(parts[1], origin))
    serial = number(parts[2], "serial", "SOA", U32)
    timers = [_timer(token, what) for token, what in zip(parts[3:], TIMERS)]
    return " ".join([mname, rname, str(serial)] + [str(t) for t in timers])


def soa_fields(rdata: str) -> tuple[str, str, int, int, int, int, int]:
    """Canonical SOA rdata as (mname, rname, serial, refresh, retry, expire, minimum)."""
    mname, rname, *numbers = rdata.split()
    return (mname, rname, *map(int, numbers))


def with_serial(rdata: str, serial: int) -> str:
    """Canonical SOA rdata with its serial replaced, for the serial bump on every change."""
    mname, rname, _, *timers = rdata.split()
    return " ".join([mname, rname, str(serial)] + timers)


def wire_soa(rdata: str, ttl: int) -> dns.Record_SOA:
    """Canonical SOA rdata as a Twisted record."""
    mname, rname, serial, refresh, retry, expire, minimum = soa_fields(rdata)
    return dns.Record_SOA(wire_name(mname), wire_name(rname), serial, refresh, retry, expire,
                          minimum, ttl=ttl)


def presentation_soa(rdata: str) -> str:
    """SOA rdata for a zone file: names with their trailing dots."""
    mname, rname, *numbers = rdata.split()
    return " ".join([absolute(mname.rstrip(".")), absolute(rname.rstrip("."))] + numbers)


def soa_from_wire(data: bytes) -> str:
    """SOA wire rdata as text, for RFC 3597 input."""
    r = decode_record(dns.Record_SOA, data, "SOA")
    names = [name_from_wire(n, "SOA") for n in (r.mname, r.rname)]
    return " ".join(names + [str(v) for v in (r.serial, r.refresh, r.retry, r.expire, r.minimum)])
