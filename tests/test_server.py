"""
Tests for L{dnsops.server}: header bits, EDNS, truncation, CHAOS, the rcode map and the packet cache.

Each test runs a real server (L{tests.harness.start_server}) on 127.0.0.1 port 0 and asks it
with dnspython in a thread.
"""

import struct

import dns.edns
import dns.flags
import dns.message
import dns.rcode

from twisted.internet import defer
from twisted.names import dns as tdns
from twisted.names import error
from twisted.python.failure import Failure
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SkipTest, SynchronousTestCase, TestCase

from dnsops.resolvers.context import Resolution
from dnsops.server import edns
from dnsops.server.factory import DNSDatagramProtocol, DNSServerFactory, rcode_for
from dnsops.server.packetcache import PacketCache
from dnsops.store import config as stored_config
from dnsops.store import db, records, zones
from tests import dnsquery
from tests.dnsquery import check, check_empty, check_rr
from tests.harness import start_server


def make_zone_db(path: str) -> None:
    """example.com with a host, big RRsets for truncation, and a delegation with glue."""
    conn = db.connect(path)
    try:
        with db.transaction(conn):
            zones.add_zone(conn, "example.com", ns="ns1.example.com", admin="admin.example.com")
            records.add_record(conn, "example.com", "ns1", "A", "192.0.2.1")
            records.add_record(conn, "example.com", "www", "A", "192.0.2.10")
            for i in range(40):
                records.add_record(conn, "example.com", "many", "A", f"192.0.2.{i + 1}")
            for i in range(30):
                records.add_record(conn, "example.com", "mx", "MX", f"10 m{i}.example.com")
                records.add_record(conn, "example.com", f"m{i}", "A", f"192.0.2.{i + 100}")
                records.add_record(conn, "example.com", f"m{i}", "AAAA", f"2001:db8::{i + 1}")
            records.add_record(conn, "example.com", "sub", "NS", "ns.sub.example.com")
            records.add_record(conn, "example.com", "ns.sub", "A", "192.0.2.53")
    finally:
        conn.close()


def set_config(path: str, key: str, value: str) -> None:
    conn = db.connect(path)
    try:
        with db.transaction(conn):
            stored_config.set(conn, key, value)
    finally:
        conn.close()


class ServerTestCase(TestCase):
    """A server on a fresh database with L{make_zone_db}'s zone."""

    extra_config: dict = {}

    def setUp(self) -> None:
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        for key, value in self.extra_config.items():
            set_config(self.db_path, key, value)
        self.server = start_server(self, self.db_path)
        self.port = self.server.port

    def ask(self, name: str, rdtype: str = "A", tcp: bool = False, **kw):
        return dnsquery.query(self.port, name, rdtype, tcp=tcp, **kw)


class HeaderBitsTests(ServerTestCase):
    """RFC 1035 / 4035 / 8906 header rules."""

    @defer.inlineCallbacks
    def test_rd_copied(self):
        """If the query has RD, then the answer has RD."""
        resp = yield self.ask("www.example.com", flags="RD")
        check(resp, rcode="NOERROR", flags="QR AA RD")

    @defer.inlineCallbacks
    def test_rd_not_invented(self):
        """If the query has no RD, then the answer has none."""
        resp = yield self.ask("www.example.com")
        check(resp, rcode="NOERROR", flags="QR AA", noflags="RD")

    @defer.inlineCallbacks
    def test_cd_copied(self):
        """If the query has CD, then the answer has CD."""
        resp = yield self.ask("www.example.com", flags="CD")
        check(resp, flags="CD")

    @defer.inlineCallbacks
    def test_z_and_ad_cleared(self):
        """If the query sets Z and AD, then the answer has neither."""
        message = dnsquery.make("www.example.com", "A", flags="AD")
        message.flags |= 0x0040
        resp = yield dnsquery.send_message(self.port, message)
        check(resp, rcode="NOERROR", flags="AA", noflags="AD")
        self.assertEqual(resp.flags & 0x0040, 0)

    @defer.inlineCallbacks
    def test_ra_for_recursive_clients(self):
        """If the client is in allow_recursion (loopback by default), then RA is set."""
        resp = yield self.ask("www.example.com")
        check(resp, flags="RA")

    @defer.inlineCallbacks
    def test_aa_clear_on_referral(self):
        """If the name is below a delegation, then the referral has no AA."""
        resp = yield self.ask("www.sub.example.com")
        check(resp, rcode="NOERROR", noflags="AA")
        check_rr(resp, "authority", "sub.example.com", "NS")

    @defer.inlineCallbacks
    def test_query_case_kept(self):
        """If the question is mixed case, then the question and answer owner keep that case."""
        resp = yield self.ask("wWw.ExAmple.COM")
        self.assertEqual(resp.question[0].name.to_text(), "wWw.ExAmple.COM.")
        self.assertEqual(resp.answer[0].name.to_text(), "wWw.ExAmple.COM.")

    @defer.inlineCallbacks
    def test_unknown_type_nodata(self):
        """If the type is unknown, then the answer is NOERROR with no data and the SOA."""
        resp = yield self.ask("www.example.com", "TYPE1000")
        check(resp, rcode="NOERROR", flags="AA")
        check_empty(resp, "answer")
        check_rr(resp, "authority", "example.com", "SOA")

    @defer.inlineCallbacks
    def test_other_class_refused(self):
        """If the class is neither IN nor CH, then the answer is REFUSED without AA."""
        resp = yield self.ask("www.example.com", rdclass="HS")
        check(resp, rcode="REFUSED", noflags="AA")


