# -*- test-case-name: tests.test_api_stats -*-
"""REST for the live counters: totals, hit rate, blocked, zone transfers, uptime, top domains."""

from dnsops.api.app import Api, Call
from dnsops.api.schemas import INTEGER, obj
from dnsops.metrics import cache_numbers
from dnsops.store import querylog

_NUMBER = {"type": "number"}
_TOP = {"type": "array", "items": {"type": "object"}}

_STATS = obj(
    ["total", "queries", "authoritative", "blocked", "upstream_failures", "rate_limited",
     "axfr_requests", "axfr_denied", "uptime", "cache_hits", "cache_misses", "hit_rate",
     "top_domains"],
    total=INTEGER,
    queries={"type": "object", "additionalProperties": INTEGER},
    authoritative=INTEGER, blocked=INTEGER, upstream_failures=INTEGER, rate_limited=INTEGER,
    axfr_requests=INTEGER, axfr_denied=INTEGER,
    uptime=_NUMBER, cache_hits=INTEGER, cache_misses=INTEGER, hit_rate=_NUMBER,
    cache={"type": "object"}, top_domains=_TOP, top_clients=_TOP, top_blocked=_TOP,
)


def add_routes(api: Api) -> None:
    """Register the stats endpoint."""

    @api.route("GET", "/api/stats", scope="read", response=_STATS,
               query={"top": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
               summary="Live counters since start, cache hit rate, uptime and top domains")
    def stats(call: Call) -> dict:
        deps = api.deps
        top = call.query["top"]
        if deps.stats is not None:
            values = deps.stats.snapshot(conn=call.conn, top=top)
        else:
            values = {
                "total": 0, "queries": {}, "authoritative": 0, "blocked": 0,
                "upstream_failures": 0, "rate_limited": 0, "axfr_requests": 0, "axfr_denied": 0,
                "uptime": round(deps.clock.seconds() - deps.started, 3),
                "top_domains": querylog.top(call.conn, "name", top),
                "top_clients": querylog.top(call.conn, "client", top),
                "top_blocked": querylog.top(call.conn, "name", top, answered_by="blocked"),
            }
        numbers = cache_numbers(deps.cache)
        values["cache_hits"] = numbers["hits"]
        values["cache_misses"] = numbers["misses"]
        values["hit_rate"] = numbers["hit_rate"]
        values["cache"] = {k: numbers[k] for k in ("entries", "capacity", "hits", "misses",
                                                   "hit_rate")}
        return values
