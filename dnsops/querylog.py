# -*- test-case-name: tests.test_querylog -*-
"""
The query log and the counters behind C{/api/stats}: every answered query, recorded cheaply.

L{QueryLogWriter.log} only counts the query and appends a raw tuple to a list; a
C{LoopingCall} writes the batch every second with one C{executemany} in one transaction, in a
thread when the service gives it one, so a slow disk or a CLI holding the write lock never
stalls the answers. Only the newest C{query_log_size} rows of a batch are converted and
written: the table keeps no more than that, so writing older ones would only be trimmed
again. That keeps the log's cost flat under load (100k queries a second write 10k rows).
The backlog is capped: under a flood the oldest unwritten rows are dropped (and counted)
rather than memory growing.
"""

from twisted.application.service import Service
from twisted.internet import defer, task
from twisted.logger import Logger
from twisted.names import dns

from dnsops.store import querylog as store

_log = Logger()

PROTOCOLS = ("udp", "tcp", "dot", "doh")

_RCODES = {
    dns.OK: "NOERROR", dns.EFORMAT: "FORMERR", dns.ESERVER: "SERVFAIL", dns.ENAME: "NXDOMAIN",
    dns.ENOTIMP: "NOTIMP", dns.EREFUSED: "REFUSED", 16: "BADVERS", 23: "BADCOOKIE",
}


def rcode_text(rcode: int | str) -> str:
    return rcode if isinstance(rcode, str) else _RCODES.get(rcode, f"RCODE{rcode}")


def type_text(qtype: int | str) -> str:
    if isinstance(qtype, str):
        return qtype
    name = dns.QUERY_TYPES.get(qtype) or dns.EXT_QUERIES.get(qtype)
    return name or f"TYPE{qtype}"


class Stats:
    """
    Counters since the server started, for C{/api/stats}, C{/metrics} and the dashboard.

    L{count} is called once per answered query (by L{QueryLogWriter.log}); the upstream layer
    adds C{upstream_failures} itself, and the server factory calls L{count_transfer} for every
    AXFR or IXFR asked. Cache hits and misses come from the cache's own counters
    (L{snapshot} merges them), so they are counted in one place.
    """

    def __init__(self, clock) -> None:
        self.clock = clock
        self.started = clock.seconds()
        self.queries = dict.fromkeys(PROTOCOLS, 0)
        self.authoritative = 0
        self.blocked = 0
        self.upstream_failures = 0
        self.rate_limited = 0
        self.axfr_requests = 0
        self.axfr_denied = 0

    def count_transfer(self, denied: bool) -> None:
        """
        Count one zone transfer asked (AXFR or IXFR); C{denied} when it was REFUSED because of
        the client (not in C{axfr_allow}) or the transport (UDP, DoH).
        """
        self.axfr_requests += 1
        if denied:
            self.axfr_denied += 1

    def count(self, protocol: str, answered_by: str) -> None:
        self.queries[protocol] = self.queries.get(protocol, 0) + 1
        if answered_by == "authoritative":
            self.authoritative += 1
        elif answered_by == "blocked":
            self.blocked += 1
        elif answered_by == "rate-limited":
            self.rate_limited += 1

    @property
    def total(self) -> int:
        return sum(self.queries.values())

    def uptime(self) -> float:
        return self.clock.seconds() - self.started

    def snapshot(self, cache=None, conn=None, top: int = 10) -> dict:
        """
        Every counter as a dict; with C{conn}, the top domains, clients and blocked names
        from the (capped) query_log table.
        """
        values = {
            "total": self.total,
            "queries": dict(self.queries),
            "authoritative": self.authoritative,
            "blocked": self.blocked,
            "upstream_failures": self.upstream_failures,
            "rate_limited": self.rate_limited,
            "axfr_requests": self.axfr_requests,
            "axfr_denied": self.axfr_denied,
            "uptime": round(self.uptime(), 3),
        }
        if cache is not None:
            cache_stats = cache.stats()
            values["cache_hits"] = cache_stats["hits"]
            values["cache_misses"] = cache_stats["misses"]
            values["cache"] = cache_stats
        if conn is not None:
            values["top_domains"] = store.top(conn, "name", top)
            values["top_clients"] = store.top(conn, "client", top)
            values["top_blocked"] = store.top(conn, "name", top, answered_by="blocked")
        return values


