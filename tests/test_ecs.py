# -*- test-case-name: tests.test_ecs -*-
"""
EDNS Client Subnet (RFC 7871) in replies: geo answers say which subnet they were chosen for.

A resolver caches an answer for the scope the reply's ECS option gives; without it, one
client's geo answer would be served to all of the resolver's clients.
"""

import os

import dns.edns

from twisted.internet import defer
from twisted.trial.unittest import TestCase

from dnsops.store import db, records
from tests import dnsquery
from tests.dnsquery import check, check_rr
from tests.harness import start_server
from tests.test_server import make_zone_db, set_config

GEOIP = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "geoip",
    "GeoLite2-Country-Test.mmdb",
)


def _ecs(resp) -> dns.edns.ECSOption | None:
    for option in resp.options:
        if option.otype == dns.edns.ECS:
            return option
    return None


class ClientSubnetTests(TestCase):
    """A server with a geo database and an RRset tagged GB and default."""

    def setUp(self) -> None:
        if not os.path.exists(GEOIP):
            self.skipTest(f"no GeoIP test database at {GEOIP}")
        self.db_path = self.mktemp()
        make_zone_db(self.db_path)
        conn = db.connect(self.db_path)
        try:
            with db.transaction(conn):
                records.add_record(conn, "example.com", "geo", "A", "192.0.2.44", geo="GB")
                records.add_record(conn, "example.com", "geo", "A", "192.0.2.45", geo="default")
        finally:
            conn.close()
        set_config(self.db_path, "geoip_db_path", os.path.abspath(GEOIP))
        set_config(self.db_path, "rate_limit_per_sec", "0")
        self.port = start_server(self, self.db_path).port

    @defer.inlineCallbacks
    def test_geo_answer_has_the_source_prefix_as_scope(self) -> None:
        """If a geo RRset is answered for ECS 81.2.69.160/27 (GB), then the reply's ECS echoes it with scope 27."""
        option = dns.edns.ECSOption("81.2.69.160", 27)
        resp = yield dnsquery.query(self.port, "geo.example.com", "A", options=[option])
        check(resp, rcode="NOERROR", flags="AA")
        check_rr(resp, "answer", "geo.example.com", "A", "192.0.2.44")
        echoed = _ecs(resp)
        self.assertIsNotNone(echoed)
        self.assertEqual((echoed.address, echoed.srclen, echoed.scopelen), ("81.2.69.160", 27, 27))

    @defer.inlineCallbacks
    def test_answer_for_everyone_has_scope_zero(self) -> None:
        """If a name without geo records is asked with ECS, then the reply's ECS has scope 0."""
        option = dns.edns.ECSOption("81.2.69.160", 27)
        resp = yield dnsquery.query(self.port, "www.example.com", "A", options=[option])
        echoed = _ecs(resp)
        self.assertIsNotNone(echoed)
        self.assertEqual((echoed.srclen, echoed.scopelen), (27, 0))

    @defer.inlineCallbacks
    def test_no_ecs_in_query_none_in_reply(self) -> None:
        """If the query has no ECS option, then the reply has none, and the default record is served."""
        resp = yield dnsquery.query(self.port, "geo.example.com", "A")
        self.assertIsNone(_ecs(resp))
        check_rr(resp, "answer", "geo.example.com", "A", "192.0.2.45")
