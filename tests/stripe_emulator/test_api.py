"""The emulator's JSON API, driven through the real stripe library over HTTP."""

import time

import pytest
import requests
import stripe

from .conftest import make_client, session_params


def test_create_answers_an_open_checkout_session_shaped_like_stripes(
    stripe_emulator, stripe_client
):
    session = stripe_client.v1.checkout.sessions.create(params=session_params())

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert (session.amount_total, session.currency) == (2550, "usd")
    assert session.client_reference_id == "pledge-1"
    assert session.metadata.to_dict() == {"pledge_id": "pledge-1"}
    assert session.customer_email == "supporter@example.org"
    assert session.customer_details is None and session.payment_intent is None
    assert session.url == f"{stripe_emulator.base_url}/checkout/{session.id}"
    assert session.success_url.endswith("?session_id={CHECKOUT_SESSION_ID}")
    assert session.livemode is False
    assert session.expires_at > session.created


def test_uppercase_currency_and_quantities_are_normalised_and_summed(stripe_client):
    item = {
        "price_data": {"currency": "JPY", "unit_amount": 500, "product_data": {"name": "Pledge"}},
        "quantity": 3,
    }

    session = stripe_client.v1.checkout.sessions.create(params=session_params(line_items=[item]))

    assert (session.amount_total, session.currency) == (1500, "jpy")


def test_retrieve_returns_the_stored_session(stripe_client, open_session):
    session = stripe_client.v1.checkout.sessions.retrieve(open_session)

    assert session.id == open_session
    assert session.status == "open"


def test_retrieving_an_unknown_session_is_a_404_resource_missing(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.retrieve("cs_test_unknown")

    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"mode": None}, "mode"),
        ({"success_url": None}, "success_url"),
        ({"line_items": None}, "line_items"),
        ({"line_items": [{"price_data": {"currency": "usd"}, "quantity": 1}]},
         "line_items[0][price_data][unit_amount]"),
        ({"mode": "setup"}, "mode"),
        ({"metadata_typo": {"pledge_id": "x"}}, "metadata_typo"),
    ],
)  # fmt: skip
def test_invalid_parameters_answer_a_400_naming_the_parameter(stripe_client, overrides, param):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(params=session_params(**overrides))

    assert caught.value.http_status == 400
    assert caught.value.error.param == param
    assert caught.value.error.type == "invalid_request_error"


def test_expire_closes_an_open_session_and_emits_an_event(
    stripe_emulator, stripe_client, open_session
):
    session = stripe_client.v1.checkout.sessions.expire(open_session)

    assert (session.status, session.url) == ("expired", None)
    event = stripe_emulator.events[-1]
    assert event["type"] == "checkout.session.expired"
    assert event["data"]["object"]["id"] == open_session
    assert event["request"]["id"].startswith("req_")


def test_expiring_a_completed_session_is_refused(stripe_emulator, stripe_client, open_session):
    stripe_emulator.pay(open_session)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.expire(open_session)

    assert caught.value.http_status == 400
    assert stripe_emulator.sessions[open_session]["status"] == "complete"


def test_every_answer_carries_a_request_id(stripe_emulator, open_session):
    ok = requests.get(
        f"{stripe_emulator.base_url}/v1/checkout/sessions/{open_session}",
        headers={"Authorization": "Bearer sk_test_x"},
        timeout=5,
    )
    missing = requests.get(f"{stripe_emulator.base_url}/v1/nothing/here", timeout=5)

    assert ok.status_code == 200 and ok.headers["Request-Id"].startswith("req_")
    assert missing.status_code == 401 and missing.headers["Request-Id"].startswith("req_")


@pytest.mark.parametrize("key", ["sk_live_123", "pk_test_123", "nonsense"])
def test_keys_other_than_test_secret_keys_are_refused_with_401(stripe_emulator, key):
    with pytest.raises(stripe.AuthenticationError) as caught:
        make_client(stripe_emulator, key=key).v1.checkout.sessions.create(params=session_params())

    assert caught.value.http_status == 401
    assert stripe_emulator.sessions == {}


