"""Fixed-window rate limits kept in Django's cache (Redis in production, shared by all servers).

On Redis one MULTI creates the window's counter and increments it; elsewhere (the
local-memory cache of development) `cache.add` then `cache.incr`. Both are atomic, so concurrent
requests cannot slip past the limit together.

When the cache does not answer, the limit falls back to a counter in this process (the same
windows and rates, so each app server allows the rate on its own) and says so in the log once a
minute, not per request: signing and pledging keep working. The next call after the cache
answers again counts in the shared limit once more.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from core.logging import Throttle

logger = logging.getLogger(__name__)
_fallback_log = Throttle(60)
_local_lock = threading.Lock()
_local_hits: dict[str, tuple[float, int]] = {}  # cache key -> (window end, hits)


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
    """Count one hit for `key` in `scope`; True once it is over `rate` in the current window.

    Never raises for a cache outage: it counts in this process instead (see the module doc).
    """
    limit = Rate.parse(rate)
    window = int(time.time() // limit.seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    try:
        hits = _shared_hit(cache_key, limit)
    except Exception as error:  # noqa: BLE001 - any cache client failure means "cache down".
        held = _fallback_log.ready()
        if held is not None:
            logger.warning(
                "Rate limits fall back to this process: the cache failed (%s; %s more since "
                "the last line).",
                type(error).__name__,
                held,
            )
        hits = _local_hit(cache_key, ends_at=(window + 1) * limit.seconds)
    return hits > limit.count


def _shared_hit(cache_key: str, limit: Rate) -> int:
    backend = caches["default"]  # The backend itself, not the `cache` proxy: its class says which.
    if isinstance(backend, RedisCache):
        # One round trip instead of three (`add`, then `incr`, which checks EXISTS before its
        # INCR): in one MULTI, create the key at 0 with its lifetime if it is missing, then
        # count. Django stores integers as plain Redis integers, so this is the same key and
        # value `cache.add`/`cache.incr` would use.
        key = backend.make_and_validate_key(cache_key)
        client = backend._cache.get_client(key, write=True)
        with client.pipeline(transaction=True) as pipe:
            _, hits = pipe.set(key, 0, ex=limit.seconds + 1, nx=True).incr(key).execute()
        return hits
    if backend.add(cache_key, 1, timeout=limit.seconds + 1):
        return 1
    try:
        return backend.incr(cache_key)
    except ValueError:  # Expired between add and incr: this hit starts a new window.
        backend.add(cache_key, 1, timeout=limit.seconds + 1)
        return 1


def _local_hit(cache_key: str, *, ends_at: float) -> int:
    now = time.time()
    with _local_lock:
        # Windows that have ended are dropped, so the fallback's memory stays small.
        for stale in [k for k, (end, _) in _local_hits.items() if end <= now]:
            del _local_hits[stale]
        _, hits = _local_hits.get(cache_key, (ends_at, 0))
        _local_hits[cache_key] = (ends_at, hits + 1)
        return hits + 1
