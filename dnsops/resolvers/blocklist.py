# -*- test-case-name: tests.test_blocklist -*-
"""
The blocklist layer: sinkhole or NXDOMAIN for blocked names, unless the allowlist excepts them.

Matching is a walk up the query name's labels over hash sets of byte strings, so a lookup costs
one set probe per label whatever the list's size, and a million entries cost tens of megabytes,
not a trie of dicts. The sets are rebuilt from the database and swapped in one assignment, so a
reload (in a thread, if the caller likes) never shows a half-built list to a query.
"""

import sqlite3
from dataclasses import dataclass, field

from twisted.internet import defer
from twisted.names import dns, error

from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.store import blocklist as store

#: TTL of the synthetic answers: short, so an unblock reaches clients soon.
BLOCKED_TTL = 60


@dataclass(frozen=True)
class DomainSet:
    """
    Exact names and C{*.suffix} wildcards, as lower-case bytes without a trailing dot.

    The sets are never changed after construction (a reload builds new ones), so they are
    kept as plain sets rather than copied into frozensets, which would double the peak memory.

    A wildcard matches names below its suffix, never the suffix itself (as in the manual).
    """

    exact: frozenset = frozenset()
    wild: frozenset = frozenset()

    def match(self, name: bytes) -> bytes | None:
        """The entry that covers C{name} (C{name} itself or C{b"*." + suffix}), or None."""
        if name in self.exact:
            return name
        wild = self.wild
        if not wild:
            return None
        dot = name.find(b".")
        while dot >= 0:
            suffix = name[dot + 1:]
            if suffix in wild:
                return b"*." + suffix
            dot = name.find(b".", dot + 1)
        return None


@dataclass(frozen=True)
class Snapshot:
    """One consistent copy of both lists; C{nxdomain} holds the entries answering NXDOMAIN."""

    blocked: DomainSet = field(default_factory=DomainSet)
    nxdomain: frozenset = frozenset()
    allowed: DomainSet = field(default_factory=DomainSet)
    mark: int = -1


def _split(rows, nxdomain: set | None = None) -> DomainSet:
    """Sort C{(domain, response)} rows into exact names and wildcard suffixes."""
    exact, wild = set(), set()
    for name, response in rows:
        encoded = name.encode("ascii")
        if nxdomain is not None and response == "nxdomain":
            nxdomain.add(encoded)
        if encoded.startswith(b"*."):
            wild.add(encoded[2:])
        else:
            exact.add(encoded)
    return DomainSet(exact, wild)


def load(conn: sqlite3.Connection) -> Snapshot:
    """Read both lists (safe in a thread with its own connection)."""
    mark = store.change_mark(conn)
    nxdomain: set[bytes] = set()
    blocked = _split(conn.execute("SELECT domain, response FROM blocklist"), nxdomain)
    allowed = _split(conn.execute("SELECT domain, NULL FROM allowlist"))
    return Snapshot(blocked, nxdomain, allowed, mark)


class Blocklist:
    """
    The in-memory matcher the server asks for every query.

    @ivar snapshot: replaced whole by L{install}; readers take it once per lookup.
    """

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot or Snapshot()
        self._loading = False

    def match(self, name: bytes) -> str | None:
        """C{zero}, C{nxdomain}, or None when C{name} (lower case) is not blocked or is allowed."""
        snapshot = self.snapshot
        entry = snapshot.blocked.match(name)
        if entry is None or snapshot.allowed.match(name) is not None:
            return None
        return "nxdomain" if entry in snapshot.nxdomain else "zero"

    def install(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def reload(self, conn: sqlite3.Connection) -> None:
        """Rebuild from the database now."""
        self.install(load(conn))

    def changed(self, conn: sqlite3.Connection) -> bool:
        """Whether the database changed since the last load: one indexed C{max()} query."""
        return store.change_mark(conn) != self.snapshot.mark

    def reload_if_changed(self, conn: sqlite3.Connection) -> bool:
        if not self.changed(conn):
            return False
        self.reload(conn)
        return True

    def reload_in_thread(self, conn: sqlite3.Connection, connect, in_thread) -> defer.Deferred:
        """
        L{reload_if_changed} for the server: the cheap check here, the read in a thread.

        A million entries take a couple of seconds to read, which the reactor must not wait
        for; queries keep using the old snapshot until the new one is installed. At most one
        read runs at a time.

        @param connect: opens the thread's own connection (closed after the read).
        @param in_thread: C{in_thread(f) -> Deferred}, e.g. C{threads.deferToThread}.
        @return: a Deferred firing with whether a new snapshot was installed.
        """
        if self._loading or not self.changed(conn):
            return defer.succeed(False)
        self._loading = True

        def read() -> Snapshot:
            thread_conn = connect()
            try:
                return load(thread_conn)
            finally:
                thread_conn.close()

        def done(result):
            self._loading = False
            if isinstance(result, Snapshot):
                self.install(result)
                return True
            return result

        return in_thread(read).addBoth(done)

    def __len__(self) -> int:
        blocked = self.snapshot.blocked
        return len(blocked.exact) + len(blocked.wild)


_SINKHOLE = {
    dns.A: dns.Record_A("0.0.0.0", BLOCKED_TTL),
    dns.AAAA: dns.Record_AAAA("::", BLOCKED_TTL),
}


class BlocklistResolver:
    """
    Answer blocked names before anything else is asked; pass every other name on.

    Sinkhole (C{zero}) answers A with 0.0.0.0 and AAAA with ::, so clients fail fast without
    retrying; other types, and C{nxdomain} entries, get NXDOMAIN.
    """

    def __init__(self, blocklist: Blocklist) -> None:
        self.blocklist = blocklist

    def resolve(self, query: dns.Query, ctx: QueryContext) -> Resolution:
        if query.cls != dns.IN:
            raise error.DomainError(query.name)
        response = self.blocklist.match(query.name.name.lower())
        if response is None:
            raise error.DomainError(query.name)
        payload = _SINKHOLE.get(query.type) if response == "zero" else None
        if payload is None:
            return Resolution(rcode=dns.ENAME, answered_by="blocked")
        record = dns.RRHeader(query.name.name, query.type, dns.IN, BLOCKED_TTL, payload)
        return Resolution(answer=[record], answered_by="blocked")