def test_restricted_test_keys_are_accepted(stripe_emulator):
    stripe_client = make_client(stripe_emulator, key="rk_test_123")

    assert stripe_client.v1.checkout.sessions.create(params=session_params()).status == "open"


def test_fail_next_answers_api_errors_then_recovers(stripe_emulator, stripe_client):
    stripe_emulator.fail_next(2, status=503)

    for _ in range(2):
        with pytest.raises(stripe.APIError) as caught:
            stripe_client.v1.checkout.sessions.create(params=session_params())
        assert caught.value.http_status == 503
        assert caught.value.error.type == "api_error"
    session = stripe_client.v1.checkout.sessions.create(params=session_params())

    assert list(stripe_emulator.sessions) == [session.id]


def test_delay_next_makes_a_short_client_timeout_fail_as_a_connection_error(stripe_emulator):
    stripe_emulator.delay_next(1, seconds=1.0)
    impatient = make_client(stripe_emulator, timeout=0.2)

    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.checkout.sessions.create(params=session_params())

    assert time.monotonic() - started < 1.0


def test_payment_intent_of_a_paid_session_can_be_retrieved(
    stripe_emulator, stripe_client, open_session
):
    paid = stripe_emulator.pay(open_session)

    intent = stripe_client.v1.payment_intents.retrieve(paid["payment_intent"])

    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 2550, "usd")
    assert intent.metadata.to_dict() == {"pledge_id": "pledge-1"}
    assert intent.latest_charge.startswith("ch_")


def test_partial_then_full_refund_accumulate_on_the_charge(
    stripe_emulator, stripe_client, open_session
):
    intent_id = stripe_emulator.pay(open_session)["payment_intent"]

    partial = stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 550})
    rest = stripe_client.v1.refunds.create(params={"payment_intent": intent_id})

    assert partial.id.startswith("re_") and (partial.amount, rest.amount) == (550, 2000)
    refunded = [e for e in stripe_emulator.events if e["type"] == "charge.refunded"]
    first, second = (e["data"]["object"] for e in refunded)
    assert (first["amount_refunded"], first["refunded"]) == (550, False)
    assert (second["amount_refunded"], second["refunded"]) == (2550, True)
    assert second["payment_intent"] == intent_id
    assert second["metadata"] == {"pledge_id": "pledge-1"}


def test_refunding_more_than_remains_is_a_400(stripe_emulator, stripe_client, open_session):
    intent_id = stripe_emulator.pay(open_session)["payment_intent"]
    stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 2000})

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 600})

    assert caught.value.http_status == 400
    assert (
        stripe_emulator.charges[stripe_emulator.payment_intents[intent_id]["latest_charge"]][
            "amount_refunded"
        ]
        == 2000
    )


def test_refunding_an_unpaid_or_unknown_payment_intent_is_a_400(stripe_emulator, stripe_client):
    session_id = stripe_client.v1.checkout.sessions.create(params=session_params()).id
    pending = stripe_emulator.pay_delayed(session_id)["payment_intent"]

    for intent_id in (pending, "pi_unknown"):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            stripe_client.v1.refunds.create(params={"payment_intent": intent_id})
        assert caught.value.http_status == 400
    assert stripe_emulator.refunds == {}


def test_retrieve_can_expand_the_payment_intent(stripe_emulator, stripe_client, open_session):
    stripe_emulator.pay(open_session)

    session = stripe_client.v1.checkout.sessions.retrieve(
        open_session, params={"expand": ["payment_intent"]}
    )

    assert session.payment_intent.object == "payment_intent"
    assert session.payment_intent.status == "succeeded"
    assert isinstance(stripe_emulator.sessions[open_session]["payment_intent"], str)
