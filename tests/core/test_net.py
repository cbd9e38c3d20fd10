import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

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


def test_a_chain_shorter_than_num_proxies_uses_the_socket_and_warns_once_a_minute(
    rf, settings, caplog, monkeypatch
):
    from core import net
    from core.logging import Throttle

    monkeypatch.setattr(net, "_short_chain_log", Throttle(60))
    settings.NUM_PROXIES = 1
    with caplog.at_level(logging.WARNING, logger="core.net"):
        for _ in range(3):
            assert client_ip(rf.get("/", REMOTE_ADDR="203.0.113.9")) == "203.0.113.9"

    [warning] = caplog.records
    assert "0 of the 1 proxy hops" in warning.getMessage()
    assert "203.0.113.9" not in warning.getMessage()


# --- django-axes sees the same client ---------------------------------------------------------

PASSWORD = "the-right-staff-password-7"


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="ana", email="ana@example.org", password=PASSWORD, is_staff=True
    )


def login(client, password, *, forwarded_for, proxy="10.0.0.2"):
    """A login as it reaches the app behind one proxy, which appends the client's address."""
    return client.post(
        reverse("admin:login"),
        {"username": "ana", "password": password, "next": "/admin/"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_one_proxy_axes_locks_out_the_guessing_client_not_every_staff_member(
    client, settings, staff_user
):
    settings.NUM_PROXIES = 1
    assert settings.AXES_CLIENT_IP_CALLABLE == "core.net.axes_client_ip"
    for _ in range(5):
        last = login(client, "wrong", forwarded_for="198.51.100.66")
    assert last.status_code == 429

    colleague = login(client, PASSWORD, forwarded_for="203.0.113.20")
    assert colleague.status_code == 302  # Same proxy, another client: not locked out.


def test_a_forged_forwarded_header_neither_escapes_the_lockout_nor_frames_someone_else(
    client, settings, staff_user
):
    settings.NUM_PROXIES = 1
    for n in range(5):
        # The guesser claims a new address each time; the proxy appends the real one.
        login(client, "wrong", forwarded_for=f"192.0.2.{n}, 198.51.100.66")

    assert login(client, PASSWORD, forwarded_for="192.0.2.99, 198.51.100.66").status_code == 429
    # A colleague whose forged-looking chain names the guesser is judged by the real hop.
    assert login(client, PASSWORD, forwarded_for="198.51.100.66, 203.0.113.20").status_code == 302


def test_the_lockout_says_when_to_come_back(client, settings, staff_user):
    settings.NUM_PROXIES = 1
    for _ in range(5):
        locked = login(client, "wrong", forwarded_for="198.51.100.66")

    assert locked.status_code == 429
    assert locked["Retry-After"] == str(settings.AXES_COOLOFF_TIME * 3600)
