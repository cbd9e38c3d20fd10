"""Monthly giving: subscription Checkout, Customers, renewals with the test clock, the portal."""

import pytest
import requests
import stripe

from stripe_emulator import StripeError
from stripe_emulator.billing import add_interval

from .conftest import session_params


def monthly(unit_amount=1000, **overrides):
    params = session_params(
        mode="subscription",
        line_items=[{
            "price_data": {
                "currency": "usd", "unit_amount": unit_amount,
                "product_data": {"name": "Monthly gift to Reunite Families"},
                "recurring": {"interval": "month"},
            },
            "quantity": 1,
        }],
        subscription_data={"metadata": {"pledge_id": "pledge-9"}},
        **overrides,
    )  # fmt: skip
    for payment_only in ("submit_type", "payment_intent_data"):
        params.pop(payment_only)
    return params


@pytest.fixture
def subscribed(stripe_emulator, stripe_client):
    """A paid monthly session: (session, subscription id)."""
    session_id = stripe_client.v1.checkout.sessions.create(params=monthly()).id
    session = stripe_emulator.pay(session_id)
    return session, session["subscription"]


def types(emulator, since=0):
    return [event["type"] for event in emulator.events[since:]]


def paid_invoices(emulator):
    return [e["data"]["object"] for e in emulator.events if e["type"] == "invoice.paid"]


def test_paying_a_subscription_session_creates_customer_subscription_and_a_paid_invoice(
    stripe_emulator, stripe_client, subscribed
):
    session, subscription_id = subscribed

    assert types(stripe_emulator) == [
        "customer.created", "customer.subscription.created", "invoice.paid",
        "invoice.payment_succeeded", "checkout.session.completed",
    ]  # fmt: skip
    assert session["mode"] == "subscription" and session["payment_intent"] is None
    subscription = stripe_client.v1.subscriptions.retrieve(subscription_id)
    assert subscription.status == "active"
    assert subscription.metadata.to_dict() == {"pledge_id": "pledge-9"}
    assert subscription["items"].data[0].price.recurring.interval == "month"
    customer = stripe_client.v1.customers.retrieve(subscription.customer)
    assert customer.email == "supporter@example.org" == session["customer_details"]["email"]
    invoice = stripe_client.v1.invoices.retrieve(session["invoice"])
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == (
        "paid",
        1000,
        "subscription_create",
    )
    assert invoice.parent.subscription_details.subscription == subscription_id
    intent_id = invoice.payments.data[0].payment.payment_intent
    assert stripe_client.v1.payment_intents.retrieve(intent_id).amount == 1000


def test_a_year_of_renewals_makes_twelve_paid_invoices(stripe_emulator, subscribed):
    stripe_emulator.advance_month(11)

    invoices = paid_invoices(stripe_emulator)
    assert len(invoices) == 12
    assert [i["billing_reason"] for i in invoices] == ["subscription_create"] + [
        "subscription_cycle"
    ] * 11
    assert len({i["id"] for i in invoices}) == 12
    periods = [(i["period_start"], i["period_end"]) for i in invoices]
    assert all(end == start for (_, end), (start, _) in zip(periods, periods[1:], strict=False))


def test_a_renewal_on_a_failing_card_fails_and_counts_nothing(
    stripe_emulator, stripe_client, subscribed
):
    _, subscription_id = subscribed
    stripe_emulator.fail_renewals(subscription_id)
    before = len(stripe_emulator.events)

    (invoice_id,) = stripe_emulator.advance_month()

    assert types(stripe_emulator, before) == [
        "invoice.payment_failed", "customer.subscription.updated"
    ]  # fmt: skip
    invoice = stripe_client.v1.invoices.retrieve(invoice_id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_remaining) == ("open", 0, 1000)
    assert stripe_client.v1.subscriptions.retrieve(subscription_id).status == "past_due"
    assert len(paid_invoices(stripe_emulator)) == 1


def test_canceling_now_sends_subscription_deleted_and_stops_renewals(
    stripe_emulator, stripe_client, subscribed
):
    _, subscription_id = subscribed

    stripe_client.v1.subscriptions.cancel(subscription_id)
    stripe_emulator.advance_month(3)

    assert types(stripe_emulator)[-1] == "customer.subscription.deleted"
    assert stripe_client.v1.subscriptions.retrieve(subscription_id).status == "canceled"
    assert len(paid_invoices(stripe_emulator)) == 1


