"""Checkout Sessions expire at ``expires_at`` and send ``checkout.session.expired``."""

import time

import pytest
import requests
import stripe

from stripe_emulator import StripeEmulator, StripeError

from .conftest import make_client, session_params


def expired_events(emulator):
    return [e for e in emulator.events if e["type"] == "checkout.session.expired"]


def test_moving_the_clock_past_expires_at_expires_the_session(stripe_emulator, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(
        # A little over Stripe's 30-minute floor, so a slow machine cannot fall below it.
        params=session_params(expires_at=stripe_emulator.now() + 1900)
    )
    later = stripe_client.v1.checkout.sessions.create(params=session_params())

    stripe_emulator.advance_clock(1901)

    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert stripe_client.v1.checkout.sessions.retrieve(later.id).status == "open"
    (event,) = expired_events(stripe_emulator)
    assert event["data"]["object"]["id"] == session.id
    assert event["data"]["object"]["url"] is None
    assert event["request"] == {"id": None, "idempotency_key": None}


def test_expire_due_expires_what_is_due_at_the_given_time(stripe_emulator, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(params=session_params())

    assert stripe_emulator.expire_due(now=session.expires_at - 1) == []
    assert stripe_emulator.expire_due(now=session.expires_at) == [session.id]
    assert stripe_emulator.expire_due(now=session.expires_at + 60) == []
    assert len(expired_events(stripe_emulator)) == 1


def test_sessions_expire_by_themselves_when_their_time_comes():
    emulator = StripeEmulator(deliver_webhooks=False, expiry_check_seconds=0.05).start()
    try:
        session_id = make_client(emulator).v1.checkout.sessions.create(params=session_params()).id
        with emulator._lock:  # as if 24 hours had passed
            emulator.sessions[session_id]["expires_at"] = emulator.now()
        deadline = time.monotonic() + 5
        while not expired_events(emulator) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        emulator.stop()

    assert [e["data"]["object"]["id"] for e in expired_events(emulator)] == [session_id]


def test_an_expired_session_cannot_be_paid_on_the_page_or_by_the_helper(
    stripe_emulator, stripe_client
):
    session = stripe_client.v1.checkout.sessions.create(params=session_params())
    stripe_emulator.advance_clock(24 * 3600)

    page = requests.post(f"{session.url}/pay", allow_redirects=False, timeout=5)

    assert page.status_code == 409 and "expired" in page.text
    with pytest.raises(StripeError):
        stripe_emulator.pay(session.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(session.id)
