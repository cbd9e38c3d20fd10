"""The template contracts other apps include: the Take Action card."""

import pytest
from django.template.loader import render_to_string

from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


class FakeArticle:
    pk = 31


def test_the_action_card_links_to_the_form_with_the_source_article_and_shows_progress(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(signature_count=120)
    campaign.refresh_from_db()

    html = render_to_string(
        "campaigns/_action_card.html", {"campaign": campaign, "source_article": FakeArticle()}
    )

    assert 'href="/take-action/reunite-families/?source=article&amp;article=31#sign"' in html
    assert "<strong>120</strong> signatures of 5,000" in html
    assert "Sign the petition" in html


def test_two_cards_for_one_campaign_on_a_page_have_distinct_ids(campaign):
    inline = render_to_string("campaigns/_action_card.html", {"campaign": campaign})
    closing = render_to_string(
        "campaigns/_action_card.html", {"campaign": campaign, "placement": "closing"}
    )

    ids = lambda html: {part.split('"')[0] for part in html.split(' id="')[1:]}  # noqa: E731
    assert ids(inline) and not ids(inline) & ids(closing)


def test_a_closed_campaign_card_invites_readers_to_see_the_result(campaign):
    campaign.status = Campaign.Status.CLOSED

    html = render_to_string("campaigns/_action_card.html", {"campaign": campaign})

    assert "See the result" in html and "Sign the petition" not in html
