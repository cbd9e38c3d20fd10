"""The one intake both supporter forms share: tracking, the bot policy and the rate limit.

Each behaviour is checked on the sign form and on the form to give, through the real views.
"""

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import Signature
from core.intake import retry_after_seconds
from demo.factories.campaigns import CampaignFactory, SuggestedAmountFactory
from pledges.models import Pledge

pytestmark = pytest.mark.django_db

TRACKING = {
    "source": "newsletter",
    "utm_source": "weekly",
    "utm_medium": "email",
    "utm_campaign": "families<script>",
    "article": "42",
}
STORED_UTM = {"utm_source": "weekly", "utm_medium": "email", "utm_campaign": "familiesscript"}


@pytest.fixture
def campaign(db):
    campaign = CampaignFactory(slug="intake", requires_confirmation=True)
    SuggestedAmountFactory(campaign=campaign, amount_minor=2500, is_default=True)
    return campaign


def sign(client, campaign, **extra):
    data = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "email": "ana@example.org",
        "country": "MX",
        **extra,
    }
    return client.post(reverse("campaigns:sign", args=[campaign.slug]), data)


def give(client, campaign, **extra):
    data = {
        "amount_choice": "2500",
        "name": "Ana Ruiz",
        "email": "ana@example.org",
        **extra,
    }
    return client.post(reverse("pledges:start", args=[campaign.slug]), data)


ACTIONS = {"sign": sign, "pledge": give}


# --- Tracking: carried from the landing URL through the form to the row -----------------------


@pytest.mark.parametrize(
    "page", ["campaigns:detail", "pledges:start"], ids=["campaign-page", "pledge-page"]
)
def test_the_landing_url_tracking_is_carried_into_the_form(client, campaign, page):
    html = client.get(reverse(page, args=[campaign.slug]), TRACKING).content.decode()

    assert 'name="source" value="newsletter"' in html
    assert 'name="utm_medium" value="email"' in html
    assert 'name="utm_campaign" value="familiesscript"' in html
    assert 'name="article" value="42"' in html


def test_the_campaign_page_passes_the_tracking_on_to_the_pledge_page(client, campaign):
    html = client.get(campaign.get_absolute_url(), TRACKING).content.decode()

    assert f'href="/pledges/{campaign.slug}/?source=newsletter&amp;utm_source=weekly' in html
    assert "article=42" in html


def test_a_signature_stores_source_utm_article_and_the_consent_wording(client, campaign):
    response = sign(client, campaign, **TRACKING)

    assert response.status_code == 303
    signature = Signature.objects.get()
    assert (signature.source, signature.utm, signature.source_article_id) == (
        "newsletter",
        STORED_UTM,
        42,
    )
    assert signature.consent_text.startswith("By signing, you add your name")


def test_a_pledge_stores_source_utm_article_and_the_consent_wording(
    client, campaign, stripe_settings
):
    response = give(client, campaign, **TRACKING)

    assert response.status_code == 303
    pledge = Pledge.objects.get()
    assert (pledge.source, pledge.utm, pledge.source_article_id) == ("newsletter", STORED_UTM, 42)
    assert pledge.consent_text.startswith("We use your name and email to take your gift")


@pytest.mark.parametrize("action", ACTIONS)
def test_a_bad_article_id_is_dropped_not_refused(client, campaign, action, stripe_settings):
    response = ACTIONS[action](client, campaign, article="12; DROP TABLE", source="x" * 500)

    assert response.status_code == 303
    row = Signature.objects.get() if action == "sign" else Pledge.objects.get()
    assert row.source_article_id is None
    assert row.source == "x" * 100


# --- The bot policy: the same neutral thank-you, nothing stored, emailed or sent to Stripe ------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_filled_honeypot_gets_the_neutral_thank_you_and_nothing_happens(
    client, campaign, action, mailoutbox, stripe_settings
):
    response = ACTIONS[action](client, campaign, website="https://spam.example")

    assert response.status_code == 303
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you" in thanks.content.decode()
    assert not Signature.objects.exists() and not Pledge.objects.exists()
    assert mail.outbox == []
    assert stripe_settings.sessions == {}


# --- The rate limit: one 429 page with Retry-After, on both forms -----------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_too_many_attempts_get_the_429_page_with_retry_after(
    client, campaign, action, settings, stripe_settings
):
    settings.CAMPAIGNS_SIGN_RATE = "2/10m"
    settings.PLEDGES_START_RATE = "2/10m"
    for i in range(2):
        assert ACTIONS[action](client, campaign, email=f"a{i}@example.org").status_code == 303

    response = ACTIONS[action](client, campaign, email="late@example.org")

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert "Too many attempts" in response.content.decode()
    assert "Nothing from this attempt was recorded" in response.content.decode()
    assert Signature.objects.count() + Pledge.objects.count() == 2


def test_retry_after_is_the_rest_of_the_current_window():
    assert retry_after_seconds("10/10m", now=1_200_000_000 + 0) == 600
    assert retry_after_seconds("10/10m", now=1_200_000_000 + 599) == 1
    assert retry_after_seconds("5/h", now=3600 * 400_000 + 60) == 3540
