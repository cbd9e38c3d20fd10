"""Stripe settings that lose money or leak the live key stop the app: system checks, and the
WSGI entry point that gunicorn loads (it runs no checks)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pledges.checks import stripe_setting_errors

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live(settings):
    """A correct live setup; each test breaks one thing."""
    settings.STRIPE_SECRET_KEY = "sk_live_abc"
    settings.STRIPE_LIVE_MODE = True
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_live"
    settings.SITE_URL = "https://campaigns.example.org"
    return settings


def ids(settings=None):
    return [error.id for error in stripe_setting_errors()]


def test_a_correct_live_setup_passes(live):
    assert ids() == []


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
def test_a_live_key_with_an_api_base_is_refused(live, key):
    live.STRIPE_SECRET_KEY = key
    live.STRIPE_API_BASE = "http://127.0.0.1:12111"

    assert ids() == ["pledges.E002"]


@pytest.mark.parametrize("key", ["sk_live_abc", "rk_live_abc"])
def test_live_mode_without_a_webhook_secret_is_refused(live, key):
    live.STRIPE_SECRET_KEY = key
    live.STRIPE_WEBHOOK_SECRET = ""

    assert ids() == ["pledges.E004"]


def test_live_mode_with_a_plain_http_site_url_is_refused(live):
    live.SITE_URL = "http://campaigns.example.org"

    assert ids() == ["pledges.E005"]


def test_a_restricted_test_key_is_a_test_key(settings):
    settings.STRIPE_SECRET_KEY = "rk_test_abc"
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    settings.SITE_URL = "http://127.0.0.1:8000"

    assert ids() == []


def test_a_publishable_key_or_a_live_switch_with_a_test_key_is_refused(settings):
    settings.STRIPE_LIVE_MODE = False
    settings.STRIPE_SECRET_KEY = "pk_test_abc"
    assert ids() == ["pledges.E001"]

    settings.STRIPE_SECRET_KEY = "sk_test_abc"
    settings.STRIPE_LIVE_MODE = True
    settings.SITE_URL = "https://campaigns.example.org"
    assert ids() == ["pledges.E003"]


def test_optional_checkout_settings_are_checked(settings):
    settings.STRIPE_PAYMENT_METHOD_CONFIGURATION = "card"
    settings.STRIPE_STATEMENT_DESCRIPTOR_SUFFIX = "FAMILIES*2026 TOO LONG FOR A CARD"

    assert ids() == ["pledges.E006", "pledges.E007"]


def _start_wsgi(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STRIPE_", "SITE_URL")) and key != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {"DEBUG": "false", "SECRET_KEY": "x", "SECURE_SSL_REDIRECT": "false"} | env
    return subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_server_refuses_to_start_with_a_live_key_sent_to_the_emulator():
    result = _start_wsgi(
        STRIPE_SECRET_KEY="rk_live_secretvalue",
        STRIPE_LIVE_MODE="true",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        SITE_URL="https://campaigns.example.org",
        STRIPE_API_BASE="http://127.0.0.1:12111",
    )

    assert result.returncode != 0
    assert "pledges.E002" in result.stderr
    assert "secretvalue" not in result.stderr


def test_the_server_starts_with_test_settings():
    result = _start_wsgi(STRIPE_SECRET_KEY="sk_test_x", STRIPE_API_BASE="http://127.0.0.1:1")

    assert result.returncode == 0, result.stderr


def test_payment_settings_reach_checkout(campaign, stripe_settings, settings):
    from demo.factories.pledges import PledgeFactory
    from pledges.services import pledge_start_checkout

    settings.STRIPE_PAYMENT_METHOD_CONFIGURATION = "pmc_donations"
    settings.STRIPE_STATEMENT_DESCRIPTOR_SUFFIX = "FAMILIES"
    settings.STRIPE_PAYMENT_DESCRIPTION = "Pledge to {campaign}"
    pledge = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)

    pledge_start_checkout(pledge=pledge)

    pledge.refresh_from_db()
    session = stripe_settings.sessions[pledge.stripe_checkout_session_id]
    assert session["payment_method_configuration_details"]["id"] == "pmc_donations"
    paid = stripe_settings.pay(session["id"])
    intent = stripe_settings.payment_intents[paid["payment_intent"]]
    assert intent["statement_descriptor_suffix"] == "FAMILIES"
    assert intent["description"] == f"Pledge to {campaign.title}"
