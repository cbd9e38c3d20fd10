"""The shared fixtures in tests/fixtures/stripe.py that the pledges tests build on."""

import stripe
from django.conf import settings

from .conftest import session_params


def test_stripe_settings_point_the_app_at_a_running_emulator(stripe_settings):
    assert settings.STRIPE_SECRET_KEY == "sk_test_emulator"
    assert settings.STRIPE_WEBHOOK_SECRET == "whsec_test_emulator"
    assert settings.STRIPE_API_BASE == stripe_settings.base_url
    assert (settings.STRIPE_MAX_RETRIES, settings.STRIPE_TIMEOUT) == (0, 2)
    stripe_client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )

    session = stripe_client.v1.checkout.sessions.create(params=session_params())

    assert list(stripe_settings.sessions) == [session.id]
    assert stripe_settings.deliver_webhooks is False


def test_signer_headers_verify_with_construct_event(stripe_webhook_payload_signer):
    payload = b'{"id": "evt_1", "object": "event", "type": "checkout.session.completed"}'

    event = stripe.Webhook.construct_event(
        payload, stripe_webhook_payload_signer(payload), "whsec_test_emulator"
    )

    assert event.id == "evt_1"


def test_signer_can_sign_with_another_secret_and_an_old_timestamp(stripe_webhook_payload_signer):
    header = stripe_webhook_payload_signer("{}", secret="whsec_other", timestamp=1000)

    assert header.startswith("t=1000,v1=")
    assert stripe.WebhookSignature.verify_header("{}", header, "whsec_other", tolerance=None)


def test_live_webhooks_post_each_event_twice_to_the_apps_webhook_when_duplicated(
    stripe_live_webhooks, transactional_db
):
    emulator = stripe_live_webhooks
    emulator.delivery = "duplicated"
    session_id = (
        stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
        )
        .v1.checkout.sessions.create(params=session_params())
        .id
    )

    emulator.pay(session_id)

    assert emulator.wait_for_deliveries(timeout=10)
    event_id = emulator.events[-1]["id"]
    # Both copies reached the app at once and were verified (a wrong secret answers 400). On
    # SQLite the app sometimes answers 500 to the second concurrent copy (a locked database);
    # that is the app's to fix (stripeapp), and Stripe would retry it.
    assert [delivered for delivered, _ in emulator.deliveries] == [event_id, event_id]
    assert 200 in [outcome for _, outcome in emulator.deliveries]
    assert 400 not in [outcome for _, outcome in emulator.deliveries]
