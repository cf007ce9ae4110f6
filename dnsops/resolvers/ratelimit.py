# -*- test-case-name: tests.test_ratelimit -*-
"""
Per-source-address token buckets: C{burst} queries at once, then C{per_second} a second.

The table is an LRU ordered by last use. A bucket idle long enough to have refilled is the
same as no bucket, so it is dropped from the old end as the table is used; and the table
never holds more than C{max_sources} buckets, so a flood from a million spoofed addresses
costs bounded memory (the oldest bucket goes; its source would have been refilled anyway, or
merely gets a fresh burst).
"""

from collections import OrderedDict

#: One token, less a little for float rounding of clock arithmetic (1/30 s times 30).
_ONE = 1.0 - 1e-9


class RateLimiter:
    """
    Decide whether one more query from an address is allowed; the server answers REFUSED
    when not.

    @ivar per_second: tokens added per second (config C{rate_limit_per_sec}); 0 disables.
    @ivar burst: bucket capacity (config C{rate_limit_burst}); at least 1 token is kept.
    """

    def __init__(self, per_second: float = 30, burst: int = 60, clock=None,
                 max_sources: int = 50_000) -> None:
        self.clock = clock
        self.max_sources = max_sources
        self.buckets: OrderedDict[str, list[float]] = OrderedDict()
        self.configure(per_second, burst)

    def configure(self, per_second: float, burst: int) -> None:
        """Apply new settings (from the config table) without a restart."""
        self.per_second = float(per_second)
        self.burst = max(1.0, float(burst))
        if self.per_second <= 0:
            self.buckets.clear()

    @property
    def enabled(self) -> bool:
        return self.per_second > 0

    def allow(self, address: str) -> bool:
        """Take one token from C{address}'s bucket; False when it is empty."""
        if self.per_second <= 0:
            return True
        now = self.clock.seconds()
        buckets = self.buckets
        bucket = buckets.get(address)
        if bucket is None:
            self._reclaim(now)
            buckets[address] = [self.burst - 1.0, now]
            return True
        buckets.move_to_end(address)
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.per_second)
        bucket[1] = now
        if tokens < _ONE:
            bucket[0] = tokens
            return False
        bucket[0] = max(0.0, tokens - 1.0)
        return True

    def _reclaim(self, now: float) -> None:
        """Drop full (idle) buckets from the old end, and the oldest beyond the cap."""
        buckets = self.buckets
        refill = self.burst / self.per_second
        while buckets:
            oldest = next(iter(buckets.values()))
            if now - oldest[1] < refill:
                break
            buckets.popitem(last=False)
        while len(buckets) >= self.max_sources:
            buckets.popitem(last=False)

    def __len__(self) -> int:
        return len(self.buckets)