class LocalClientTests(ServerTestCase):
    """Clients outside allow_recursion."""

    extra_config = {"allow_recursion": "none"}

    @defer.inlineCallbacks
    def test_outside_zones_refused(self):
        """If a client may not recurse, then a name in no zone is REFUSED, no AA, no RA."""
        resp = yield self.ask("www.example.org")
        check(resp, rcode="REFUSED", noflags="AA RA")

    @defer.inlineCallbacks
    def test_no_ra(self):
        """If a client may not recurse, then authoritative answers have no RA."""
        resp = yield self.ask("www.example.com", flags="RD")
        check(resp, rcode="NOERROR", flags="AA RD", noflags="RA")


class EdnsTests(ServerTestCase):
    """RFC 6891 in the answers."""

    @defer.inlineCallbacks
    def test_no_opt_without_edns(self):
        """If the query has no OPT, then the answer has none."""
        resp = yield self.ask("www.example.com", use_edns=None)
        self.assertEqual(resp.edns, -1)

    @defer.inlineCallbacks
    def test_server_opt(self):
        """If the query has OPT, then ours is version 0, size 1232, flags clear, no options."""
        resp = yield self.ask("www.example.com", payload=4096, ednsflags=0x4000,
                              options=[dns.edns.GenericOption(65001, b"xyz")])
        self.assertEqual((resp.edns, resp.payload, resp.ednsflags, tuple(resp.options)), (0, 1232, 0, ()))

    @defer.inlineCallbacks
    def test_do_copied(self):
        """If the query has DO, then the answer's OPT has DO."""
        resp = yield self.ask("www.example.com", want_dnssec=True)
        check(resp, rcode="NOERROR", eflags="DO")

    @defer.inlineCallbacks
    def test_badvers(self):
        """If the EDNS version is 1, then BADVERS with OPT version 0, no AA and no answer."""
        resp = yield self.ask("www.example.com", use_edns=1, want_dnssec=True)
        check(resp, rcode="BADVERS", noflags="AA", eflags="DO")
        self.assertEqual(resp.edns, 0)
        check_empty(resp, "answer")

    @defer.inlineCallbacks
    def test_two_opts_formerr(self):
        """If the query has two OPT records, then FORMERR."""
        wire = dnsquery.make("www.example.com").to_wire()
        opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
        wire = wire[:10] + struct.pack("!H", 2) + wire[12:] + opt
        data = yield dnsquery.raw(self.port, wire)
        resp = dns.message.from_wire(data)
        check(resp, rcode="FORMERR", noflags="AA")

    @defer.inlineCallbacks
    def test_configured_size(self):
        """If edns_udp_size is changed, then the OPT advertises the new size within a second."""
        set_config(self.db_path, "edns_udp_size", "4096")
        for _ in range(40):
            resp = yield self.ask("www.example.com")
            if resp.payload == 4096:
                break
            yield deferLater(0.05)
        self.assertEqual(resp.payload, 4096)


def deferLater(seconds: float):
    from twisted.internet import reactor, task

    return task.deferLater(reactor, seconds, lambda: None)


