"""The hosted test checkout page and its four buttons, over plain HTTP."""

import requests

from .conftest import session_params


def page_url(emulator, session_id: str, action: str = "") -> str:
    return f"{emulator.base_url}/checkout/{session_id}" + (f"/{action}" if action else "")


def press(emulator, session_id: str, action: str) -> requests.Response:
    return requests.post(page_url(emulator, session_id, action), allow_redirects=False, timeout=5)


def test_page_is_labelled_test_mode_and_shows_amount_description_and_buttons(
    stripe_emulator, open_session
):
    page = requests.get(page_url(stripe_emulator, open_session), timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "TEST MODE — Stripe emulator, no real payment" in page.text
    assert "25.50 USD" in page.text
    assert "Pledge to Reunite Families" in page.text
    for label in ("Pay", "Pay with delayed settlement", "Decline", "Cancel"):
        assert f">{label}</button>" in page.text
    assert page.text.count('<form method="post"') == 4
    assert "http://" not in page.text.replace(stripe_emulator.base_url, "")  # no external assets


def test_zero_decimal_amounts_are_shown_without_decimals(stripe_emulator, stripe_client):
    item = {
        "price_data": {"currency": "jpy", "unit_amount": 5000, "product_data": {"name": "Pledge"}},
        "quantity": 1,
    }
    session = stripe_client.v1.checkout.sessions.create(params=session_params(line_items=[item]))

    page = requests.get(session.url, timeout=5)

    assert "5,000 JPY" in page.text


def test_pay_completes_the_session_and_redirects_to_the_success_url(stripe_emulator, open_session):
    answer = press(stripe_emulator, open_session, "pay")

    assert answer.status_code == 303
    assert answer.headers["Location"] == (
        f"http://testserver/pledges/thanks/1/?session_id={open_session}"
    )
    session = stripe_emulator.sessions[open_session]
    assert (session["status"], session["payment_status"], session["url"]) == (
        "complete", "paid", None
    )  # fmt: skip
    assert session["customer_details"] == {"email": "supporter@example.org", "name": None}
    intent = stripe_emulator.payment_intents[session["payment_intent"]]
    assert intent["status"] == "succeeded"
    assert stripe_emulator.charges[intent["latest_charge"]]["status"] == "succeeded"
    (event,) = stripe_emulator.events
    assert event["type"] == "checkout.session.completed"
    assert event["data"]["object"]["payment_status"] == "paid"


def test_a_completed_session_cannot_be_paid_twice(stripe_emulator, open_session):
    press(stripe_emulator, open_session, "pay")

    again = press(stripe_emulator, open_session, "pay")
    page = requests.get(page_url(stripe_emulator, open_session), timeout=5)

    assert again.status_code == 409
    assert "already complete" in again.text and "already complete" in page.text
    assert "<button" not in page.text
    assert len(stripe_emulator.payment_intents) == 1 and len(stripe_emulator.events) == 1


def test_pay_with_delayed_settlement_completes_unpaid_until_settled(stripe_emulator, open_session):
    answer = press(stripe_emulator, open_session, "pay-delayed")

    assert answer.status_code == 303
    session = stripe_emulator.sessions[open_session]
    assert (session["status"], session["payment_status"]) == ("complete", "unpaid")
    assert stripe_emulator.payment_intents[session["payment_intent"]]["status"] == "processing"
    assert stripe_emulator.events[-1]["data"]["object"]["payment_status"] == "unpaid"

    stripe_emulator.settle(open_session, succeed=True)

    assert stripe_emulator.sessions[open_session]["payment_status"] == "paid"
    assert stripe_emulator.events[-1]["type"] == "checkout.session.async_payment_succeeded"


def test_failed_settlement_leaves_the_session_unpaid(stripe_emulator, open_session):
    intent_id = stripe_emulator.pay_delayed(open_session)["payment_intent"]

    stripe_emulator.settle(open_session, succeed=False)

    assert stripe_emulator.sessions[open_session]["payment_status"] == "unpaid"
    assert stripe_emulator.payment_intents[intent_id]["status"] == "requires_payment_method"
    assert stripe_emulator.events[-1]["type"] == "checkout.session.async_payment_failed"


def test_decline_rerenders_the_open_page_with_a_402(stripe_emulator, open_session):
    answer = press(stripe_emulator, open_session, "decline")

    assert answer.status_code == 402
    assert "Your card was declined (test)" in answer.text
    assert 'role="alert"' in answer.text and ">Pay</button>" in answer.text
    assert stripe_emulator.sessions[open_session]["status"] == "open"
    assert stripe_emulator.events == []


def test_cancel_redirects_to_the_cancel_url_and_leaves_the_session_open(
    stripe_emulator, open_session
):
    answer = press(stripe_emulator, open_session, "cancel")

    assert answer.status_code == 303
    assert answer.headers["Location"] == "http://testserver/take-action/reunite/"
    assert stripe_emulator.sessions[open_session]["status"] == "open"


def test_an_expired_session_page_says_so_and_refuses_payment(stripe_emulator, open_session):
    stripe_emulator.expire(open_session)

    page = requests.get(page_url(stripe_emulator, open_session), timeout=5)
    answer = press(stripe_emulator, open_session, "pay")

    assert "has expired" in page.text and "<button" not in page.text
    assert answer.status_code == 409
    assert stripe_emulator.payment_intents == {}


def test_unknown_session_page_is_a_404(stripe_emulator):
    assert requests.get(page_url(stripe_emulator, "cs_test_nope"), timeout=5).status_code == 404
