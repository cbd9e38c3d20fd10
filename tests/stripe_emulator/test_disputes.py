"""Disputes with Stripe's lifecycle: created, funds withdrawn, updated, reinstated, closed."""

import pytest
import stripe

from stripe_emulator import StripeError


@pytest.fixture
def paid(stripe_emulator, open_session):
    return stripe_emulator.pay(open_session)["payment_intent"]


def types_since(emulator, count):
    return [event["type"] for event in emulator.events[count:]]


def test_a_dispute_is_created_with_its_evidence_due_date_and_blocks_refunds(
    stripe_emulator, stripe_client, paid
):
    dispute = stripe_emulator.dispute(paid, reason="product_not_received")

    event = stripe_emulator.events[-1]
    assert event["type"] == "charge.dispute.created"
    obj = event["data"]["object"]
    assert (obj["id"], obj["amount"], obj["status"]) == (dispute["id"], 2550, "needs_response")
    assert obj["reason"] == "product_not_received" and obj["payment_intent"] == paid
    assert obj["evidence_details"]["due_by"] == obj["created"] + 7 * 86400
    assert obj["is_charge_refundable"] is False and obj["balance_transactions"] == []
    assert stripe_client.v1.charges.retrieve(obj["charge"]).disputed is True
    assert stripe_client.v1.disputes.retrieve(dispute["id"]).status == "needs_response"


def test_refunding_a_disputed_charge_is_a_400_charge_disputed(stripe_emulator, stripe_client, paid):
    stripe_emulator.dispute(paid)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": paid})

    assert (caught.value.http_status, caught.value.code) == (400, "charge_disputed")
    assert stripe_emulator.refunds == {}


def test_funds_withdrawn_carry_a_debit_with_the_dispute_fee_once(stripe_emulator, paid):
    dispute = stripe_emulator.dispute(paid)

    stripe_emulator.dispute_funds_withdrawn(dispute["id"])

    event = stripe_emulator.events[-1]
    assert event["type"] == "charge.dispute.funds_withdrawn"
    (debit,) = event["data"]["object"]["balance_transactions"]
    assert (debit["amount"], debit["fee"], debit["net"]) == (-2550, 1500, -4050)
    assert debit["reporting_category"] == "dispute"
    with pytest.raises(StripeError):
        stripe_emulator.dispute_funds_withdrawn(dispute["id"])


def test_evidence_moves_the_dispute_under_review_with_charge_dispute_updated(stripe_emulator, paid):
    dispute = stripe_emulator.dispute(paid)

    stripe_emulator.dispute_update(dispute["id"], evidence={"uncategorized_text": "Delivered."})

    event = stripe_emulator.events[-1]
    assert event["type"] == "charge.dispute.updated"
    obj = event["data"]["object"]
    assert obj["status"] == "under_review"
    assert obj["evidence_details"]["has_evidence"] is True
    assert obj["evidence"]["uncategorized_text"] == "Delivered."


def test_a_won_dispute_reinstates_the_funds_then_closes_as_won(stripe_emulator, paid):
    dispute = stripe_emulator.dispute(paid)
    stripe_emulator.dispute_funds_withdrawn(dispute["id"])
    before = len(stripe_emulator.events)

    stripe_emulator.dispute_close(dispute["id"], won=True)

    assert types_since(stripe_emulator, before) == [
        "charge.dispute.funds_reinstated", "charge.dispute.closed"
    ]  # fmt: skip
    closed = stripe_emulator.events[-1]["data"]["object"]
    assert closed["status"] == "won"
    assert [t["amount"] for t in closed["balance_transactions"]] == [-2550, 2550]


def test_a_won_dispute_lets_the_charge_be_refunded_again(stripe_emulator, stripe_client, paid):
    dispute = stripe_emulator.dispute(paid)
    stripe_emulator.dispute_close(dispute["id"], won=True)

    refund = stripe_client.v1.refunds.create(params={"payment_intent": paid})

    assert refund.status == "succeeded"


def test_a_lost_dispute_closes_as_lost_and_the_money_stays_gone(
    stripe_emulator, stripe_client, paid
):
    dispute = stripe_emulator.dispute(paid)
    stripe_emulator.dispute_funds_withdrawn(dispute["id"])
    before = len(stripe_emulator.events)

    stripe_emulator.dispute_close(dispute["id"], won=False)

    assert types_since(stripe_emulator, before) == ["charge.dispute.closed"]
    closed = stripe_emulator.events[-1]["data"]["object"]
    assert closed["status"] == "lost" and len(closed["balance_transactions"]) == 1
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": paid})
    assert caught.value.code == "charge_disputed"
    with pytest.raises(StripeError):
        stripe_emulator.dispute_update(dispute["id"], status="under_review")


def test_an_inquiry_moves_no_money_and_leaves_the_charge_refundable(stripe_emulator, paid):
    dispute = stripe_emulator.dispute(paid, inquiry=True)

    assert (dispute["status"], dispute["is_charge_refundable"]) == ("warning_needs_response", True)
    with pytest.raises(StripeError):
        stripe_emulator.dispute_funds_withdrawn(dispute["id"])
    assert stripe_emulator.refund(paid)["status"] == "succeeded"
    assert stripe_emulator.dispute_close(dispute["id"], won=True)["status"] == "warning_closed"


def test_a_charge_is_disputed_once_and_only_when_paid(stripe_emulator, stripe_client, paid):
    stripe_emulator.dispute(paid)
    with pytest.raises(StripeError):
        stripe_emulator.dispute(paid)
    unpaid = stripe_client.v1.checkout.sessions.create(
        params={"mode": "payment", "success_url": "http://testserver/ok",
                "line_items": [{"price_data": {"currency": "usd", "unit_amount": 900,
                                               "product_data": {"name": "Pledge"}},
                                "quantity": 1}]}
    )  # fmt: skip
    pending = stripe_emulator.pay_delayed(unpaid.id)["payment_intent"]

    with pytest.raises(StripeError):
        stripe_emulator.dispute(pending)
