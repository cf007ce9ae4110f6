# -*- test-case-name: tests.test_blocklist -*-
"""
Keep downloaded blocklists fresh: fetch each source over HTTP(S) when it is due, and swap its
entries atomically.

A download that fails (connection error, HTTP status other than 200, or a page with no domain
in it, such as a captive portal's) changes nothing but the source's C{last_error}: the last good
copy stays in force. Parsing and the database write run in a thread when the service is given
one, since a large list takes seconds to store. The running server's matcher then reloads
through the C{reload-blocklist} control row that L{dnsops.store.blocklist} writes.
"""

import calendar
import time

import treq
from twisted.application.service import Service
from twisted.internet import defer, task
from twisted.logger import Logger

from dnsops.store import blocklist as store, db

_log = Logger()


class SourceError(Exception):
    """A download that must not replace the last good copy."""


def _wall_time(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))


class BlocklistSourceRefresher(Service):
    """
    Check the C{blocklist_sources} table every C{interval} seconds and fetch the due ones.

    @ivar retry: seconds before a failed source is tried again (at most its refresh period).
    """

    def __init__(self, connect, reactor, clock=None, interval: float = 1.0, retry: float = 300,
                 timeout: float = 60, in_thread=None) -> None:
        """
        @param connect: returns this service's own database connection.
        @param reactor: makes the HTTP requests.
        @param in_thread: C{in_thread(f, *args) -> Deferred} for the database writes; None
            writes inline.
        """
        self.connect = connect
        self.reactor = reactor
        self.clock = clock or reactor
        self.interval = interval
        self.retry = retry
        self.timeout = timeout
        self.in_thread = in_thread
        self.conn = None
        self._next: dict[int, float] = {}
        self._running: dict[int, defer.Deferred] = {}
        self._loop: task.LoopingCall | None = None

    def startService(self) -> None:
        super().startService()
        if self.conn is None:
            self.conn = self.connect()
        self._loop = task.LoopingCall(self.check)
        self._loop.clock = self.clock
        self._loop.start(self.interval, now=True).addErrback(
            lambda f: _log.failure("blocklist source loop stopped", f)
        )

    @defer.inlineCallbacks
    def stopService(self):
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        pending = list(self._running.values())
        for running in pending:
            running.cancel()
        yield defer.DeferredList(pending, consumeErrors=True)
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def check(self) -> defer.Deferred:
        """Start fetching every due source; the Deferred fires when those fetches end."""
        if self.conn is None:
            self.conn = self.connect()
        now = self.clock.seconds()
        sources = store.list_sources(self.conn)
        known = {source["id"] for source in sources}
        for stale in set(self._next) - known:
            del self._next[stale]
        started = []
        for source in sources:
            if source["id"] in self._running:
                continue
            if source["id"] not in self._next:
                self._next[source["id"]] = now + self._remaining(source)
            if self._next[source["id"]] <= now:
                started.append(self.refresh(source))
        return defer.DeferredList(started, consumeErrors=True)

    @staticmethod
    def _remaining(source: dict) -> float:
        """Seconds until a source first seen by this process is due, from its stored last update."""
        last = _wall_time(source["last_update"])
        if last is None:
            return 0.0
        return max(0.0, last + source["refresh"] - time.time())

    def refresh(self, source: dict) -> defer.Deferred:
        """Download one source now and store it, or record why not."""
        source_id = source["id"]
        running = self._running[source_id] = self._fetch(source["url"])
        running.addCallback(lambda text: self._run(self._store, source_id, text))
        running.addCallbacks(
            lambda count: self._done(source, count, None),
            lambda failure: self._done(source, None, failure),
        )
        return running

    @defer.inlineCallbacks
    def _fetch(self, url: str):
        response = yield treq.get(url, timeout=self.timeout, reactor=self.reactor, persistent=False)
        if response.code != 200:
            yield response.content()
            raise SourceError(f"HTTP {response.code}")
        body = yield response.content()
        return body.decode("utf-8", "replace")

    def _run(self, function, *args) -> defer.Deferred:
        if self.in_thread is None:
            return defer.maybeDeferred(function, *args)
        return self.in_thread(function, *args)

    def _store(self, source_id: int, text: str) -> int:
        """Replace the source's entries (own connection: writes may run in parallel threads)."""
        if not store.parse_list(text.splitlines()).domains:
            raise SourceError("no domains in the downloaded list")
        conn = self.connect()
        try:
            with db.transaction(conn):
                return store.replace_source(conn, source_id, text)
        finally:
            conn.close()

    def _record_error(self, source_id: int, message: str) -> None:
        conn = self.connect()
        try:
            with db.transaction(conn):
                store.record_source_error(conn, source_id, message)
        finally:
            conn.close()

    def _done(self, source: dict, count: int | None, failure):
        source_id = source["id"]
        self._running.pop(source_id, None)
        if failure is None:
            self._next[source_id] = self.clock.seconds() + source["refresh"]
            _log.info("blocklist source {url}: {count} entries", url=source["url"], count=count)
            return None
        message = _describe(failure)
        self._next[source_id] = self.clock.seconds() + min(self.retry, source["refresh"])
        _log.warn("blocklist source {url} failed: {error}", url=source["url"], error=message)
        recorded = self._run(self._record_error, source_id, message)
        return recorded.addErrback(lambda f: _log.failure("recording a source error failed", f))


def _describe(failure) -> str:
    error = failure.value
    if isinstance(error, SourceError):
        return str(error)
    text = str(error).strip() or type(error).__name__
    return f"{type(error).__name__}: {text}" if type(error).__name__ not in text else text
