"""Campaign money in the admin: typed and shown in the currency's units, stored in minor units."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Signature
from demo.factories.campaigns import CampaignFactory, SignatureFactory, SuggestedAmountFactory

pytestmark = pytest.mark.django_db

TITLE = "Reunite All Separated Families Before the Holidays, and Keep Them Together for Good"


def change_form_data(campaign, **overrides):
    data = {
        "title": campaign.title, "slug": campaign.slug, "ask": campaign.ask,
        "status": campaign.status, "signature_goal": "1000", "requires_confirmation": "on",
        "pledges_enabled": "on", "currency": campaign.currency, "money_goal_minor": "0",
        "partners-TOTAL_FORMS": "0", "partners-INITIAL_FORMS": "0",
        "suggested_amounts-TOTAL_FORMS": "0", "suggested_amounts-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**data, **overrides}


def test_the_change_form_shows_amounts_in_dollars_and_the_totals_formatted(admin_client):
    campaign = CampaignFactory(
        title=TITLE, currency="USD", money_goal_minor=5_000_000, pledge_minimum_minor=500
    )
    SuggestedAmountFactory(campaign=campaign, amount_minor=2500, position=0)
    Campaign.objects.filter(pk=campaign.pk).update(amount_collected_minor=56_000)

    html = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).text

    assert 'name="money_goal_minor" value="50000.00"' in html
    assert 'name="pledge_minimum_minor" value="5.00"' in html
    assert 'name="suggested_amounts-0-amount_minor" value="25.00"' in html
    assert "$560.00 collected of $50,000.00 goal" in html
    assert "minor unit" not in html.lower()


def test_yen_are_typed_and_saved_as_whole_yen_inline_amounts_included(admin_client):
    campaign = CampaignFactory(currency="USD")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])

    response = admin_client.post(
        url,
        change_form_data(
            campaign,
            currency="JPY",
            money_goal_minor="1,000,000",
            pledge_minimum_minor="500",
            **{
                "suggested_amounts-TOTAL_FORMS": "1",
                "suggested_amounts-0-amount_minor": "3000",
                "suggested_amounts-0-position": "0",
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign.refresh_from_db()
    assert (campaign.currency, campaign.money_goal_minor, campaign.pledge_minimum_minor) == (
        "JPY",
        1_000_000,
        500,
    )
    assert [str(a) for a in campaign.suggested_amounts.all()] == ["¥3,000"]


def test_a_goal_typed_as_if_in_cents_cannot_slip_below_stripes_minimum_unnoticed(admin_client):
    campaign = CampaignFactory(currency="USD")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])

    response = admin_client.post(
        url,
        change_form_data(
            campaign,
            pledge_minimum_minor="0.10",
            pledge_maximum_minor="0.05",
            **{
                "suggested_amounts-TOTAL_FORMS": "1",
                "suggested_amounts-0-amount_minor": "25.001",
                "suggested_amounts-0-position": "0",
            },
        ),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["pledge_minimum_minor"] == ["Stripe's smallest USD charge is $0.50."]
    inline_errors = response.context["inline_admin_formsets"][1].formset.errors
    assert inline_errors[0]["amount_minor"] == ["USD amounts take at most 2 decimal places."]


def test_the_largest_pledge_cannot_be_below_the_smallest(admin_client):
    campaign = CampaignFactory(currency="EUR")
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])

    response = admin_client.post(
        url, change_form_data(campaign, pledge_minimum_minor="20", pledge_maximum_minor="10")
    )

    assert response.context["adminform"].form.errors["pledge_maximum_minor"] == [
        "The largest gift must be at least the smallest."
    ]


def test_the_campaign_list_shows_a_short_label_and_formatted_money(admin_client):
    long = CampaignFactory(title=TITLE, money_goal_minor=0)
    short = CampaignFactory(title="A long official title nobody reads", short_title="Families")
    Campaign.objects.filter(pk=long.pk).update(amount_collected_minor=56_000)

    html = admin_client.get(reverse("admin:campaigns_campaign_changelist")).text

    assert f">{long.label}</a>" in html and len(long.label) <= 40 and long.label.endswith("…")
    assert f">{TITLE}<" not in html  # (the checkbox's label for screen readers keeps it)
    assert ">Families</a>" in html and f">{short.title}<" not in html
    assert "$560.00" in html


def test_a_signature_reads_as_a_person_on_a_campaign():
    campaign = CampaignFactory(title=TITLE, short_title="Reunite families")
    signature = SignatureFactory(campaign=campaign, first_name="Ada", last_name="Lovelace")

    assert str(signature) == "Ada L. — Reunite families"


@pytest.mark.parametrize("term", ["Lovelace", "ada", "ADA@EXAMPLE.ORG", "ada lovelace"])
def test_signatures_are_searchable_by_name_and_email(admin_client, term):
    campaign = CampaignFactory()
    ada = SignatureFactory(
        campaign=campaign, first_name="Ada", last_name="Lovelace", email="ada@example.org"
    )
    SignatureFactory(campaign=campaign, first_name="Kim", last_name="Park", email="kim@example.org")

    response = admin_client.get(reverse("admin:campaigns_signature_changelist"), {"q": term})

    assert [s.pk for s in response.context["cl"].result_list] == [ada.pk]
    assert isinstance(response.context["cl"].result_list[0], Signature)