class TruncationTests(ServerTestCase):
    """RFC 2181 section 9, as Knot does it."""

    @defer.inlineCallbacks
    def test_answer_too_big_for_512(self):
        """If the answer does not fit 512 bytes without EDNS, then TC=1, AA kept, no records."""
        resp = yield self.ask("many.example.com", use_edns=None)
        check(resp, rcode="NOERROR", flags="TC AA")
        check_empty(resp, "answer")
        check_empty(resp, "authority")

    @defer.inlineCallbacks
    def test_small_client_buffer_counts_as_512(self):
        """If the client offers less than 512, then 512 applies and the answer has TC with OPT."""
        resp = yield self.ask("many.example.com", payload=100)
        check(resp, flags="TC")
        self.assertEqual(resp.edns, 0)

    @defer.inlineCallbacks
    def test_fits_with_edns(self):
        """If EDNS allows 1232 bytes, then the 40 A records come whole."""
        resp = yield self.ask("many.example.com", payload=1232)
        check(resp, noflags="TC")
        self.assertEqual(len(resp.answer[0]), 40)

    @defer.inlineCallbacks
    def test_additional_dropped_first(self):
        """If only the additional section does not fit, then whole RRsets are dropped, no TC."""
        resp = yield self.ask("mx.example.com", "MX", payload=1232)
        check(resp, rcode="NOERROR", flags="AA", noflags="TC")
        self.assertEqual(len(resp.answer[0]), 30)
        self.assertLess(len(resp.additional), 60)
        self.assertLessEqual(len(resp.to_wire()), 1232)

    @defer.inlineCallbacks
    def test_udp_size_never_exceeded(self):
        """If the client offers 4096, then the answer still fits edns_udp_size (1232)."""
        data = yield dnsquery.raw(self.port, dnsquery.make("mx.example.com", "MX", payload=4096).to_wire())
        self.assertLessEqual(len(data), 1232)

    @defer.inlineCallbacks
    def test_tcp_unlimited(self):
        """If the query comes over TCP, then the whole answer comes, additional included."""
        resp = yield self.ask("mx.example.com", "MX", tcp=True, use_edns=None)
        check(resp, noflags="TC")
        self.assertEqual(len(resp.additional), 60)


class ChaosTests(ServerTestCase):
    """CHAOS TXT version.bind, hostname.bind, id.server."""

    @defer.inlineCallbacks
    def test_refused_when_unset(self):
        """If version_string is empty, then version.bind is REFUSED."""
        resp = yield self.ask("version.bind", "TXT", rdclass="CH")
        check(resp, rcode="REFUSED", noflags="AA")


class ChaosSetTests(ServerTestCase):
    """CHAOS answers when the keys are set."""

    extra_config = {"version_string": "dnsops 1", "server_id": "ns-a"}

    @defer.inlineCallbacks
    def test_version(self):
        """If version_string is set, then version.bind is a CH TXT with it, TTL 0, no AA."""
        resp = yield self.ask("version.bind", "TXT", rdclass="CH")
        check(resp, rcode="NOERROR", noflags="AA")
        self.assertEqual(resp.answer[0].to_text(), 'version.bind. 0 CH TXT "dnsops 1"')

    @defer.inlineCallbacks
    def test_id_server(self):
        """If server_id is set, then id.server and hostname.bind answer with it."""
        for name in ("id.server", "hostname.bind"):
            resp = yield self.ask(name, "TXT", rdclass="CH")
            self.assertEqual(resp.answer[0][0].strings, (b"ns-a",))

    @defer.inlineCallbacks
    def test_other_type_refused(self):
        """If a CHAOS query asks for A, then REFUSED."""
        resp = yield self.ask("version.bind", "A", rdclass="CH")
        check(resp, rcode="REFUSED")


