"""Tests for L{dnsops.resolvers.ratelimit}: per-source token buckets with a bounded table."""

from twisted.internet import task
from twisted.trial.unittest import SynchronousTestCase

from dnsops.resolvers.ratelimit import RateLimiter


class RateLimiterTests(SynchronousTestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(1000)

    def test_burst_then_refused(self):
        """If a source sends burst + 1 queries at once, then only the last is refused."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock)
        allowed = [limiter.allow("192.0.2.1") for _ in range(61)]
        self.assertEqual(allowed.count(False), 1)
        self.assertFalse(allowed[-1])

    def test_bucket_refills_after_one_token_interval(self):
        """If a source spent its burst, then it is allowed again 1/rate seconds later, once."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock)
        for _ in range(60):
            limiter.allow("192.0.2.1")
        self.assertFalse(limiter.allow("192.0.2.1"))
        self.clock.advance(1 / 30)
        self.assertTrue(limiter.allow("192.0.2.1"))
        self.assertFalse(limiter.allow("192.0.2.1"))

    def test_sustained_rate(self):
        """If a source sends 10 queries a second at a 5/s limit after its burst, then about half are allowed."""
        limiter = RateLimiter(per_second=5, burst=5, clock=self.clock)
        for _ in range(5):
            limiter.allow("192.0.2.1")
        allowed = 0
        for _ in range(100):
            self.clock.advance(0.1)
            allowed += limiter.allow("192.0.2.1")
        self.assertEqual(allowed, 50)

    def test_sources_are_independent(self):
        """If one source is limited, then another is still allowed."""
        limiter = RateLimiter(per_second=1, burst=1, clock=self.clock)
        self.assertTrue(limiter.allow("192.0.2.1"))
        self.assertFalse(limiter.allow("192.0.2.1"))
        self.assertTrue(limiter.allow("2001:db8::1"))

    def test_zero_rate_disables(self):
        """If the rate is 0, then every query is allowed and no table is kept."""
        limiter = RateLimiter(per_second=0, burst=60, clock=self.clock)
        self.assertTrue(all(limiter.allow("192.0.2.1") for _ in range(1000)))
        self.assertEqual(len(limiter), 0)

    def test_configure_applies(self):
        """If the settings change, then the new burst applies to the next queries."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock)
        limiter.configure(1, 2)
        self.assertEqual([limiter.allow("192.0.2.9") for _ in range(3)], [True, True, False])

    def test_table_bounded_under_spoofed_flood_at_one_instant(self):
        """If 100,000 distinct sources arrive at one instant, then the table stays at max_sources."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock, max_sources=10_000)
        for i in range(100_000):
            limiter.allow(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
        self.assertLessEqual(len(limiter), 10_000)

    def test_idle_buckets_reclaimed_under_flood(self):
        """If 100,000 distinct sources arrive at 10,000 a second, then refilled buckets are reclaimed and the table stays near rate x refill time."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock, max_sources=50_000)
        largest = 0
        for i in range(100_000):
            self.clock.advance(0.0001)
            limiter.allow(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
            largest = max(largest, len(limiter))
        # A bucket is full again after burst/rate = 2 s: 20,000 arrivals.
        self.assertLessEqual(largest, 20_001)
        self.assertLess(len(limiter), 50_000)

    def test_reclaimed_source_starts_with_full_burst(self):
        """If a limited source goes idle until refilled, then it gets a full burst again."""
        limiter = RateLimiter(per_second=30, burst=60, clock=self.clock)
        for _ in range(61):
            limiter.allow("192.0.2.1")
        self.clock.advance(2)
        limiter.allow("192.0.2.2")
        self.assertEqual(len(limiter), 1)
        self.assertEqual(sum(limiter.allow("192.0.2.1") for _ in range(61)), 60)
