# -*- test-case-name: tests.test_index -*-
"""
The zones a server answers from, in memory: names per zone with what RFC 1034 needs to know.

A zone is a dict from owner name to its RRsets, kept as compact tuples of the stored text
(C{(ttl, rdata, weight, geo, enabled)}), so a 1,000,000-record zone fits in a few hundred MB;
wire records are built only when an answer needs them. Empty non-terminals are entries with
no RRsets, so "does this name exist" is one dict lookup; delegation points are a set.
"""

from collections import OrderedDict

from twisted.names import dns

from dnsops import records
from dnsops.errors import InvalidInput

#: Built wire payloads kept per zone: a small LRU, since most traffic asks few names.
BUILT_CACHE_SIZE = 4096

_EMPTY: tuple = ()


class Zone:
    """
    One zone at one generation: immutable once built, so a reader never sees half a reload.

    @ivar name: the apex, lower-case, no trailing dot.
    @ivar nodes: owner name -> flat tuple C{(type_code, rows, type_code, rows, ...)}, where rows
        is a tuple of C{(ttl, rdata, weight, geo, enabled)}; C{()} for an empty non-terminal.
        Disabled rows are kept (the index mirrors the table); answers skip them.
    @ivar cuts: names below the apex with an enabled NS RRset: delegation points.
    @ivar soa_rows: the apex SOA rows, for negative answers.
    """

    __slots__ = ("name", "generation", "nodes", "cuts", "_built")

    def __init__(self, name: str, generation: int, nodes: dict, cuts: frozenset) -> None:
        self.name = name
        self.generation = generation
        self.nodes = nodes
        self.cuts = cuts
        self._built: OrderedDict = OrderedDict()

    def __repr__(self) -> str:
        return f"<Zone {self.name!r} generation={self.generation} names={len(self.nodes)}>"

    def rrset(self, name: str, code: int) -> tuple:
        """The rows of one RRset, or C{()} when the name or the type is absent."""
        node = self.nodes.get(name)
        if node:
            for i in range(0, len(node), 2):
                if node[i] == code:
                    return node[i + 1]
        return _EMPTY

    def payload(self, code: int, rdata: str):
        """
        The twisted.names record for one rdata text, built once and then kept in a small LRU.

        Payloads do not depend on the owner, so wildcard answers share them too.
        """
        key = (code, rdata)
        built = self._built
        payload = built.get(key)
        if payload is None:
            payload = records.to_wire_record(type_name(code), rdata)
            built[key] = payload
            if len(built) > BUILT_CACHE_SIZE:
                built.popitem(last=False)
        else:
            built.move_to_end(key)
        return payload

    def record_count(self) -> int:
        """How many records the zone serves (disabled ones are not held)."""
        return sum(len(node[i]) for node in self.nodes.values() for i in range(1, len(node), 2))


_TYPE_NAMES: dict[int, str] = {}


def type_name(code: int) -> str:
    """The mnemonic for a type code (the inverse of L{records.type_code})."""
    if not _TYPE_NAMES:
        for mnemonic in records.TYPES:
            _TYPE_NAMES[records.type_code(mnemonic)] = mnemonic
    return _TYPE_NAMES.get(code) or dns.QUERY_TYPES.get(code) or f"TYPE{code}"


