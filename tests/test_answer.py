# -*- test-case-name: tests.test_answer -*-
"""
Tests for L{dnsops.resolvers.answer}, L{dnsops.resolvers.authority} and L{dnsops.routing}.

One rich zone, every outcome of RFC 1034 §4.3.2 as its own test; the expected answers are what
Knot DNS 3.2 gives for the same zone (checked with kdig when these tests were written).
"""

import ipaddress
import os
import random

import dns.message
import dns.rdatatype
from twisted.names import dns as tdns
from twisted.names import error
from twisted.trial.unittest import SkipTest, SynchronousTestCase

from dnsops.resolvers.answer import MAX_CHAIN, answer
from dnsops.resolvers.authority import AuthorityResolver
from dnsops.resolvers.context import QueryContext
from dnsops.routing import CountryReader, select
from dnsops.zoneindex.index import ZoneIndex, build_zone

GEOIP = os.path.join(
    os.path.dirname(__file__), "..", "..", "shared", "data", "geoip", "GeoLite2-Country-Test.mmdb"
)

SOA = "ns1.example.com admin.example.com 1 3600 900 604800 300"

#: (name, type, rdata) or (name, type, rdata, weight, geo, enabled); TTL 3600 throughout.
ZONE = [
    ("example.com", "SOA", SOA),
    ("example.com", "NS", "ns1.example.com"),
    ("example.com", "NS", "ns2.example.com"),
    ("example.com", "MX", "10 mail.example.com"),
    ("example.com", "A", "192.0.2.1"),
    ("example.com", "TXT", '"hello"'),
    ("ns1.example.com", "A", "192.0.2.53"),
    ("ns2.example.com", "A", "192.0.2.54"),
    ("mail.example.com", "A", "192.0.2.25"),
    ("mail.example.com", "AAAA", "2001:db8::25"),
    ("www.example.com", "CNAME", "web.example.com"),
    ("web.example.com", "A", "192.0.2.80"),
    ("c1.example.com", "CNAME", "c2.example.com"),
    ("c2.example.com", "CNAME", "www.example.com"),
    ("dangle.example.com", "CNAME", "nothere.example.com"),
    ("out.example.com", "CNAME", "www.example.org"),
    ("loop1.example.com", "CNAME", "loop2.example.com"),
    ("loop2.example.com", "CNAME", "loop1.example.com"),
    ("tosub.example.com", "CNAME", "host.sub.example.com"),
    ("*.wild.example.com", "A", "192.0.2.99"),
    ("*.wild.example.com", "TXT", '"wild"'),
    ("exact.wild.example.com", "A", "192.0.2.98"),
    ("a.b.ent.example.com", "A", "192.0.2.7"),
    ("*.ent.example.com", "A", "192.0.2.8"),
    ("*.wc.example.com", "CNAME", "web.example.com"),
    ("sub.example.com", "NS", "ns.sub.example.com"),
    ("sub.example.com", "NS", "ns.other.example.com"),
    ("ns.sub.example.com", "A", "192.0.2.200"),
    ("ns.other.example.com", "A", "192.0.2.201"),
    ("_sip._tcp.example.com", "SRV", "10 60 5060 mail.example.com"),
    ("w.example.com", "A", "192.0.2.101", 90, None, True),
    ("w.example.com", "A", "192.0.2.102", 10, None, True),
    ("g.example.com", "A", "192.0.2.111", 0, "US", True),
    ("g.example.com", "A", "192.0.2.112", 0, "GB", True),
    ("g.example.com", "A", "192.0.2.113", 0, "default", True),
    ("d.example.com", "A", "192.0.2.121", 0, None, True),
    ("d.example.com", "A", "192.0.2.122", 0, None, False),
    ("off.example.com", "A", "192.0.2.130", 0, None, False),
] + [
    (f"chain{i}.example.com", "CNAME", f"chain{i + 1}.example.com") for i in range(MAX_CHAIN + 4)
]


