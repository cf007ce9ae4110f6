# -*- test-case-name: tests.test_records -*-
"""
TXT and SPF rdata, and the zone-file character-string lexer other rdata parsers share.

A TXT given as plain text (CLI, REST) is one string, cut into 255-byte pieces for the wire;
text starting with C{"} is zone-file character-strings with C{\\"} C{\\\\} C{\\DDD} escapes. The
canonical form is always the quoted one, so storage, export and dnspython's C{to_text} agree.
"""

from twisted.names import dns

from dnsops.records.fields import bad, decode_record

MAX_STRING = 255
MAX_RDATA = 65535


def split_fields(text: str) -> list[str]:
    """
    Zone-file rdata split into fields, each exactly as written.

    Whitespace outside quotes separates fields; a quoted field keeps its quotes and escapes
    (pass it to L{unquote} for its bytes), so callers can tell C{"a b"} from C{a b}. A
    backslash escapes the next character in unquoted fields too.

    @raise InvalidInput: For an unterminated quoted string or a quote inside a bare field.
    """
    result = []
    i, end = 0, len(text)
    while i < end:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] == '"':
            i += 1
            while i < end and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= end:
                raise bad(f"unterminated quoted string in '{text}'")
            i += 1
        else:
            while i < end and not text[i].isspace():
                if text[i] == '"':
                    raise bad(f"unexpected quote in '{text[start:]}'")
                i += 2 if text[i] == "\\" else 1
        result.append(text[start:i])
    return result


def is_quoted(field: str) -> bool:
    """If a field from L{split_fields} was written in quotes, then True."""
    return len(field) >= 2 and field[0] == '"' and field[-1] == '"'


def unquote(field: str) -> bytes:
    """
    The bytes a field from L{split_fields} stands for: quotes dropped, escapes decoded.

    @raise InvalidInput: For C{\\DDD} above 255 or a backslash at the very end.
    """
    body = field[1:-1] if is_quoted(field) else field
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        digits = body[i + 1 : i + 4]
        if digits[:1].isdigit():
            decimal = len(digits) == 3 and digits.isascii() and digits.isdigit()
            if not decimal or int(digits) > 255:
                raise bad(f"invalid escape '\\{digits}' in '{field}'")
            out.append(int(digits))
            i += 4
        elif i + 1 < len(body):
            out += body[i + 1].encode("utf-8")
            i += 2
        else:
            raise bad(f"dangling backslash in '{field}'")
    return bytes(out)


def quote(data: bytes) -> str:
    """
    C{data} as one quoted character-string: C{"} and C{\\} escaped, other bytes outside
    printable ASCII as C{\\DDD}, exactly as dnspython writes them.
    """
    parts = ['"']
    for byte in data:
        if byte in b'"\\':
            parts.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            parts.append(chr(byte))
        else:
            parts.append(f"\\{byte:03d}")
    parts.append('"')
    return "".join(parts)


def chunks(data: bytes) -> list[bytes]:
    """C{data} cut into strings of at most 255 bytes, never inside a UTF-8 sequence if avoidable."""
    pieces = []
    while len(data) > MAX_STRING:
        cut = MAX_STRING
        while cut > MAX_STRING - 3 and 0x80 <= data[cut] < 0xC0:
            cut -= 1
        pieces.append(data[:cut])
        data = data[cut:]
    return pieces + [data]


def strings(text: str, rtype: str = "TXT") -> list[bytes]:
    """
    The character-strings of TXT-like rdata text (see the module docstring).

    @raise InvalidInput: For no text, a quoted string over 255 bytes or rdata over 65535.
    """
    body = text.strip()
    if not body:
        raise bad(f"{rtype} record needs text, got '{text}'")
    if not body.startswith('"'):
        result = chunks(body.encode("utf-8"))
    else:
        result = []
        for field in split_fields(body):
            data = unquote(field)
            if is_quoted(field):
                if len(data) > MAX_STRING:
                    raise bad(f"{rtype} string longer than {MAX_STRING} bytes")
                result.append(data)
            else:
                result.extend(chunks(data))
    if sum(len(s) + 1 for s in result) > MAX_RDATA:
        raise bad(f"{rtype} record longer than {MAX_RDATA} bytes")
    return result


def parse_txt(text: str, origin: str | None = None) -> str:
    """Canonical TXT rdata: each string quoted, space-separated."""
    return " ".join(quote(s) for s in strings(text, "TXT"))


def parse_spf(text: str, origin: str | None = None) -> str:
    """Canonical SPF rdata: the same layout as TXT (RFC 4408 section 3.1.1)."""
    return " ".join(quote(s) for s in strings(text, "SPF"))


def wire_txt(rdata: str, ttl: int) -> dns.Record_TXT:
    """Canonical TXT rdata as a Twisted record."""
    return dns.Record_TXT(*strings(rdata), ttl=ttl)


def wire_spf(rdata: str, ttl: int) -> dns.Record_SPF:
    """Canonical SPF rdata as a Twisted record."""
    return dns.Record_SPF(*strings(rdata, "SPF"), ttl=ttl)


def txt_from_wire(data: bytes) -> str:
    """TXT or SPF wire rdata as quoted text, for RFC 3597 input."""
    if not data:
        raise bad("invalid wire data for TXT record: no strings")
    return " ".join(quote(s) for s in decode_record(dns.Record_TXT, data, "TXT").data)
