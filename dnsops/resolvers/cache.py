# -*- test-case-name: tests.test_cache -*-
"""
The forwarding cache: upstream answers kept for their TTL, so repeated questions cost no
round trip.

Wraps the upstream rather than sitting beside it: it must see the upstream's answers to store
them. Authoritative answers never reach it; they follow the database. Entries are LRU-ordered
and keyed by (name, type, class). Served answers count their TTLs down. Negative answers are
kept for the SOA's minimum (RFC 2308); SERVFAIL never is. When every upstream fails, an expired
entry is served with TTL 30 for up to C{serve_stale_max} past its expiry (RFC 8767).

Fresh answers (from here or just from upstream) carry C{cache_for}: the packet cache may send
their wire form again until the TTLs next count down (at most a second), which takes decoding
and encoding off the forwarding hot path; those repeats still count as hits here.
"""

from collections import OrderedDict
from dataclasses import dataclass

from twisted.internet import defer
from twisted.names import dns

from dnsops.resolvers.context import QueryContext, Resolution

#: Upper bounds on what we keep: a day for data (as Unbound), three hours for negative
#: answers (RFC 2308 section 5).
MAX_TTL = 86_400
MAX_NEGATIVE_TTL = 10_800
#: The TTL of a stale answer (RFC 8767 section 4).
STALE_TTL = 30
#: The longest the packet cache may repeat a fresh answer: TTLs count down once a second.
PACKET_SECONDS = 1.0


@dataclass(slots=True)
class _Entry:
    stored: float
    ttl: int
    resolution: Resolution


def cache_ttl(resolution: Resolution) -> int:
    """
    How long an upstream answer may be kept: the least TTL in the answer section, or for
    NXDOMAIN/NODATA min(SOA TTL, SOA minimum); 0 means not at all.
    """
    if resolution.rcode == dns.OK and resolution.answer:
        return min(MAX_TTL, min(rr.ttl for rr in resolution.answer))
    if resolution.rcode in (dns.OK, dns.ENAME):
        for rr in resolution.authority:
            if rr.type == dns.SOA:
                return min(MAX_NEGATIVE_TTL, rr.ttl, rr.payload.minimum)
    return 0


def _aged(records: list, elapsed: int, fixed: int | None = None) -> list:
    return [
        dns.RRHeader(rr.name.name, rr.type, rr.cls,
                     fixed if fixed is not None else max(0, rr.ttl - elapsed), rr.payload)
        for rr in records
    ]


class Cache:
    """
    An LRU map from (name, type, class) to upstream answers, with hit and miss counts.

    @ivar capacity: entries kept (config C{cache_size}); C{resize} applies a new value.
    @ivar serve_stale_max: seconds past expiry an entry may still be served when upstreams fail.
    """

    def __init__(self, clock, capacity: int = 10_000, serve_stale_max: int = 86_400) -> None:
        self.clock = clock
        self.capacity = capacity
        self.serve_stale_max = serve_stale_max
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Resolution | None:
        """A fresh answer with its TTLs counted down, or None (a miss)."""
        entry = self.entries.get(key)
        if entry is not None:
            elapsed = self.clock.seconds() - entry.stored
            if elapsed < entry.ttl:
                self.entries.move_to_end(key)
                self.hits += 1
                served = self._serve(entry, int(elapsed), None, "cache")
                # Until the next whole second of age the served TTLs stay the same.
                served.cache_for = min(PACKET_SECONDS - elapsed % 1.0, entry.ttl - elapsed)
                served.hit_counter = self
                return served
            if elapsed >= entry.ttl + self.serve_stale_max:
                del self.entries[key]
        self.misses += 1
        return None

    def stale(self, key: tuple) -> Resolution | None:
        """An expired answer still inside the serve-stale window, with TTL 30, or None."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        if self.clock.seconds() - entry.stored >= entry.ttl + self.serve_stale_max:
            del self.entries[key]
            return None
        return self._serve(entry, 0, STALE_TTL, "stale")

    @staticmethod
    def _serve(entry: _Entry, elapsed: int, fixed: int | None, answered_by: str) -> Resolution:
        stored = entry.resolution
        return Resolution(
            rcode=stored.rcode,
            answer=_aged(stored.answer, elapsed, fixed),
            authority=_aged(stored.authority, elapsed, fixed),
            additional=_aged(stored.additional, elapsed, fixed),
            answered_by=answered_by,
        )

    def put(self, key: tuple, resolution: Resolution) -> bool:
        """Keep an upstream answer if its TTL allows; whether it was kept."""
        ttl = cache_ttl(resolution)
        if ttl <= 0 or self.capacity <= 0:
            return False
        kept = Resolution(resolution.rcode, list(resolution.answer),
                          list(resolution.authority), list(resolution.additional))
        self.entries[key] = _Entry(self.clock.seconds(), ttl, kept)
        self.entries.move_to_end(key)
        self._evict()
        return True

    def _evict(self) -> None:
        while len(self.entries) > max(self.capacity, 0):
            self.entries.popitem(last=False)

    def resize(self, capacity: int) -> None:
        self.capacity = capacity
        self._evict()

    def flush(self) -> int:
        """Forget every entry (C{flush-cache}); return how many there were."""
        count = len(self.entries)
        self.entries.clear()
        return count

    def stats(self) -> dict:
        asked = self.hits + self.misses
        return {
            "size": len(self.entries),
            "capacity": self.capacity,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / asked, 4) if asked else 0.0,
        }


class CachingResolver:
    """
    Answer from the cache, else ask the wrapped upstream layer and keep what it says.

    @ivar cache: shared with the API and the service, so C{flush-cache} empties what we serve.
    """

    def __init__(self, upstream, cache: Cache) -> None:
        self.upstream = upstream
        self.cache = cache

    def resolve(self, query: dns.Query, ctx: QueryContext):
        key = (query.name.name.lower(), query.type, query.cls)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        asked = defer.maybeDeferred(self.upstream.resolve, query, ctx)
        return asked.addCallback(self._answered, key)

    def _answered(self, resolution: Resolution, key: tuple) -> Resolution:
        if resolution.rcode == dns.ESERVER:
            return self.cache.stale(key) or resolution
        if self.cache.put(key, resolution):
            resolution.cache_for = PACKET_SECONDS
            resolution.hit_counter = self.cache
        return resolution