def _row_text(row: tuple) -> tuple:
    """A pending row as stored: names and codes as text, the duration rounded."""
    time, client, protocol, name, qtype, rcode, answered_by, duration_ms = row
    if isinstance(name, bytes):
        name = name.decode("ascii", "backslashreplace")
    return (time, client, protocol, name or ".", type_text(qtype), rcode_text(rcode),
            answered_by, round(duration_ms, 3))


class QueryLogWriter(Service):
    """
    Collect answered queries and write them to C{query_log} in batches.

    @ivar size: the row cap (config C{query_log_size}); the service may change it at any time.
    @ivar dropped: rows given up because the backlog passed C{max_pending}.
    """

    def __init__(self, connect, stats: Stats | None = None, clock=None, size: int = 10_000,
                 interval: float = 1.0, max_pending: int = 200_000,
                 in_thread=None, on_batch=None) -> None:
        """
        @param connect: returns the writer's own database connection (called on start).
        @param in_thread: C{in_thread(f, *args) -> Deferred} runs a flush off the reactor
            thread (e.g. C{threads.deferToThread}); None writes inline (tests, shutdown).
        """
        self.connect = connect
        self.stats = stats
        self.clock = clock
        self.size = size
        self.interval = interval
        self.max_pending = max_pending
        self.in_thread = in_thread
        self.on_batch = on_batch
        self.pending: list[tuple] = []
        self.dropped = 0
        self.conn = None
        self._loop: task.LoopingCall | None = None
        self._flushing: defer.Deferred | None = None
        self._soon = None

    def log(self, client: str, protocol: str, name, qtype, rcode, answered_by: str,
            duration_ms: float, time: float | None = None) -> None:
        """
        Record one answered query: count it and append the raw values (cheap: on the hot path).

        Conversion to text happens at flush time, and only for the rows that will be kept.
        """
        stats = self.stats
        if stats is not None:
            stats.count(protocol, answered_by)
        pending = self.pending
        pending.append((self.clock.seconds() if time is None else time, client, protocol,
                        name, qtype, rcode, answered_by, duration_ms))
        if len(pending) >= self.max_pending:
            if len(pending) > self.max_pending:
                del pending[: len(pending) - self.max_pending]
                self.dropped += 1
            if self._soon is None and self.running:
                self._soon = self.clock.callLater(0, self.flush)

    def flush(self) -> defer.Deferred:
        """Write what is pending; at most one write runs at a time."""
        if self._soon is not None and self._soon.active():
            self._soon.cancel()
        self._soon = None
        if self._flushing is not None or not self.pending or self.conn is None:
            return defer.succeed(None)
        rows, self.pending = self.pending, []
        if self.on_batch is not None:
            try:
                self.on_batch(rows)
            except Exception:
                _log.failure("query log batch observer failed")
        rows = [_row_text(row) for row in rows[-self.size:]] if self.size else []
        if not rows:
            return defer.succeed(None)
        if self.in_thread is None:
            self._write(rows)
            return defer.succeed(None)
        self._flushing = self.in_thread(self._write, rows)
        self._flushing.addErrback(lambda f: _log.failure("query log write failed", f))
        self._flushing.addBoth(self._flushed)
        return defer.succeed(None)

    def _flushed(self, result) -> None:
        self._flushing = None

    def _write(self, rows: list[tuple]) -> None:
        store.append(self.conn, rows, self.size)

    def startService(self) -> None:
        super().startService()
        self.conn = self.connect()
        self._loop = task.LoopingCall(self.flush)
        self._loop.clock = self.clock
        self._loop.start(self.interval, now=False).addErrback(
            lambda f: _log.failure("query log flush loop stopped", f)
        )

    @defer.inlineCallbacks
    def stopService(self):
        """Stop the loop, wait for a running write, then write the rest inline."""
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._soon is not None and self._soon.active():
            self._soon.cancel()
        self._soon = None
        if self._flushing is not None:
            yield self._flushing
        if self.pending and self.conn is not None:
            rows, self.pending = self.pending, []
            rows = [_row_text(row) for row in rows[-self.size:]] if self.size else []
            try:
                self._write(rows)
            except Exception:
                _log.failure("query log write at shutdown failed")
        if self.conn is not None:
            self.conn.close()
            self.conn = None
