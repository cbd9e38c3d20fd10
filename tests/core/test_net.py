import pytest
from django.test import RequestFactory

from core.net import client_ip, ip_hash


@pytest.fixture
def rf():
    return RequestFactory()


def test_without_proxies_the_address_is_remote_addr_and_forwarded_for_is_ignored(rf, settings):
    settings.NUM_PROXIES = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "203.0.113.9"


def test_behind_one_proxy_the_rightmost_forwarded_address_wins(rf, settings):
    settings.NUM_PROXIES = 1
    # The client forged "6.6.6.6"; our proxy appended the real address.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    assert client_ip(request) == "198.51.100.7"


def test_behind_two_proxies_the_second_from_the_right_wins(rf, settings):
    settings.NUM_PROXIES = 2
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.2"
    )

    assert client_ip(request) == "198.51.100.7"


def test_too_short_forwarded_header_falls_back_to_remote_addr(rf, settings):
    settings.NUM_PROXIES = 2
    request = rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert client_ip(request) == "10.0.0.3"


def test_ip_hash_is_stable_and_never_the_address(rf, settings):
    settings.NUM_PROXIES = 0
    first = ip_hash(rf.get("/", REMOTE_ADDR="203.0.113.9"))
    again = ip_hash(rf.get("/", REMOTE_ADDR="203.0.113.9"))
    other = ip_hash(rf.get("/", REMOTE_ADDR="203.0.113.10"))

    assert first == again != other
    assert "203.0.113.9" not in first and len(first) == 64
