# -*- test-case-name: tests.test_names -*-
"""
One domain name to its stored form: lower-case A-labels, absolute, no trailing dot.

Every name that reaches the database or the wire passes through L{canonical_name}, so
C{WWW.Example.COM.}, C{www.example.com} and C{www.bücher.example} can each have only one
spelling in storage and lookups are plain string comparisons.
"""

import re

import idna

from dnsops.errors import InvalidInput

MAX_LABEL = 63
MAX_NAME = 253

# Full stops that UTS 46 treats as the ASCII one (ideographic, fullwidth, halfwidth).
_DOTS = re.compile("[\u3002\uff0e\uff61]")

# Letters, digits, hyphen, underscore (_sip._tcp) and slash (RFC 2317 classless reverse zones).
_ASCII_LABEL = re.compile(r"[a-z0-9_/-]+")


def canonical_name(text: str, field: str = "name", context: str = "") -> str:
    """
    The stored form of an absolute name (trailing dot optional); the root is C{""}.

    @param context: Words put after the name in the message, such as C{" for MX record"}, so
        a bad name inside rdata says where it was.
    @raise InvalidInput: For empty labels, labels over 63 octets, names over 253 characters,
        spaces, control or other odd characters, a C{*} that is not the leftmost label, or a
        label IDNA refuses.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"invalid name {text!r}{context}: not text", field)

    def fail(why: str) -> InvalidInput:
        return InvalidInput(f"invalid name '{printable(text)}'{context}: {why}", field)

    if len(text) > 4 * MAX_NAME:
        raise fail(f"longer than {MAX_NAME} characters")
    body = _DOTS.sub(".", text)
    if body in ("", "."):
        return ""
    if body.endswith("."):
        body = body[:-1]
    labels = [_canonical_label(label, index, fail) for index, label in enumerate(body.split("."))]
    name = ".".join(labels)
    if len(name) > MAX_NAME:
        raise fail(f"longer than {MAX_NAME} characters")
    return name


def _canonical_label(label: str, index: int, fail) -> str:
    """One label as a lower-case A-label; C{fail(why)} builds the error to raise."""
    if not label:
        raise fail("empty label")
    for char in label:
        if char.isspace():
            raise fail("contains a space")
        if ord(char) < 0x20 or ord(char) == 0x7F:
            raise fail("contains a control character")
    if label == "*":
        if index:
            raise fail("'*' is only allowed as the leftmost label")
        return label
    if label.isascii():
        result = label.lower()
        if not _ASCII_LABEL.fullmatch(result):
            bad = next(c for c in result if not _ASCII_LABEL.fullmatch(c))
            raise fail(f"invalid character '{bad}'")
    else:
        try:
            result = idna.encode(label, uts46=True).decode("ascii").lower()
        except (idna.IDNAError, UnicodeError, ValueError) as e:
            raise fail(f"label '{label}' is not a valid IDN ({e})") from None
    if len(result) > MAX_LABEL:
        raise fail(f"label '{result[:20]}...' longer than {MAX_LABEL} octets")
    return result


def printable(text: str) -> str:
    """C{text} with control characters as C{\\xNN}, so an error message cannot garble a terminal."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def in_zone(name: str, zone: str) -> bool:
    """If canonical C{name} is C{zone} or below it, then True (every name is in the root)."""
    return zone == "" or name == zone or name.endswith("." + zone)


def owner_name(name: str, zone: str) -> str:
    """
    The canonical absolute name for an owner given as people type it at a zone.

    C{@} is the apex; a trailing dot makes a name absolute; a name equal to the zone or ending
    in C{.zone} is taken as absolute (so C{www.example.com} is not doubled); anything else is
    relative to the zone.

    @raise InvalidInput: When the name is invalid or ends up outside the zone.
    """
    zone = canonical_name(zone, "zone")
    text = name.strip() if isinstance(name, str) else name
    if text == "@":
        return zone
    if text == "":
        raise InvalidInput("invalid name '': empty", "name")
    if text.endswith(".") or text.endswith("\u3002"):
        result = canonical_name(text)
    else:
        result = canonical_name(text)
        if not in_zone(result, zone):
            result = canonical_name(result + "." + zone)
    if not in_zone(result, zone):
        raise InvalidInput(f"name '{name}' is not in zone '{zone or '.'}'", "name")
    return result


def relative_name(name: str, zone: str) -> str:
    """
    The owner as a zone file writes it: C{@} for the apex, else the part above the zone.

    @raise InvalidInput: When C{name} is not in C{zone}.
    """
    if name == zone:
        return "@"
    if not in_zone(name, zone):
        raise InvalidInput(f"name '{name}' is not in zone '{zone or '.'}'", "name")
    return name[: -len(zone) - 1] if zone else name
