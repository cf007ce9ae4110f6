# -*- test-case-name: tests.test_ttl -*-
"""Tests for L{dnsops.ttl}."""

from twisted.trial.unittest import SynchronousTestCase

from dnsops.errors import InvalidInput
from dnsops.ttl import MAX_TTL, parse_ttl


class ParseTTLTests(SynchronousTestCase):
    """L{parse_ttl} reads seconds and BIND-style units."""

    def test_seconds(self) -> None:
        """If the TTL is digits, then it is that many seconds."""
        self.assertEqual(parse_ttl("3600"), 3600)
        self.assertEqual(parse_ttl("0"), 0)
        self.assertEqual(parse_ttl(" 300 "), 300)

    def test_units(self) -> None:
        """If the TTL has a unit, then it is multiplied out."""
        cases = {"30s": 30, "5m": 300, "1h": 3600, "1d": 86400, "1w": 604800,
                 "1h30m": 5400, "1w2d3h4m5s": 788645}
        for text, seconds in cases.items():
            self.assertEqual(parse_ttl(text), seconds, text)

    def test_units_case_insensitive(self) -> None:
        """If units are upper-case, then they are read the same."""
        self.assertEqual(parse_ttl("1H30M"), 5400)
        self.assertEqual(parse_ttl("2W"), 1209600)

    def test_int(self) -> None:
        """If the TTL is an int (JSON), then it is accepted as it is."""
        self.assertEqual(parse_ttl(60), 60)

    def test_maximum(self) -> None:
        """If the TTL is 2**31 - 1, then it is accepted; one more is refused."""
        self.assertEqual(parse_ttl(str(MAX_TTL)), 2147483647)
        error = self.assertRaises(InvalidInput, parse_ttl, "2147483648")
        self.assertEqual(error.message, "invalid TTL '2147483648': expected 0 to 2147483647")

    def test_units_over_maximum(self) -> None:
        """If units multiply past the maximum, then the TTL is refused."""
        self.assertRaises(InvalidInput, parse_ttl, "4000w")

    def test_negative(self) -> None:
        """If the TTL is negative, then it is refused."""
        self.assertRaises(InvalidInput, parse_ttl, "-1")
        self.assertRaises(InvalidInput, parse_ttl, -1)

    def test_garbage(self) -> None:
        """If the TTL is not a number with units, then the message names it and the field."""
        for text in ("", "abc", "1x", "h", "1h30", "1.5h", "1 h", "٣", "1e3"):
            error = self.assertRaises(InvalidInput, parse_ttl, text)
            self.assertEqual(error.message, f"invalid TTL '{text}'")
            self.assertEqual(error.field, "ttl")

    def test_field(self) -> None:
        """If a field is given, then the error carries it."""
        error = self.assertRaises(InvalidInput, parse_ttl, "x", "minimum")
        self.assertEqual(error.field, "minimum")

    def test_not_text(self) -> None:
        """If the TTL is a bool or None, then it is refused."""
        self.assertRaises(InvalidInput, parse_ttl, True)
        self.assertRaises(InvalidInput, parse_ttl, None)
