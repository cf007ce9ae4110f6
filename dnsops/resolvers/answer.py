# -*- test-case-name: tests.test_answer -*-
"""
The authoritative answer for one question from one zone: RFC 1034 §4.3.2, as Knot gives it.

Pure: a L{Zone} and a question in, a L{Resolution} out, no reactor. The outcomes are named as
in Knot's C{internet.c}: data, CNAME chain, NODATA, NXDOMAIN and referral; wildcards follow
RFC 4592, negative answers RFC 2308, ANY RFC 8482. Sections are filled in order: answer,
authority, additional.
"""

import random

from twisted.names import dns

from dnsops import records, routing
from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.zoneindex.index import Zone, type_name

#: The longest CNAME chain followed in one answer (Knot and BIND stop at 16 too).
MAX_CHAIN = 16

#: Types whose targets get their in-zone addresses in the additional section.
_ADDITIONAL_TYPES = frozenset((dns.MX, dns.SRV, dns.NS))
_ADDRESS_TYPES = (dns.A, dns.AAAA)

#: RFC 4034; twisted.names has no constant for it.
DS = 43

_DEFAULT_CONTEXT = QueryContext()


def answer(
    zone: Zone, qname: str, qtype: int, ctx: QueryContext | None = None, geo=None, rng=random
) -> Resolution:
    """
    Answer C{qname}/C{qtype} from C{zone}, which the caller found to hold C{qname}.

    @param qname: lower-case, no trailing dot (the factory restores the question's case).
    @param ctx: who asks: the transport (for ANY) and the address geo routing looks up.
    @param geo: the country reader (C{country(ip)}), or None to skip geo lookups.
    @param rng: the source of weighted choices.
    """
    reply = _Reply(zone, ctx or _DEFAULT_CONTEXT, geo, rng)
    cut = delegation(zone, qname, qtype)
    if cut is not None:
        reply.referral(cut)
    else:
        reply.resolve(qname, qtype)
    return reply.result()


def delegation(zone: Zone, qname: str, qtype: int) -> str | None:
    """
    The highest delegation point on the path from the apex down to C{qname}, if any.

    Data at or below a cut belongs to the child zone, except DS at the cut itself, which the
    parent answers (RFC 4035 §3.1.4.1).
    """
    if not zone.cuts:
        return None
    apex = zone.name
    name = qname
    if qtype == DS and name != apex:
        name = _parent(name)
    top = None
    while name != apex and len(name) > len(apex):
        if name in zone.cuts:
            top = name
        name = _parent(name)
    return top


def lookup(zone: Zone, name: str) -> tuple | None:
    """
    The node that answers for C{name}: its own, else the source of synthesis (RFC 4592 §3.3).

    The wildcard is C{*.} plus the closest encloser, the longest existing ancestor; any existing
    name, empty non-terminals included, stops the search, so it blocks wildcards above it.
    """
    nodes = zone.nodes
    node = nodes.get(name)
    if node is not None:
        return node
    apex = zone.name
    encloser = name
    while encloser != apex and len(encloser) > len(apex):
        encloser = _parent(encloser)
        if encloser in nodes:
            break
    return nodes.get("*." + encloser if encloser else "*")


def _parent(name: str) -> str:
    return name.partition(".")[2]


def _rows(node: tuple, code: int) -> tuple:
    for i in range(0, len(node), 2):
        if node[i] == code:
            return node[i + 1]
    return ()


