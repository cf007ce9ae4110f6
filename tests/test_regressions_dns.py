# -*- test-case-name: tests.test_regressions_dns -*-
"""
Regressions found by probing a running dnsops from outside, side by side with Knot DNS, with
dig, kdig and dnspython (interface.md "DNS answers", "Starting the server"; the RFCs named).

Each test pins one bug, named in its docstring with the query that showed it.
"""

import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone

from twisted.internet import defer
from twisted.internet.threads import deferToThread
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.server.listeners import ListenError, bind_all
from dnsops.store import db, records
from tests import dnsquery
from tests.dnsquery import check, check_rr
from tests.harness import start_server
from tests.test_server import make_zone_db, set_config


class DnsRegressionTestCase(TestCase):
    """A server on L{make_zone_db}'s example.com, plus a wildcard below C{w}."""

    extra_config: dict = {}

    def setUp(self) -> None:
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        conn = db.connect(self.db_path)
        try:
            with db.transaction(conn):
                records.add_record(conn, "example.com", "a.b.c", "A", "192.0.2.3")
                records.add_record(conn, "example.com", "*.w", "A", "192.0.2.90")
        finally:
            conn.close()
        for key, value in self.extra_config.items():
            set_config(self.db_path, key, value)
        self.port = start_server(self, self.db_path).port

    def send(self, message, tcp: bool = False):
        return dnsquery.send_message(self.port, message, tcp)


class NameAndClassTests(DnsRegressionTestCase):
    """How the question name and class are read."""

    @defer.inlineCallbacks
    def test_escaped_dot_is_part_of_the_label(self) -> None:
        """
        Bug: C{dig 'a\\.b.c.example.com'} (a label holding a dot, RFC 1035 section 3.1, RFC 2181
        section 11) was answered as C{a.b.c.example.com} with its A record; Knot answers NXDOMAIN.
        """
        resp = yield self.send(dnsquery.make(r"a\.b.c.example.com"))
        check(resp, rcode="NXDOMAIN", flags="QR AA")
        self.assertEqual(resp.answer, [])
        check_rr(resp, "authority", "example.com.", "SOA")

    @defer.inlineCallbacks
    def test_escaped_dot_wildcard_owner_as_asked(self) -> None:
        """
        Bug: C{dig 'x\\.y.w.example.com'} matched C{*.w} (right, RFC 4592: the closest encloser is
        C{w}) but the answer's owner came back as C{x.y.w.example.com}, which is another name.
        """
        name = r"X\.y.w.example.com."
        resp = yield self.send(dnsquery.make(name))
        check(resp, rcode="NOERROR", flags="QR AA")
        self.assertEqual([(r.name, r.rdtype) for r in resp.answer],
                         [(dns.name.from_text(name), dns.rdatatype.A)])
        self.assertEqual(resp.answer[0].name.labels[0], b"X.y")

    @defer.inlineCallbacks
    def test_qclass_any_answers_in_data(self) -> None:
        """
        Bug: C{dig -c ANY www.example.com A} was REFUSED; QCLASS * matches any class (RFC 1035
        section 3.2.5), and Knot answers it with the IN data and AA.
        """
        resp = yield self.send(dnsquery.make("www.example.com", "A", rdclass="ANY"))
        check(resp, rcode="NOERROR", flags="QR AA")
        check_rr(resp, "answer", "www.example.com.", "A", "192.0.2.10")


