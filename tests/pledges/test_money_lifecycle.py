"""Refunds and disputes as the strict emulator plays them, delivered to the webhook signed:
in order, reversed and twice, the campaign's total comes out exact."""

import json

import pytest
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge
from pledges.services import pledge_mark_paid, pledge_request_refund, pledge_start_checkout
from tests.pledges.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(campaign, stripe_settings):
    pledge = PledgeFactory(campaign=campaign, amount_minor=10_000, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    pledge_mark_paid(
        session=stripe_settings.pay(pledge.stripe_checkout_session_id), send_receipt=False
    )
    pledge.refresh_from_db()
    return pledge


@pytest.fixture
def deliver(client, stripe_settings, stripe_webhook_payload_signer):
    """Post the emulator's events emitted since the last call: `deliver(order=...)`."""
    seen = {"count": len(stripe_settings.events)}

    def post(*, order: str = "in_order") -> list[int]:
        events = stripe_settings.events[seen["count"] :]
        seen["count"] = len(stripe_settings.events)
        if order == "reversed":
            events = list(reversed(events))
        elif order == "twice":
            events = events + events
        statuses = []
        for found in events:
            body = json.dumps(found).encode()
            statuses.append(
                client.post(
                    reverse("pledges:stripe-webhook"),
                    data=body,
                    content_type="application/json",
                    headers={
                        "Stripe-Signature": stripe_webhook_payload_signer(body, WEBHOOK_SECRET)
                    },
                ).status_code
            )
        assert set(statuses) <= {200}, statuses
        return statuses

    return post


def totals(campaign):
    campaign.refresh_from_db()
    return campaign.amount_collected_minor, campaign.supporter_count


def test_a_refund_that_fails_later_puts_the_money_back(paid, campaign, stripe_settings, deliver):
    refund = pledge_request_refund(pledge=paid, amount_minor=4_000)
    deliver()
    assert totals(campaign) == (6_000, 1)

    stripe_settings.fail_refund(refund.stripe_refund_id)
    deliver(order="twice")

    assert totals(campaign) == (10_000, 1)
    refund.refresh_from_db()
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")
    paid.refresh_from_db()
    assert (paid.status, paid.amount_refunded_minor) == (Pledge.Status.PAID, 0)
    # What failed can be asked for again.
    pledge_request_refund(pledge=paid, amount_minor=10_000)
    assert totals(campaign) == (0, 0)


def test_a_pending_refund_from_the_dashboard_counts_once_it_succeeds(
    paid, campaign, stripe_settings, deliver
):
    refund = stripe_settings.refund(paid.stripe_payment_intent_id, amount=2_500, pending=True)
    deliver()
    assert totals(campaign) == (10_000, 1)
    row = paid.refunds.get()
    assert (row.stripe_refund_id, row.status, row.requested_by) == (refund["id"], "pending", None)

    stripe_settings.settle_refund(refund["id"])
    deliver(order="reversed")

    assert totals(campaign) == (7_500, 1)


def test_a_canceled_pending_refund_takes_nothing_off(paid, campaign, stripe_settings, deliver):
    refund = stripe_settings.refund(paid.stripe_payment_intent_id, pending=True)
    stripe_settings.cancel_refund(refund["id"])

    deliver(order="reversed")

    assert totals(campaign) == (10_000, 1)
    assert paid.refunds.get().status == "canceled"


@pytest.mark.parametrize("order", ["in_order", "reversed", "twice"])
def test_a_lost_chargeback_comes_off_the_total_exactly_once(
    order, paid, campaign, stripe_settings, deliver
):
    dispute = stripe_settings.dispute(paid.stripe_payment_intent_id)
    stripe_settings.dispute_funds_withdrawn(dispute["id"])
    stripe_settings.dispute_close(dispute["id"], won=False)

    deliver(order=order)

    assert totals(campaign) == (0, 0)
    row = paid.disputes.get()
    assert (row.status, row.withdrawn_minor, row.reason) == ("lost", 10_000, "fraudulent")
    assert row.evidence_due_by is not None
    paid.refresh_from_db()
    assert paid.status == Pledge.Status.CHARGED_BACK


@pytest.mark.parametrize("order", ["in_order", "reversed", "twice"])
def test_a_won_dispute_leaves_the_total_as_it_was(order, paid, campaign, stripe_settings, deliver):
    dispute = stripe_settings.dispute(paid.stripe_payment_intent_id, reason="product_not_received")
    stripe_settings.dispute_funds_withdrawn(dispute["id"])
    deliver()
    assert totals(campaign) == (0, 0)

    stripe_settings.dispute_update(dispute["id"], evidence={"uncategorized_text": "Receipt sent."})
    stripe_settings.dispute_close(dispute["id"], won=True)
    deliver(order=order)

    assert totals(campaign) == (10_000, 1)
    assert paid.disputes.get().status == "won"


def test_an_inquiry_moves_no_money_and_leaves_the_pledge_refundable(
    paid, campaign, stripe_settings, deliver
):
    dispute = stripe_settings.dispute(paid.stripe_payment_intent_id, inquiry=True)
    deliver()
    assert totals(campaign) == (10_000, 1)
    stripe_settings.dispute_close(dispute["id"], won=False)
    deliver()

    assert paid.disputes.get().status == "warning_closed"
    assert pledge_request_refund(pledge=paid).status == "succeeded"


def test_a_partial_refund_then_a_lost_dispute_on_the_rest(paid, campaign, stripe_settings, deliver):
    pledge_request_refund(pledge=paid, amount_minor=3_000)
    dispute = stripe_settings.dispute(paid.stripe_payment_intent_id, amount=7_000)
    stripe_settings.dispute_funds_withdrawn(dispute["id"])
    stripe_settings.dispute_close(dispute["id"], won=False)

    deliver(order="reversed")

    assert totals(campaign) == (0, 0)


def test_an_open_inquiry_does_not_block_a_refund(paid, stripe_settings, deliver):
    stripe_settings.dispute(paid.stripe_payment_intent_id, inquiry=True)
    deliver()

    assert pledge_request_refund(pledge=paid, amount_minor=1_000).status == "succeeded"
