"""Staff sign in to the admin, create a campaign as a draft, publish it, and see it live."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from campaigns.models import Campaign
from tests.browser.support import both_widths

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password-for-the-browser-test"  # noqa: S105
TITLE = "Fund Clean Water for Every School"
SLUG = "fund-clean-water-for-every-school"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 630), (11, 61, 145)).save(buffer, format="PNG")
    return buffer.getvalue()


def hero_image_input(page):
    # Django's admin renders a file input inside a fieldset whose legend names it.
    return page.get_by_role("group", name="Hero image:").locator("input[type=file]")


@both_widths
def test_staff_creates_a_draft_campaign_publishes_it_and_readers_see_it(page, site, width):
    get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)

    page.goto(f"{site}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"{site}/admin/campaigns/campaign/add/")
    page.get_by_label("Title").press_sequentially(TITLE)
    expect(page.get_by_label("Slug")).to_have_value(SLUG)  # The admin fills it from the title.
    page.get_by_label("Ask").fill("Ask the ministry to fund a water point in every school.")
    hero_image_input(page).set_input_files(
        {"name": "water.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_role("button", name="Save and continue editing").click()

    # An image without alt text is refused, with the reason next to the field.
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.get_by_text("Describe the image for readers who cannot see it.")).to_be_visible()
    assert not Campaign.objects.filter(slug=SLUG).exists()
    hero_image_input(page).set_input_files(
        {"name": "water.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_label("Hero image alt text").fill("Children drinking at a school water tap.")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    campaign = Campaign.objects.get(slug=SLUG)
    assert campaign.status == Campaign.Status.DRAFT
    assert page.request.get(f"{site}/take-action/{SLUG}/").status == 404

    page.get_by_label("Status").select_option(label="Live")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site}/take-action/")
    page.get_by_role("main").get_by_role("link", name=TITLE).first.click()
    expect(page).to_have_url(re.compile(rf"/take-action/{SLUG}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("img", name="Children drinking at a school water tap.")).to_be_visible()