class _Reply:
    """The sections of one answer as they are filled, and whether it may be cached."""

    def __init__(self, zone: Zone, ctx: QueryContext, geo, rng) -> None:
        self.zone = zone
        self.ctx = ctx
        self.geo = geo
        self.rng = rng
        self.rcode = dns.OK
        self.authoritative = True
        self.varies = False
        self.by_client_subnet = False
        self.answer: list = []
        self.authority: list = []
        self.additional: list = []
        self._extra_done: set = set()

    def result(self) -> Resolution:
        return Resolution(
            rcode=self.rcode,
            answer=self.answer,
            authority=self.authority,
            additional=self.additional,
            authoritative=self.authoritative,
            answered_by="authoritative",
            cacheable=not self.varies,
            by_client_subnet=self.by_client_subnet,
        )

    def resolve(self, qname: str, qtype: int) -> None:
        """Exact match, wildcard, CNAME chain, NODATA or NXDOMAIN (RFC 1034 §4.3.2 step 3)."""
        zone = self.zone
        name = qname
        seen = {qname}
        for _ in range(MAX_CHAIN):
            node = lookup(zone, name)
            if node is None:
                self.rcode = dns.ENAME
                self.negative()
                return
            if qtype == dns.ALL_RECORDS:
                self.any(name, node)
                return
            found = self.add(self.answer, name, qtype, _rows(node, qtype))
            if found:
                self.additional_for(qtype, found)
                return
            chosen = qtype != dns.CNAME and self.add(
                self.answer, name, dns.CNAME, _rows(node, dns.CNAME)
            )
            if not chosen:
                self.negative()
                return
            target = records.cname_target(chosen[0][1])
            if target in seen or not self.in_zone(target):
                return
            cut = delegation(zone, target, qtype)
            if cut is not None:
                self.referral(cut, authoritative=True)
                return
            seen.add(target)
            name = target

    def any(self, name: str, node: tuple) -> None:
        """
        ANY: every RRset over TCP; over UDP one RRset, the lowest type, as Knot does (RFC 8482
        §4.2), so ANY cannot be used for amplification. Additional data as for the type asked.
        """
        for i in sorted(range(0, len(node), 2), key=node.__getitem__):
            found = self.add(self.answer, name, node[i], node[i + 1])
            if found:
                self.additional_for(node[i], found)
                if self.ctx.transport == "udp":
                    return
        if not self.answer:
            self.negative()

    def referral(self, cut: str, authoritative: bool = False) -> None:
        """
        The cut's NS RRset in authority and glue for in-zone NS hosts.

        @param authoritative: True after a CNAME chain led below the cut: the CNAMEs are ours,
            so AA stays (as Knot answers); a plain referral has no AA.
        """
        self.authoritative = authoritative
        chosen = self.add(self.authority, cut, dns.NS, self.zone.rrset(cut, dns.NS), auth=False)
        for row in chosen:
            for target in records.target_names("NS", row[1]):
                if self.in_zone(target):
                    self.addresses(target, auth=False)

    def negative(self) -> None:
        """The apex SOA in authority with TTL min(SOA TTL, SOA minimum) (RFC 2308 §3)."""
        zone = self.zone
        for row in zone.rrset(zone.name, dns.SOA):
            if row[4]:
                ttl = min(row[0], int(row[1].split()[-1]))
                self.authority.append(
                    dns.RRHeader(
                        zone.name.encode("latin-1"),
                        dns.SOA,
                        dns.IN,
                        ttl,
                        zone.payload(dns.SOA, row[1]),
                        auth=True,
                    )
                )
                return

    def additional_for(self, code: int, rows: list) -> None:
        """In-zone A/AAAA for the MX exchanges, SRV targets and NS hosts just answered."""
        if code not in _ADDITIONAL_TYPES:
            return
        mnemonic = type_name(code)
        for row in rows:
            for target in records.target_names(mnemonic, row[1]):
                if self.in_zone(target) and delegation(self.zone, target, dns.A) is None:
                    self.addresses(target, auth=True)

    def addresses(self, name: str, auth: bool) -> None:
        """Add the A and AAAA RRsets of C{name} to additional, once per name."""
        if name in self._extra_done:
            return
        self._extra_done.add(name)
        node = self.zone.nodes.get(name)
        if node:
            for code in _ADDRESS_TYPES:
                self.add(self.additional, name, code, _rows(node, code), auth=auth)

    def add(self, section: list, owner: str, code: int, rows: tuple, auth: bool = True) -> list:
        """
        Append the rows of one RRset the client is served, all with the RRset's lowest TTL.

        @return: the rows added; empty when the RRset is absent or fully disabled.
        """
        if not rows:
            return []
        if routing.needs_routing(rows):
            address = self.ctx.ecs.network_address.compressed if self.ctx.ecs else self.ctx.client
            if self.ctx.ecs is not None and routing.by_country(rows, self.geo):
                self.by_client_subnet = True
            rows, varies = routing.select(rows, address, self.geo, self.rng)
            self.varies = self.varies or varies
            if not rows:
                return []
        ttl = min(row[0] for row in rows)
        owner_bytes = owner.encode("latin-1")
        zone = self.zone
        for row in rows:
            section.append(
                dns.RRHeader(owner_bytes, code, dns.IN, ttl, zone.payload(code, row[1]), auth=auth)
            )
        return rows

    def in_zone(self, name: str) -> bool:
        apex = self.zone.name
        return name == apex or not apex or name.endswith("." + apex)
