"""Refunds with Stripe's lifecycle: pending, succeeded, failed, canceled, and their events."""

import threading

import pytest
import stripe

from stripe_emulator import StripeError

from .conftest import make_client


@pytest.fixture
def paid(stripe_emulator, open_session):
    """The paid charge's PaymentIntent id."""
    return stripe_emulator.pay(open_session)["payment_intent"]


def charge_of(emulator, intent_id):
    return emulator.charges[emulator.payment_intents[intent_id]["latest_charge"]]


def types_since(emulator, count):
    return [event["type"] for event in emulator.events[count:]]


def test_a_refund_through_the_api_succeeds_and_sends_refund_created_then_charge_refunded(
    stripe_emulator, stripe_client, paid
):
    before = len(stripe_emulator.events)

    refund = stripe_client.v1.refunds.create(
        params={"payment_intent": paid, "amount": 550, "reason": "requested_by_customer"}
    )

    assert (refund.status, refund.amount, refund.reason) == (
        "succeeded",
        550,
        "requested_by_customer",
    )
    assert refund.payment_intent == paid and refund.balance_transaction.startswith("txn_")
    assert types_since(stripe_emulator, before) == ["refund.created", "charge.refunded"]
    charge = stripe_emulator.events[-1]["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (550, False)
    assert stripe_emulator.events[-2]["data"]["object"]["id"] == refund.id


def test_a_pending_refund_counts_on_the_charge_until_it_settles(stripe_emulator, paid):
    refund = stripe_emulator.refund(paid, amount=1000, pending=True)
    assert refund["status"] == "pending" and refund["balance_transaction"] is None
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 1000
    before = len(stripe_emulator.events)

    settled = stripe_emulator.settle_refund(refund["id"])

    assert settled["status"] == "succeeded"
    assert types_since(stripe_emulator, before) == ["refund.updated", "charge.refund.updated"]
    assert stripe_emulator.events[-1]["data"]["object"]["status"] == "succeeded"
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 1000


def test_a_refund_that_fails_later_gives_its_amount_back_to_the_charge(
    stripe_emulator, stripe_client, paid
):
    refund = stripe_emulator.refund(paid)
    assert charge_of(stripe_emulator, paid)["refunded"] is True
    before = len(stripe_emulator.events)

    failed = stripe_emulator.fail_refund(refund["id"])

    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    assert failed["failure_balance_transaction"].startswith("txn_")
    assert types_since(stripe_emulator, before) == [
        "refund.updated", "refund.failed", "charge.refund.updated"
    ]  # fmt: skip
    charge = stripe_client.v1.charges.retrieve(refund["charge"])
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    assert stripe_client.v1.refunds.retrieve(refund["id"]).status == "failed"


def test_after_a_failed_refund_the_amount_can_be_refunded_again(stripe_emulator, paid):
    first = stripe_emulator.refund(paid, amount=2000)
    stripe_emulator.fail_refund(first["id"], reason="lost_or_stolen_card")

    again = stripe_emulator.refund(paid)

    assert again["amount"] == 2550
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 2550


def test_a_pending_refund_can_be_canceled_and_restores_the_charge(stripe_emulator, paid):
    refund = stripe_emulator.refund(paid, amount=500, pending=True)
    before = len(stripe_emulator.events)

    canceled = stripe_emulator.cancel_refund(refund["id"])

    assert canceled["status"] == "canceled"
    assert types_since(stripe_emulator, before) == ["refund.updated", "charge.refund.updated"]
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 0


def test_only_a_pending_refund_settles_or_cancels_and_a_failed_one_cannot_fail_again(
    stripe_emulator, paid
):
    refund = stripe_emulator.refund(paid, amount=500)
    for control in (stripe_emulator.settle_refund, stripe_emulator.cancel_refund):
        with pytest.raises(StripeError):
            control(refund["id"])
    stripe_emulator.fail_refund(refund["id"])

    with pytest.raises(StripeError):
        stripe_emulator.fail_refund(refund["id"])
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 0


def test_an_unknown_refund_reason_is_a_400_naming_reason(stripe_client, paid):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": paid, "reason": "changed_mind"})

    assert (caught.value.code, caught.value.param) == ("parameter_invalid_enum", "reason")


def test_refunding_an_already_refunded_charge_is_charge_already_refunded(stripe_client, paid):
    stripe_client.v1.refunds.create(params={"payment_intent": paid})

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": paid})

    assert caught.value.code == "charge_already_refunded"


def test_the_charge_names_the_test_card_and_the_intent_its_latest_charge(
    stripe_emulator, stripe_client, paid
):
    intent = stripe_client.v1.payment_intents.retrieve(paid)
    charge = stripe_client.v1.charges.retrieve(intent.latest_charge)

    card = charge.payment_method_details.card
    assert (charge.payment_method_details.type, card.brand, card.last4) == ("card", "visa", "4242")
    assert charge.payment_intent == paid and charge.status == "succeeded"
    assert charge.balance_transaction.startswith("txn_")


def test_refunds_and_disputes_are_listed_newest_first_per_payment(
    stripe_emulator, stripe_client, paid, open_session
):
    first = stripe_emulator.refund(paid, amount=100)
    second = stripe_emulator.refund(paid, amount=200)
    other_session = stripe_client.v1.checkout.sessions.create(
        params={"mode": "payment", "success_url": "http://testserver/ok",
                "line_items": [{"price_data": {"currency": "usd", "unit_amount": 900,
                                               "product_data": {"name": "Pledge"}},
                                "quantity": 1}]}
    )  # fmt: skip
    other = stripe_emulator.pay(other_session.id)["payment_intent"]
    stripe_emulator.refund(other, amount=300)
    dispute = stripe_emulator.dispute(other)

    refunds = stripe_client.v1.refunds.list(params={"payment_intent": paid})
    disputes = stripe_client.v1.disputes.list(params={"payment_intent": other})

    assert [r.id for r in refunds.data] == [second["id"], first["id"]]
    assert [d.id for d in disputes.data] == [dispute["id"]]
    assert len(stripe_client.v1.refunds.list().data) == 3


def test_concurrent_refunds_never_refund_more_than_the_charge(stripe_emulator, paid):
    client = make_client(stripe_emulator)
    outcomes = []

    def refund():
        try:
            client.v1.refunds.create(params={"payment_intent": paid, "amount": 500})
            outcomes.append("refunded")
        except stripe.InvalidRequestError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=refund) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["amount_too_large"] * 3 + ["refunded"] * 5
    assert charge_of(stripe_emulator, paid)["amount_refunded"] == 2500
    assert sum(r["amount"] for r in stripe_emulator.refunds.values()) == 2500
