"""Refunds asked for by staff: `pledge_request_refund` and `pledge_refundable_minor`, against
the emulator over real HTTP."""

import pytest
from django.core.exceptions import ValidationError

from demo.factories.pledges import PledgeFactory
from pledges.models import Refund
from pledges.services import (
    pledge_apply_dispute,
    pledge_mark_paid,
    pledge_refundable_minor,
    pledge_request_refund,
    pledge_start_checkout,
)
from pledges.stripe_gateway import PaymentGatewayError

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(campaign, stripe_settings):
    """A 100.00 pledge paid through the emulator's Checkout."""
    pledge = PledgeFactory(campaign=campaign, amount_minor=10_000, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    pledge_mark_paid(
        session=stripe_settings.pay(pledge.stripe_checkout_session_id), send_receipt=False
    )
    pledge.refresh_from_db()
    return pledge


def test_a_partial_refund_is_one_row_and_lowers_the_total_by_its_amount(
    paid, campaign, stripe_settings, django_user_model
):
    finance = django_user_model.objects.create_user("finance")

    refund = pledge_request_refund(
        pledge=paid, amount_minor=2_500, reason="duplicate", requested_by=finance
    )

    assert isinstance(refund, Refund)
    assert (refund.amount_minor, refund.status, refund.reason) == (2_500, "succeeded", "duplicate")
    assert refund.requested_by == finance
    stripe_refund = stripe_settings.refunds[refund.stripe_refund_id]
    assert stripe_refund["amount"] == 2_500
    assert stripe_refund["metadata"] == {
        "pledge_id": str(paid.pk),
        "refund_request": str(refund.pk),
    }
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (7_500, 1)
    paid.refresh_from_db()
    assert pledge_refundable_minor(pledge=paid) == 7_500


def test_without_an_amount_everything_left_is_refunded(paid, campaign):
    pledge_request_refund(pledge=paid, amount_minor=1_000)

    pledge_request_refund(pledge=paid)

    paid.refresh_from_db()
    campaign.refresh_from_db()
    assert [r.amount_minor for r in paid.refunds.order_by("pk")] == [1_000, 9_000]
    assert (paid.status, campaign.amount_collected_minor, campaign.supporter_count) == (
        "refunded",
        0,
        0,
    )


def test_more_than_is_left_is_refused_before_stripe_is_asked(paid, stripe_settings):
    pledge_request_refund(pledge=paid, amount_minor=6_000)

    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=paid, amount_minor=4_001)

    assert refused.value.code == "over_balance"
    assert len(stripe_settings.refunds) == 1
    assert paid.refunds.count() == 1


def test_a_fully_refunded_or_unpaid_pledge_has_nothing_to_refund(paid, campaign):
    pledge_request_refund(pledge=paid)
    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=paid)
    assert refused.value.code == "nothing_to_refund"

    unpaid = PledgeFactory(campaign=campaign)
    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=unpaid)
    assert refused.value.code == "nothing_to_refund"
    assert pledge_refundable_minor(pledge=unpaid) == 0


def test_a_disputed_pledge_is_not_refunded(paid, stripe_settings):
    pledge_apply_dispute(
        dispute={
            "id": "dp_test_1",
            "amount": 10_000,
            "status": "needs_response",
            "payment_intent": paid.stripe_payment_intent_id,
        }
    )

    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=paid)

    assert refused.value.code == "disputed"
    assert not stripe_settings.refunds


def test_zero_or_a_made_up_reason_is_refused(paid):
    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=paid, amount_minor=0)
    assert refused.value.code == "invalid_amount"
    with pytest.raises(ValidationError) as refused:
        pledge_request_refund(pledge=paid, reason="because")
    assert refused.value.code == "invalid_reason"


def test_a_refund_stripe_refuses_is_kept_as_errored_and_holds_nothing(
    paid, campaign, stripe_settings
):
    stripe_settings.fail_next(1, status=500)

    with pytest.raises(PaymentGatewayError):
        pledge_request_refund(pledge=paid, amount_minor=3_000)

    refund = paid.refunds.get()
    assert refund.status == "errored"
    assert pledge_refundable_minor(pledge=paid) == 10_000
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 10_000
    # The next try is a new refund under a new idempotency key, and it goes through.
    assert pledge_request_refund(pledge=paid, amount_minor=3_000).status == "succeeded"


def test_a_refund_left_unanswered_still_holds_its_amount(paid, settings, stripe_settings):
    settings.STRIPE_TIMEOUT = 0.3
    stripe_settings.delay_next(1, 1.0)

    with pytest.raises(PaymentGatewayError):
        pledge_request_refund(pledge=paid, amount_minor=4_000)

    # Stripe may have made it: the row waits for Stripe's event, and the amount stays held.
    assert paid.refunds.get().status == "requested"
    assert pledge_refundable_minor(pledge=paid) == 6_000