def build_zone(name: str, generation: int, rows, previous: Zone | None = None) -> Zone:
    """
    Build a L{Zone} from records rows.

    @param rows: an iterable of C{(name, type, ttl, rdata, weight, geo, enabled)} sequences (a
        cursor works: rows are consumed one at a time). Any order is correct; rows sorted by
        name build with the least memory. Rows whose owner is not in the zone, or of a type
        this version does not know, are ignored.
    @param previous: the version being replaced: a node that did not change is shared with
        it, so a reload of a large zone does not hold two copies of everything.
    """
    apex = name
    suffix = "." + apex if apex else ""
    ttls: dict[int, int] = {}
    strings: dict[str, str] = {}
    codes: dict[str, int] = {}
    nodes: dict[str, tuple] = {}
    old = previous.nodes if previous is not None else {}
    cuts: set[str] = set()
    owner_now, node = None, None
    for owner, rtype, ttl, rdata, weight, geo, enabled in rows:
        if not enabled:
            # Disabled records are not served, transferred or exported: a name with no other
            # data does not exist, so primary and secondaries answer it alike (NXDOMAIN).
            continue
        if owner != owner_now:
            if node is not None:
                _store(nodes, old, cuts, apex, owner_now, node)
            if owner != apex and not owner.endswith(suffix):
                owner_now, node = None, None
                continue
            owner_now, node = owner, _thaw(nodes.get(owner, _EMPTY))
        code = codes.get(rtype)
        if code is None:
            code = codes[rtype] = _code(rtype)
        if not code:
            continue
        row = (
            ttls.setdefault(ttl, ttl),
            rdata,
            weight or 0,
            None if geo is None else strings.setdefault(geo, geo),
            bool(enabled),
        )
        for i in range(0, len(node), 2):
            if node[i] == code:
                node[i + 1].append(row)
                break
        else:
            node.extend((code, [row]))
    if node is not None:
        _store(nodes, old, cuts, apex, owner_now, node)
    _add_empty_non_terminals(nodes, apex)
    return Zone(apex, generation, nodes, frozenset(cuts))


def _thaw(node: tuple) -> list:
    """A stored node as a build list again (only when rows of one owner arrive apart)."""
    return [item if i % 2 == 0 else list(item) for i, item in enumerate(node)]


def _store(nodes: dict, old: dict, cuts: set, apex: str, owner: str, node: list) -> None:
    """Freeze one owner's RRsets, reusing the previous version's tuple when it is equal."""
    frozen = []
    for i in range(0, len(node), 2):
        code, found = node[i], tuple(node[i + 1])
        frozen.append(code)
        frozen.append(found)
        if code == dns.NS and owner != apex and any(row[4] for row in found):
            cuts.add(owner)
    frozen = tuple(frozen)
    before = old.get(owner)
    nodes[owner] = before if before == frozen and before else frozen


def _code(rtype: str) -> int:
    """The type code of a stored type, or 0 for a type this version does not know (skipped)."""
    try:
        return records.type_code(rtype)
    except InvalidInput:
        return 0


def _add_empty_non_terminals(nodes: dict, apex: str) -> None:
    """Give every missing ancestor of an owner, up to the apex, an entry with no RRsets."""
    nodes.setdefault(apex, _EMPTY)
    for owner in list(nodes):
        parent = owner
        while parent != apex:
            parent = parent.partition(".")[2]
            if parent in nodes or len(parent) < len(apex):
                break
            nodes[parent] = _EMPTY


class ZoneIndex:
    """
    Every zone served, by apex; the one thing the follower writes and the answers read.

    @ivar generation: increased on every change, so the packet cache can drop what it holds.
    @ivar geo: the country reader for geo routing (C{country(ip)}), or None; set by the
        service when C{geoip_db_path} changes.
    """

    def __init__(self, geo=None) -> None:
        self.zones: dict[str, Zone] = {}
        self.generation = 0
        self.geo = geo
        self._deepest = 0

    def __len__(self) -> int:
        return len(self.zones)

    def get(self, name: str) -> Zone | None:
        """The zone whose apex is exactly C{name}."""
        return self.zones.get(name)

    def find(self, qname: str) -> Zone | None:
        """
        The zone that holds C{qname}: the longest apex that is C{qname} or one of its ancestors.

        @param qname: lower-case, no trailing dot.
        """
        zones = self.zones
        if not zones:
            return None
        name = qname
        extra = _labels(name) - self._deepest
        while extra > 0 and name:
            name = name.partition(".")[2]
            extra -= 1
        while True:
            zone = zones.get(name)
            if zone is not None:
                return zone
            if not name:
                return None
            name = name.partition(".")[2]

    def replace(self, zone: Zone) -> None:
        """Serve C{zone} instead of any earlier version of it."""
        self.zones[zone.name] = zone
        self._changed()

    def remove(self, name: str) -> None:
        """Stop serving the zone with apex C{name}, if it is served."""
        if self.zones.pop(name, None) is not None:
            self._changed()

    def _changed(self) -> None:
        self.generation += 1
        self._deepest = max((_labels(name) for name in self.zones), default=0)


def _labels(name: str) -> int:
    """How many labels a name has (the root has none)."""
    return name.count(".") + 1 if name else 0
