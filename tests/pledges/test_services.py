"""Pledge services not covered through the webhook: creating and erasing."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from demo.factories.campaigns import CampaignFactory
from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.forms import CONSENT_TEXT
from pledges.models import Pledge
from pledges.services import pledge_create, pledge_erase_for_email, pledge_mark_paid

pytestmark = pytest.mark.django_db


def test_a_pledge_is_created_pending_in_the_campaigns_currency(campaign):
    pledge = pledge_create(
        campaign=campaign,
        amount_minor=2500,
        name="Ada",
        email="ada@example.org",
        consent_text=CONSENT_TEXT,
    )

    assert pledge.status == Pledge.Status.PENDING
    assert pledge.currency == "USD"
    assert pledge.consent_text == CONSENT_TEXT
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0


def test_a_closed_campaign_takes_no_pledges():
    campaign = CampaignFactory(slug="closed", status=Campaign.Status.CLOSED)

    with pytest.raises(ValidationError) as raised:
        pledge_create(
            campaign=campaign, amount_minor=100, name="A", email="a@example.org", consent_text="x"
        )

    assert raised.value.code == "closed"


def test_erasing_a_supporter_anonymises_their_pledges_but_keeps_the_money(campaign):
    mine = PledgeFactory(
        campaign=campaign, email="Ada@Example.org", name="Ada", public_message="Go!"
    )
    pledge_mark_paid(session=checkout_session_for(mine), send_receipt=False)
    other = PledgeFactory(campaign=campaign, email="bob@example.org")

    erased = pledge_erase_for_email(email="ada@example.org")

    assert erased == [mine.pk]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.name, mine.email, mine.public_message) == ("", "", "")
    assert mine.erased_at is not None
    assert (mine.amount_minor, mine.status) == (2500, Pledge.Status.PAID)
    assert other.email == "bob@example.org"
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 2500
    assert pledge_erase_for_email(email="ada@example.org") == []


def _create(campaign, **overrides):
    kwargs = {
        "campaign": campaign,
        "amount_minor": 2500,
        "name": "Ada",
        "email": "ada@example.org",
        "consent_text": CONSENT_TEXT,
        **overrides,
    }
    return pledge_create(**kwargs)


@pytest.mark.parametrize(
    ("amount_minor", "code"),
    [(499, "too_small"), (500, None), (20_000, None), (20_001, "too_large")],
)
def test_pledge_create_enforces_the_campaigns_minimum_and_maximum(amount_minor, code):
    campaign = CampaignFactory(pledge_minimum_minor=500, pledge_maximum_minor=20_000)

    if code is None:
        assert _create(campaign, amount_minor=amount_minor).amount_minor == amount_minor
        return
    with pytest.raises(ValidationError) as raised:
        _create(campaign, amount_minor=amount_minor)
    assert raised.value.code == code
    assert not Pledge.objects.exists()


def test_a_campaign_minimum_below_stripes_counts_as_stripes_minimum():
    # Stripe charges no less than 0.30 GBP: a 0.01 campaign minimum cannot let 0.29 through.
    campaign = CampaignFactory(currency="GBP", pledge_minimum_minor=1)

    assert campaign.pledge_limits()[0] == 30
    with pytest.raises(ValidationError) as raised:
        _create(campaign, amount_minor=29)
    assert raised.value.code == "too_small"
    assert _create(campaign, amount_minor=30).currency == "GBP"


def test_the_default_maximum_never_exceeds_stripes_eight_digits():
    campaign = CampaignFactory(currency="USD", pledge_maximum_minor=10**12)

    assert campaign.pledge_limits()[1] == 99_999_999
    with pytest.raises(ValidationError) as raised:
        _create(campaign, amount_minor=100_000_000)
    assert raised.value.code == "too_large"


def test_pledge_create_refuses_another_currency_than_the_campaigns():
    campaign = CampaignFactory(currency="EUR")

    with pytest.raises(ValidationError) as raised:
        _create(campaign, currency="USD")

    assert raised.value.code == "wrong_currency"
    assert _create(campaign, currency="eur").currency == "EUR"


def test_pledge_create_refuses_a_currency_campaigns_cannot_take():
    campaign = CampaignFactory(currency="XYZ")

    with pytest.raises(ValidationError) as raised:
        _create(campaign)

    assert raised.value.code == "unsupported_currency"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"pledges_enabled": False}, "pledges_off"), ({"status": Campaign.Status.DRAFT}, "draft")],
)
def test_pledge_create_names_why_a_campaign_takes_no_money(changes, code):
    with pytest.raises(ValidationError) as raised:
        _create(CampaignFactory(**changes))

    assert raised.value.code == code
