# -*- test-case-name: tests.test_timeseries -*-
"""
The dashboard's charts: a ring of per-second and per-minute samples of the live counters.

The counters (L{dnsops.querylog.Stats}, the cache's hits) only ever grow, so a chart of
"queries per second over the last hour" needs someone to read them on a beat and keep the
differences. L{Sampler} does that once a second, keeps the last C{seconds} one-second samples
and the last C{minutes} one-minute sums in fixed-size rings, and C{GET /api/stats/series}
serves them. Memory is bounded by the ring sizes, whatever the traffic.
"""

from collections import deque

from twisted.application.service import Service
from twisted.internet import task
from twisted.internet.interfaces import IReactorTime

from dnsops.api.app import Api, Call
from dnsops.errors import NotFound

#: The answer kinds a sample splits its queries into, in chart order.
KINDS = ("authoritative", "cache", "forwarded", "blocked", "rate_limited")

#: Every number a sample carries besides its time.
FIELDS = ("queries", *KINDS, "upstream_failures")


def read_counters(stats, cache=None) -> dict:
    """
    The running totals a sample is the difference of.

    C{forwarded} is what is left once authoritative, cache, blocked and rate-limited answers
    are taken out: queries answered by an upstream (or refused, or stale).
    """
    total = stats.total
    hits = 0
    if cache is not None:
        hits = int(cache.stats().get("hits", 0))
    known = stats.authoritative + stats.blocked + stats.rate_limited
    return {
        "queries": total,
        "authoritative": stats.authoritative,
        "cache": min(hits, max(total - known, 0)),
        "forwarded": max(total - known - hits, 0),
        "blocked": stats.blocked,
        "rate_limited": stats.rate_limited,
        "upstream_failures": stats.upstream_failures,
    }


class Sampler(Service):
    """
    Read the counters every C{interval} seconds into a one-second ring and a one-minute ring.

    A minute sample is the sum of the one-second samples whose time falls in that minute; the
    current, unfinished minute is served too, so the last point of the hour chart moves.

    @ivar seconds: the one-second samples, oldest first, each C{{"t", FIELDS…}}.
    @ivar minutes: the finished one-minute sums, oldest first.
    """

    def __init__(self, stats, cache=None, clock: IReactorTime | None = None,
                 seconds: int = 600, minutes: int = 60, interval: float = 1.0) -> None:
        self.stats = stats
        self.cache = cache
        self.clock = clock
        self.interval = interval
        self.seconds: deque[dict] = deque(maxlen=seconds)
        self.minutes: deque[dict] = deque(maxlen=minutes)
        self._current: dict | None = None
        self._last: dict | None = None
        self._loop: task.LoopingCall | None = None

    def startService(self) -> None:
        super().startService()
        self._last = read_counters(self.stats, self.cache)
        self._loop = task.LoopingCall(self.sample)
        self._loop.clock = self.clock
        self._loop.start(self.interval, now=False)

    def stopService(self) -> None:
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None

    def sample(self) -> None:
        """Take one sample: the counters' growth since the previous one."""
        now = self.clock.seconds()
        counters = read_counters(self.stats, self.cache)
        last = self._last or counters
        self._last = counters
        point = {"t": int(now)}
        for name in FIELDS:
            point[name] = max(counters[name] - last[name], 0)
        self.seconds.append(point)
        self._add_to_minute(point)

    def _add_to_minute(self, point: dict) -> None:
        minute = point["t"] - point["t"] % 60
        current = self._current
        if current is not None and current["t"] != minute:
            self.minutes.append(current)
            current = None
        if current is None:
            current = dict.fromkeys(FIELDS, 0)
            current["t"] = minute
            current["span"] = 0
        for name in FIELDS:
            current[name] += point[name]
        current["span"] += 1
        self._current = current

    def series(self, resolution: str) -> dict:
        """
        The ring for C{second} or C{minute}, with C{qps} on every point.

        A minute point's C{qps} divides by the seconds sampled in it (60, fewer for the
        running minute and the first after start), so a partial minute is not drawn low.
        """
        if resolution == "second":
            points = [{**p, "qps": float(p["queries"])} for p in self.seconds]
            step = 1
        else:
            rows = list(self.minutes)
            if self._current is not None:
                rows.append(self._current)
            points = [
                {**{k: v for k, v in p.items() if k != "span"},
                 "qps": round(p["queries"] / max(p["span"], 1), 3)}
                for p in rows
            ]
            step = 60
        return {"resolution": resolution, "step": step, "kinds": list(KINDS),
                "now": int(self.clock.seconds()), "points": points}


_POINT = {"type": "object", "properties": {
    "t": {"type": "integer"}, "qps": {"type": "number"},
    **{name: {"type": "integer"} for name in FIELDS},
}}


def add_routes(api: Api) -> None:
    """Register C{GET /api/stats/series}; it answers 404 when the service runs no sampler."""

    @api.route(
        "GET", "/api/stats/series", scope="read", errors=(404,),
        summary="Queries per second and answer kinds: 1-second samples (last 10 minutes) "
                "or 1-minute sums (last hour)",
        query={"resolution": {"type": "string", "enum": ["second", "minute"],
                              "default": "minute"}},
        response={"type": "object", "properties": {
            "resolution": {"type": "string"}, "step": {"type": "integer"},
            "kinds": {"type": "array", "items": {"type": "string"}},
            "now": {"type": "integer"}, "points": {"type": "array", "items": _POINT},
        }},
    )
    def series(call: Call) -> dict:
        sampler = api.deps.series
        if sampler is None:
            raise NotFound("no time series: this server runs no sampler", "resolution")
        return sampler.series(call.query["resolution"])
