"""Signed webhook deliveries to a local receiver that verifies them like the app does."""

import time

import pytest

from stripe_emulator.server import StripeEmulator
from stripe_emulator.webhooks import sign_payload

from .conftest import WEBHOOK_SECRET, Receiver, make_client, session_params


def wait_until(predicate, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_events_are_delivered_signed_and_in_order(delivering_emulator, receiver):
    stripe_client = make_client(delivering_emulator)
    session_id = stripe_client.v1.checkout.sessions.create(params=session_params()).id
    intent_id = delivering_emulator.pay(session_id)["payment_intent"]
    stripe_client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 50})

    assert delivering_emulator.wait_for_deliveries(timeout=10)

    assert [event.type for event in receiver.events] == [
        "checkout.session.completed",
        "refund.created",
        "charge.refunded",
    ]
    assert [event.id for event in receiver.events] == [e["id"] for e in delivering_emulator.events]
    completed = receiver.events[0]
    assert completed.data.object.id == session_id
    assert completed.data.object.metadata["pledge_id"] == "pledge-1"
    assert completed.api_version == "2026-10-28.endive"
    assert [outcome for _, outcome in delivering_emulator.deliveries] == [200, 200, 200]


def test_a_failed_delivery_is_retried_until_accepted(delivering_emulator, receiver):
    receiver.fail_first = 2
    stripe_client = make_client(delivering_emulator)
    session_id = stripe_client.v1.checkout.sessions.create(params=session_params()).id

    delivering_emulator.pay(session_id)

    assert delivering_emulator.wait_for_deliveries(timeout=10)
    event_id = delivering_emulator.events[0]["id"]
    assert delivering_emulator.deliveries == [(event_id, 500), (event_id, 500), (event_id, 200)]
    assert [event.id for event in receiver.events] == [event_id]


def test_a_wrong_secret_is_rejected_by_the_receiver_and_retried(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, webhook_secret="whsec_wrong").start()
    try:
        session_id = make_client(emulator).v1.checkout.sessions.create(params=session_params()).id
        emulator.pay(session_id)
        assert wait_until(lambda: len(emulator.deliveries) >= 2)  # first attempt and a retry
    finally:
        emulator.stop()

    assert receiver.events == []
    assert [outcome for _, outcome in emulator.deliveries][:2] == [400, 400]


def test_an_unreachable_endpoint_is_recorded_as_a_connection_error(stripe_emulator):
    stripe_emulator.deliver_webhooks = True
    stripe_emulator.webhook_url = "http://127.0.0.1:9/unreachable/"
    session_id = (
        make_client(stripe_emulator).v1.checkout.sessions.create(params=session_params()).id
    )

    stripe_emulator.pay(session_id)
    assert wait_until(lambda: stripe_emulator.deliveries)
    stripe_emulator.webhook_url = None  # stop retrying

    assert stripe_emulator.wait_for_deliveries(timeout=5)
    assert stripe_emulator.deliveries[0][1] == "URLError"


def test_nothing_is_posted_when_deliveries_are_off(stripe_emulator, receiver):
    stripe_emulator.webhook_url = receiver.url
    session_id = (
        make_client(stripe_emulator).v1.checkout.sessions.create(params=session_params()).id
    )

    stripe_emulator.pay(session_id)

    assert stripe_emulator.wait_for_deliveries(timeout=1)
    assert len(stripe_emulator.events) == 1
    assert receiver.answers == [] and stripe_emulator.deliveries == []


def test_delayed_settlement_timer_settles_and_delivers_success(receiver):
    emulator = StripeEmulator(
        webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, delayed_settlement_seconds=0.1
    ).start()
    try:
        session_id = make_client(emulator).v1.checkout.sessions.create(params=session_params()).id
        emulator.pay_delayed(session_id)
        assert wait_until(lambda: len(receiver.events) >= 2)
    finally:
        emulator.stop()

    assert [event.type for event in receiver.events] == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]
    assert receiver.events[1].data.object.payment_status == "paid"


def test_dispute_emits_charge_dispute_created(stripe_emulator, open_session):
    intent_id = stripe_emulator.pay(open_session)["payment_intent"]

    dispute = stripe_emulator.dispute(intent_id)

    event = stripe_emulator.events[-1]
    assert event["type"] == "charge.dispute.created"
    obj = event["data"]["object"]
    assert obj["id"] == dispute["id"] and obj["payment_intent"] == intent_id
    assert (obj["amount"], obj["reason"]) == (2550, "fraudulent")
    assert obj["charge"] == stripe_emulator.payment_intents[intent_id]["latest_charge"]


def test_build_event_has_stripes_envelope_and_is_not_recorded(stripe_emulator):
    event = stripe_emulator.build_event("checkout.session.completed", {"id": "cs_test_1"})

    assert event["id"].startswith("evt_") and event["object"] == "event"
    assert event["livemode"] is False and event["pending_webhooks"] == 1
    assert event["data"] == {"object": {"id": "cs_test_1"}}
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert stripe_emulator.events == []


def test_signature_matches_stripes_own_header(stripe_webhook_payload_signer):
    assert sign_payload('{"a": 1}', "whsec_x", timestamp=1700000000) == (
        stripe_webhook_payload_signer('{"a": 1}', secret="whsec_x", timestamp=1700000000)
    )


