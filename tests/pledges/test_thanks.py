"""The success page and the webhook, in either order, count a payment once; end to end."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from demo.factories.campaigns import CampaignFactory
from pledges.models import Pledge
from pledges.services import pledge_request_refund
from tests.pledges.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def pledge_through_checkout(client, campaign, amount="25", **extra):
    data = {"amount_choice": "other", "other_amount": amount, "name": "Ada Supporter"}
    data |= {"email": "ada@example.org", "website": ""} | extra
    response = client.post(reverse("pledges:start", kwargs={"campaign_slug": campaign.slug}), data)
    assert response.status_code == 303, response.content
    return Pledge.objects.get(campaign=campaign)


def thanks_url(pledge, session_id=None):
    url = reverse("pledges:thanks", kwargs={"pledge_id": pledge.pk})
    return f"{url}?session_id={session_id or pledge.stripe_checkout_session_id}"


def deliver(client, emu, event_type, signer):
    """Post the emulator's latest event of `event_type` to the webhook, signed."""
    (found,) = [e for e in emu.events if e["type"] == event_type][-1:]
    body = json.dumps(found).encode()
    return client.post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signer(body, WEBHOOK_SECRET)},
    )


def test_the_success_page_confirms_payment_before_the_webhook_and_the_webhook_adds_nothing(
    client,
    campaign,
    stripe_settings,
    stripe_webhook_payload_signer,
    run_tasks,
):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.pay(pledge.stripe_checkout_session_id)

    page = client.get(thanks_url(pledge))

    assert page.status_code == 200
    assert "Thank you for your gift" in page.content.decode()
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)

    response = deliver(client, emu, "checkout.session.completed", stripe_webhook_payload_signer)
    run_tasks()

    assert response.status_code == 200
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    assert len(mail.outbox) == 1


def test_the_webhook_before_the_success_page_counts_once_and_the_page_says_thank_you(
    client, campaign, stripe_settings, stripe_webhook_payload_signer
):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.pay(pledge.stripe_checkout_session_id)

    deliver(client, emu, "checkout.session.completed", stripe_webhook_payload_signer)
    page = client.get(thanks_url(pledge))

    assert "Thank you for your gift" in page.content.decode()
    assert "Share the campaign" in page.content.decode()
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)


def test_the_success_page_says_processing_while_a_delayed_payment_settles(
    client, campaign, stripe_settings, stripe_webhook_payload_signer
):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.pay_delayed(pledge.stripe_checkout_session_id)

    page = client.get(thanks_url(pledge))

    assert "Your payment is processing" in page.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PROCESSING
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0

    emu.settle(pledge.stripe_checkout_session_id, succeed=True)
    deliver(client, emu, "checkout.session.async_payment_succeeded", stripe_webhook_payload_signer)

    assert "Thank you for your gift" in client.get(thanks_url(pledge)).content.decode()
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 2500


def test_a_delayed_payment_that_fails_is_shown_as_failed(
    client, campaign, stripe_settings, stripe_webhook_payload_signer
):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.pay_delayed(pledge.stripe_checkout_session_id)
    deliver(client, emu, "checkout.session.completed", stripe_webhook_payload_signer)
    emu.settle(pledge.stripe_checkout_session_id, succeed=False)

    deliver(client, emu, "checkout.session.async_payment_failed", stripe_webhook_payload_signer)

    page = client.get(thanks_url(pledge)).content.decode()
    assert "Your payment failed" in page
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0


def test_an_unpaid_open_session_is_not_counted_by_the_success_page(
    client, campaign, stripe_settings
):
    pledge = pledge_through_checkout(client, campaign)

    page = client.get(thanks_url(pledge))

    assert "We are confirming your payment" in page.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0


def test_the_success_page_ignores_a_session_that_is_not_the_pledges(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    mine = pledge_through_checkout(client, campaign)
    other_campaign = CampaignFactory(slug="other-campaign")
    other = pledge_through_checkout(client, other_campaign)
    emu.pay(other.stripe_checkout_session_id)

    client.get(thanks_url(mine, session_id=other.stripe_checkout_session_id))

    mine.refresh_from_db()
    assert mine.counted_at is None
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0


def test_the_success_page_shows_an_expired_checkout_clearly(client, campaign, stripe_settings):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.expire(pledge.stripe_checkout_session_id)

    page = client.get(thanks_url(pledge)).content.decode()

    assert "Your checkout expired" in page
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.EXPIRED


def test_the_success_page_survives_a_stripe_outage(client, campaign, stripe_settings):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign)
    emu.pay(pledge.stripe_checkout_session_id)
    emu.fail_next(1, status=500)

    page = client.get(thanks_url(pledge))

    assert page.status_code == 200
    assert "could not reach the payment service" in page.content.decode()
    assert "test mode" in page.content.decode()


def test_an_unknown_pledge_has_no_thank_you_page(client):
    url = reverse("pledges:thanks", kwargs={"pledge_id": "00000000-0000-0000-0000-000000000000"})
    assert client.get(url).status_code == 404


def test_a_yen_pledge_goes_through_end_to_end_in_whole_yen(
    client, stripe_settings, stripe_webhook_payload_signer
):
    emu = stripe_settings
    campaign = CampaignFactory(slug="yen-campaign", currency="JPY", money_goal_minor=1_000_000)
    pledge = pledge_through_checkout(client, campaign, amount="3000")
    assert (pledge.amount_minor, pledge.currency) == (3000, "JPY")
    session = emu.sessions[pledge.stripe_checkout_session_id]
    assert (session["amount_total"], session["currency"]) == (3000, "jpy")

    emu.pay(pledge.stripe_checkout_session_id)
    deliver(client, emu, "checkout.session.completed", stripe_webhook_payload_signer)

    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 3000
    page = client.get(thanks_url(pledge)).content.decode()
    assert "¥3,000" in page


def test_refunds_through_the_emulator_lower_the_total_each_time(
    client, campaign, stripe_settings, stripe_webhook_payload_signer
):
    emu = stripe_settings
    pledge = pledge_through_checkout(client, campaign, amount="100")
    emu.pay(pledge.stripe_checkout_session_id)
    deliver(client, emu, "checkout.session.completed", stripe_webhook_payload_signer)
    pledge.refresh_from_db()

    for amount, collected in [(2000, 8000), (3000, 5000), (None, 0)]:
        pledge_request_refund(pledge=pledge, amount_minor=amount)
        # Stripe's events about the same refund change nothing more.
        deliver(client, emu, "charge.refunded", stripe_webhook_payload_signer)
        campaign.refresh_from_db()
        assert campaign.amount_collected_minor == collected

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.REFUNDED
    assert campaign.supporter_count == 0
