"""The pages people act on: the share component everywhere, thank-you pages, /take-action/."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from demo.factories.articles import ArticleFactory, png_bytes
from demo.factories.campaigns import CampaignFactory, SignatureFactory
from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.services import pledge_mark_paid

pytestmark = pytest.mark.django_db

NETWORKS = (
    "mailto:?subject=",
    "https://wa.me/?text=",
    "https://www.facebook.com/sharer/sharer.php?u=",
    "https://x.com/intent/post?text=",
    "https://bsky.app/intent/compose?text=",
)


@pytest.fixture
def campaign(db):
    return CampaignFactory(slug="families", signature_goal=5000, money_goal_minor=100_000)


def paid_pledge(campaign, email="grace@example.org"):
    pledge = PledgeFactory(campaign=campaign, email=email)
    pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
    return pledge


def pages(client, campaign):
    article = ArticleFactory(campaigns=[campaign])
    pledge = paid_pledge(campaign)
    return {
        "article": client.get(article.get_absolute_url()),
        "campaign": client.get(campaign.get_absolute_url()),
        "sign-thanks": client.get(reverse("campaigns:thanks", args=[campaign.slug])),
        "gift-thanks": client.get(reverse("pledges:thanks", args=[pledge.pk])),
    }


def test_one_share_component_with_every_network_and_a_copy_link_on_the_four_pages(client, campaign):
    for name, response in pages(client, campaign).items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert html.count('class="share"') == 1, name
        for network in NETWORKS:
            assert network in html, f"{name}: no {network}"
        assert "Copy the link" in html and "readonly" in html, name


def test_the_sign_thank_you_shows_the_count_and_the_ask_to_give(client, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=1234)

    html = client.get(reverse("campaigns:thanks", args=[campaign.slug])).content.decode()

    assert "1,234</strong> signatures of 5,000" in html
    assert f'href="/pledges/{campaign.slug}/?source=sign_thanks"' in html


def test_the_gift_thank_you_shows_the_new_total_and_the_sign_ask(client, campaign):
    pledge = paid_pledge(campaign)

    html = client.get(reverse("pledges:thanks", args=[pledge.pk])).content.decode()

    assert "Thank you for your gift" in html
    assert "$25</strong> raised of $1,000" in html
    assert "Add your name too" in html and "source=gift_thanks#sign" in html


def test_the_gift_thank_you_skips_the_sign_ask_for_someone_who_signed(client, campaign):
    SignatureFactory(campaign=campaign, email="Grace@Example.org", confirmed=True)
    pledge = paid_pledge(campaign, email="grace@example.org")

    html = client.get(reverse("pledges:thanks", args=[pledge.pk])).content.decode()

    assert "Add your name too" not in html


def test_take_action_orders_featured_campaigns_then_recent_activity(client):
    now = timezone.now()
    quiet = CampaignFactory(title="Quiet one", last_action_at=now - timedelta(days=9))
    busy = CampaignFactory(title="Busy one", last_action_at=now - timedelta(hours=1))
    second = CampaignFactory(title="Featured second", featured_position=2)
    first = CampaignFactory(title="Featured first", featured_position=1)

    html = client.get(reverse("campaigns:list")).content.decode()

    positions = [html.index(c.title) for c in (first, second, busy, quiet)]
    assert positions == sorted(positions)


def test_take_action_cards_show_the_image_and_both_progress_figures(client, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(
        signature_count=2500, amount_collected_minor=50_000, supporter_count=3
    )

    html = client.get(reverse("campaigns:list")).content.decode()

    assert "2,500</strong> signatures of 5,000" in html
    assert "$500</strong> raised of $1,000" in html and "3 donors" in html


def test_a_counted_signature_marks_the_campaign_as_recently_active(campaign):
    from campaigns.services import signature_confirm

    signature = SignatureFactory(campaign=campaign)
    signature_confirm(signature_id=signature.pk)

    campaign.refresh_from_db()
    assert campaign.last_action_at is not None


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("campaigns:sign", {"first_name": "", "email": "nope"}),
        ("pledges:start", {"amount_choice": "other", "other_amount": "", "email": "nope"}),
    ],
    ids=["sign", "pledge"],
)
def test_both_forms_use_the_one_error_summary(client, campaign, url_name, data):
    response = client.post(reverse(url_name, args=[campaign.slug]), data)
    html = response.content.decode()

    assert response.status_code == 400
    assert html.count('class="error-summary"') == 1
    assert '<h2 id="error-summary-title">There is a problem</h2>' in html


@pytest.fixture
def pictured_campaign(db):
    hero = ContentFile(png_bytes(width=1200, height=630), name="hero.png")
    return CampaignFactory(slug="pictured", hero_image=hero, hero_alt="Families at the border")


@pytest.mark.parametrize("page", ["campaigns:detail", "campaigns:list"])
def test_campaign_pages_print_the_hero_size_even_when_the_file_is_gone(
    client, pictured_campaign, page
):
    # A file missing from storage must not take the page down: the size comes from the row.
    pictured_campaign.hero_image.storage.delete(pictured_campaign.hero_image.name)
    kwargs = {"slug": pictured_campaign.slug} if page == "campaigns:detail" else {}

    response = client.get(reverse(page, kwargs=kwargs))

    assert response.status_code == 200
    assert 'width="1200" height="630"' in response.content.decode()


@pytest.mark.parametrize("page", ["campaigns:detail", "campaigns:list"])
def test_rendering_campaign_pages_never_opens_the_hero_image(
    client, pictured_campaign, media_storage_refuses_open, page
):
    # With media on S3, opening a file is a download from the bucket on every uncached render.
    kwargs = {"slug": pictured_campaign.slug} if page == "campaigns:detail" else {}

    response = client.get(reverse(page, kwargs=kwargs))

    assert response.status_code == 200
    assert 'width="1200" height="630"' in response.content.decode()
