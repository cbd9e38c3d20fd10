"""Fixed-window rate limits kept in Django's cache (Redis in production, shared by all servers).

`cache.add` then `cache.incr` is atomic on Redis and on the local-memory cache, so concurrent
requests cannot slip past the limit together.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Rate:
    """`count` hits per `seconds`; parsed from strings such as "5/m", "20/h" or "100/10m"."""

    count: int
    seconds: int

    UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    @classmethod
    def parse(cls, text: str) -> "Rate":
        count, _, period = text.partition("/")
        multiplier = int(period[:-1] or 1)
        return cls(count=int(count), seconds=multiplier * cls.UNITS[period[-1]])


def is_limited(*, scope: str, key: str, rate: str) -> bool:
    """Count one hit for `key` in `scope`; True once it is over `rate` in the current window."""
    limit = Rate.parse(rate)
    window = int(time.time() // limit.seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=limit.seconds + 1):
        return limit.count < 1
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # Expired between add and incr: this hit starts a new window.
        cache.add(cache_key, 1, timeout=limit.seconds + 1)
        hits = 1
    return hits > limit.count
