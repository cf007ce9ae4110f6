"""
Tests for L{dnsops.server.cookies}: RFC 7873 cookies with RFC 9018 server cookies.

Pure tests check the hash against RFC 9018's own example and the option handling; the live
ones ask a real server with dnspython's COOKIE option.
"""

import struct

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase, TestCase

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


class CacheKeyTests(SynchronousTestCase):
    """The packet-cache key of a query with a cookie."""

    def test_cookie_removed_from_key(self) -> None:
        """If a query carries a COOKIE and another option, then the key keeps the other option only."""
        import dns.edns
        import dns.message

        from dnsops.server.cookies import without_cookie

        plain = dns.message.make_query("www.example.com", "A", use_edns=0,
                                       options=[dns.edns.NSIDOption(b"")])
        with_cookie = dns.message.make_query("www.example.com", "A", use_edns=0, options=[
            dns.edns.CookieOption(CLIENT, b""), dns.edns.NSIDOption(b"")])
        with_cookie.id = plain.id
        self.assertEqual(without_cookie(with_cookie.to_wire()), plain.to_wire())
        self.assertEqual(without_cookie(plain.to_wire()), plain.to_wire())


class LiveCookieTests(TestCase):
    """Cookies on a real server, asked with dnspython's COOKIE option."""

    def setUp(self) -> None:
        from tests.harness import start_server
        from tests.test_server import make_zone_db, set_config

        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        set_config(self.db_path, "rate_limit_per_sec", "0.001")
        set_config(self.db_path, "rate_limit_burst", "1")
        self.server = start_server(self, self.db_path)

    def ask(self, client: bytes, server: bytes = b"", tcp: bool = False, with_cookie: bool = True):
        import dns.edns

        from tests import dnsquery

        options = [dns.edns.CookieOption(client, server)] if with_cookie else None
        return dnsquery.query(self.server.port, "www.example.com", "A", tcp=tcp, options=options)

    @staticmethod
    def cookie_of(response):
        import dns.edns

        for option in response.options:
            if option.otype == dns.edns.OptionType.COOKIE:
                return option
        raise AssertionError(f"no COOKIE in {response}")

    @defer.inlineCallbacks
    def test_round_trip(self) -> None:
        """If a client sends its cookie, then it gets ours back, and presenting both is accepted with the same server cookie."""
        import dns.rcode

        first = yield self.ask(CLIENT)
        cookie = self.cookie_of(first)
        self.assertEqual(first.rcode(), dns.rcode.NOERROR)
        self.assertEqual(cookie.client, CLIENT)
        self.assertEqual(len(cookie.server), 16)
        second = yield self.ask(CLIENT, cookie.server)
        self.assertEqual(second.rcode(), dns.rcode.NOERROR)
        self.assertEqual(self.cookie_of(second).server, cookie.server)
        self.assertEqual(second.answer[0][0].address, "192.0.2.10")

    @defer.inlineCallbacks
    def test_valid_cookie_exempt_from_rate_limit(self) -> None:
        """If a source is rate-limited, then plain queries are REFUSED, client-only cookies get BADCOOKIE, and a valid server cookie is still answered."""
        import dns.rcode

        first = yield self.ask(CLIENT)
        server_cookie = self.cookie_of(first).server
        plain = yield self.ask(CLIENT, with_cookie=False)
        self.assertEqual(plain.rcode(), dns.rcode.REFUSED)
        bad = yield self.ask(bytes(8))
        self.assertEqual(bad.rcode(), dns.rcode.BADCOOKIE)
        self.assertEqual(len(self.cookie_of(bad).server), 16)
        for _ in range(3):
            answered = yield self.ask(CLIENT, server_cookie)
            self.assertEqual(answered.rcode(), dns.rcode.NOERROR)
            self.assertEqual(answered.answer[0][0].address, "192.0.2.10")

    @defer.inlineCallbacks
    def test_badcookie_then_retry(self) -> None:
        """If a rate-limited client retries with the server cookie from BADCOOKIE, then it is answered."""
        import dns.rcode

        yield self.ask(CLIENT, with_cookie=False)
        bad = yield self.ask(CLIENT)
        self.assertEqual(bad.rcode(), dns.rcode.BADCOOKIE)
        self.assertEqual(bad.answer, [])
        retry = yield self.ask(CLIENT, self.cookie_of(bad).server)
        self.assertEqual(retry.rcode(), dns.rcode.NOERROR)

    @defer.inlineCallbacks
    def test_malformed_cookie_formerr(self) -> None:
        """If the COOKIE option has a bad length, then the answer is FORMERR."""
        import dns.edns
        import dns.rcode

        from tests import dnsquery

        response = yield dnsquery.query(self.server.port, "www.example.com", "A",
                                        options=[dns.edns.GenericOption(OPTION_COOKIE, b"short")])
        self.assertEqual(response.rcode(), dns.rcode.FORMERR)

    @defer.inlineCallbacks
    def test_cookie_over_tcp(self) -> None:
        """If a cookie comes over TCP, then it is echoed with our server cookie too."""
        response = yield self.ask(CLIENT, tcp=True)
        self.assertEqual(self.cookie_of(response).client, CLIENT)

    @defer.inlineCallbacks
    def test_repeated_query_keeps_cookie(self) -> None:
        """If the same query with the same cookie is sent twice, then the second answer (from the packet cache) still carries the cookie."""
        first = yield self.ask(CLIENT)
        server_cookie = self.cookie_of(first).server
        for _ in range(2):
            again = yield self.ask(CLIENT, server_cookie)
            self.assertEqual(self.cookie_of(again).server, server_cookie)