class ErrorRepliesTests(DnsRegressionTestCase):
    """NOTIMP and FORMERR replies to EDNS queries."""

    @defer.inlineCallbacks
    def test_notimp_carries_opt(self) -> None:
        """
        Bug: C{dig +edns=0 +opcode=15 example.com SOA} got NOTIMP without an OPT record; RFC 6891
        section 6.1.1: a reply to a query with OPT carries one (version 0, DO copied).
        """
        message = dnsquery.make("example.com", "SOA", opcode="UPDATE", want_dnssec=True)
        message.set_opcode(15)
        resp = yield self.send(message)
        check(resp, rcode="NOTIMP", noflags="AA", eflags="DO")
        self.assertEqual(resp.edns, 0)
        self.assertEqual(resp.opcode(), 15)

    @defer.inlineCallbacks
    def test_update_and_notify_get_notauth(self) -> None:
        """
        Bug: a dnspython UpdateMessage or NOTIFY for example.com got NOTIMP; Knot, not configured
        to take them, answers NOTAUTH (RFC 2136 section 2.2, RFC 1996), and so does dnsops.
        """
        for opcode in ("UPDATE", "NOTIFY"):
            message = dnsquery.make("example.com", "SOA", opcode=opcode)
            resp = yield self.send(message)
            check(resp, rcode="NOTAUTH", noflags="AA")
            self.assertEqual(dns.opcode.to_text(resp.opcode()), opcode)

    @defer.inlineCallbacks
    def test_formerr_carries_opt_and_question(self) -> None:
        """
        Bug: a query with QDCOUNT 0 and an OPT record got FORMERR without OPT (RFC 6891 section
        6.1.1), and a query with one stray octet after it got FORMERR without its question; Knot
        sends both.
        """
        header_only = struct.pack("!HHHHHH", 7, 0, 0, 0, 0, 1) + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
        wire = yield dnsquery.raw(self.port, header_only)
        resp = dns.message.from_wire(wire)
        check(resp, rcode="FORMERR")
        self.assertEqual((resp.edns, resp.payload), (0, 1232))
        wire = yield dnsquery.raw(self.port, dnsquery.make("www.example.com").to_wire() + b"\0")
        resp = dns.message.from_wire(wire)
        check(resp, rcode="FORMERR")
        self.assertEqual([str(q.name) for q in resp.question], ["www.example.com."])
        self.assertEqual(resp.edns, 0)


class TransferRefusedTests(DnsRegressionTestCase):
    """Zone transfers with C{axfr_allow} empty (the default)."""

    @defer.inlineCallbacks
    def test_axfr_refused_by_default(self) -> None:
        """
        Bug: C{dig +tcp example.com AXFR} got NOERROR, AA and an SOA (NODATA) instead of REFUSED;
        the manual: with C{axfr_allow} empty every AXFR returns REFUSED. IXFR likewise.
        """
        for rdtype in ("AXFR", "IXFR"):
            resp = yield self.send(dnsquery.make("example.com", rdtype), tcp=True)
            check(resp, rcode="REFUSED", noflags="AA")
            self.assertEqual((resp.answer, resp.authority), ([], []))


class TransferAllowedTests(DnsRegressionTestCase):
    """Zone transfers to a client in C{axfr_allow}."""

    extra_config = {"axfr_allow": "127.0.0.0/8"}

    @defer.inlineCallbacks
    def test_axfr_over_tcp(self) -> None:
        """
        Bug: AXFR (RFC 5936) was not implemented (NODATA); now an allowed client gets SOA, every
        record, SOA (in as many messages as needed), and dnspython builds the zone from it.
        """
        zone = yield deferToThread(
            lambda: dns.zone.from_xfr(dns.query.xfr(dnsquery.LOOPBACK, "example.com", port=self.port,
                                                    lifetime=dnsquery.TIMEOUT))
        )
        self.assertEqual(str(zone.get_soa().mname), "ns1")
        self.assertEqual(len(zone.find_rdataset("many", "A")), 40)
        self.assertEqual(zone.find_rdataset("*.w", "A")[0].to_text(), "192.0.2.90")
        self.assertEqual(zone.find_rdataset("sub", "NS")[0].to_text(), "ns.sub")

    @defer.inlineCallbacks
    def test_axfr_over_udp_and_not_apex(self) -> None:
        """
        Bug (same as above): AXFR over UDP must be refused (the manual), and AXFR of a name that is
        not a zone apex gets NOTAUTH (RFC 5936 section 2.2.1), as Knot answers.
        """
        resp = yield self.send(dnsquery.make("example.com", "AXFR"))
        check(resp, rcode="REFUSED", noflags="AA")
        resp = yield self.send(dnsquery.make("www.example.com", "AXFR"), tcp=True)
        check(resp, rcode="NOTAUTH", noflags="AA")


class ListenErrorTests(SynchronousTestCase):
    """What a listener that cannot be bound reports."""

    def test_names_the_listener(self) -> None:
        """
        Bug: C{twistd -n dnsops --port P} with P in use (or C{--interface 192.0.2.55}) died with
        an OSError traceback naming no listener; the error is now one line naming address and kind.
        """
        holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(holder.close)
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with self.assertRaises(ListenError) as raised:
            bind_all([("dns udp", "127.0.0.1", socket.SOCK_DGRAM)], port)
        self.assertIsInstance(raised.exception, OSError)
        self.assertEqual(str(raised.exception),
                         f"cannot listen on 127.0.0.1:{port} (dns udp): Address already in use")
