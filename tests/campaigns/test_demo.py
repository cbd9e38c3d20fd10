"""The demo campaigns: the lead story's campaign with signatures, loaded idempotently."""

from io import StringIO

import pytest
from django.core.management.color import no_style

from campaigns.models import Campaign, Signature
from demo import campaigns as demo_campaigns

pytestmark = pytest.mark.django_db


def load():
    demo_campaigns.load(stdout=StringIO(), style=no_style())


def test_the_demo_has_the_lead_campaign_with_counted_signatures(client):
    load()

    lead = Campaign.objects.get(slug="reunite-separated-families")
    assert lead.title == (
        "Reunite All Separated Families and Support Foreign Aid to End the Root Cause of the "
        "Migration Crisis"
    )
    assert lead.topic.slug == "demand-equity" and lead.topic.name == "Demand Equity"
    assert (lead.signature_goal, lead.money_goal_minor, lead.targets) == (
        5000,
        5_000_000,
        "US Congress",
    )
    assert list(lead.suggested_amounts.values_list("amount_minor", flat=True)) == [
        1000, 2500, 5000, 10000,
    ]  # fmt: skip
    assert lead.signature_count == lead.signatures.confirmed().count() == 40
    assert Campaign.objects.live().count() >= 3
    assert Campaign.objects.filter(status=Campaign.Status.CLOSED).exists()

    page = client.get(lead.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "40</strong> signatures of 5,000" in html
    assert lead.hero_image and f'alt="{lead.hero_alt}"' in html
    assert (lead.hero_width, lead.hero_height) == (1200, 630)
    assert 'width="1200" height="630"' in html
    assert f"Image: {lead.hero_credit}" in html


def test_loading_the_demo_twice_adds_nothing_and_names_are_repeatable():
    load()
    names = list(Signature.objects.order_by("email").values_list("first_name", flat=True))
    load()

    assert list(Signature.objects.order_by("email").values_list("first_name", flat=True)) == names
    assert Campaign.objects.filter(slug="reunite-separated-families").count() == 1
