# -*- test-case-name: tests.test_server -*-
"""
Whole answers kept as wire bytes, so a repeated question skips decoding and encoding.

Decoding and encoding a message in pure Python costs more than answering it (PowerDNS's
packet cache makes the same trade). The key is the query as sent minus its 2-byte ID; the
value is the answer minus its ID, so a hit costs one dict lookup and one bytes concat.
Answers differ by transport (UDP size limits) and by whether the client may recurse (the RA
bit, the chain), so each pair has its own table. Only answers that depend on nothing but the
zone data are stored (L{dnsops.resolvers.context.Resolution.cacheable}); every table is
emptied when the zone index's generation or the configuration changes.
"""


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

    def get(self, transport: str, recursion: bool, key: bytes):
        """The stored entry for C{key}, or None (counts a hit or a miss)."""
        entry = self.table(transport, recursion).get(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, transport: str, recursion: bool, generation, key: bytes, entry: tuple) -> None:
        """
        Keep C{entry} (answer minus ID first, then what the query log needs) for C{key}.

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
