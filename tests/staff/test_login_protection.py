"""Failed admin logins lock an address out (django-axes); staff sessions expire."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

PASSWORD = "the-right-staff-password-7"


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        username="ana", email="ana@example.org", password=PASSWORD, is_staff=True
    )


def _login(client, password, username="ana", ip="203.0.113.9"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_a_correct_password_signs_staff_in(client, staff_user):
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_five_failed_logins_lock_the_address_out_even_with_the_right_password(client, staff_user):
    for _ in range(4):
        assert _login(client, "wrong-password").status_code == 200  # the form again
    locked = _login(client, "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert "staff/lockout.html" in [t.name for t in locked.templates]

    again = _login(client, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_spread_over_usernames_from_one_address_also_lock_it(client, staff_user):
    for n in range(5):
        _login(client, "wrong-password", username=f"guess-{n}")
    assert _login(client, PASSWORD).status_code == 429


def test_another_address_is_not_locked_out(client, staff_user):
    for _ in range(5):
        _login(client, "wrong-password", ip="203.0.113.9")
    response = _login(client, PASSWORD, ip="198.51.100.20")
    assert response.status_code == 302


def test_the_lockout_page_does_not_echo_the_username(client, staff_user):
    for _ in range(5):
        response = _login(client, "wrong-password", username="ana.private@example.org")
    assert response.status_code == 429
    assert "ana.private" not in response.text


def test_staff_sessions_expire_after_eight_hours_and_when_the_browser_closes(client, staff_user):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    _login(client, PASSWORD)
    assert client.session.get_expire_at_browser_close() is True
    assert client.session.get_expiry_age() <= 8 * 60 * 60
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie


def test_axes_checks_credentials_first_and_locks_for_an_hour():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == 1
    assert settings.AXES_LOCKOUT_TEMPLATE == "staff/lockout.html"