def rows(zone_rows, ttl=3600):
    """Records rows as the follower reads them: (name, type, ttl, rdata, weight, geo, enabled)."""
    out = []
    for row in zone_rows:
        name, rtype, rdata, weight, geo, enabled = (row + (0, None, True))[:6]
        out.append((name, rtype, ttl, rdata, weight, geo, enabled))
    return out


def text(rrs) -> list[str]:
    """RRHeaders as sorted presentation lines, via the wire and dnspython (what a client sees)."""
    message = tdns.Message(id=1, answer=1)
    message.answers = list(rrs)
    parsed = dns.message.from_wire(message.toStr())
    return sorted(
        line for rrset in parsed.answer for line in rrset.to_text().split("\n")
    )


class AnswerTests(SynchronousTestCase):
    """Authoritative answers from one zone, outcome by outcome."""

    def setUp(self) -> None:
        self.zone = build_zone("example.com", 1, rows(ZONE))

    def country_reader(self) -> CountryReader:
        """The MaxMind test database (addresses with known countries are in its README)."""
        if not os.path.exists(GEOIP):
            raise SkipTest(f"no geo test database at {GEOIP}")
        geo = CountryReader(GEOIP)
        self.addCleanup(geo.close)
        return geo

    def ask(self, name, qtype="A", **ctx):
        return answer(self.zone, name, dns.rdatatype.from_text(qtype), QueryContext(**ctx))

    def assertSoa(self, resolution, ttl=300):
        self.assertEqual(text(resolution.authority), [f"example.com. {ttl} IN SOA ns1.example.com. "
                                                      f"admin.example.com. 1 3600 900 604800 300"])

    def test_exact_match(self) -> None:
        """If the name owns the type, then the RRset is the answer with AA (RFC 1034 §4.3.2 3a)."""
        result = self.ask("web.example.com")
        self.assertEqual((result.rcode, result.authoritative), (0, True))
        self.assertEqual(text(result.answer), ["web.example.com. 3600 IN A 192.0.2.80"])
        self.assertTrue(all(rr.auth for rr in result.answer))
        self.assertEqual((result.authority, result.additional), ([], []))
        self.assertTrue(result.cacheable)

    def test_nodata(self) -> None:
        """
        If the name exists without the type, then NOERROR with the SOA, TTL min(TTL, minimum)
        (RFC 2308 §2.2).
        """
        result = self.ask("web.example.com", "AAAA")
        self.assertEqual((result.rcode, result.authoritative, result.answer), (0, True, []))
        self.assertSoa(result)

    def test_nxdomain(self) -> None:
        """If the name does not exist, then NXDOMAIN with AA and the SOA (RFC 2308 §2.1, §3)."""
        result = self.ask("nope.example.com")
        self.assertEqual((result.rcode, result.authoritative, result.answer), (3, True, []))
        self.assertSoa(result)

    def test_negative_ttl_is_soa_ttl_when_smaller(self) -> None:
        """
        If the SOA TTL is below its minimum, then the negative TTL is the SOA TTL (RFC 2308 §3).
        """
        zone = build_zone("example.com", 1, rows([("example.com", "SOA", SOA)], ttl=60))
        result = answer(zone, "nope.example.com", tdns.A, QueryContext())
        self.assertEqual([rr.ttl for rr in result.authority], [60])

    def test_empty_non_terminal(self) -> None:
        """
        If a name exists only because a name below it does, then NODATA, not NXDOMAIN (RFC 8020,
        RFC 4592 §2.2.2).
        """
        result = self.ask("b.ent.example.com")
        self.assertEqual((result.rcode, result.answer), (0, []))
        self.assertSoa(result)

    def test_referral(self) -> None:
        """
        If the name is below a delegation, then a referral: no AA, NS in authority, glue (RFC 1034
        §4.3.2 3b).
        """
        result = self.ask("x.sub.example.com")
        self.assertEqual((result.rcode, result.authoritative, result.answer), (0, False, []))
        self.assertEqual(text(result.authority), [
            "sub.example.com. 3600 IN NS ns.other.example.com.",
            "sub.example.com. 3600 IN NS ns.sub.example.com.",
        ])
        self.assertEqual(text(result.additional), [
            "ns.other.example.com. 3600 IN A 192.0.2.201",
            "ns.sub.example.com. 3600 IN A 192.0.2.200",
        ])
        self.assertFalse(any(rr.auth for rr in result.authority + result.additional))

    def test_referral_at_cut(self) -> None:
        """
        If the name is the delegation point, then even its NS query gets a referral (RFC 1034 §4.3.2
        3b).
        """
        result = self.ask("sub.example.com", "NS")
        self.assertEqual(
            (result.authoritative, result.answer, len(result.authority)), (False, [], 2)
        )

    def test_glue_not_answered(self) -> None:
        """
        If the name is glue below a cut, then it is referred, never answered (RFC 1034 §4.2.1).
        """
        result = self.ask("ns.sub.example.com")
        self.assertEqual(
            (result.authoritative, result.answer, len(result.authority)), (False, [], 2)
        )

    def test_ds_at_cut(self) -> None:
        """
        If DS is asked at a cut, then the parent answers it: NODATA with AA here (RFC 4035
        §3.1.4.1).
        """
        result = self.ask("sub.example.com", "DS")
        self.assertEqual((result.rcode, result.authoritative, result.answer), (0, True, []))
        self.assertSoa(result)

    def test_wildcard_synthesis(self) -> None:
        """
        If no name matches but '*.<closest encloser>' exists, then its RRset is synthesized at the
        qname (RFC 4592 §3.3.1).
        """
        result = self.ask("foo.wild.example.com")
        self.assertEqual((result.rcode, result.authoritative), (0, True))
        self.assertEqual(text(result.answer), ["foo.wild.example.com. 3600 IN A 192.0.2.99"])

    def test_wildcard_deeper_name(self) -> None:
        """
        If the qname is several labels below the closest encloser, then the wildcard still matches
        (RFC 4592 §2.2.1).
        """
        result = self.ask("a.x.wild.example.com", "TXT")
        self.assertEqual(text(result.answer), ['a.x.wild.example.com. 3600 IN TXT "wild"'])

    def test_wildcard_literal(self) -> None:
        """
        If the qname is the wildcard itself, then it is answered as an ordinary name (RFC 4592
        §2.2.1).
        """
        result = self.ask("*.wild.example.com")
        self.assertEqual(text(result.answer), ["*.wild.example.com. 3600 IN A 192.0.2.99"])

    def test_wildcard_nodata(self) -> None:
        """
        If the wildcard lacks the type, then NODATA with the SOA (RFC 4592 §3.3.1, RFC 2308 §2.2).
        """
        result = self.ask("foo.wild.example.com", "MX")
        self.assertEqual((result.rcode, result.answer), (0, []))
        self.assertSoa(result)

    def test_existing_name_blocks_wildcard(self) -> None:
        """
        If the name exists, then the wildcard does not apply, even for types it lacks (RFC 4592
        §2.2.1).
        """
        result = self.ask("exact.wild.example.com", "TXT")
        self.assertEqual((result.rcode, result.answer), (0, []))
        self.assertSoa(result)

    def test_empty_non_terminal_blocks_wildcard(self) -> None:
        """
        If the closest encloser is an empty non-terminal, then only a wildcard below it applies
        (RFC 4592 §2.2.2).
        """
        self.assertEqual(self.ask("b.ent.example.com").answer, [])
        self.assertEqual(self.ask("x.b.ent.example.com").rcode, 3)
        result = self.ask("zz.ent.example.com")
        self.assertEqual(text(result.answer), ["zz.ent.example.com. 3600 IN A 192.0.2.8"])

    def test_wildcard_cname_followed(self) -> None:
        """
        If the wildcard is a CNAME, then it is synthesized at the qname and followed (RFC 4592
        §4.1).
        """
        result = self.ask("x.wc.example.com")
        self.assertEqual(text(result.answer), [
            "web.example.com. 3600 IN A 192.0.2.80",
            "x.wc.example.com. 3600 IN CNAME web.example.com.",
        ])

    def test_cname_followed(self) -> None:
        """
        If the name has a CNAME, then the chain is followed in-zone and returned in one answer
        (RFC 1034 §4.3.2 3a).
        """
        result = self.ask("c1.example.com")
        self.assertEqual((result.rcode, result.authoritative), (0, True))
        self.assertEqual(text(result.answer), [
            "c1.example.com. 3600 IN CNAME c2.example.com.",
            "c2.example.com. 3600 IN CNAME www.example.com.",
            "web.example.com. 3600 IN A 192.0.2.80",
            "www.example.com. 3600 IN CNAME web.example.com.",
        ])

    def test_cname_query_not_followed(self) -> None:
        """
        If the CNAME itself is asked for, then it is the answer and is not followed (RFC 1034
        §3.6.2).
        """
        result = self.ask("www.example.com", "CNAME")
        self.assertEqual(text(result.answer), ["www.example.com. 3600 IN CNAME web.example.com."])

    def test_cname_target_nodata(self) -> None:
        """
        If the CNAME target lacks the type, then the CNAME with the SOA, NOERROR (RFC 2308 §2.2).
        """
        result = self.ask("www.example.com", "AAAA")
        self.assertEqual(text(result.answer), ["www.example.com. 3600 IN CNAME web.example.com."])
        self.assertEqual(result.rcode, 0)
        self.assertSoa(result)

    def test_dangling_cname(self) -> None:
        """
        If an in-zone CNAME target does not exist, then NXDOMAIN with AA, the CNAME and the SOA, as
        Knot (RFC 6604 §2.1).
        """
        result = self.ask("dangle.example.com")
        self.assertEqual((result.rcode, result.authoritative), (3, True))
        self.assertEqual(
            text(result.answer), ["dangle.example.com. 3600 IN CNAME nothere.example.com."]
        )
        self.assertSoa(result)

    def test_cname_out_of_zone(self) -> None:
        """
        If the CNAME points outside the zone, then only the CNAME, NOERROR (RFC 1034 §4.3.2 3a).
        """
        result = self.ask("out.example.com")
        self.assertEqual((result.rcode, result.authority), (0, []))
        self.assertEqual(text(result.answer), ["out.example.com. 3600 IN CNAME www.example.org."])

    def test_cname_into_delegation(self) -> None:
        """
        If the CNAME points below a cut, then the CNAME with AA plus the referral, as Knot (RFC 1034
        §4.3.2 3b).
        """
        result = self.ask("tosub.example.com")
        self.assertEqual((result.rcode, result.authoritative), (0, True))
        self.assertEqual(
            text(result.answer), ["tosub.example.com. 3600 IN CNAME host.sub.example.com."]
        )
        self.assertEqual(len(result.authority), 2)
        self.assertEqual(len(result.additional), 2)

    def test_cname_loop_cut(self) -> None:
        """
        If CNAMEs form a loop, then each appears once and the answer stops, NOERROR, as Knot
        (RFC 1034 §3.6.2).
        """
        result = self.ask("loop1.example.com")
        self.assertEqual(result.rcode, 0)
        self.assertEqual(text(result.answer), [
            "loop1.example.com. 3600 IN CNAME loop2.example.com.",
            "loop2.example.com. 3600 IN CNAME loop1.example.com.",
        ])

    def test_cname_chain_limit(self) -> None:
        """
        If a chain is longer than 16 links, then 16 CNAMEs are returned and no more (RFC 1034 §3.6.2
        loop guard).
        """
        result = self.ask("chain0.example.com")
        self.assertEqual(len(result.answer), MAX_CHAIN)
        self.assertEqual(result.rcode, 0)

    def test_mx_additional(self) -> None:
        """
        If MX is answered, then the exchange's in-zone A and AAAA are in additional (RFC 1035
        §3.3.9).
        """
        result = self.ask("example.com", "MX")
        self.assertEqual(text(result.additional), [
            "mail.example.com. 3600 IN A 192.0.2.25",
            "mail.example.com. 3600 IN AAAA 2001:db8::25",
        ])

    def test_srv_additional(self) -> None:
        """If SRV is answered, then the target's in-zone addresses are in additional (RFC 2782)."""
        result = self.ask("_sip._tcp.example.com", "SRV")
        self.assertEqual(len(result.answer), 1)
        self.assertEqual(len(result.additional), 2)

    def test_ns_additional(self) -> None:
        """
        If the apex NS is answered, then the hosts' addresses are in additional, with AA (RFC 1035
        §3.3.11).
        """
        result = self.ask("example.com", "NS")
        self.assertEqual(result.authoritative, True)
        self.assertEqual(text(result.additional), [
            "ns1.example.com. 3600 IN A 192.0.2.53",
            "ns2.example.com. 3600 IN A 192.0.2.54",
        ])

    def test_any_udp_minimal(self) -> None:
        """
        If ANY comes over UDP, then one RRset is returned, the lowest type as Knot picks (RFC 8482
        §4.2).
        """
        result = self.ask("example.com", "ANY")
        self.assertEqual(text(result.answer), ["example.com. 3600 IN A 192.0.2.1"])

    def test_any_tcp_full(self) -> None:
        """
        If ANY comes over TCP, then every RRset at the name is returned (RFC 8482 §4.1 permits it).
        """
        result = self.ask("example.com", "ANY", transport="tcp")
        self.assertEqual({rr.type for rr in result.answer},
                         {tdns.SOA, tdns.NS, tdns.MX, tdns.A, tdns.TXT})

    def test_any_udp_additional(self) -> None:
        """
        If ANY over UDP picks an SRV RRset, then its target's addresses are added, as Knot does
        (RFC 8482 §4.2).
        """
        result = self.ask("_sip._tcp.example.com", "ANY")
        self.assertEqual((len(result.answer), len(result.additional)), (1, 2))

    def test_any_at_cname(self) -> None:
        """
        If ANY is asked at a CNAME, then the CNAME is returned and not followed (RFC 1034 §4.3.2
        3a).
        """
        result = self.ask("www.example.com", "ANY")
        self.assertEqual(text(result.answer), ["www.example.com. 3600 IN CNAME web.example.com."])

    def test_any_at_empty_non_terminal(self) -> None:
        """If ANY is asked at an empty non-terminal, then NODATA (RFC 8482 §4.1)."""
        result = self.ask("ent.example.com", "ANY")
        self.assertEqual((result.rcode, result.answer), (0, []))
        self.assertSoa(result)

    def test_disabled_never_served(self) -> None:
        """If a record is disabled, then it is never in an answer (manual: soft failover)."""
        result = self.ask("d.example.com")
        self.assertEqual(text(result.answer), ["d.example.com. 3600 IN A 192.0.2.121"])

    def test_all_disabled_is_nxdomain(self) -> None:
        """
        If every record of a name is disabled, then the name does not exist (NXDOMAIN), as on a
        secondary that received the zone by AXFR, which carries only enabled records.
        """
        result = self.ask("off.example.com")
        self.assertEqual((result.rcode, result.answer), (3, []))
        self.assertSoa(result)

    def test_weighted_one_record_not_cacheable(self) -> None:
        """
        If any record has a weight, then one record is served, chosen by weight, and the answer is
        not cacheable.
        """
        rng = random.Random(7)
        seen = []
        for _ in range(1000):
            result = answer(self.zone, "w.example.com", tdns.A, QueryContext(), rng=rng)
            self.assertEqual(len(result.answer), 1)
            self.assertFalse(result.cacheable)
            seen.append(result.answer[0].payload.dottedQuad())
        self.assertTrue(850 <= seen.count("192.0.2.101") <= 950, seen.count("192.0.2.101"))

    def test_geo_by_client_subnet(self) -> None:
        """
        If a resolver sends the client's subnet, then the records for its country are served, not
        cacheable (manual: geo routing).
        """
        geo = self.country_reader()
        ctx = QueryContext(ecs=ipaddress.ip_network("81.2.69.160/27"))
        result = answer(self.zone, "g.example.com", tdns.A, ctx, geo=geo)
        self.assertEqual(text(result.answer), ["g.example.com. 3600 IN A 192.0.2.112"])
        self.assertFalse(result.cacheable)

    def test_geo_by_client_address(self) -> None:
        """
        If there is no subnet, then the source address decides the country (manual: geo routing).
        """
        geo = self.country_reader()
        ctx = QueryContext(client="216.160.83.56")
        result = answer(self.zone, "g.example.com", tdns.A, ctx, geo=geo)
        self.assertEqual(text(result.answer), ["g.example.com. 3600 IN A 192.0.2.111"])

    def test_geo_fallback_default(self) -> None:
        """
        If the client's country has no records, then the 'default' ones are served (manual: geo
        routing).
        """
        geo = self.country_reader()
        ctx = QueryContext(client="89.160.20.112")
        result = answer(self.zone, "g.example.com", tdns.A, ctx, geo=geo)
        self.assertEqual(text(result.answer), ["g.example.com. 3600 IN A 192.0.2.113"])

    def test_geo_without_reader(self) -> None:
        """
        If there is no geo database, then the 'default' records are served and the answer is
        cacheable.
        """
        result = self.ask("g.example.com")
        self.assertEqual(text(result.answer), ["g.example.com. 3600 IN A 192.0.2.113"])
        self.assertTrue(result.cacheable)


