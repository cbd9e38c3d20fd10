"""A reader finds the lead story on the home page and follows its Take Action card."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from campaigns.models import Campaign
from tests.browser.support import LEAD_ARTICLE, LEAD_CAMPAIGN, both_widths

pytestmark = pytest.mark.browser


@both_widths
def test_reader_goes_from_home_to_the_lead_story_and_on_to_its_campaign(page, site, width):
    article = Article.objects.get(slug=LEAD_ARTICLE)
    campaign = Campaign.objects.get(slug=LEAD_CAMPAIGN)

    page.goto(site + "/")
    page.get_by_role("main").get_by_role("link", name=article.title).first.click()

    expect(page).to_have_url(re.compile(rf"/news/{LEAD_ARTICLE}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    card = page.locator("aside.action-card").filter(has_text=campaign.title)
    expect(card).to_be_visible()

    card.get_by_role("link", name=re.compile("sign the petition|take action", re.I)).click()

    expect(page).to_have_url(re.compile(rf"/take-action/{LEAD_CAMPAIGN}/(\?[^#]*)?(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(campaign.title)
    # The signature will be credited to the story the reader came from.
    expect(page.locator("input[name=source]")).to_have_value("article")
    expect(page.locator("input[name=article]")).to_have_value(str(article.pk))