class OpcodeAndFormTests(ServerTestCase):
    """What is not a plain query."""

    @defer.inlineCallbacks
    def test_notimp(self):
        """If the opcode is 15, then NOTIMP with the question copied, no records, no AA."""
        wire = bytearray(dnsquery.make("www.example.com", use_edns=None).to_wire())
        wire[2] |= 15 << 3
        data = yield dnsquery.raw(self.port, bytes(wire))
        msg_id, flags, qd, an, ns, ar = struct.unpack("!6H", data[:12])
        self.assertEqual(((flags >> 11) & 0xF, flags & 0xF, flags & edns.AA), (15, 4, 0))
        self.assertEqual((qd, an, ns, ar), (1, 0, 0, 0))
        self.assertEqual(data[12:], bytes(wire[12:]))

    @defer.inlineCallbacks
    def test_response_dropped(self):
        """If the packet has QR=1, then nothing comes back."""
        wire = bytearray(dnsquery.make("www.example.com").to_wire())
        wire[2] |= 0x80
        data = yield dnsquery.raw(self.port, bytes(wire), timeout=0.3)
        self.assertIsNone(data)

    @defer.inlineCallbacks
    def test_short_dropped(self):
        """If the packet is shorter than a header, then nothing comes back."""
        data = yield dnsquery.raw(self.port, b"\x12\x34\x01", timeout=0.3)
        self.assertIsNone(data)

    @defer.inlineCallbacks
    def test_two_questions_formerr(self):
        """If QDCOUNT is 2, then FORMERR echoing ID, opcode and RD, without AA."""
        wire = dnsquery.make("www.example.com", use_edns=None, flags="RD").to_wire()
        question = wire[12:]
        wire = wire[:4] + struct.pack("!H", 2) + wire[6:] + question
        data = yield dnsquery.raw(self.port, wire)
        self.assertEqual(data[:2], wire[:2])
        msg_id, flags = struct.unpack("!HH", data[:4])
        self.assertEqual(flags & 0xF, 1)
        self.assertTrue(flags & edns.RD)
        self.assertFalse(flags & edns.AA)

    @defer.inlineCallbacks
    def test_trailing_garbage_formerr(self):
        """If bytes follow the last record, then FORMERR."""
        data = yield dnsquery.raw(self.port, dnsquery.make("www.example.com").to_wire() + b"xx")
        self.assertEqual(struct.unpack("!H", data[2:4])[0] & 0xF, 1)

    @defer.inlineCallbacks
    def test_tcp_same_rules(self):
        """If a malformed query comes over TCP, then FORMERR comes back over TCP."""
        data = yield dnsquery.raw(self.port, dnsquery.make("www.example.com").to_wire() + b"xx", tcp=True)
        self.assertEqual(struct.unpack("!H", data[2:4])[0] & 0xF, 1)


class PacketCacheServerTests(ServerTestCase):
    """The packet cache inside a running server."""

    @defer.inlineCallbacks
    def test_repeat_is_a_hit_with_new_id(self):
        """If a question is asked twice, then the second answer comes from the cache with its own ID."""
        cache = self.server.factory.packet_cache
        first = yield self.ask("www.example.com")
        hits = cache.hits
        message = dnsquery.make("www.example.com")
        second = yield dnsquery.send_message(self.port, message)
        self.assertEqual(cache.hits, hits + 1)
        self.assertEqual(second.id, message.id)
        self.assertEqual(second.answer, first.answer)

    @defer.inlineCallbacks
    def test_change_is_served(self):
        """If a record changes in the database, then the cached answer is dropped within a second."""
        yield self.ask("www.example.com")
        conn = db.connect(self.db_path)
        with db.transaction(conn):
            rows, _ = records.list_records(conn, "example.com", name="www", rtype="A")
            records.update_record(conn, rows[0]["id"], rdata="192.0.2.99")
        conn.close()
        for _ in range(40):
            resp = yield self.ask("www.example.com")
            if resp.answer and resp.answer[0][0].address == "192.0.2.99":
                break
            yield deferLater(0.05)
        check_rr(resp, "answer", "www.example.com", "A", rdata="192.0.2.99")


class _Chains:
    def __init__(self, layer):
        from dnsops.resolvers.chain import ResolverChain

        self.recursive = self.local = ResolverChain([layer])


class _Raising:
    """A layer that fails with a given exception."""

    def __init__(self, exc):
        self.exc = exc

    def resolve(self, query, ctx):
        raise self.exc


