# -*- test-case-name: tests.test_serial -*-
"""
SOA serial policy: YYYYMMDDnn when the serial looks like a date, else +1 (RFC 1982 wrap).

A serial "looks like a date" when its first eight digits are a real calendar date between
1990 and 2200; then today's date with nn = 00 is used unless the serial is already at or past
it, in which case it goes up by one, as BIND's and Knot's C{serial-policy dateserial} do.
"""

import datetime

MAX_SERIAL = 2**32 - 1


def looks_like_date(serial: int) -> bool:
    """If C{serial} is ten digits whose first eight are a plausible date, then True."""
    text = str(serial)
    if len(text) != 10:
        return False
    try:
        day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return 1990 <= day.year <= 2200


def next_serial(current: int, today: datetime.date | None = None) -> int:
    """The serial after C{current}: date-based when it looks like a date, else +1, wrapping."""
    if looks_like_date(current):
        today = today or datetime.datetime.now(datetime.timezone.utc).date()
        candidate = int(today.strftime("%Y%m%d")) * 100
        if candidate > current:
            return candidate
    return (current + 1) % (MAX_SERIAL + 1) or 1