def test_reset_forgets_everything(stripe_emulator, open_session):
    stripe_emulator.pay(open_session)
    stripe_emulator.fail_next(3)

    stripe_emulator.reset()

    assert stripe_emulator.sessions == {} and stripe_emulator.events == []
    assert make_client(stripe_emulator).v1.checkout.sessions.create(params=session_params())


@pytest.fixture
def failing_receiver():
    receiver = Receiver(fail_first=100)
    yield receiver
    receiver.close()


def test_delivery_gives_up_after_six_attempts(failing_receiver, monkeypatch):
    monkeypatch.setattr("stripe_emulator.webhooks.RETRY_DELAYS", (0.01,) * 5)
    emulator = StripeEmulator(webhook_url=failing_receiver.url).start()
    try:
        session_id = make_client(emulator).v1.checkout.sessions.create(params=session_params()).id
        emulator.pay(session_id)
        assert emulator.wait_for_deliveries(timeout=5)
    finally:
        emulator.stop()

    assert [outcome for _, outcome in emulator.deliveries] == [500] * 6


def paid_and_refunded(emulator) -> list[str]:
    """Pay a session and refund it: three events; their ids in emission order."""
    session_id = make_client(emulator).v1.checkout.sessions.create(params=session_params()).id
    intent_id = emulator.pay(session_id)["payment_intent"]
    emulator.refund(intent_id, amount=500)
    return [event["id"] for event in emulator.events]


def test_only_the_event_types_the_endpoint_enables_are_delivered(receiver):
    emulator = StripeEmulator(
        webhook_url=receiver.url, webhook_enabled_events=["checkout.session.completed"]
    ).start()
    try:
        paid_and_refunded(emulator)
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    assert [event.type for event in receiver.events] == ["checkout.session.completed"]
    assert [e["pending_webhooks"] for e in emulator.events] == [1, 0, 0]


def test_a_disabled_endpoint_receives_nothing(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, webhook_status="disabled").start()
    try:
        paid_and_refunded(emulator)
        assert emulator.wait_for_deliveries(timeout=2)
    finally:
        emulator.stop()

    assert receiver.answers == []


def test_held_deliveries_can_arrive_newest_first(delivering_emulator, receiver):
    with delivering_emulator.held_deliveries(delivery="reversed"):
        emitted = paid_and_refunded(delivering_emulator)
        assert receiver.answers == []

    assert [event.id for event in receiver.events] == emitted[::-1]
    assert delivering_emulator.delivery == "in_order"


def test_shuffled_deliveries_arrive_in_another_order(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, delivery="shuffled", delivery_seed=3)
    emulator.start()
    try:
        emulator.pause_deliveries()
        paid_and_refunded(emulator)
        emitted = paid_and_refunded(emulator)  # all six events
        emulator.resume_deliveries()
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    received = [event.id for event in receiver.events]
    assert sorted(received) == sorted(emitted)
    assert received != emitted


def test_duplicated_deliveries_post_each_event_twice_at_once(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, delivery="duplicated").start()
    try:
        emitted = paid_and_refunded(emulator)
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    received = [event.id for event in receiver.events]
    assert sorted(received) == sorted(emitted * 2)
    assert [event_id for event_id, _ in emulator.deliveries] == [
        event_id for event_id in emitted for _ in range(2)
    ]


def test_delayed_deliveries_arrive_after_the_api_answer(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, delivery_delay=1.5).start()
    try:
        client = make_client(emulator)
        session_id = client.v1.checkout.sessions.create(params=session_params()).id
        emulator.pay(session_id)
        started = time.monotonic()
        refund = client.v1.refunds.create(
            params={"payment_intent": emulator.sessions[session_id]["payment_intent"]}
        )
        answered = time.monotonic() - started
        assert "charge.refunded" not in [event.type for event in receiver.events]
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    assert answered < 1.5
    assert refund.status == "succeeded"
    assert [event.type for event in receiver.events][-1] == "charge.refunded"


def test_out_of_order_modes_retry_a_failed_event_after_later_ones(receiver):
    receiver.fail_first = 1
    emulator = StripeEmulator(webhook_url=receiver.url, delivery="reversed")
    emulator.start()
    try:
        with emulator.held_deliveries():
            emitted = paid_and_refunded(emulator)
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    # Newest first; the first attempt (the newest event) fails and comes back last.
    assert [event.id for event in receiver.events] == [emitted[1], emitted[0], emitted[2]]
    assert emulator.deliveries[0] == (emitted[2], 500)


def test_deliveries_carry_the_endpoints_api_version(receiver):
    emulator = StripeEmulator(webhook_url=receiver.url, webhook_api_version="2025-03-31.basil")
    emulator.start()
    try:
        paid_and_refunded(emulator)
        assert emulator.wait_for_deliveries(timeout=10)
    finally:
        emulator.stop()

    assert {event.api_version for event in receiver.events} == {"2025-03-31.basil"}


def test_an_unknown_delivery_mode_is_refused():
    with pytest.raises(ValueError, match="delivery must be one of"):
        StripeEmulator(delivery="sometimes")
