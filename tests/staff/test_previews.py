"""Previews follow roles: editors preview articles, campaigners campaigns; other staff get 403."""

import pytest
from django.urls import reverse

from demo.factories.articles import DraftArticleFactory
from demo.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_article():
    return DraftArticleFactory(title="Embargoed story")


@pytest.fixture
def draft_campaign():
    return CampaignFactory(title="Secret campaign", status="draft")


def article_preview(article):
    return reverse("articles:preview", kwargs={"pk": article.pk})


def campaign_preview(campaign):
    return reverse("campaigns:preview", kwargs={"pk": campaign.pk})


def test_an_editor_previews_a_draft_article(client, editor, draft_article):
    client.force_login(editor)

    response = client.get(article_preview(draft_article))

    assert response.status_code == 200
    assert "Embargoed story" in response.content.decode()


@pytest.mark.parametrize("role", ["campaigner", "finance", None])
def test_other_staff_get_403_on_an_article_preview(client, make_staff, draft_article, role):
    client.force_login(make_staff(role))

    response = client.get(article_preview(draft_article))

    assert response.status_code == 403
    assert "Embargoed story" not in response.content.decode()


def test_a_campaigner_previews_a_draft_campaign(client, campaigner, draft_campaign):
    client.force_login(campaigner)

    response = client.get(campaign_preview(draft_campaign))

    assert response.status_code == 200
    assert "Secret campaign" in response.content.decode()


@pytest.mark.parametrize("role", ["editor", "finance", None])
def test_other_staff_get_403_on_a_campaign_preview(client, make_staff, draft_campaign, role):
    client.force_login(make_staff(role))

    response = client.get(campaign_preview(draft_campaign))

    assert response.status_code == 403
    assert "Secret campaign" not in response.content.decode()


def test_signed_out_visitors_are_sent_to_the_staff_login(client, draft_article, draft_campaign):
    for url in (article_preview(draft_article), campaign_preview(draft_campaign)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_signed_in_supporter_account_never_sees_a_preview(
    client, django_user_model, draft_article
):
    client.force_login(django_user_model.objects.create_user("reader", password=None))

    response = client.get(article_preview(draft_article))

    assert response.status_code == 302
    assert "Embargoed story" not in response.content.decode()
