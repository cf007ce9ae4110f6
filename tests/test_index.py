# -*- test-case-name: tests.test_index -*-
"""
Tests for L{dnsops.zoneindex.index}: building zones from rows, and finding the zone for a name.
"""

import tracemalloc

from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase

from dnsops.zoneindex.index import BUILT_CACHE_SIZE, ZoneIndex, build_zone

SOA = "ns1.example.com admin.example.com 1 3600 900 604800 300"


def row(name, rtype, rdata, ttl=3600, weight=0, geo=None, enabled=1):
    return (name, rtype, ttl, rdata, weight, geo, enabled)


class BuildZoneTests(SynchronousTestCase):
    """What a built zone knows about its names."""

    def setUp(self) -> None:
        self.zone = build_zone("example.com", 7, [
            row("example.com", "SOA", SOA),
            row("a.b.c.example.com", "A", "192.0.2.1"),
            row("www.example.com", "A", "192.0.2.2"),
            row("sub.example.com", "NS", "ns.sub.example.com"),
            row("off.example.com", "NS", "ns.example.net", enabled=0),
            row("www.example.com", "AAAA", "2001:db8::2"),
            row("www.example.com", "A", "192.0.2.3"),
            row("www.example.org", "A", "192.0.2.4"),
            row("www.example.com", "HINFO", "x y"),
        ])

    def test_rrsets_grouped(self) -> None:
        """If rows of one name and type arrive apart, then they form one RRset."""
        self.assertEqual([r[1] for r in self.zone.rrset("www.example.com", dns.A)],
                         ["192.0.2.2", "192.0.2.3"])
        self.assertEqual(len(self.zone.rrset("www.example.com", dns.AAAA)), 1)

    def test_empty_non_terminals(self) -> None:
        """If a name is deep, then every missing ancestor up to the apex exists with no RRsets."""
        self.assertEqual(self.zone.nodes["b.c.example.com"], ())
        self.assertEqual(self.zone.nodes["c.example.com"], ())
        self.assertNotIn("example", self.zone.nodes)

    def test_cuts(self) -> None:
        """If a name below the apex has an enabled NS RRset, then it is a delegation point."""
        self.assertEqual(self.zone.cuts, frozenset({"sub.example.com"}))

    def test_out_of_zone_and_unknown_types_skipped(self) -> None:
        """If a row is outside the zone, of an unknown type or disabled, then it is left out, not fatal."""
        self.assertNotIn("www.example.org", self.zone.nodes)
        self.assertEqual(self.zone.record_count(), 6)

    def test_payload_lru(self) -> None:
        """If many payloads are built, then only the most recent BUILT_CACHE_SIZE are kept."""
        for i in range(BUILT_CACHE_SIZE + 10):
            self.zone.payload(dns.A, f"192.0.{i // 256}.{i % 256}")
        self.assertEqual(len(self.zone._built), BUILT_CACHE_SIZE)
        first = self.zone.payload(dns.A, "192.0.2.9")
        self.assertIs(self.zone.payload(dns.A, "192.0.2.9"), first)

    def test_unchanged_nodes_shared_with_previous(self) -> None:
        """
        If a zone is rebuilt with its previous version, then unchanged names share their tuples
        and changed ones do not.
        """
        rows = [row("example.com", "SOA", SOA), row("www.example.com", "A", "192.0.2.2")]
        rebuilt = build_zone("example.com", 8, rows + [row("new.example.com", "A", "192.0.2.9")],
                             previous=self.zone)
        self.assertIs(rebuilt.nodes["example.com"], self.zone.nodes["example.com"])
        self.assertIsNot(rebuilt.nodes["www.example.com"], self.zone.nodes["www.example.com"])
        self.assertEqual(len(rebuilt.rrset("www.example.com", dns.A)), 1)
        self.assertNotIn("sub.example.com", rebuilt.nodes)
        self.assertEqual(rebuilt.cuts, frozenset())

    def test_memory_per_record(self) -> None:
        """
        If a zone holds many records, then each costs under 450 bytes (1,000,000 fit well under 1
        GB).
        """
        count = 50_000
        rows = [row(f"host-{i}.r{i % 97}.example.com", "A", f"192.0.{i // 256 % 256}.{i % 256}")
                for i in range(count)]
        tracemalloc.start()
        try:
            zone = build_zone("example.com", 1, iter(rows))
            used = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        self.assertEqual(zone.record_count(), count)
        self.assertLess(used / count, 450)


class ZoneIndexTests(SynchronousTestCase):
    """Finding the zone for a name, and the generation counter."""

    def setUp(self) -> None:
        self.index = ZoneIndex()
        for name in ("example.com", "sub.example.com", "example.org"):
            self.index.replace(build_zone(name, 1, [row(name, "SOA", SOA)]))

    def test_longest_suffix(self) -> None:
        """If zones nest, then the deepest apex that is the name or an ancestor wins."""
        self.assertEqual(self.index.find("a.b.sub.example.com").name, "sub.example.com")
        self.assertEqual(self.index.find("sub.example.com").name, "sub.example.com")
        self.assertEqual(self.index.find("xsub.example.com").name, "example.com")
        self.assertEqual(self.index.find("example.com").name, "example.com")

    def test_not_found(self) -> None:
        """If no apex is an ancestor, then find gives None."""
        self.assertIsNone(self.index.find("example.net"))
        self.assertIsNone(self.index.find("com"))
        self.assertIsNone(self.index.find(""))

    def test_root_zone(self) -> None:
        """If the root zone is served, then every name falls back to it."""
        self.index.replace(build_zone("", 1, [row("", "SOA", SOA), row("net", "NS", "a.example")]))
        self.assertEqual(self.index.find("www.example.net").name, "")
        self.assertEqual(self.index.find("sub.example.com").name, "sub.example.com")
        self.assertEqual(self.index.get("").cuts, frozenset({"net"}))

    def test_generation(self) -> None:
        """
        If a zone is replaced or removed, then the generation increases; removing nothing keeps it.
        """
        start = self.index.generation
        self.index.replace(build_zone("example.org", 2, []))
        self.assertEqual(self.index.generation, start + 1)
        self.index.remove("example.org")
        self.assertEqual(self.index.generation, start + 2)
        self.index.remove("example.org")
        self.assertEqual(self.index.generation, start + 2)
        self.assertIsNone(self.index.find("www.example.org"))

    def test_deep_names_after_remove(self) -> None:
        """If the deepest zone is removed, then names below it find the parent zone."""
        self.index.remove("sub.example.com")
        self.assertEqual(self.index.find("a.b.sub.example.com").name, "example.com")
