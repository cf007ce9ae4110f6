# -*- test-case-name: tests.test_answer -*-
"""
The authority layer of the chain: answers names in our zones, passes on every other name.

A name in one of our zones is never forwarded, whatever the answer (NXDOMAIN included): we are
the authority for it. The answer itself is L{dnsops.resolvers.answer}'s pure function.
"""

import random

from twisted.names import dns, error

from dnsops.resolvers.answer import answer
from dnsops.resolvers.context import QueryContext, Resolution
from dnsops.zoneindex.index import ZoneIndex


class AuthorityResolver:
    """
    Answer questions about names in the zones of a L{ZoneIndex}.

    @ivar index: read at every query, so a zone the follower swaps in is served at once; its
        C{geo} reader is the one geo routing uses.
    """

    def __init__(self, index: ZoneIndex, rng=random) -> None:
        self.index = index
        self.rng = rng

    def resolve(self, query: dns.Query, ctx: QueryContext) -> Resolution:
        """
        @raise error.DomainError: when the name is in none of our zones, or the class is not
            IN, so the next layer may try.
        """
        if query.cls not in (dns.IN, dns.ANY):
            raise error.DomainError(query.name)
        qname = query.name.name.lower().decode("latin-1")
        if qname.endswith("."):
            qname = qname[:-1]
        zone = self.index.find(qname)
        if zone is None:
            raise error.DomainError(query.name)
        return answer(zone, qname, query.type, ctx, self.index.geo, self.rng)