class SelectTests(SynchronousTestCase):
    """The manual's selection algorithm on bare rows."""

    def test_untagged_when_no_default(self) -> None:
        """
        If no record matches the country and none is 'default', then untagged records are the
        fallback.
        """
        rows = ((300, "192.0.2.1", 0, "US", True), (300, "192.0.2.2", 0, None, True))
        self.assertEqual(select(rows, "192.0.2.9", None)[0], [rows[1]])

    def test_all_tagged_none_match(self) -> None:
        """
        If every record is tagged for other countries, then all enabled records are served rather
        than none.
        """
        rows = ((300, "192.0.2.1", 0, "US", True), (300, "192.0.2.2", 0, "DE", True))
        self.assertEqual(select(rows, "192.0.2.9", None)[0], list(rows))


class AuthorityResolverTests(SynchronousTestCase):
    """The chain layer over the index."""

    def setUp(self) -> None:
        self.index = ZoneIndex()
        self.index.replace(build_zone("example.com", 1, rows(ZONE)))
        self.resolver = AuthorityResolver(self.index)

    def test_not_our_name(self) -> None:
        """If the name is in no zone, then DomainError passes it on to the next layer."""
        with self.assertRaises(error.DomainError):
            self.resolver.resolve(tdns.Query(b"www.example.org", tdns.A), QueryContext())

    def test_other_class(self) -> None:
        """If the class is not IN, then the question is passed on."""
        with self.assertRaises(error.DomainError):
            self.resolver.resolve(tdns.Query(b"web.example.com", tdns.A, tdns.CH), QueryContext())

    def test_case_and_trailing_dot(self) -> None:
        """
        If the question is mixed-case with a trailing dot, then it is answered as the lower-case
        name.
        """
        result = self.resolver.resolve(tdns.Query(b"WeB.Example.COM.", tdns.A), QueryContext())
        self.assertEqual(text(result.answer), ["web.example.com. 3600 IN A 192.0.2.80"])
        self.assertEqual(result.answered_by, "authoritative")

    def test_nxdomain_stops_chain(self) -> None:
        """If the name is in our zone but absent, then NXDOMAIN is answered, not passed on."""
        result = self.resolver.resolve(tdns.Query(b"nope.example.com", tdns.A), QueryContext())
        self.assertEqual(result.rcode, tdns.ENAME)

    def test_child_zone_wins(self) -> None:
        """If a child zone is served too, then its names are answered from it, with AA."""
        child = [
            ("sub.example.com", "SOA", "ns.sub.example.com admin.example.com 5 3600 900 604800 60"),
            ("host.sub.example.com", "A", "192.0.2.210"),
        ]
        self.index.replace(build_zone("sub.example.com", 1, rows(child)))
        result = self.resolver.resolve(tdns.Query(b"host.sub.example.com", tdns.A), QueryContext())
        self.assertEqual((result.authoritative, text(result.answer)),
                         (True, ["host.sub.example.com. 3600 IN A 192.0.2.210"]))
