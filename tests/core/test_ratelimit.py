"""Rate limits while the shared cache fails: a per-process fallback, logged once a minute."""

import logging
import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

from core import ratelimit
from core.logging import Throttle
from demo.factories.campaigns import CampaignFactory
from tests.faults.proxy import FaultProxy

pytestmark = pytest.mark.django_db

SIGNATURE = {
    "first_name": "Ana",
    "last_name": "García",
    "country": "MX",
    "postal_code": "",
    "comment": "",
}


def redis_cache(port: int, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/7",
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def fresh_fallback(monkeypatch):
    """Each test starts with no per-process counts and a log line allowed."""
    monkeypatch.setattr(ratelimit, "_fallback_log", Throttle(60))
    monkeypatch.setattr(ratelimit, "_local_hits", {})


@pytest.fixture
def dead_cache(settings):
    with socket.create_server(("127.0.0.1", 0)) as spare:
        port = spare.getsockname()[1]  # Free, and nothing listens there once closed.
    working = settings.CACHES
    settings.CACHES = redis_cache(port, "dead")
    settings.CAMPAIGNS_SIGN_RATE = "3/10m"
    yield settings
    settings.CACHES = working  # Before the shared fixture clears the cache.


def sign(client, campaign, n):
    return client.post(
        reverse("campaigns:sign", kwargs={"slug": campaign.slug}),
        {**SIGNATURE, "email": f"supporter{n}@example.org"},
    )


def test_with_the_cache_down_signing_works_and_the_limit_holds_per_process(
    client, dead_cache, fresh_fallback, caplog
):
    campaign = CampaignFactory()
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        answers = [sign(client, campaign, n).status_code for n in range(5)]

    assert answers == [303, 303, 303, 429, 429]
    assert campaign.signatures.count() == 3
    fallback_lines = [r for r in caplog.records if "fall back to this process" in r.getMessage()]
    assert len(fallback_lines) == 1  # Once a minute, not once per request.
    assert "ConnectionError" in fallback_lines[0].getMessage()


def test_with_the_cache_down_pages_and_the_pledge_form_still_answer(
    client, dead_cache, fresh_fallback
):
    campaign = CampaignFactory()

    assert client.get(campaign.get_absolute_url()).status_code == 200
    assert client.get(reverse("pledges:start", args=[campaign.slug])).status_code == 200
    pledge = client.post(reverse("pledges:start", args=[campaign.slug]), {"amount": "25"})
    assert pledge.status_code == 400  # The form's own answer (fields missing), not a 500.


def test_every_rate_limited_answer_says_when_to_come_back(client, settings, fresh_fallback):
    settings.CAMPAIGNS_SIGN_RATE = "1/10m"
    campaign = CampaignFactory()
    sign(client, campaign, 1)

    limited = sign(client, campaign, 2)

    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 600


@pytest.mark.skipif(not redis_is_up(), reason="Needs the Redis server on 127.0.0.1:6379.")
def test_the_shared_limit_resumes_when_redis_comes_back(settings, fresh_fallback):
    proxy = FaultProxy("127.0.0.1", 6379, name="redis")
    working = settings.CACHES
    settings.CACHES = redis_cache(proxy.port, f"resume-{proxy.port}")
    rate = "100/h"
    window = int(ratelimit.time.time() // 3600)
    try:
        assert not ratelimit.is_limited(scope="t", key="k", rate=rate)
        proxy.cut()
        assert not ratelimit.is_limited(scope="t", key="k", rate=rate)  # Counted locally.
        assert ratelimit._local_hits
        proxy.restore()
        assert not ratelimit.is_limited(scope="t", key="k", rate=rate)

        assert cache.get(f"ratelimit:t:k:{window}") == 2  # Both shared hits, in Redis.
    finally:
        cache.delete(f"ratelimit:t:k:{window}")
        proxy.close()
        settings.CACHES = working


@pytest.mark.skipif(not redis_is_up(), reason="Needs the Redis server on 127.0.0.1:6379.")
def test_on_redis_concurrent_hits_pass_the_limit_exactly_and_the_window_expires(settings):
    import threading

    from django.core.cache import caches

    settings.CACHES = redis_cache(6379, f"exact-{threading.get_ident()}")
    rate, answers, lock = "10/d", [], threading.Lock()  # A day: no window ends mid-test.

    def hit():
        limited = ratelimit.is_limited(scope="t", key="same-client", rate=rate)
        with lock:
            answers.append(limited)

    threads = [threading.Thread(target=hit) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers.count(False) == 10 and answers.count(True) == 15
    backend = caches["default"]
    window = int(ratelimit.time.time() // 86400)
    key = backend.make_and_validate_key(f"ratelimit:t:same-client:{window}")
    client = backend._cache.get_client(key)
    assert 0 < client.ttl(key) <= 86401  # The counter goes with its window.
    assert backend.get(f"ratelimit:t:same-client:{window}") == 25  # Readable through the cache.
    backend.clear()
