"""Idempotency keys as Stripe keeps them: first answer for 24 hours, errors included."""

import threading
import time

import pytest
import stripe

from .conftest import form, make_client, raw_post, session_params

SESSIONS = "/v1/checkout/sessions"


def test_same_key_and_body_replays_the_first_answer(stripe_emulator):
    first = raw_post(stripe_emulator, SESSIONS, form(session_params()), **{"Idempotency-Key": "k1"})
    again = raw_post(stripe_emulator, SESSIONS, form(session_params()), **{"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Original-Request"] == first.headers["Request-Id"]
    assert "Idempotent-Replayed" not in first.headers
    assert len(stripe_emulator.sessions) == 1


def test_same_key_with_other_parameters_is_an_idempotency_error(stripe_client):
    options = {"idempotency_key": "pledge-1-checkout"}
    stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)

    with pytest.raises(stripe.IdempotencyError) as caught:
        stripe_client.v1.checkout.sessions.create(
            params=session_params(customer_email="other@example.org"), options=options
        )

    assert caught.value.http_status == 400
    assert caught.value.error.type == "idempotency_error"


def test_same_key_on_another_endpoint_is_an_idempotency_error(
    stripe_emulator, stripe_client, open_session
):
    intent_id = stripe_emulator.pay(open_session)["payment_intent"]
    options = {"idempotency_key": "shared-key"}
    stripe_client.v1.refunds.create(params={"payment_intent": intent_id}, options=options)

    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)


def test_a_500_is_stored_under_its_key_and_replayed_for_every_retry(stripe_emulator):
    stripe_emulator.fail_next(1, status=500)
    body = form(session_params())

    first = raw_post(stripe_emulator, SESSIONS, body, **{"Idempotency-Key": "pledge-7-checkout"})
    retries = [
        raw_post(stripe_emulator, SESSIONS, body, **{"Idempotency-Key": "pledge-7-checkout"})
        for _ in range(3)
    ]
    fresh = raw_post(stripe_emulator, SESSIONS, body, **{"Idempotency-Key": "attempt-2"})

    assert first.status_code == 500 and first.json()["error"]["type"] == "api_error"
    assert first.headers["Stripe-Should-Retry"] == "false"
    assert [r.status_code for r in retries] == [500, 500, 500]
    assert all(r.headers["Idempotent-Replayed"] == "true" for r in retries)
    assert fresh.status_code == 200
    assert list(stripe_emulator.sessions) == [fresh.json()["id"]]


def test_the_sdk_with_retries_sees_the_replayed_500_and_stops(stripe_emulator):
    stripe_emulator.fail_next(1, status=500)
    patient = make_client(stripe_emulator, retries=2)

    with pytest.raises(stripe.APIError) as caught:
        patient.v1.checkout.sessions.create(
            params=session_params(), options={"idempotency_key": "k"}
        )

    assert caught.value.http_status == 500
    assert stripe_emulator.sessions == {}


def test_a_refused_operation_is_stored_too(stripe_emulator, stripe_client, open_session):
    intent_id = stripe_emulator.pay(open_session)["payment_intent"]
    dispute = stripe_emulator.dispute(intent_id)
    options = {"idempotency_key": "refund-1"}
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id}, options=options)
    stripe_emulator.dispute_close(dispute["id"], won=True)  # now refundable

    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.refunds.create(params={"payment_intent": intent_id}, options=options)

    assert caught.value.code == "charge_disputed"
    assert stripe_emulator.refunds == {}


def test_a_request_refused_by_validation_stores_nothing(stripe_client):
    options = {"idempotency_key": "fix-and-retry"}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(
            params=session_params(payment_intent_data={"metdata": {"a": "b"}}), options=options
        )
    assert caught.value.code == "parameter_unknown"

    session = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert session.status == "open"


def test_a_rate_limited_request_stores_nothing(stripe_emulator, stripe_client):
    stripe_emulator.fail_next(1, status=429)
    options = {"idempotency_key": "busy"}
    with pytest.raises(stripe.RateLimitError) as caught:
        stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    assert (caught.value.http_status, caught.value.error.code) == (429, "rate_limit")

    session = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert session.status == "open"


def test_the_same_key_while_the_first_request_runs_is_a_409(stripe_emulator, stripe_client):
    stripe_emulator.delay_next(1, seconds=1.5, in_flight=True)
    options = {"idempotency_key": "double-click"}
    first = []
    slow = threading.Thread(
        target=lambda: first.append(
            stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
        )
    )
    slow.start()
    deadline = time.monotonic() + 5
    while "double-click" not in stripe_emulator._idempotency and time.monotonic() < deadline:
        time.sleep(0.01)  # until the first request holds the key

    with pytest.raises(stripe.APIError) as caught:
        stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)
    slow.join()
    replayed = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)

    assert caught.value.http_status == 409
    assert caught.value.error.code == "idempotency_key_in_use"
    assert replayed.id == first[0].id
    assert len(stripe_emulator.sessions) == 1


def test_concurrent_requests_with_one_key_make_one_session(stripe_emulator):
    """Stripe answers 409 to the requests racing the first; the SDK retries them."""
    patient = make_client(stripe_emulator, retries=3)
    stripe_emulator.delay_next(1, seconds=0.3, in_flight=True)
    ids = []

    def create():
        options = {"idempotency_key": "racing"}
        ids.append(patient.v1.checkout.sessions.create(params=session_params(), options=options).id)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(ids) == 4 and len(set(ids)) == 1
    assert len(stripe_emulator.sessions) == 1


def test_a_key_is_forgotten_after_24_hours(stripe_emulator, stripe_client):
    options = {"idempotency_key": "yesterday"}
    first = stripe_client.v1.checkout.sessions.create(params=session_params(), options=options)

    stripe_emulator.advance_clock(24 * 3600 + 1)
    other = stripe_client.v1.checkout.sessions.create(
        params=session_params(customer_email="new@example.org"), options=options
    )

    assert other.id != first.id


def test_a_key_longer_than_255_characters_is_refused(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        stripe_client.v1.checkout.sessions.create(
            params=session_params(), options={"idempotency_key": "k" * 256}
        )

    assert caught.value.http_status == 400


def test_a_timed_out_request_retried_with_its_key_gets_the_first_answer(stripe_emulator):
    """The one case to reuse a key: the SDK times out, retries (409 while the first still
    runs), and finally gets the session the first request made."""
    stripe_emulator.delay_next(1, seconds=0.8, in_flight=True)
    impatient = make_client(stripe_emulator, timeout=0.3, retries=4)

    session = impatient.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "pledge-3-attempt-1"}
    )

    assert list(stripe_emulator.sessions) == [session.id]