def test_the_portal_page_cancels_at_the_period_end_and_updates_the_card(
    stripe_emulator, stripe_client, subscribed
):
    session, subscription_id = subscribed
    stripe_emulator.fail_renewals(subscription_id)
    portal = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": session["customer"], "return_url": "http://testserver/manage/done/"}
    )
    page = requests.get(portal.url, timeout=5)
    assert page.status_code == 200 and "TEST MODE" in page.text
    assert "Cancel this 10.00 USD gift" in page.text and "Update card" in page.text

    requests.post(f"{portal.url}/update-card", allow_redirects=False, timeout=5)
    cancel = requests.post(
        f"{portal.url}/cancel/{subscription_id}", allow_redirects=False, timeout=5
    )
    assert cancel.status_code == 303
    assert "Cancels at the end of the current period" in requests.get(portal.url, timeout=5).text
    assert types(stripe_emulator)[-2:] == ["customer.updated", "customer.subscription.updated"]
    assert stripe_emulator.events[-1]["data"]["object"]["cancel_at_period_end"] is True

    stripe_emulator.advance_month(2)

    assert types(stripe_emulator)[-1] == "customer.subscription.deleted"
    assert len(paid_invoices(stripe_emulator)) == 1


def test_the_portal_refuses_another_customers_subscription(
    stripe_emulator, stripe_client, subscribed
):
    _, subscription_id = subscribed
    stranger = stripe_client.v1.customers.create(params={"email": "other@example.org"})
    portal = stripe_client.v1.billing_portal.sessions.create(params={"customer": stranger.id})

    answer = requests.post(f"{portal.url}/cancel/{subscription_id}", timeout=5)

    assert answer.status_code == 409
    assert stripe_emulator.subscriptions[subscription_id]["status"] == "active"


def test_a_renewal_payment_can_be_refunded_and_disputed(stripe_emulator, stripe_client, subscribed):
    stripe_emulator.advance_month()
    renewal = paid_invoices(stripe_emulator)[-1]
    intent_id = renewal["payments"]["data"][0]["payment"]["payment_intent"]

    stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 400})
    stripe_emulator.advance_month()
    other = paid_invoices(stripe_emulator)[-1]["payments"]["data"][0]["payment"]["payment_intent"]
    dispute = stripe_emulator.dispute(other)

    assert stripe_emulator.events[-1]["type"] == "charge.dispute.created"
    assert dispute["amount"] == 1000


def test_customers_are_found_by_email_and_redacted_on_erasure(stripe_client, subscribed):
    session, _ = subscribed
    (found,) = stripe_client.v1.customers.list(params={"email": "supporter@example.org"}).data

    redacted = stripe_client.v1.customers.update(found.id, params={"email": "", "name": ""})

    assert found.id == session["customer"]
    assert (redacted.email, redacted.name) == ("", None)
    assert stripe_client.v1.customers.list(params={"email": "supporter@example.org"}).data == []


def test_deleting_a_customer_cancels_their_subscriptions(
    stripe_emulator, stripe_client, subscribed
):
    session, subscription_id = subscribed

    deleted = stripe_client.v1.customers.delete(session["customer"])

    assert deleted.deleted is True
    assert stripe_emulator.subscriptions[subscription_id]["status"] == "canceled"
    listed = stripe_client.v1.subscriptions.list(params={"customer": session["customer"]})
    assert listed.data == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        (session_params(mode="subscription", payment_intent_data=None), "submit_type"),
        ({**monthly(), "subscription_data": {"metdata": {"a": "b"}}}, "subscription_data[metdata]"),
        (session_params(line_items=[{"price_data": {
            "currency": "usd", "unit_amount": 900, "product_data": {"name": "x"},
            "recurring": {"interval": "month"}}, "quantity": 1}]),
         "line_items[0][price_data][recurring]"),
        ({**monthly(), "customer": "cus_unknown", "customer_email": None}, "customer"),
    ],
)  # fmt: skip
def test_mode_mismatches_are_refused_naming_the_param(stripe_client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(params=params)

    assert caught.value.param == param


def test_months_keep_their_day_clamped_to_the_months_end():
    jan_31 = 1769817600  # 2026-01-31 00:00 UTC
    assert add_interval(jan_31, "month") == 1772236800  # 2026-02-28
    assert add_interval(jan_31, "year") == 1801353600  # 2027-01-31


def test_the_checkout_page_says_how_often_the_supporter_pays(stripe_client):
    session = stripe_client.v1.checkout.sessions.create(params=monthly())

    page = requests.get(session.url, timeout=5).text

    assert "Monthly gift to Reunite Families, every month" in page
    assert "10.00 USD" in page


def test_subscription_sessions_are_paid_at_once_only(stripe_emulator, stripe_client):
    session_id = stripe_client.v1.checkout.sessions.create(params=monthly()).id

    with pytest.raises(StripeError):
        stripe_emulator.pay_delayed(session_id)
