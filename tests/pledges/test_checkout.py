"""Starting checkout: the pledge form, through the real `stripe` library to the emulator."""

import urllib.request

import pytest
import stripe
from django.urls import reverse

from campaigns.models import Campaign
from demo.factories.campaigns import CampaignFactory
from pledges.models import Pledge

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "amount_choice": "other",
        "other_amount": "25.50",
        "name": "Ada Supporter",
        "email": "ada@example.org",
        "public_message": "",
        "website": "",
        "form_token": "6f1c2a56-0d0e-4a57-9a3e-2b1f7c1d9e01",
    }
    data.update(overrides)
    return data


def start_url(campaign):
    return reverse("pledges:start", kwargs={"campaign_slug": campaign.slug})


def test_the_pledge_page_shows_the_form_and_a_test_mode_notice(client, campaign):
    response = client.get(start_url(campaign))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Test mode — no real money is taken" in html
    assert "test mode" in html
    assert "$25" in html and "$50" in html and "Other amount" in html
    assert 'name="wants_updates"' in html and 'name="wants_updates" checked' not in html


def test_submitting_creates_a_pending_pledge_and_sends_the_browser_to_checkout(
    client, campaign, stripe_settings
):
    emu = stripe_settings

    response = client.post(start_url(campaign), form_data())

    assert response.status_code == 303
    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.PENDING
    assert (pledge.amount_minor, pledge.currency) == (2550, "USD")
    assert pledge.consent_text
    assert pledge.counted_at is None
    session = emu.sessions[pledge.stripe_checkout_session_id]
    assert response["Location"] == session["url"]
    assert response["Location"].startswith(emu.base_url + "/checkout/cs_test_")


def test_the_checkout_session_carries_what_refunds_and_the_success_page_need(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    client.post(start_url(campaign), form_data(amount_choice="5000", other_amount=""))
    pledge = Pledge.objects.get()

    session = emu.sessions[pledge.stripe_checkout_session_id]

    assert session["mode"] == "payment"
    assert session["submit_type"] == "donate"
    assert session["amount_total"] == 5000
    assert session["currency"] == "usd"
    assert session["customer_email"] == "ada@example.org"
    assert session["client_reference_id"] == str(pledge.pk)
    assert session["metadata"]["pledge_id"] == str(pledge.pk)
    # The one line item, as the hosted checkout page shows it.
    with urllib.request.urlopen(session["url"], timeout=5) as page:
        html = page.read().decode()
    assert "50.00 USD" in html
    assert f"Gift to {campaign.title}" in html
    # payment_intent_data.metadata reaches the PaymentIntent (and so refunds and disputes).
    paid = emu.pay(session["id"])
    client = stripe.StripeClient("sk_test_reader", base_addresses={"api": emu.base_url})
    intent = client.v1.payment_intents.retrieve(paid["payment_intent"])
    assert intent.metadata["pledge_id"] == str(pledge.pk)
    assert session["success_url"] == (
        f"http://testserver/pledges/thanks/{pledge.pk}/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert (
        session["cancel_url"] == f"http://testserver{campaign.get_absolute_url()}?pledge=cancelled"
    )


def test_starting_checkout_twice_for_one_pledge_returns_the_same_session(campaign, stripe_settings):
    from demo.factories.pledges import PledgeFactory
    from pledges.services import pledge_start_checkout

    emu = stripe_settings
    pledge = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)

    first = pledge_start_checkout(pledge=pledge)
    second = pledge_start_checkout(pledge=pledge)

    assert first == second
    assert len(emu.sessions) == 1


