"""Progress that visibly moves: minimum fill, "N more needed", separators, staff milestones."""

import re

import pytest
from django.template.loader import render_to_string

from campaigns.models import Campaign, Progress
from demo.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


def render(campaign):
    return render_to_string("campaigns/_progress.html", {"campaign": campaign})


def test_a_small_count_still_fills_a_visible_sliver_and_says_how_many_more():
    campaign = CampaignFactory(signature_goal=5000)
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=40)
    campaign.refresh_from_db()

    html = render(campaign)

    assert re.search(r'<progress[^>]+max="100"[^>]+value="3"', html)  # 0.8% drawn as 3%
    assert "<strong>40</strong> signatures of 5,000" in html
    assert "4,960 more needed to reach 5,000." in html


def test_a_reached_goal_moves_on_to_the_next_staff_milestone():
    campaign = CampaignFactory(signature_goal=5000, signature_milestones="25000, 10000")
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=6123)
    campaign.refresh_from_db()

    html = render(campaign)

    assert "<strong>6,123</strong> signatures of 10,000" in html
    assert "3,877 more needed to reach 10,000." in html
    assert "first goal of 5,000 was reached" in html


def test_past_the_last_milestone_the_page_says_the_goal_was_reached():
    progress = Progress.towards(30_000, [5000, 10_000, 25_000])

    assert (progress.goal, progress.reached, progress.remaining, progress.fill) == (
        25_000,
        25_000,
        0,
        100,
    )


def test_no_goal_shows_the_count_without_a_bar():
    campaign = CampaignFactory(signature_goal=0)

    html = render(campaign)

    assert "<progress" not in html and "more needed" not in html
    assert "<strong>0</strong> signatures" in html


def test_the_money_bar_shows_the_amount_still_needed():
    campaign = CampaignFactory(money_goal_minor=5_000_000, currency="USD")
    Campaign.objects.filter(pk=campaign.pk).update(amount_collected_minor=125_000)
    campaign.refresh_from_db()

    html = render_to_string("campaigns/_money_progress.html", {"campaign": campaign})

    assert re.search(r'<progress[^>]+value="3"', html)  # 2.5% drawn as the minimum fill
    assert "$1,250</strong> raised of $50,000" in html
    assert "$48,750 more needed to reach $50,000." in html
