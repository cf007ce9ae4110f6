"""
RFC 8906 section 8: the test procedures for zone operators, one test each, against a real server.

Each docstring gives the C{dig} command of the RFC that the test sends with dnspython, and the
test asserts the RFC's "expect:" lines. The zone is C{example.com} with an SOA; it is unsigned,
so the DNSKEY query of 8.2.6 has no data.
"""

import dns.edns

from twisted.internet import defer
from twisted.trial.unittest import TestCase

from dnsops.store import db, zones
from tests import dnsquery
from tests.dnsquery import check, check_empty, check_rr
from tests.harness import start_server

ZONE = "example.com"


class RFC8906Tests(TestCase):
    """Section 8.1 (basic DNS) and 8.2 (extended DNS)."""

    def setUp(self) -> None:
        path = self.mktemp()
        conn = db.connect(path)
        with db.transaction(conn):
            zones.add_zone(conn, ZONE, ns="ns1.example.com", admin="admin.example.com")
        conn.close()
        self.port = start_server(self, path).port

    def ask(self, rdtype: str = "SOA", tcp: bool = False, opcode=None, **kw):
        message = dnsquery.make(ZONE, rdtype, **kw)
        if opcode is not None:
            message.set_opcode(opcode)
        return dnsquery.send_message(self.port, message, tcp=tcp)

    def expect_soa(self, resp, rcode="NOERROR", flags="QR AA", noflags="RD AD", edns=False):
        check(resp, rcode=rcode, flags=flags, noflags=noflags)
        check_rr(resp, "answer", ZONE, "SOA")
        if edns:
            self.assertEqual(resp.edns, 0)
        else:
            self.assertEqual(resp.edns, -1)

    @defer.inlineCallbacks
    def test_8_1_1_zone_configured(self):
        """dig +noedns +noad +norec soa $zone: NOERROR, SOA in answer, aa, no rd, ad or OPT."""
        resp = yield self.ask(use_edns=None)
        self.expect_soa(resp)

    @defer.inlineCallbacks
    def test_8_1_2_unknown_type(self):
        """dig +noedns +noad +norec type1000 $zone: NOERROR, no answer, aa, no rd, ad or OPT."""
        resp = yield self.ask("TYPE1000", use_edns=None)
        check(resp, rcode="NOERROR", flags="QR AA", noflags="RD AD")
        check_empty(resp, "answer")
        self.assertEqual(resp.edns, -1)

    @defer.inlineCallbacks
    def test_8_1_3_1_cd(self):
        """dig +noedns +noad +norec +cd soa $zone: NOERROR, SOA, aa, no rd, ad or OPT (cd kept)."""
        resp = yield self.ask(use_edns=None, flags="CD")
        self.expect_soa(resp)
        check(resp, flags="CD")

    @defer.inlineCallbacks
    def test_8_1_3_2_ad(self):
        """dig +noedns +norec +ad soa $zone: NOERROR, SOA, aa, no rd, no ad (unsigned zone)."""
        resp = yield self.ask(use_edns=None, flags="AD")
        self.expect_soa(resp)

    @defer.inlineCallbacks
    def test_8_1_3_3_rd(self):
        """dig +noedns +noad +rec soa $zone: NOERROR, SOA, aa, rd set, no ad or OPT."""
        resp = yield self.ask(use_edns=None, flags="RD")
        self.expect_soa(resp, flags="QR AA RD", noflags="AD")

    @defer.inlineCallbacks
    def test_8_1_3_4_z(self):
        """dig +noedns +noad +norec +zflag soa $zone: NOERROR, SOA, aa, z clear, no rd, ad or OPT."""
        message = dnsquery.make(ZONE, "SOA", use_edns=None)
        message.flags |= 0x0040
        resp = yield dnsquery.send_message(self.port, message)
        self.expect_soa(resp)
        self.assertEqual(resp.flags & 0x0040, 0)

    @defer.inlineCallbacks
    def test_8_1_4_unknown_opcode(self):
        """dig +noedns +noad +opcode=15 +norec +header-only soa $zone: NOTIMP, no SOA, no aa, rd, ad or OPT."""
        wire = bytearray(dnsquery.make(ZONE, "SOA", use_edns=None).to_wire())
        wire[2] |= 15 << 3
        data = yield dnsquery.raw(self.port, bytes(wire))
        flags = int.from_bytes(data[2:4], "big")
        self.assertEqual(flags & 0xF, 4)
        self.assertEqual(flags & 0x0400, 0)
        self.assertEqual(flags & 0x0100, 0)
        self.assertEqual(flags & 0x0020, 0)
        self.assertEqual(data[6:12], b"\0" * 6)

    @defer.inlineCallbacks
    def test_8_1_5_tcp(self):
        """dig +noedns +noad +norec +tcp soa $zone: NOERROR, SOA, aa, no rd, ad or OPT."""
        resp = yield self.ask(use_edns=None, tcp=True)
        self.expect_soa(resp)

    @defer.inlineCallbacks
    def test_8_2_1_minimal_edns(self):
        """dig +nocookie +edns=0 +noad +norec soa $zone: NOERROR, SOA, aa, OPT version 0, no options."""
        resp = yield self.ask(use_edns=0)
        self.expect_soa(resp, edns=True)
        self.assertEqual(tuple(resp.options), ())

    @defer.inlineCallbacks
    def test_8_2_2_edns_version(self):
        """dig +nocookie +edns=1 +noednsneg +noad +norec soa $zone: BADVERS, OPT version 0, no SOA, no aa."""
        resp = yield self.ask(use_edns=1)
        check(resp, rcode="BADVERS", noflags="AA RD AD")
        check_empty(resp, "answer")
        self.assertEqual(resp.edns, 0)

    @defer.inlineCallbacks
    def test_8_2_3_unknown_option(self):
        """dig +nocookie +edns=0 +noad +norec +ednsopt=100 soa $zone: NOERROR, SOA, aa, option 100 not echoed."""
        resp = yield self.ask(use_edns=0, options=[dns.edns.GenericOption(100, b"")])
        self.expect_soa(resp, edns=True)
        self.assertEqual(tuple(resp.options), ())

    @defer.inlineCallbacks
    def test_8_2_4_unknown_flag(self):
        """dig +nocookie +edns=0 +noad +norec +ednsflags=0x40 soa $zone: NOERROR, SOA, aa, MBZ 0x40 clear."""
        resp = yield self.ask(use_edns=0, ednsflags=0x40)
        self.expect_soa(resp, edns=True)
        self.assertEqual(resp.ednsflags, 0)

    @defer.inlineCallbacks
    def test_8_2_5_version_and_option(self):
        """dig +nocookie +edns=1 +noednsneg +noad +norec +ednsopt=100 soa $zone: BADVERS, OPT v0, option not echoed."""
        resp = yield self.ask(use_edns=1, options=[dns.edns.GenericOption(100, b"")])
        check(resp, rcode="BADVERS", noflags="AA")
        check_empty(resp, "answer")
        self.assertEqual((resp.edns, tuple(resp.options)), (0, ()))

    @defer.inlineCallbacks
    def test_8_2_6_truncated_edns(self):
        """dig +nocookie +edns=0 +noad +norec +dnssec +bufsize=512 +ignore dnskey $zone: NOERROR, OPT, DO, TC or data or none."""
        resp = yield self.ask("DNSKEY", use_edns=0, payload=512, want_dnssec=True)
        check(resp, rcode="NOERROR", flags="AA", eflags="DO")
        self.assertEqual(resp.edns, 0)

    @defer.inlineCallbacks
    def test_8_2_7_do(self):
        """dig +nocookie +edns=0 +noad +norec +dnssec soa $zone: NOERROR, SOA, aa, OPT with do."""
        resp = yield self.ask(use_edns=0, want_dnssec=True)
        self.expect_soa(resp, edns=True)
        check(resp, eflags="DO")

    @defer.inlineCallbacks
    def test_8_2_8_edns_tcp(self):
        """dig +nocookie +edns=0 +noad +norec +tcp soa $zone: NOERROR, SOA, aa, OPT version 0."""
        resp = yield self.ask(use_edns=0, tcp=True)
        self.expect_soa(resp, edns=True)
