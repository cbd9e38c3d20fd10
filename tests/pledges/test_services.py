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
