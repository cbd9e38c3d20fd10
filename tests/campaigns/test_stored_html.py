"""Campaign descriptions are rendered once, when staff save, and stored."""

import importlib

import pytest
from django.apps import apps

from campaigns.admin import CampaignAdmin
from campaigns.forms import CampaignAdminForm
from campaigns.models import DESCRIPTION_MAX_LENGTH, Campaign
from campaigns.services import campaign_save

pytestmark = pytest.mark.django_db


def form_data(campaign, **changes):
    data = {
        "title": campaign.title,
        "slug": campaign.slug,
        "ask": campaign.ask,
        "status": campaign.status,
        "signature_goal": 1000,
        "currency": "USD",
        "money_goal_minor": 0,
        "description": campaign.description,
    }
    return {**data, **changes}


def test_a_400_kb_hostile_description_is_a_field_error(campaign):
    form = CampaignAdminForm(data=form_data(campaign, description="[" * 400_000), instance=campaign)

    assert not form.is_valid()
    assert list(form.errors) == ["description"]
    assert f"at most {DESCRIPTION_MAX_LENGTH} characters" in form.errors["description"][0]


def test_a_description_nested_too_deep_is_a_field_error(campaign):
    form = CampaignAdminForm(data=form_data(campaign, description="1. " * 20), instance=campaign)

    assert not form.is_valid()
    assert form.errors.as_data()["description"][0].code == "nested_too_deep"


def test_the_admin_save_stores_the_sanitised_html(campaign, rf, admin_user):
    form = CampaignAdminForm(
        data=form_data(campaign, description="Why **now**.<script>x()</script>"), instance=campaign
    )
    assert form.is_valid(), form.errors
    request = rf.post("/")
    request.user = admin_user

    CampaignAdmin(Campaign, None).save_model(request, form.save(commit=False), form, True)

    campaign.refresh_from_db()
    assert campaign.description_html == "<p>Why <strong>now</strong>.</p>"


def test_the_campaign_page_shows_the_stored_html(client, campaign):
    campaign.description = "Stored **once**."
    campaign_save(campaign=campaign)
    Campaign.objects.filter(pk=campaign.pk).update(description="Changed **behind** the service.")

    html = client.get(campaign.get_absolute_url()).content.decode()

    assert "Stored <strong>once</strong>." in html
    assert "behind" not in html


def test_the_admin_help_text_states_the_limit():
    help_text = Campaign._meta.get_field("description").help_text

    assert f"At most {DESCRIPTION_MAX_LENGTH:,} characters" in help_text


def test_the_data_migration_renders_existing_descriptions(campaign):
    migration = importlib.import_module("campaigns.migrations.0003_fill_description_html")
    Campaign.objects.filter(pk=campaign.pk).update(description="An *old* one.", description_html="")

    migration.fill(apps, None)

    campaign.refresh_from_db()
    assert campaign.description_html == "<p>An <em>old</em> one.</p>"