class FactoryUnitTests(SynchronousTestCase):
    """The factory without sockets: C{handle} with a list as the transport."""

    def answer_with(self, layer, wire=None) -> dns.message.Message:
        factory = DNSServerFactory(_Chains(layer))
        sent = []
        factory.handle(wire or dnsquery.make("www.example.com").to_wire(), ("127.0.0.1", 5353), "udp", sent.append)
        return dns.message.from_wire(sent[0])

    def test_rcode_map(self):
        """Each failure kind maps to its rcode; only unknown exceptions are unexpected."""
        rows = [
            (error.DomainError("x"), tdns.EREFUSED, True),
            (error.DNSNameError("x"), tdns.ENAME, True),
            (error.AuthoritativeDomainError("x"), tdns.ENAME, True),
            (error.DNSQueryRefusedError("x"), tdns.EREFUSED, True),
            (error.DNSServerError("x"), tdns.ESERVER, True),
            (error.DNSNotImplementedError("x"), tdns.ENOTIMP, True),
            (error.DNSFormatError("x"), tdns.EFORMAT, True),
            (error.DNSQueryTimeoutError("x"), tdns.ESERVER, True),
            (RuntimeError("bug"), tdns.ESERVER, False),
        ]
        for exc, rcode, expected in rows:
            self.assertEqual(rcode_for(Failure(exc)), (rcode, expected), exc)

    def test_exception_servfail(self):
        """If a layer raises a bug, then SERVFAIL and the failure is logged."""
        resp = self.answer_with(_Raising(ZeroDivisionError()))
        self.assertEqual(resp.rcode(), dns.rcode.SERVFAIL)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)

    def test_no_layer_refused(self):
        """If every layer passes the name on, then REFUSED."""
        resp = self.answer_with(_Raising(error.DomainError()))
        self.assertEqual(resp.rcode(), dns.rcode.REFUSED)

    def test_deferred_failure(self):
        """If a layer's Deferred fails with a timeout, then SERVFAIL."""

        class Slow:
            def resolve(self, query, ctx):
                return defer.fail(error.DNSQueryTimeoutError(query))

        resp = self.answer_with(Slow())
        self.assertEqual(resp.rcode(), dns.rcode.SERVFAIL)

    def test_query_log_hook(self):
        """If on_answer is set, then it gets the client, name, type, rcode and answered_by."""
        seen = []

        class Layer:
            def resolve(self, query, ctx):
                return Resolution(rcode=tdns.ENAME, authoritative=True)

        factory = DNSServerFactory(_Chains(Layer()), on_answer=lambda *args: seen.append(args))
        factory.handle(dnsquery.make("WWW.example.com", "AAAA").to_wire(), ("127.0.0.1", 5), "tcp", lambda d: None)
        ctx, qname, qtype, rcode, answered_by, duration = seen[0]
        self.assertEqual((ctx.client, ctx.transport, qname, qtype, rcode, answered_by),
                         ("127.0.0.1", "tcp", "www.example.com", tdns.AAAA, tdns.ENAME, "authoritative"))

    def test_rate_limited(self):
        """If allow_query says no, then REFUSED and the chain is not asked."""

        factory = DNSServerFactory(_Chains(_Raising(AssertionError("asked"))), allow_query=lambda a: False)
        sent = []
        factory.handle(dnsquery.make("www.example.com").to_wire(), ("127.0.0.1", 5), "udp", sent.append)
        self.assertEqual(dns.message.from_wire(sent[0]).rcode(), dns.rcode.REFUSED)

    def test_ipv4_mapped_recursion(self):
        """If the client is ::ffff:127.0.0.1, then it counts as loopback for allow_recursion."""
        factory = DNSServerFactory(_Chains(_Raising(error.DomainError())))
        self.assertTrue(factory.recursion_allowed("::ffff:127.0.0.1"))
        self.assertFalse(factory.recursion_allowed("192.0.2.1"))


class PacketCacheTests(SynchronousTestCase):
    """L{PacketCache} on its own."""

    def test_other_generation_not_stored(self):
        """If an answer was made from an older generation, then it is not kept."""
        cache = PacketCache()
        cache.reset(2)
        cache.put("udp", False, 1, b"key", (b"answer",))
        self.assertIsNone(cache.get("udp", False, b"key"))

    def test_full_table_emptied(self):
        """If a table is full, then it is emptied before the new entry goes in."""
        cache = PacketCache(max_entries=2)
        cache.reset(0)
        for key in (b"a", b"b", b"c"):
            cache.put("udp", True, 0, key, (key,))
        self.assertEqual(len(cache), 1)
        self.assertEqual((cache.hits, cache.misses), (0, 0))
        cache.get("udp", True, b"c")
        cache.get("udp", True, b"a")
        self.assertEqual((cache.hits, cache.misses), (1, 1))

    def test_tables_apart(self):
        """If a client may recurse, then it never sees a local client's entry."""
        cache = PacketCache()
        cache.reset(0)
        cache.put("udp", False, 0, b"k", (b"local",))
        self.assertIsNone(cache.get("udp", True, b"k"))
        self.assertIsNone(cache.get("tcp", False, b"k"))


