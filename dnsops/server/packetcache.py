# -*- test-case-name: tests.test_server -*-
"""
Whole answers kept as wire bytes, so a repeated question skips decoding and encoding.

Decoding and encoding a message in pure Python costs more than answering it (PowerDNS's
packet cache makes the same trade). The key is the query as sent minus its 2-byte ID; the
value is the answer minus its ID, so a hit costs one dict lookup and one bytes concat.
Answers differ by transport (UDP size limits) and by whether the client may recurse (the RA
bit, the chain), so each pair has its own table. Answers that depend on nothing but the zone
data (L{dnsops.resolvers.context.Resolution.cacheable}) are kept with no expiry; fresh answers
from the forwarding cache are kept for their C{cache_for} (at most a second, until their TTLs
next count down), and an entry past its expiry is a miss. Every table is emptied when the zone
index's generation or the configuration changes, and on flush-cache.

An entry is a tuple, read by index on the hot path: the answer minus its ID, then what the
query log needs (qname, qtype, rcode, answered_by), then the expiry time on the caller's clock
(None: none) and the object whose C{hits} a hit also counts (None: none).
"""

#: Where an entry keeps its expiry time and its hit counter (see the module docstring).
EXPIRES = 5
COUNTER = 6


class PacketCache:
    """
    Answer bytes by query bytes, per (transport, recursion allowed) pair.

    @ivar generation: the L{dnsops.zoneindex.index.ZoneIndex} generation the entries were
        made from; callers compare it on lookup and call L{reset} when it moved.
    @ivar hits: answers sent from here (for the metrics).
    @ivar misses: queries that had to be answered the slow way.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self.generation = None
        self.hits = 0
        self.misses = 0
        self.tables: dict[tuple[str, bool], dict] = {}

    def table(self, transport: str, recursion: bool) -> dict:
        """The dict for one (transport, recursion allowed) pair; the hot path reads it directly."""
        try:
            return self.tables[transport, recursion]
        except KeyError:
            table = self.tables[transport, recursion] = {}
            return table

    def get(self, transport: str, recursion: bool, key: bytes, now: float | None = None):
        """
        The stored entry for C{key}, or None (counts a hit or a miss).

        @param now: the time on the clock the expiry was set with; an entry whose expiry is
            not after it is a miss. None skips the check (entries without expiry).
        """
        entry = self.table(transport, recursion).get(key)
        if entry is not None and now is not None:
            expires = entry[EXPIRES]
            if expires is not None and now >= expires:
                entry = None
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        if now is not None and entry[COUNTER] is not None:
            entry[COUNTER].hits += 1
        return entry

    def put(self, transport: str, recursion: bool, generation, key: bytes, entry: tuple) -> None:
        """
        Keep C{entry} (laid out as the module docstring says) for C{key}.

        Ignored when made from another generation than the one held. A full table is
        emptied rather than evicted one by one: simpler, and the hot names come back at once.
        """
        if generation != self.generation:
            return
        table = self.table(transport, recursion)
        if len(table) >= self.max_entries:
            table.clear()
        table[key] = entry

    def reset(self, generation=None) -> None:
        """Drop every entry and start over at C{generation}."""
        for table in self.tables.values():
            table.clear()
        self.generation = generation

    def clear(self) -> None:
        """Drop every entry, keeping the generation (config change, flush-cache)."""
        self.reset(self.generation)

    def __len__(self) -> int:
        return sum(len(t) for t in self.tables.values())
