# -*- test-case-name: tests.test_chain -*-
"""
The resolver chain: the only place the order of the layers is written.

Per-name layers, in order: blocklist -> authority -> cache -> upstream. Every layer below sees
only what the layers above passed on. A layer passes a question on by failing with
L{twisted.names.error.DomainError}; it stops the chain by answering (a L{Resolution}) or by
failing with anything else. Per-client decisions (rate limit, allow_recursion) need the client
address, so L{dnsops.server.factory} makes them and picks the C{recursive} or C{local} chain.
"""

from dataclasses import dataclass

from twisted.internet import defer
from twisted.names import error

from dnsops.resolvers.context import QueryContext, Resolution


class ResolverChain:
    """
    Ask each layer in turn until one answers.

    A layer has C{resolve(query, ctx) -> Resolution | Deferred[Resolution]}. Plain results
    are passed back plainly, so the authoritative path costs no Deferred.
    """

    def __init__(self, layers: list) -> None:
        self.layers = list(layers)

    def resolve(self, query, ctx: QueryContext):
        return self._from(0, query, ctx)

    def _from(self, start: int, query, ctx: QueryContext):
        for i in range(start, len(self.layers)):
            try:
                result = self.layers[i].resolve(query, ctx)
            except error.DomainError:
                continue
            if isinstance(result, defer.Deferred):
                return result.addErrback(self._next, i + 1, query, ctx)
            return result
        return defer.fail(error.DomainError(query.name))

    def _next(self, failure, start: int, query, ctx: QueryContext):
        failure.trap(error.DomainError)
        result = self._from(start, query, ctx)
        return result


@dataclass
class Chains:
    """The two chains a client may get: with forwarding, or local data only."""

    recursive: ResolverChain
    local: ResolverChain


class RefuseResolver:
    """The last layer for clients that may not recurse: anything that got here is REFUSED."""

    def resolve(self, query, ctx: QueryContext) -> Resolution:
        from twisted.names import dns

        return Resolution(rcode=dns.EREFUSED, answered_by="refused")


def build_chains(authority, blocklist=None, cache=None) -> Chains:
    """
    Compose the layers: blocklist -> authority -> cache (which wraps upstream).

    Clients outside C{allow_recursion} get C{local}: the same head, then REFUSED.
    """
    head = [layer for layer in (blocklist, authority) if layer is not None]
    tail = [cache] if cache is not None else [RefuseResolver()]
    return Chains(recursive=ResolverChain(head + tail), local=ResolverChain(head + [RefuseResolver()]))
