# -*- test-case-name: tests.test_chain -*-
"""
Who asks, travelling with the question: the small immutable context every layer may read.

Built once per query by L{dnsops.server.factory}; layers that do not care ignore it.
"""

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueryContext:
    """
    @ivar client: the source address of the query, as text.
    @ivar transport: C{udp}, C{tcp}, C{dot} or C{doh}.
    @ivar ecs: the EDNS Client Subnet a resolver sent for its client (RFC 7871), if any.
    @ivar do: the EDNS DO bit (DNSSEC records wanted).
    @ivar recursion_allowed: whether the client is in C{allow_recursion}.
    """

    client: str = "127.0.0.1"
    transport: str = "udp"
    ecs: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    do: bool = False
    recursion_allowed: bool = False


@dataclass(slots=True)
class Resolution:
    """
    What a layer answered: the three sections plus what the header and the query log need.

    @ivar answered_by: C{authoritative}, C{cache}, C{upstream}, C{blocked}, C{refused},
        C{rate-limited} or C{stale} (the contract's query-log vocabulary).
    @ivar cacheable: whether the wire answer may be kept by the packet cache until the zone
        changes (False for per-client answers: weighted, geo, forwarded).
    @ivar by_client_subnet: the answer was chosen for the query's EDNS Client Subnet (geo
        routing), so the reply's ECS option carries a scope (RFC 7871 section 7.2.1).
    @ivar cache_for: seconds the packet cache may serve this wire answer again although it is
        not C{cacheable} (0: not at all). The forwarding cache sets it to the time until its
        TTLs next count down, at most 1 s, so repeated forwarded questions skip decoding and
        encoding while the TTLs they get stay the ones the forwarding cache would give.
    @ivar hit_counter: what has a C{hits} count to bump each time the packet cache serves this
        answer again (the forwarding cache, so its hit rate counts those answers too), or None.
    """

    rcode: int = 0
    answer: list = None
    authority: list = None
    additional: list = None
    authoritative: bool = False
    answered_by: str = "authoritative"
    cacheable: bool = False
    cache_for: float = 0.0
    hit_counter: object = None
    by_client_subnet: bool = False

    def __post_init__(self) -> None:
        self.answer = self.answer or []
        self.authority = self.authority or []
        self.additional = self.additional or []
