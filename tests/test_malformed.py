"""
Malformed packets: thousands of random, truncated and garbled queries never stop the server.

The packets come from a seeded generator (so a failure can be replayed), are sent over UDP
without waiting for answers, and then a normal query must still be answered. The factory is
also fed directly, so any exception it would log fails the test.
"""

import random
import struct

from twisted.internet import defer
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.resolvers.chain import ResolverChain
from dnsops.resolvers.context import Resolution
from dnsops.server.factory import DNSServerFactory
from dnsops.store import db, records, zones
from tests import dnsquery
from tests.dnsquery import check
from tests.harness import start_server

SEED = 8906
COUNT = 3000


def garbled(rng: random.Random, count: int) -> list[bytes]:
    """Random bytes, cut-off real queries, and real queries with bytes flipped or counts changed."""
    good = [
        dnsquery.make(name, rdtype, use_edns=edns).to_wire()
        for name, rdtype, edns in [("www.example.com", "A", 0), ("example.com", "SOA", None),
                                   ("x.y.example.com", "TXT", 0), ("example.com", "MX", None)]
    ]
    packets = []
    for i in range(count):
        base = rng.choice(good)
        kind = i % 5
        if kind == 0:
            packets.append(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 80))))
        elif kind == 1:
            packets.append(base[: rng.randrange(len(base))])
        elif kind == 2:
            data = bytearray(base)
            for _ in range(rng.randrange(1, 6)):
                data[rng.randrange(2, len(data))] = rng.randrange(256)
            data[2] &= 0x7F
            packets.append(bytes(data))
        elif kind == 3:
            counts = struct.pack("!4H", *(rng.choice([0, 1, 2, 255, 65535]) for _ in range(4)))
            packets.append(base[:4] + counts + base[12:])
        else:
            packets.append(base + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))))
    return packets


class _Answering:
    """A layer that answers every name with an empty authoritative NOERROR."""

    def resolve(self, query, ctx):
        return Resolution(authoritative=True)


class _Chains:
    recursive = local = ResolverChain([_Answering()])


class FactoryFuzzTests(SynchronousTestCase):
    """The factory alone: nothing it is fed escapes or is logged as a bug."""

    def test_garbled_packets_never_raise(self):
        """If thousands of malformed packets are handled, then no error is logged and each answer parses as DNS."""
        factory = DNSServerFactory(_Chains())
        sent = []
        for transport in ("udp", "tcp"):
            for packet in garbled(random.Random(SEED), COUNT):
                factory.handle(packet, ("127.0.0.1", 5353), transport, sent.append)
        self.assertEqual(self.flushLoggedErrors(), [])
        for answer in sent:
            self.assertGreaterEqual(len(answer), 12)
            self.assertTrue(answer[2] & 0x80)


class ServerFuzzTests(TestCase):
    """A real server flooded with garbage still answers."""

    def setUp(self) -> None:
        path = self.mktemp()
        conn = db.connect(path)
        with db.transaction(conn):
            zones.add_zone(conn, "example.com", ns="ns1.example.com", admin="admin.example.com")
            records.add_record(conn, "example.com", "www", "A", "192.0.2.10")
        conn.close()
        self.server = start_server(self, path)

    @defer.inlineCallbacks
    def test_still_answers_after_garbage(self):
        """If a few thousand malformed UDP packets and a few over TCP arrive, then a normal query is still answered."""
        packets = garbled(random.Random(SEED), COUNT)
        yield deferToThread(_blast, self.server.port, packets)
        for packet in packets[:25]:
            yield dnsquery.raw(self.server.port, packet, tcp=True, timeout=0.2)
        resp = yield dnsquery.query(self.server.port, "www.example.com", "A")
        check(resp, rcode="NOERROR", flags="AA")
        self.assertEqual(self.flushLoggedErrors(), [])


def _blast(port: int, packets: list[bytes]) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for packet in packets:
            sock.sendto(packet, (dnsquery.LOOPBACK, port))
