"""`Campaign.accepts(action)`, the one open rule, and every surface that asks it.

A matrix of campaign states x (campaign page, pledge page, article card, sign POST, pledge
POST): each cell has one expected outcome.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, Signature
from demo.factories.articles import ArticleFactory
from demo.factories.campaigns import CampaignFactory, SuggestedAmountFactory
from pledges.models import Pledge

pytestmark = pytest.mark.django_db

STATES = {
    "draft": {"status": Campaign.Status.DRAFT},
    "scheduled": {"opens_at": timedelta(days=2)},
    "live": {},
    "closed": {"status": Campaign.Status.CLOSED},
    "ended": {"closes_at": -timedelta(days=1)},
    "pledges_off": {"pledges_enabled": False},
}

# state: (accepts("sign"), accepts("pledge"))
RULE = {
    "draft": ("draft", "draft"),
    "scheduled": ("not_yet_open", "not_yet_open"),
    "live": (None, None),
    "closed": ("closed", "closed"),
    "ended": ("ended", "ended"),
    "pledges_off": (None, "pledges_off"),
}


def make(state: str) -> Campaign:
    now = timezone.now()
    changes = {
        key: now + value if isinstance(value, timedelta) else value
        for key, value in STATES[state].items()
    }
    if "closes_at" in changes:
        changes["opens_at"] = now - timedelta(days=10)
    campaign = CampaignFactory(slug=f"state-{state}", money_goal_minor=100_000, **changes)
    SuggestedAmountFactory(campaign=campaign, amount_minor=2500, is_default=True)
    return campaign


SIGNATURE = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.org", "country": "MX"}
PLEDGE = {
    "amount_choice": "2500",
    "other_amount": "",
    "name": "Ana Ruiz",
    "email": "ana@example.org",
    "form_token": "6f1c2a56-0d0e-4a57-9a3e-2b1f7c1d9e01",
}


@pytest.mark.parametrize("state", STATES)
def test_the_rule_gives_one_reason_per_state(state):
    campaign = make(state)

    assert (campaign.accepts("sign"), campaign.accepts("pledge")) == RULE[state]


@pytest.mark.parametrize("state", STATES)
def test_the_live_queryset_is_the_same_rule_as_accepts_sign(state):
    campaign = make(state)

    assert Campaign.objects.live().filter(pk=campaign.pk).exists() == (
        campaign.accepts("sign") is None
    )


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown action"):
        CampaignFactory().accepts("donate")


# state: (status, sign form shown, give button shown, reason shown in the action panel)
CAMPAIGN_PAGE = {
    "draft": (404, False, False, None),
    "scheduled": (200, False, False, "not_yet_open"),
    "live": (200, True, True, None),
    "closed": (200, False, False, "closed"),
    "ended": (200, False, False, "ended"),
    "pledges_off": (200, True, False, None),
}


@pytest.mark.parametrize("state", STATES)
def test_campaign_page(client, state):
    campaign = make(state)
    status, sign_form, give_button, reason = CAMPAIGN_PAGE[state]

    response = client.get(campaign.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == status
    if status != 200:
        return
    assert ('class="sign-form"' in html) is sign_form
    assert (f'href="/pledges/{campaign.slug}/' in html) is give_button
    if reason:
        assert f'data-reason="{reason}"' in html


# state: (status, form shown, reason shown)
PLEDGE_PAGE = {
    "draft": (404, False, None),
    "scheduled": (200, False, "not_yet_open"),
    "live": (200, True, None),
    "closed": (200, False, "closed"),
    "ended": (200, False, "ended"),
    "pledges_off": (200, False, "pledges_off"),
}


@pytest.mark.parametrize("state", STATES)
def test_pledge_page(client, state):
    campaign = make(state)
    status, form_shown, reason = PLEDGE_PAGE[state]

    response = client.get(reverse("pledges:start", args=[campaign.slug]))
    html = response.content.decode()

    assert response.status_code == status
    if status != 200:
        return
    assert ('class="pledge-form"' in html) is form_shown
    if reason:
        assert f'data-reason="{reason}"' in html


# state: (card shown, sign link, give link)
ARTICLE_CARD = {
    "draft": (False, False, False),
    "scheduled": (False, False, False),
    "live": (True, True, True),
    "closed": (False, False, False),
    "ended": (False, False, False),
    "pledges_off": (True, True, False),
}


@pytest.mark.parametrize("state", STATES)
def test_article_card(client, state):
    campaign = make(state)
    article = ArticleFactory(campaigns=[campaign])
    card, sign_link, give_link = ARTICLE_CARD[state]

    html = client.get(article.get_absolute_url()).content.decode()

    assert ('class="action-card"' in html) is card
    tracking = f"?source=article&amp;article={article.pk}"
    assert (f'href="/take-action/{campaign.slug}/{tracking}#sign"' in html) is sign_link
    assert (f'href="/pledges/{campaign.slug}/{tracking}"' in html) is give_link


# state: (status, reason on the refusal page)
SIGN_POST = {
    "draft": (409, "draft"),
    "scheduled": (409, "not_yet_open"),
    "live": (303, None),
    "closed": (409, "closed"),
    "ended": (409, "ended"),
    "pledges_off": (303, None),
}


@pytest.mark.parametrize("state", STATES)
def test_sign_post(client, state, mailoutbox):
    campaign = make(state)
    status, reason = SIGN_POST[state]

    response = client.post(reverse("campaigns:sign", args=[campaign.slug]), SIGNATURE)

    assert response.status_code == status
    assert Signature.objects.exists() is (reason is None)
    if reason:
        assert f'data-reason="{reason}"' in response.content.decode()
        assert "Your signature was not recorded." in response.content.decode()


# state: (status, reason on the refusal page)
PLEDGE_POST = {
    "draft": (404, None),
    "scheduled": (409, "not_yet_open"),
    "live": (303, None),
    "closed": (409, "closed"),
    "ended": (409, "ended"),
    "pledges_off": (409, "pledges_off"),
}


@pytest.mark.parametrize("state", STATES)
def test_pledge_post(client, state, stripe_settings):
    campaign = make(state)
    status, reason = PLEDGE_POST[state]

    response = client.post(reverse("pledges:start", args=[campaign.slug]), PLEDGE)

    assert response.status_code == status
    if status == 303:
        assert response["Location"].startswith(stripe_settings.base_url + "/checkout/")
        assert Pledge.objects.get().amount_minor == 2500
        return
    assert not Pledge.objects.exists()
    assert not stripe_settings.sessions, "a refused pledge reached Stripe"
    if reason:
        assert f'data-reason="{reason}"' in response.content.decode()
        assert "Nothing was charged." in response.content.decode()
