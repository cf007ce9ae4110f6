"""
Tests for L{dnsops.server.cookies}: RFC 7873 cookies with RFC 9018 server cookies.

Pure tests check the hash against RFC 9018's own example and the option handling; the live
ones ask a real server with dnspython's COOKIE option.
"""

import struct

from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.server.cookies import (
    BADCOOKIE,
    OPTION_COOKIE,
    ServerCookies,
    add_cookie,
    siphash24,
)
from dnsops.server.edns import opt_wire

CLIENT = bytes.fromhex("2464c4abcf10c957")
SECRET = bytes.fromhex("e5e973e5a6b2a43f48e7dc849e37bfcf")
RFC_TIME = 1559731985


def cookies_at(seconds: float, secret: bytes | None = SECRET, rotate: float = 86400.0):
    clock = Clock()
    clock.advance(seconds)
    return clock, ServerCookies(clock, rotate=rotate, secret=secret)


class SipHashTests(SynchronousTestCase):
    """The hash itself."""

    def test_reference_vectors(self) -> None:
        """If the SipHash paper's key 00..0f hashes 00..0e and the empty string, then the results match the paper."""
        key = bytes(range(16))
        self.assertEqual(siphash24(key, bytes(range(15))).hex(), "e545be4961ca29a1")
        self.assertEqual(siphash24(key, b"").hex(), "310e0edd47db6f72")


class ServerCookieTests(SynchronousTestCase):
    """Making and checking server cookies."""

    def test_rfc9018_example(self) -> None:
        """If RFC 9018 appendix A.1's client cookie, address, secret and time are used, then its server cookie results."""
        _, jar = cookies_at(RFC_TIME)
        self.assertEqual(jar.make(CLIENT, "198.51.100.100").hex(), "010000005cf79f111f8130c3eee29480")

    def test_valid_cookie_accepted_and_echoed(self) -> None:
        """If a client presents the server cookie it was given, then it is valid and kept while fresh."""
        clock, jar = cookies_at(RFC_TIME)
        server = jar.make(CLIENT, "192.0.2.1")
        clock.advance(60)
        cookie = jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.1")
        self.assertTrue(cookie.valid)
        self.assertEqual(cookie.reply, CLIENT + server)

    def test_other_address_is_invalid(self) -> None:
        """If the cookie is presented from another address, then it is not valid and a new one is given."""
        _, jar = cookies_at(RFC_TIME)
        server = jar.make(CLIENT, "192.0.2.1")
        cookie = jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.2")
        self.assertFalse(cookie.valid)
        self.assertEqual(cookie.reply, CLIENT + jar.make(CLIENT, "192.0.2.2"))

    def test_old_cookie_refreshed_then_expired(self) -> None:
        """If a cookie is over half an hour old, then it is valid but replaced; over an hour, it is invalid."""
        clock, jar = cookies_at(RFC_TIME)
        server = jar.make(CLIENT, "192.0.2.1")
        clock.advance(1900)
        cookie = jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.1")
        self.assertTrue(cookie.valid)
        self.assertNotEqual(cookie.reply[8:], server)
        clock.advance(1800)
        self.assertFalse(jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.1").valid)

    def test_rotation_keeps_previous_secret(self) -> None:
        """If the secret rotates once, then cookies made before still validate; after a second rotation they do not."""
        clock, jar = cookies_at(RFC_TIME, rotate=600)
        server = jar.make(CLIENT, "192.0.2.1")
        clock.advance(601)
        self.assertTrue(jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.1").valid)
        fresh = jar.make(CLIENT, "192.0.2.1")
        self.assertNotEqual(fresh[8:], server[8:])
        clock.advance(601)
        self.assertFalse(jar.check([(OPTION_COOKIE, CLIENT + server)], "192.0.2.1").valid)

    def test_client_cookie_only(self) -> None:
        """If only a client cookie is sent, then it is not valid and the reply carries a new server cookie."""
        _, jar = cookies_at(RFC_TIME)
        cookie = jar.check([(OPTION_COOKIE, CLIENT)], "192.0.2.1")
        self.assertFalse(cookie.valid)
        self.assertEqual(len(cookie.reply), 24)

    def test_malformed_lengths(self) -> None:
        """If the option is not 8 or 16 to 40 octets, then it is malformed."""
        _, jar = cookies_at(RFC_TIME)
        for size in (0, 7, 9, 15, 41):
            self.assertTrue(jar.check([(OPTION_COOKIE, b"x" * size)], "192.0.2.1").malformed, size)

    def test_no_cookie(self) -> None:
        """If the query has no COOKIE option, then there is nothing to check."""
        _, jar = cookies_at(RFC_TIME)
        self.assertIsNone(jar.check([(8, b"\0\1\0\0")], "192.0.2.1"))


def answer_with_opt(body_records: int = 0) -> bytes:
    header = struct.pack("!HHHHHH", 7, 0x8400, 1, body_records, 0, 1)
    question = b"\3www\7example\3com\0\0\1\0\1"
    records = b"".join(b"\xc0\x0c\0\1\0\1\0\0\x0e\x10\0\4\xc0\0\2" + bytes([i]) for i in range(body_records))
    return header + question + records + opt_wire(1232, 0, False)


class WireTests(SynchronousTestCase):
    """Putting the COOKIE into an encoded answer."""

    def test_option_appended_to_opt(self) -> None:
        """If an answer ends in an empty OPT, then the COOKIE becomes its only option."""
        import dns.message

        wire = add_cookie(answer_with_opt(1), CLIENT + bytes(16))
        message = dns.message.from_wire(wire)
        self.assertEqual([o.otype for o in message.options], [OPTION_COOKIE])
        self.assertEqual(len(message.answer), 1)

    def test_too_big_for_udp_truncates(self) -> None:
        """If the cookie pushes a UDP answer past its limit, then only the question and OPT remain, with TC."""
        import dns.flags
        import dns.message

        original = answer_with_opt(3)
        wire = add_cookie(original, CLIENT + bytes(16), limit=len(original) + 10)
        message = dns.message.from_wire(wire)
        self.assertTrue(message.flags & dns.flags.TC)
        self.assertEqual(message.answer, [])
        self.assertEqual([o.otype for o in message.options], [OPTION_COOKIE])

    def test_answer_without_opt_unchanged(self) -> None:
        """If an answer has no OPT, then it is left alone."""
        wire = answer_with_opt(0)[:-11]
        self.assertEqual(add_cookie(wire, CLIENT + bytes(16)), wire)

    def test_badcookie_is_extended_rcode(self) -> None:
        """BADCOOKIE is 23, which needs the OPT's extended rcode bits."""
        self.assertEqual(BADCOOKIE >> 4, 1)
