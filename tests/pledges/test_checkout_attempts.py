"""Checkout attempts: an idempotency key belongs to one attempt, reused only after no answer;
amounts outside Stripe's limits are the supporter's to fix, shown by the field."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns.models import Campaign
from core.money import Currency
from demo.factories.campaigns import CampaignFactory
from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge
from pledges.services import CheckoutRefused, pledge_start_checkout
from tests.pledges.test_checkout import form_data, start_url

pytestmark = pytest.mark.django_db


def test_after_a_stripe_500_the_same_form_posted_again_gets_a_checkout(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    emu.fail_next(1, status=500)

    first = client.post(start_url(campaign), form_data())
    assert first.status_code == 503
    pledge = Pledge.objects.get()
    assert pledge.checkout_attempt == 1  # Stripe answered: that attempt is over.

    # The 503 page posts the same form (same token): a new attempt, so Stripe's stored 500
    # under the first key is never replayed to the supporter.
    retry = client.post(start_url(campaign), form_data())

    assert retry.status_code == 303
    pledge.refresh_from_db()
    assert retry["Location"] == emu.sessions[pledge.stripe_checkout_session_id]["url"]
    assert Pledge.objects.count() == 1


def test_after_a_timeout_the_retry_keeps_its_key_and_gets_the_session_stripe_made(
    client, campaign, stripe_settings, settings
):
    emu = stripe_settings
    settings.STRIPE_TIMEOUT = 0.3
    emu.delay_next(1, seconds=1.0)
    assert client.post(start_url(campaign), form_data()).status_code == 503
    pledge = Pledge.objects.get()
    assert pledge.checkout_attempt == 0  # No answer: Stripe may have made it under this key.

    retry = client.post(start_url(campaign), form_data())

    assert retry.status_code == 303
    assert len(emu.sessions) == 1


def test_a_campaign_renamed_after_a_timeout_still_gets_a_checkout(
    client, campaign, stripe_settings, settings
):
    emu = stripe_settings
    settings.STRIPE_TIMEOUT = 0.3
    emu.delay_next(1, seconds=1.0)
    assert client.post(start_url(campaign), form_data()).status_code == 503
    _wait_for(lambda: len(emu.sessions) == 1)  # The slow request did reach Stripe.
    Campaign.objects.filter(pk=campaign.pk).update(title="Reunite Every Separated Family")

    # Same key, other product name: Stripe answers idempotency_error; a new attempt follows.
    retry = client.post(start_url(campaign), form_data())

    assert retry.status_code == 303
    pledge = Pledge.objects.get()
    assert pledge.checkout_attempt == 1
    assert retry["Location"] == emu.sessions[pledge.stripe_checkout_session_id]["url"]


def test_the_same_form_posted_again_returns_to_its_open_checkout(client, campaign, stripe_settings):
    first = client.post(start_url(campaign), form_data())
    Campaign.objects.filter(pk=campaign.pk).update(title="Renamed meanwhile")

    again = client.post(start_url(campaign), form_data())

    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert len(stripe_settings.sessions) == 1


def test_a_pledge_whose_checkout_expired_gets_a_new_one(campaign, stripe_settings):
    pledge = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    expired = pledge.stripe_checkout_session_id
    stripe_settings.expire(expired)

    url = pledge_start_checkout(pledge=pledge)

    pledge.refresh_from_db()
    assert pledge.stripe_checkout_session_id != expired
    assert url == stripe_settings.sessions[pledge.stripe_checkout_session_id]["url"]


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- Stripe's minimums -------------------------------------------------------------------------


@pytest.fixture
def yen_campaign(db):
    return CampaignFactory(slug="yen-campaign", currency="JPY", money_goal_minor=1_000_000)


def test_a_yen_pledge_under_stripes_minimum_is_a_field_error(client, yen_campaign, stripe_settings):
    response = client.post(start_url(yen_campaign), form_data(other_amount="10"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "The smallest gift is ¥50." in html
    assert not stripe_settings.sessions


def test_the_yen_form_states_stripes_minimum(client, yen_campaign):
    html = client.get(start_url(yen_campaign)).content.decode()

    assert "From ¥50" in html


def test_stripe_refusing_the_amount_is_the_supporters_to_fix_not_an_outage(
    client, campaign, stripe_settings, monkeypatch
):
    # The campaign's own minimum is kept below Stripe's by a direct database edit (the admin
    # refuses it), so Stripe is the one to say no.
    Campaign.objects.filter(pk=campaign.pk).update(pledge_minimum_minor=1, currency="USD")
    # And the app's currency table is made to agree, so only Stripe's own check is left.
    lenient = Currency("USD", "US dollar", 2, minimum_minor=1)
    monkeypatch.setattr("campaigns.models.currency", lambda code: lenient)

    response = client.post(start_url(campaign), form_data(other_amount="0.10"))

    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert "The payment service takes gifts from $0.50" in html
    assert "Payments are unavailable" not in html
    assert Pledge.objects.get().checkout_attempt == 1


def test_pledge_start_checkout_raises_a_refusal_naming_the_field(campaign, stripe_settings):
    pledge = PledgeFactory(campaign=campaign, amount_minor=10, stripe_checkout_session_id=None)

    with pytest.raises(CheckoutRefused) as refused:
        pledge_start_checkout(pledge=pledge)

    assert (refused.value.field, refused.value.code) == ("other_amount", "amount_too_small")


# --- The currency table drives the campaign ----------------------------------------------------


def test_a_campaign_takes_only_currencies_in_the_table():
    campaign = CampaignFactory.build(slug="x", currency="XYZ")

    with pytest.raises(ValidationError) as invalid:
        campaign.full_clean(exclude=["topic"])

    assert "currency" in invalid.value.error_dict


def test_a_campaign_minimum_below_stripes_is_refused():
    campaign = CampaignFactory.build(slug="x", currency="JPY", pledge_minimum_minor=1)

    with pytest.raises(ValidationError) as invalid:
        campaign.full_clean(exclude=["topic"])

    (error,) = invalid.value.error_dict["pledge_minimum_minor"]
    assert error.code == "below_stripe_minimum"


def test_a_campaign_at_stripes_minimum_and_maximum_is_valid():
    campaign = CampaignFactory.build(
        slug="x", currency="GBP", pledge_minimum_minor=30, pledge_maximum_minor=99_999_999
    )

    campaign.full_clean(exclude=["topic"])


def test_the_admin_offers_the_tables_currencies(admin_client):
    html = admin_client.get(reverse("admin:campaigns_campaign_add")).content.decode()

    assert '<option value="JPY">JPY — Japanese yen</option>' in html


def test_a_rate_limited_try_keeps_its_attempt(client, campaign, stripe_settings):
    stripe_settings.fail_next(1, status=429)

    assert client.post(start_url(campaign), form_data()).status_code == 503

    # Stripe stored nothing for a 429: the same key is still this attempt's.
    assert Pledge.objects.get().checkout_attempt == 0
    assert client.post(start_url(campaign), form_data()).status_code == 303
