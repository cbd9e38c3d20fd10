"""`sync_pledges` pages through Stripe's events and applies the refund, dispute and checkout
events the webhook missed: once, however often it runs, and within Stripe's rate limits."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges import webhooks
from pledges.models import StripeEvent
from pledges.services import pledge_mark_paid, pledge_start_checkout
from stripe_emulator.server import StripeEmulator
from tests.fixtures.stripe import EMULATOR_SECRET_KEY, EMULATOR_WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def paid_pledge(campaign, emu, amount_minor=10_000):
    pledge = PledgeFactory(
        campaign=campaign, amount_minor=amount_minor, stripe_checkout_session_id=None
    )
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    pledge_mark_paid(session=emu.pay(pledge.stripe_checkout_session_id), send_receipt=False)
    pledge.refresh_from_db()
    return pledge


def test_missed_refund_and_dispute_events_are_applied_once(
    campaign, stripe_settings, client, stripe_webhook_payload_signer
):
    emu = stripe_settings
    refunded = paid_pledge(campaign, emu)
    disputed = paid_pledge(campaign, emu)
    # Only the first payment's event reaches the webhook; everything after it is missed.
    first = next(e for e in emu.events if e["type"] == "checkout.session.completed")
    body = json.dumps(first).encode()
    client.post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_webhook_payload_signer(body)},
    )
    emu.refund(refunded.stripe_payment_intent_id, amount=4_000)  # made in Stripe's dashboard
    dispute = emu.dispute(disputed.stripe_payment_intent_id)
    emu.dispute_funds_withdrawn(dispute["id"])
    emu.dispute_close(dispute["id"], won=False)
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 20_000

    output = run("sync_pledges")

    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (6_000, 1)
    assert "missed and now applied" in output
    assert refunded.refunds.get().amount_minor == 4_000
    assert disputed.disputes.get().status == "lost"
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == len(emu.events)

    again = run("sync_pledges")

    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (6_000, 1)
    assert " 0 missed and now applied" in again


def test_the_dry_run_applies_nothing(campaign, stripe_settings):
    pledge = paid_pledge(campaign, stripe_settings)
    stripe_settings.refund(pledge.stripe_payment_intent_id)

    output = run("sync_pledges", "--dry-run")

    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 10_000
    assert "Would ask Stripe for events" in output


@pytest.fixture
def slow_stripe(settings):
    """An emulator that answers 429 beyond two requests a second, as Stripe rate-limits."""
    emulator = StripeEmulator(
        webhook_secret=EMULATOR_WEBHOOK_SECRET, deliver_webhooks=False, requests_per_second=2
    ).start()
    settings.STRIPE_SECRET_KEY = EMULATOR_SECRET_KEY
    settings.STRIPE_API_BASE = emulator.base_url
    settings.STRIPE_MAX_RETRIES = 0
    yield emulator
    emulator.stop()


def test_paging_backs_off_when_stripe_rate_limits(campaign, slow_stripe):
    import time

    pledge = paid_pledge(campaign, slow_stripe, amount_minor=12_000)
    for _ in range(5):
        slow_stripe.refund(pledge.stripe_payment_intent_id, amount=1_000)
    time.sleep(1.1)
    pauses = []

    counts = webhooks.stripe_events_catch_up(
        since=0, page_size=2, sleep=lambda s: (pauses.append(s), time.sleep(s))
    )

    assert pauses, "Stripe never rate-limited: the test proves nothing"
    assert pauses[:2] == [0.5, 1.0][: len(pauses[:2])]
    assert counts["seen"] == len(slow_stripe.events)
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 7_000


def test_giving_up_after_repeated_rate_limits_raises(campaign, stripe_settings):
    from pledges.stripe_gateway import PaymentGatewayError

    stripe_settings.fail_next(3, status=429)
    pauses = []

    with pytest.raises(PaymentGatewayError):
        webhooks.stripe_events_catch_up(since=0, max_tries=3, sleep=pauses.append)

    assert pauses == [0.5, 1.0]


def test_an_unreadable_event_list_is_a_command_error(campaign, stripe_settings):
    stripe_settings.fail_next(1, status=500)

    with pytest.raises(CommandError, match="event list could not be read"):
        run("sync_pledges")
