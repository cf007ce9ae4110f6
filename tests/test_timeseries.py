# -*- test-case-name: tests.test_timeseries -*-
"""The dashboard's sample rings: one-second and one-minute samples, and their endpoint."""

import json
import os

from treq.testing import StubTreq
from twisted.internet.task import Clock
from twisted.trial.unittest import SynchronousTestCase

from dnsops.api import timeseries
from dnsops.api.app import Api, ApiDeps, add_error_handlers
from dnsops.api.auth import ensure_api_token
from dnsops.querylog import Stats
from dnsops.resolvers.cache import Cache
from dnsops.store.db import connect


class SamplerTests(SynchronousTestCase):
    """L{timeseries.Sampler} driven by a Clock."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(600)
        self.stats = Stats(self.clock)
        self.cache = Cache(self.clock)
        self.sampler = timeseries.Sampler(self.stats, self.cache, self.clock, seconds=5,
                                          minutes=3)
        self.sampler.startService()
        self.addCleanup(self.sampler.stopService)

    def test_second_samples_are_differences(self) -> None:
        """If three queries come in one second, then that second's sample says 3, by kind."""
        self.stats.count("udp", "authoritative")
        self.stats.count("udp", "blocked")
        self.stats.count("udp", "upstream")
        self.clock.advance(1)
        self.clock.advance(1)
        points = self.sampler.series("second")["points"]
        self.assertEqual([p["queries"] for p in points], [3, 0])
        self.assertEqual((points[0]["authoritative"], points[0]["blocked"],
                          points[0]["forwarded"]), (1, 1, 1))
        self.assertEqual(points[0]["qps"], 3.0)

    def test_cache_hits_are_their_own_kind(self) -> None:
        """If the cache counted a hit for a query, then it is a cache answer, not forwarded."""
        self.stats.count("udp", "cache")
        self.cache.hits += 1
        self.clock.advance(1)
        point = self.sampler.series("second")["points"][0]
        self.assertEqual((point["cache"], point["forwarded"]), (1, 0))

    def test_second_ring_is_bounded(self) -> None:
        """If more seconds pass than the ring holds, then only the newest are kept."""
        self.clock.pump([1] * 12)
        self.assertEqual(len(self.sampler.series("second")["points"]), 5)

    def test_minute_sums_and_rate(self) -> None:
        """If 120 queries come in one minute, then that minute's point says 2 per second."""
        for _ in range(60):
            self.stats.count("udp", "authoritative")
            self.stats.count("tcp", "authoritative")
            self.clock.advance(1)
        points = self.sampler.series("minute")["points"]
        self.assertEqual(sum(p["queries"] for p in points), 120)
        self.assertEqual(points[0]["qps"], 2.0)
        self.assertEqual(points[0]["t"] % 60, 0)

    def test_minute_ring_is_bounded(self) -> None:
        """If more minutes pass than the ring holds, then the oldest are dropped."""
        self.clock.pump([1] * 60 * 6)
        self.assertLessEqual(len(self.sampler.series("minute")["points"]), 4)

    def test_stop_stops_sampling(self) -> None:
        """If the service stops, then no more samples are taken."""
        self.sampler.stopService()
        self.clock.advance(5)
        self.assertEqual(self.sampler.series("second")["points"], [])


class SeriesEndpointTests(SynchronousTestCase):
    """C{GET /api/stats/series}."""

    def request(self, deps: ApiDeps, path: str, token: str) -> tuple[int, dict]:
        api = Api(deps)
        add_error_handlers(api)
        timeseries.add_routes(api)
        stub = StubTreq(api.app.resource())
        d = stub.request("GET", "http://127.0.0.1" + path,
                         headers={b"authorization": [f"Bearer {token}".encode()]})
        stub.flush()
        response = self.successResultOf(d)
        body = self.successResultOf(stub.content(response))
        return response.code, json.loads(body)

    def deps(self, **kw) -> tuple[ApiDeps, str]:
        path = os.path.abspath(self.mktemp())
        conn = connect(path)
        token = ensure_api_token(conn)
        conn.close()
        deps = ApiDeps(path, Clock(), **kw)
        self.addCleanup(deps.close)
        return deps, token

    def test_serves_the_sampler(self) -> None:
        """If the service runs a sampler, then the endpoint serves its ring as JSON."""
        deps, token = self.deps()
        clock = deps.clock
        stats = Stats(clock)
        deps.series = timeseries.Sampler(stats, None, clock)
        deps.series.startService()
        self.addCleanup(deps.series.stopService)
        stats.count("udp", "authoritative")
        clock.advance(1)
        code, body = self.request(deps, "/api/stats/series?resolution=second", token)
        self.assertEqual(code, 200)
        self.assertEqual(body["points"][0]["queries"], 1)
        self.assertEqual(body["kinds"], list(timeseries.KINDS))

    def test_no_sampler_is_404(self) -> None:
        """If the service runs no sampler, then the endpoint is a JSON 404."""
        deps, token = self.deps()
        code, body = self.request(deps, "/api/stats/series", token)
        self.assertEqual(code, 404)
        self.assertIn("no time series", body["error"])

    def test_bad_resolution(self) -> None:
        """If the resolution is not second or minute, then it is 400 naming resolution."""
        deps, token = self.deps()
        code, body = self.request(deps, "/api/stats/series?resolution=hour", token)
        self.assertEqual((code, body["field"]), (400, "resolution"))
