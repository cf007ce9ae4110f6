# -*- test-case-name: tests.test_records -*-
"""
Pieces every rdata parser shares: numbers in range, names in rdata, errors, wire decoding.

Kept apart from the per-type modules so that each of those reads as its record's layout and
nothing else, and every type words the same mistake the same way.
"""

from io import BytesIO

from dnsops.errors import InvalidInput
from dnsops.names import canonical_name

U8 = 255
U16 = 65535
U32 = 2**32 - 1
I31 = 2**31 - 1


def bad(message: str) -> InvalidInput:
    """An error about rdata: every message here is about the C{rdata} field."""
    return InvalidInput(message, "rdata")


def fields(text: str, count: int, rtype: str, layout: str) -> list[str]:
    """
    C{text} split on whitespace into exactly C{count} fields.

    @raise InvalidInput: C{MX record needs 'PRIORITY HOST', got '...'}.
    """
    parts = text.split()
    if len(parts) != count:
        raise bad(f"{rtype} record needs '{layout}', got '{text}'")
    return parts


def number(token: str, what: str, rtype: str, high: int) -> int:
    """
    C{token} as an integer from 0 to C{high}; only plain ASCII digits are numbers.

    @raise InvalidInput: C{invalid priority '70000' for MX record: expected 0 to 65535}.
    """
    if not (token.isascii() and token.isdigit()) or int(token) > high:
        raise bad(f"invalid {what} '{token}' for {rtype} record: expected 0 to {high}")
    return int(token)


def rdata_name(token: str, origin: str | None, rtype: str) -> str:
    """
    A name inside rdata in canonical form.

    With no C{origin} (CLI, REST) names are absolute, trailing dot optional. With an origin
    (zone files) C{@} is the origin and a name without a trailing dot is relative to it.
    """
    context = f" for {rtype} record"
    if origin is not None and not token.endswith("."):
        if token == "@":
            return canonical_name(origin, "rdata", context)
        canonical_name(token, "rdata", context)
        token = f"{token}.{origin}" if origin not in ("", ".") else token
    return canonical_name(token, "rdata", context)


def show_name(name: str) -> str:
    """A canonical name as rdata text: C{.} for the root, else without the trailing dot."""
    return name or "."


def absolute(name: str) -> str:
    """A canonical name as a zone file writes it inside rdata: with its trailing dot."""
    return name + "." if name else "."


def wire_name(name: str) -> bytes:
    """A canonical name (C{.} or C{""} for the root) as bytes for C{twisted.names.dns.Name}."""
    return b"" if name in ("", ".") else name.encode("ascii")


def decode_record(record_class, data: bytes, rtype: str):
    """
    A C{twisted.names.dns} record decoded from exactly C{data}, for RFC 3597 input.

    @raise InvalidInput: When the bytes are short, left over, or otherwise undecodable.
    """
    stream = BytesIO(data)
    record = record_class()
    try:
        record.decode(stream, len(data))
    except Exception:
        raise bad(f"invalid wire data for {rtype} record") from None
    if stream.tell() != len(data):
        left = len(data) - stream.tell()
        raise bad(f"invalid wire data for {rtype} record: {left} bytes left over")
    return record


def name_from_wire(name, rtype: str) -> str:
    """A decoded C{twisted.names.dns.Name}, checked like typed input, as absolute text."""
    text = name.name.decode("latin-1")
    return absolute(canonical_name(text, "rdata", f" for {rtype} record"))
