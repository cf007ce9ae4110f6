# -*- test-case-name: tests.test_follower -*-
"""
Tests for L{dnsops.zoneindex.follower}: the index follows what another connection commits.
"""

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.names import dns
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.store import db
from dnsops.zoneindex.follower import ZoneFollower
from dnsops.zoneindex.index import ZoneIndex

SOA = "ns1.{0} admin.{0} 1 3600 900 604800 300"


def run_in_this_thread(f, *args) -> defer.Deferred:
    """Run the follower's thread work inline, so a Clock alone drives the polls."""
    return defer.maybeDeferred(f, *args)


class Writer:
    """Another process's view of the database: a second connection that commits changes."""

    def __init__(self, path: str) -> None:
        self.conn = db.connect(path)

    def add_zone(self, name: str) -> int:
        with db.transaction(self.conn):
            zone_id = self.conn.execute(
                "INSERT INTO zones (name, created) VALUES (?, ?)", (name, db.now())
            ).lastrowid
            self._insert(zone_id, name, "SOA", SOA.format(name))
        return zone_id

    def add_record(self, zone_id: int, name: str, rtype: str, rdata: str) -> None:
        with db.transaction(self.conn):
            self._insert(zone_id, name, rtype, rdata)
            db.touch_zone(self.conn, zone_id)

    def _insert(self, zone_id, name, rtype, rdata) -> None:
        self.conn.execute(
            "INSERT INTO records (zone_id, name, type, ttl, rdata) VALUES (?, ?, ?, 3600, ?)",
            (zone_id, name, rtype, rdata),
        )

    def execute(self, sql: str, *args) -> None:
        with db.transaction(self.conn):
            self.conn.execute(sql, args)


class ZoneFollowerClockTests(SynchronousTestCase):
    """Polling, driven by a Clock, with the reads run inline."""

    def setUp(self) -> None:
        self.path = self.mktemp()
        self.writer = Writer(self.path)
        self.addCleanup(self.writer.conn.close)
        self.example = self.writer.add_zone("example.com")
        self.writer.add_record(self.example, "www.example.com", "A", "192.0.2.1")
        self.writer.add_zone("example.org")
        self.writer.execute("INSERT INTO config (key, value) VALUES ('server_id', 'ns1')")
        self.index = ZoneIndex()
        self.clock = Clock()
        self.configs: list[dict] = []
        self.commands: list[str] = []
        self.follower = ZoneFollower(
            self.path, self.index, clock=self.clock, interval=0.25,
            on_config=self.configs.append, on_control=self.commands.append,
            run_in_thread=run_in_this_thread,
        )
        self.follower.startService()
        self.addCleanup(self.follower.stopService)

    def test_loaded_at_start(self) -> None:
        """
        If the service starts, then every zone and the config are loaded before the first poll.
        """
        self.assertTrue(self.follower.loaded)
        self.assertEqual(sorted(self.index.zones), ["example.com", "example.org"])
        self.assertEqual(len(self.index.get("example.com").rrset("www.example.com", dns.A)), 1)
        self.assertEqual(self.configs, [{"server_id": "ns1"}])

    def test_change_seen_within_one_interval(self) -> None:
        """If another connection commits a record, then the next poll serves it."""
        self.writer.add_record(self.example, "new.example.com", "A", "192.0.2.2")
        self.assertNotIn("new.example.com", self.index.get("example.com").nodes)
        self.clock.advance(0.25)
        self.assertIn("new.example.com", self.index.get("example.com").nodes)

    def test_only_changed_zone_rebuilt(self) -> None:
        """If one zone changes, then the other zone's object is kept as it was."""
        org = self.index.get("example.org")
        generation = self.index.generation
        self.writer.add_record(self.example, "new.example.com", "A", "192.0.2.2")
        self.clock.advance(0.25)
        self.assertIs(self.index.get("example.org"), org)
        self.assertEqual(self.index.generation, generation + 1)

    def test_no_change_no_work(self) -> None:
        """If nothing was committed, then a poll rebuilds nothing."""
        generation = self.index.generation
        self.assertIsNone(self.follower.poll())
        self.clock.advance(1)
        self.assertEqual(self.index.generation, generation)

    def test_zone_deleted(self) -> None:
        """If a zone is deleted, then it is no longer served."""
        self.writer.execute("DELETE FROM zones WHERE name = 'example.org'")
        self.clock.advance(0.25)
        self.assertIsNone(self.index.find("www.example.org"))

    def test_zone_added(self) -> None:
        """If a zone is added, then it is served after the next poll."""
        self.writer.add_zone("example.net")
        self.clock.advance(0.25)
        self.assertEqual(self.index.find("www.example.net").name, "example.net")

    def test_zone_recreated_same_generation(self) -> None:
        """
        If a zone is deleted and added again with the same generation, then the new one is served.
        """
        self.writer.execute("DELETE FROM zones WHERE name = 'example.com'")
        self.writer.add_zone("example.com")
        self.clock.advance(0.25)
        self.assertNotIn("www.example.com", self.index.get("example.com").nodes)

    def test_config_change(self) -> None:
        """If a config value changes, then on_config gets the stored values, once."""
        self.writer.execute("UPDATE config SET value = 'ns2' WHERE key = 'server_id'")
        self.clock.advance(0.25)
        self.clock.advance(0.25)
        self.assertEqual(self.configs, [{"server_id": "ns1"}, {"server_id": "ns2"}])

    def test_control_once(self) -> None:
        """
        If a control request is recorded, then on_control runs once and the request is marked done.
        """
        self.writer.execute(
            "INSERT INTO control (command, requested) VALUES ('flush-cache', ?)", db.now()
        )
        self.clock.advance(0.25)
        self.clock.advance(0.25)
        self.assertEqual(self.commands, ["flush-cache"])
        done = self.writer.conn.execute("SELECT done FROM control").fetchone()[0]
        self.assertEqual(done, 1)

    def test_failing_callback_keeps_polling(self) -> None:
        """If on_control raises, then the error is logged and later changes are still followed."""
        def fail(command):
            raise RuntimeError("boom")

        self.follower.on_control = fail
        self.writer.execute(
            "INSERT INTO control (command, requested) VALUES ('flush-cache', ?)", db.now()
        )
        self.clock.advance(0.25)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
        self.writer.add_zone("example.net")
        self.clock.advance(0.25)
        self.assertIsNotNone(self.index.get("example.net"))

    def test_stop_stops_polling(self) -> None:
        """If the service stops, then no call is left scheduled on the clock."""
        self.successResultOf(self.follower.stopService())
        self.assertEqual(self.clock.getDelayedCalls(), [])


class ZoneFollowerThreadTests(TestCase):
    """The reload really runs in a thread, with its own connection."""

    @defer.inlineCallbacks
    def test_reload_in_thread(self) -> None:
        """
        If a zone changes, then a poll builds it in a thread and swaps it in on the reactor thread.
        """
        path = self.mktemp()
        writer = Writer(path)
        self.addCleanup(writer.conn.close)
        zone_id = writer.add_zone("example.com")
        index = ZoneIndex()
        follower = ZoneFollower(path, index, interval=60)
        follower.startService()
        self.addCleanup(follower.stopService)
        for i in range(200):
            writer._insert(zone_id, f"h{i}.example.com", "A", f"192.0.2.{i}")
        writer.add_record(zone_id, "www.example.com", "A", "192.0.2.250")
        reload = follower.poll()
        self.assertIsNotNone(reload)
        yield reload
        self.assertEqual(index.get("example.com").record_count(), 202)
