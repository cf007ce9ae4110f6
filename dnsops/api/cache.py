# -*- test-case-name: tests.test_api_cache -*-
"""REST for the forwarding cache: its numbers, and flushing it."""

from dnsops.api.app import Api, Call
from dnsops.api.schemas import INTEGER, NULLABLE_INTEGER, obj
from dnsops.metrics import cache_numbers

_STATS = obj(
    ["entries", "capacity", "hits", "misses", "hit_rate"],
    entries=INTEGER, capacity=NULLABLE_INTEGER, hits=INTEGER, misses=INTEGER,
    hit_rate={"type": "number"}, size=INTEGER,
)


def add_routes(api: Api) -> None:
    """Register the cache endpoints."""

    @api.route("GET", "/api/cache/stats", scope="read", response=_STATS,
               summary="Entries, capacity, hits, misses and hit rate of the cache")
    def cache_stats(call: Call) -> dict:
        numbers = cache_numbers(api.deps.cache)
        return {key: numbers[key] for key in _STATS["properties"] if key in numbers}

    @api.route("DELETE", "/api/cache", scope="write", status=204,
               summary="Empty the forwarding cache")
    def flush_cache(call: Call) -> None:
        cache = api.deps.cache
        flushed = cache.flush() if cache is not None else 0
        with api.changing(call):
            call.change("flush-cache", "cache", {"entries": flushed}, {"entries": 0})
