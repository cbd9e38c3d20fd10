"""The emulator delivering to the running app as Stripe does, every event twice at once: a
payment, a partial refund that later fails, and a chargeback that is lost give exact totals."""

import pytest
from django.db import connection

from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge, StripeEvent
from pledges.services import pledge_request_refund, pledge_start_checkout

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Concurrent deliveries need PostgreSQL."
    ),
    pytest.mark.django_db(transaction=True),
]


def test_duplicated_concurrent_deliveries_of_the_money_lifecycle_give_exact_totals(
    campaign, stripe_live_webhooks
):
    emu = stripe_live_webhooks
    emu.delivery = "duplicated"
    refunded = PledgeFactory(
        campaign=campaign, amount_minor=10_000, stripe_checkout_session_id=None
    )
    lost = PledgeFactory(campaign=campaign, amount_minor=5_000, stripe_checkout_session_id=None)
    for pledge in (refunded, lost):
        pledge_start_checkout(pledge=pledge)
        pledge.refresh_from_db()
        emu.pay(pledge.stripe_checkout_session_id)
    assert emu.wait_for_deliveries(timeout=20)
    for pledge in (refunded, lost):
        pledge.refresh_from_db()
        assert pledge.status == Pledge.Status.PAID

    refund = pledge_request_refund(pledge=refunded, amount_minor=4_000)
    emu.fail_refund(refund.stripe_refund_id)
    pledge_request_refund(pledge=refunded, amount_minor=1_000)
    dispute = emu.dispute(lost.stripe_payment_intent_id)
    emu.dispute_funds_withdrawn(dispute["id"])
    emu.dispute_close(dispute["id"], won=False)
    assert emu.wait_for_deliveries(timeout=20)

    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (9_000, 1)
    assert all(outcome == 200 for _, outcome in emu.deliveries), emu.deliveries
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == len(emu.events)