def test_a_stripe_outage_keeps_the_pledge_pending_and_says_to_try_again(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    emu.fail_next(1, status=500)

    response = client.post(start_url(campaign), form_data())

    assert response.status_code == 503
    assert "Payments are unavailable right now, please try again" in response.content.decode()
    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.PENDING
    assert pledge.checkout_error
    assert pledge.stripe_checkout_session_id is None
    assert emu.sessions == {}


def test_a_double_submit_of_the_form_makes_one_pledge_and_one_checkout_session(
    client, campaign, stripe_settings
):
    emu = stripe_settings

    first = client.post(start_url(campaign), form_data())
    second = client.post(start_url(campaign), form_data())

    assert (first.status_code, second.status_code) == (303, 303)
    assert first["Location"] == second["Location"]
    assert Pledge.objects.count() == 1
    assert len(emu.sessions) == 1


def test_the_same_form_changed_and_posted_again_makes_a_new_pledge(
    client, campaign, stripe_settings
):
    client.post(start_url(campaign), form_data(other_amount="10"))
    client.post(start_url(campaign), form_data(other_amount="20"))

    assert sorted(Pledge.objects.values_list("amount_minor", flat=True)) == [1000, 2000]


def test_retrying_after_an_outage_reuses_the_same_pledge(client, campaign, stripe_settings):
    emu = stripe_settings
    emu.fail_next(1, status=503)
    client.post(start_url(campaign), form_data())
    pledge = Pledge.objects.get()

    response = client.post(start_url(campaign), form_data())

    assert response.status_code == 303
    assert Pledge.objects.count() == 1
    pledge.refresh_from_db()
    assert pledge.stripe_checkout_session_id in emu.sessions
    assert pledge.checkout_error == ""


def test_a_stripe_timeout_keeps_the_pledge_pending_and_a_retry_gets_the_same_session(
    client, campaign, stripe_settings, settings
):
    emu = stripe_settings
    settings.STRIPE_TIMEOUT = 0.5
    emu.delay_next(1, seconds=1.5)

    response = client.post(start_url(campaign), form_data())

    assert response.status_code == 503
    assert "Payments are unavailable right now" in response.content.decode()
    pledge = Pledge.objects.get()
    assert pledge.status == Pledge.Status.PENDING
    assert pledge.stripe_checkout_session_id is None

    retry = client.post(start_url(campaign), form_data())

    assert retry.status_code == 303
    pledge.refresh_from_db()
    # The slow first request did create a session; the retry's idempotency key got it back.
    assert len(emu.sessions) <= 1
    assert retry["Location"] == emu.sessions[pledge.stripe_checkout_session_id]["url"]


def test_an_invalid_form_is_shown_again_with_errors_and_creates_nothing(client, campaign):
    response = client.post(start_url(campaign), form_data(other_amount="1e3"))

    assert response.status_code == 400
    assert "plain number" in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_filled_honeypot_gets_the_neutral_thank_you_and_nothing_reaches_stripe(client, campaign):
    # Stripe is unreachable in this test: a bot's form that got as far as Checkout would 503.
    response = client.post(start_url(campaign), form_data(website="http://spam.example"))

    assert response.status_code == 303
    assert response["Location"] == f"/pledges/{campaign.slug}/received/"
    assert client.get(response["Location"]).status_code == 200
    assert not Pledge.objects.exists()


def test_too_many_pledges_from_one_address_are_refused(client, campaign, stripe_settings):
    statuses = [client.post(start_url(campaign), form_data()).status_code for _ in range(11)]

    assert statuses[:10] == [303] * 10
    assert statuses[10] == 429


@pytest.mark.parametrize(
    "changes",
    [{"status": Campaign.Status.CLOSED}, {"pledges_enabled": False}],
    ids=["closed", "pledges_off"],
)
def test_a_campaign_not_taking_pledges_refuses_them(client, changes, request):
    campaign = CampaignFactory(slug="no-pledges", **changes)

    page = client.get(start_url(campaign))
    response = client.post(start_url(campaign), form_data())

    assert f'data-reason="{request.node.callspec.id}"' in page.content.decode()
    assert 'class="pledge-form"' not in page.content.decode()
    assert response.status_code == 409
    assert "Nothing was charged." in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_draft_campaign_has_no_pledge_page(client):
    campaign = CampaignFactory(slug="draft-one", status=Campaign.Status.DRAFT)

    assert client.get(start_url(campaign)).status_code == 404
    assert client.post(start_url(campaign), form_data()).status_code == 404


def test_recent_supporters_show_escaped_messages_and_no_name_for_anonymous_pledges(
    client, campaign
):
    from demo.factories.pledges import PledgeFactory, checkout_session_for
    from pledges.services import pledge_mark_paid

    shy = PledgeFactory(campaign=campaign, name="Hidden Person", is_anonymous=True)
    loud = PledgeFactory(
        campaign=campaign, name="Open Person", public_message="<script>alert(1)</script>"
    )
    for pledge in (shy, loud):
        pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)

    html = client.get(start_url(campaign)).content.decode()

    assert "Open Person" in html
    assert "Hidden Person" not in html
    assert "Anonymous" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