class WireTests(SynchronousTestCase):
    """L{dnsops.server.edns} reading and truncation."""

    def test_pointer_loop(self):
        """If the question name points at itself, then the query is malformed."""
        data = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x01\x00\x01"
        self.assertRaises(edns.MalformedQuery, edns.parse_query, data)

    def test_ecs(self):
        """If the query carries ECS 192.0.2.0/24, then the context gets that network."""
        from dns.edns import ECSOption

        wire = dnsquery.make("www.example.com", options=[ECSOption("192.0.2.0", 24)]).to_wire()
        query = edns.parse_query(wire)
        self.assertEqual(str(query.edns.client_subnet()), "192.0.2.0/24")

    def test_opt_in_answer_section(self):
        """If an OPT record is in the answer section, then the query is malformed."""
        wire = dnsquery.make("www.example.com", use_edns=None).to_wire()
        opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
        wire = wire[:6] + struct.pack("!H", 1) + wire[8:] + opt
        self.assertRaises(edns.MalformedQuery, edns.parse_query, wire)

    def test_referral_keeps_glue_or_truncates(self):
        """If a referral's glue does not fit, then TC=1 rather than a referral without glue."""
        query = edns.parse_query(dnsquery.make("a.sub.example.com", use_edns=None).to_wire())
        ns = [tdns.RRHeader(b"sub.example.com", tdns.NS, payload=tdns.Record_NS(b"ns%d.sub.example.com" % i))
              for i in range(13)]
        glue = [tdns.RRHeader(b"ns%d.sub.example.com" % i, tdns.AAAA, payload=tdns.Record_AAAA("2001:db8::1"))
                for i in range(13)]
        wire = edns.encode_response(query, edns.QR, [], ns, glue, 512, 1232, 0)
        self.assertTrue(struct.unpack("!H", wire[2:4])[0] & edns.TC)


class ListenerTests(TestCase):
    """L{dnsops.server.listeners}: one port for every socket."""

    def test_port_zero_shared_by_every_listener(self):
        """If port 0 is asked on 127.0.0.1 and ::1, then UDP and TCP on both get one port."""
        import socket

        from twisted.internet import reactor

        from dnsops.server.listeners import ListeningService

        if not socket.has_ipv6:
            raise SkipTest("no IPv6")
        factory = DNSServerFactory(_Chains(_Raising(error.DomainError())))
        listening = ListeningService(reactor, ["127.0.0.1", "::1"], 0,
                                     udp=lambda: DNSDatagramProtocol(factory),
                                     stream=factory)
        try:
            listening.startService()
        except OSError as e:
            raise SkipTest(f"cannot bind ::1: {e}")
        self.addCleanup(listening.stopService)
        numbers = {l.number for l in listening.listeners}
        self.assertEqual(len(listening.listeners), 4)
        self.assertEqual(numbers, {listening.port_number})
        self.assertEqual([l.address for l in listening.listeners][2], f"[::1]:{listening.port_number}")


class TcpTests(ServerTestCase):
    """RFC 7766 basics."""

    extra_config = {"tcp_idle_timeout": "0.3"}

    @defer.inlineCallbacks
    def test_pipelined_then_idle_close(self):
        """If two queries share a connection, then both are answered, and the idle connection is closed (or reset)."""
        sizes, after_idle = yield deferToThread(_two_on_one_connection, self.port)
        self.assertEqual(len(sizes), 2)
        self.assertEqual(after_idle, b"")


def _two_on_one_connection(port: int) -> tuple[list, bytes]:
    """Send two queries at once on one connection; the answer sizes, then what the idle wait reads."""
    import socket

    sizes = []
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        for name in ("www.example.com", "ns1.example.com"):
            wire = dnsquery.make(name).to_wire()
            sock.sendall(struct.pack("!H", len(wire)) + wire)
        for _ in range(2):
            length = struct.unpack("!H", dnsquery._read(sock, 2))[0]
            dnsquery._read(sock, length)
            sizes.append(length)
        try:
            return sizes, sock.recv(10)
        except ConnectionResetError:
            return sizes, b""
