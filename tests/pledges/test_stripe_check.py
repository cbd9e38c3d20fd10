"""`manage.py stripe_check` against the emulator's webhook endpoint list."""

import json
from io import StringIO

import pytest
import stripe
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges.services import pledge_start_checkout
from pledges.stripe_gateway import API_VERSION
from pledges.webhooks import REQUIRED_EVENTS
from stripe_emulator.server import StripeEmulator
from tests.fixtures.stripe import EMULATOR_SECRET_KEY
from tests.pledges.conftest import WEBHOOK_SECRET

URL = "https://campaigns.example.org/pledges/stripe/webhook/"


@pytest.fixture
def account(settings):
    """`account(**endpoint)`: an emulated Stripe account with one webhook endpoint."""
    started = []

    def make(**endpoint):
        emulator = StripeEmulator(deliver_webhooks=False, webhook_url=URL, **endpoint).start()
        started.append(emulator)
        settings.STRIPE_SECRET_KEY = EMULATOR_SECRET_KEY
        settings.STRIPE_API_BASE = emulator.base_url
        settings.STRIPE_MAX_RETRIES = 0
        settings.SITE_URL = "https://campaigns.example.org"
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


def run():
    out = StringIO()
    call_command("stripe_check", stdout=out)
    return out.getvalue()


def test_an_endpoint_with_every_event_and_the_pinned_version_passes(account):
    account(webhook_enabled_events=list(REQUIRED_EVENTS), webhook_api_version=API_VERSION)

    output = run()

    assert URL in output
    assert "is set up right" in output


def test_an_endpoint_that_sends_only_checkout_completed_is_reported(account):
    account(webhook_enabled_events=["checkout.session.completed"])

    with pytest.raises(CommandError) as failed:
        run()

    message = str(failed.value)
    for needed in ("refund.failed", "charge.dispute.funds_withdrawn", "checkout.session.expired"):
        assert needed in message
    assert "does not send checkout.session.completed" not in message


def test_an_endpoint_in_another_api_version_is_reported(account):
    account(webhook_api_version="2024-06-20")

    with pytest.raises(
        CommandError, match=f"its API version is 2024-06-20, the app reads {API_VERSION}"
    ):
        run()


def test_a_disabled_endpoint_is_reported(account):
    account(webhook_status="disabled")

    with pytest.raises(CommandError, match="it is disabled"):
        run()


def test_no_endpoint_for_this_site_is_reported_with_what_to_create(account, settings):
    account()
    settings.SITE_URL = "https://elsewhere.example.org"

    with pytest.raises(CommandError) as failed:
        run()

    assert "No webhook endpoint for https://elsewhere.example.org/pledges/stripe/webhook/" in str(
        failed.value
    )
    assert API_VERSION in str(failed.value)


@pytest.mark.django_db
def test_events_rendered_in_another_version_wait_until_replayed(account, client, campaign):
    emu = account(webhook_api_version="2024-06-20", webhook_secret=WEBHOOK_SECRET)
    pledge = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    emu.pay(pledge.stripe_checkout_session_id)
    (paid,) = [e for e in emu.events if e["type"] == "checkout.session.completed"]
    assert paid["api_version"] == "2024-06-20"
    body = json.dumps(paid).encode()
    response = client.post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                body.decode(), WEBHOOK_SECRET
            )
        },
    )

    assert response.status_code == 200
    pledge.refresh_from_db()
    assert pledge.counted_at is None  # stored and flagged, not read in the wrong shape
    call_command("replay_stripe_events", stdout=StringIO())
    pledge.refresh_from_db()
    assert pledge.counted_at is not None
