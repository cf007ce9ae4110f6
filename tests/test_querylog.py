"""Tests for L{dnsops.querylog} and L{dnsops.store.querylog}: batched, capped query logging."""

from twisted.internet import defer, task, threads
from twisted.trial.unittest import SynchronousTestCase, TestCase

from dnsops.querylog import QueryLogWriter, Stats
from dnsops.resolvers.cache import Cache
from dnsops.store import db, querylog as store


class WriterTestCase:
    def make_writer(self, **kwargs) -> QueryLogWriter:
        self.path = self.mktemp()
        self.conn = db.connect(self.path)
        self.addCleanup(self.conn.close)
        self.clock = task.Clock()
        self.stats = Stats(self.clock)
        writer = QueryLogWriter(lambda: db.connect(self.path), stats=self.stats, clock=self.clock, **kwargs)
        writer.startService()
        self.addCleanup(lambda: writer.running and writer.stopService())
        return writer

    def rows(self) -> int:
        return self.conn.execute("SELECT count(*) FROM query_log").fetchone()[0]

    def log(self, writer, n: int, name: str = "www.example.com", answered_by: str = "upstream", client="127.0.0.1"):
        for _ in range(n):
            writer.log(client, "udp", name.encode(), 1, 0, answered_by, 1.25)


class QueryLogWriterTests(WriterTestCase, SynchronousTestCase):
    def test_rows_appear_after_one_interval(self):
        """If queries are logged, then their rows are written one interval later, not before."""
        writer = self.make_writer()
        self.log(writer, 3)
        self.assertEqual(self.rows(), 0)
        self.clock.advance(1)
        self.assertEqual(self.rows(), 3)
        entries, total = store.recent(self.conn, limit=1)
        self.assertEqual(total, 3)
        self.assertEqual(
            {k: v for k, v in entries[0].items() if k != "time"},
            {"client": "127.0.0.1", "protocol": "udp", "name": "www.example.com", "type": "A",
             "rcode": "NOERROR", "answered_by": "upstream", "duration_ms": 1.25},
        )

    def test_full_backlog_written_without_waiting_for_the_interval(self):
        """If max_pending rows are waiting, then they are written at the next reactor turn."""
        writer = self.make_writer(max_pending=500)
        self.log(writer, 500)
        self.clock.advance(0)
        self.assertEqual(self.rows(), 500)

    def test_only_the_newest_cap_rows_of_a_batch_are_written(self):
        """If a batch holds more rows than query_log_size, then only its newest cap rows are written."""
        writer = self.make_writer(size=50)
        self.log(writer, 40, name="old.example.com")
        self.log(writer, 50, name="new.example.com")
        self.clock.advance(1)
        self.assertEqual(self.rows(), 50)
        names = {e["name"] for e in store.recent(self.conn, limit=100)[0]}
        self.assertEqual(names, {"new.example.com"})

    def test_table_stays_under_cap(self):
        """If more rows than query_log_size are logged, then only the newest cap rows remain."""
        writer = self.make_writer(size=100)
        for i in range(7):
            self.log(writer, 40, name=f"n{i}.example.com")
            self.clock.advance(1)
        self.assertEqual(self.rows(), 100)
        newest = store.recent(self.conn, limit=1)[0][0]
        self.assertEqual(newest["name"], "n6.example.com")

    def test_one_transaction_per_batch(self):
        """If 300 queries are logged, then a flush commits once (the connection's total changes grow in one step)."""
        writer = self.make_writer()
        self.log(writer, 300)
        commits = []
        writer.conn.set_trace_callback(lambda sql: sql.startswith("COMMIT") and commits.append(sql))
        self.clock.advance(1)
        self.assertEqual(len(commits), 1)

    def test_backlog_is_bounded(self):
        """If far more rows wait than max_pending, then the oldest are dropped and counted."""
        writer = self.make_writer(max_pending=1000)
        self.log(writer, 1500)
        self.assertEqual(len(writer.pending), 1000)
        self.assertEqual(writer.dropped, 500)

    def test_stop_flushes(self):
        """If the service stops, then what is pending is written."""
        writer = self.make_writer()
        self.log(writer, 5)
        writer.stopService()
        self.assertEqual(self.rows(), 5)

    def test_counters(self):
        """If queries of each kind are logged, then the counters and top lists add them up."""
        writer = self.make_writer()
        self.log(writer, 3, answered_by="authoritative")
        self.log(writer, 2, name="ads.example.com", answered_by="blocked", client="192.0.2.9")
        self.log(writer, 1, answered_by="rate-limited")
        writer.log("::1", "tcp", b"x.example.com", 28, 3, "upstream", 9.0)
        self.clock.advance(1)
        cache = Cache(self.clock)
        cache.get(("a", 1, 1))
        snapshot = self.stats.snapshot(cache=cache, conn=self.conn)
        self.assertEqual(snapshot["total"], 7)
        self.assertEqual(snapshot["queries"], {"udp": 6, "tcp": 1, "dot": 0, "doh": 0})
        self.assertEqual((snapshot["authoritative"], snapshot["blocked"], snapshot["rate_limited"]), (3, 2, 1))
        self.assertEqual((snapshot["cache_hits"], snapshot["cache_misses"]), (0, 1))
        self.assertEqual(snapshot["top_domains"][0], {"name": "www.example.com", "count": 4})
        self.assertEqual(snapshot["top_clients"][0], {"client": "127.0.0.1", "count": 4})
        self.assertEqual(snapshot["top_blocked"], [{"name": "ads.example.com", "count": 2}])
        self.clock.advance(5)
        self.assertEqual(self.stats.snapshot()["uptime"], 6)
        blocked, total = store.recent(self.conn, answered_by="blocked", client="192.0.2.9")
        self.assertEqual((total, blocked[0]["name"]), (2, "ads.example.com"))
        last = store.recent(self.conn, limit=1)[0][0]
        self.assertEqual((last["type"], last["rcode"]), ("AAAA", "NXDOMAIN"))


class ThreadedWriterTests(WriterTestCase, TestCase):
    @defer.inlineCallbacks
    def test_flush_in_a_thread(self):
        """If the writer is given a thread runner, then the batch is written there and the rows appear."""
        writer = self.make_writer(in_thread=threads.deferToThread)
        self.log(writer, 20)
        self.clock.advance(1)
        yield writer._flushing
        self.log(writer, 2)
        yield writer.stopService()
        self.assertEqual(self.rows(), 22)
