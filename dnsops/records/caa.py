# -*- test-case-name: tests.test_records -*-
"""
CAA rdata (RFC 8659): which certificate authorities may issue for a name.

Twisted has no CAA class, so the wire form is built here and sent as an C{UnknownRecord}.
"""

import re

from twisted.names import dns

from dnsops.records.fields import U8, bad, number
from dnsops.records.text import is_quoted, quote, split_fields, unquote

LAYOUT = "FLAGS TAG VALUE"
_LAYOUT = re.compile(r"\s*(\S+)\s+(\S+)\s+(\S.*?)\s*", re.DOTALL)
_TAG = re.compile(r"[A-Za-z0-9]{1,255}")


def _value(text: str) -> bytes:
    """
    The value field: one quoted string, or the rest of the line taken literally.

    The manual's own example (C{0 issue letsencrypt.org}) is bare, and a bare value with
    spaces (C{issue ca.example; account=1}) is still one value.
    """
    if not text.startswith('"'):
        return text.encode("utf-8")
    parts = split_fields(text)
    if len(parts) != 1 or not is_quoted(parts[0]):
        raise bad(f"invalid value '{text}' for CAA record: expected one quoted string")
    return unquote(parts[0])


def _split(text: str) -> tuple[int, str, bytes]:
    """(flags, tag, value) from CAA rdata text."""
    match = _LAYOUT.fullmatch(text)
    if not match:
        raise bad(f"CAA record needs '{LAYOUT}', got '{text}'")
    flags, tag, value = match.groups()
    if not _TAG.fullmatch(tag):
        raise bad(f"invalid tag '{tag}' for CAA record: expected letters and digits")
    return number(flags, "flags", "CAA", U8), tag.lower(), _value(value)


def parse_caa(text: str, origin: str | None = None) -> str:
    """Canonical CAA rdata: C{0 issue "letsencrypt.org"}, tag lower-case, value quoted."""
    flags, tag, value = _split(text)
    return f"{flags} {tag} {quote(value)}"


def wire_caa(rdata: str, ttl: int) -> dns.UnknownRecord:
    """Canonical CAA rdata as raw wire bytes: flags, tag length, tag, value."""
    flags, tag, value = _split(rdata)
    data = bytes([flags, len(tag)]) + tag.encode("ascii") + value
    return dns.UnknownRecord(data, ttl=ttl)


def caa_from_wire(data: bytes) -> str:
    """CAA wire rdata as text, for RFC 3597 input."""
    if len(data) < 2 or data[1] == 0 or len(data) < 2 + data[1]:
        raise bad("invalid wire data for CAA record")
    tag = data[2 : 2 + data[1]].decode("latin-1")
    return f"{data[0]} {tag} {quote(data[2 + data[1]:])}"
