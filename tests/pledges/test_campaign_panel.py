"""The pledge panel the campaign page includes: money progress from the campaign row alone."""

import pytest
from django.template.loader import render_to_string

from campaigns.models import Campaign
from campaigns.services import campaign_set_pledge_totals
from demo.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


def render_panel(campaign):
    return render_to_string("pledges/_campaign_panel.html", {"campaign": campaign})


def test_the_panel_shows_money_raised_against_the_goal_and_supporters_without_queries(
    django_assert_num_queries,
):
    campaign = CampaignFactory(slug="panel", currency="USD", money_goal_minor=1_000_000)
    campaign_set_pledge_totals(
        campaign_id=campaign.pk, amount_collected_minor=250_050, supporter_count=12
    )
    campaign = Campaign.objects.get(pk=campaign.pk)

    with django_assert_num_queries(0):
        html = render_panel(campaign)

    assert "$2,500.50</strong> raised of $10,000" in html
    assert "12 donors" in html
    assert 'value="25"' in html and "$7,499.50 more needed to reach $10,000." in html
    assert "/pledges/panel/" in html


def test_the_panel_offers_no_pledging_on_a_closed_campaign():
    campaign = CampaignFactory(slug="closed", status=Campaign.Status.CLOSED)

    html = render_panel(campaign)

    assert "/pledges/closed/" not in html
    assert "This campaign has closed." in html


def test_the_panel_is_absent_when_pledges_are_switched_off():
    campaign = CampaignFactory(slug="off", pledges_enabled=False)

    assert render_panel(campaign).strip() == ""


def test_one_supporter_is_singular():
    campaign = CampaignFactory(slug="one", money_goal_minor=0)
    campaign_set_pledge_totals(
        campaign_id=campaign.pk, amount_collected_minor=500, supporter_count=1
    )
    campaign.refresh_from_db()

    html = render_panel(campaign)

    assert "· 1 donor" in html
    assert "1 donors" not in html
    assert "<progress" not in html
