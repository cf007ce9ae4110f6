# -*- test-case-name: tests.test_ttl -*-
"""
TTLs as people write them (C{3600}, C{1h}, C{1h30m}, C{2W}) to seconds, checked against RFC 2181.
"""

import re

from dnsops.errors import InvalidInput

MAX_TTL = 2**31 - 1

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")
_WITH_UNITS = re.compile(r"(?:\d+[smhdw])+")


def parse_ttl(text: str | int, field: str = "ttl") -> int:
    """
    Seconds for a TTL given as digits or as number-unit pairs (s m h d w, any case).

    RFC 2181 section 8 caps TTLs at 2**31 - 1; BIND-style units are accepted because zone
    files and people use them, and a bare trailing number without a unit is refused so
    C{1h30} cannot be misread.

    @param text: An int (from JSON) is accepted too; bools are not.
    @raise InvalidInput: C{invalid TTL 'x'}, naming C{field}.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise InvalidInput(f"invalid TTL '{text}'", field)
    if isinstance(text, int):
        seconds = text
    else:
        body = text.strip().lower()
        if body.isascii() and body.isdigit():
            seconds = int(body)
        elif body.isascii() and _WITH_UNITS.fullmatch(body):
            seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(body))
        else:
            raise InvalidInput(f"invalid TTL '{text}'", field)
    if not 0 <= seconds <= MAX_TTL:
        raise InvalidInput(f"invalid TTL '{text}': expected 0 to {MAX_TTL}", field)
    return seconds
