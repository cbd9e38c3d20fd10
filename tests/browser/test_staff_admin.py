"""The admin pages this project draws, in Chromium: no sideways scrolling where staff work
(dashboard at 390 px, pledge list at 1280 px), axe on the dashboard, the refund confirmation
and the article preview, the live preview itself, and screenshots with --screenshots."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Article
from campaigns.models import Campaign
from tests.browser.support import (
    BLOCKING_IMPACTS,
    DESKTOP,
    LEAD_ARTICLE,
    LEAD_CAMPAIGN,
    PHONE,
    _axe,
    assert_no_serious_axe_violations,
)

pytestmark = pytest.mark.browser

PASSWORD = "a-long-password-for-the-admin-test"  # noqa: S105
OUTPUT = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


def sign_in(page, site, next_path="/admin/"):
    get_user_model().objects.create_superuser("chief", "chief@example.org", PASSWORD)
    page.goto(f"{site}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def open_refund_confirmation(page, site):
    page.goto(f"{site}/admin/pledges/pledge/")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").first.select_option("request_refund")
    page.get_by_role("button", name="Run").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the refunds")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_dashboard_fits_a_phone_and_passes_axe(page, site, width):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, site, "/admin/dashboard/")
    # Measure the dashboard itself, loaded with its stylesheet, not the login page's redirect.
    expect(page.locator(".staff-sources th[data-label=Source]").first).to_have_text("Demo data")
    page.wait_for_load_state("load")

    assert sideways_overflow(page) <= 0, f"dashboard scrolls sideways at {width}"
    assert_no_serious_axe_violations(page, f"staff dashboard ({width})")


@pytest.mark.parametrize(
    ("path", "columns"),
    [
        ("/admin/pledges/pledge/", ("amount", "campaign", "supporter", "status", "paid at")),
        ("/admin/campaigns/signature/", ("supporter", "campaign", "confirmed", "signed")),
        ("/admin/campaigns/campaign/", ("campaign", "status", "signatures", "raised")),
    ],
)
def test_admin_lists_fit_1280_by_800_without_sideways_scrolling(page, site, path, columns):
    page.set_viewport_size(DESKTOP)
    sign_in(page, site)
    page.goto(site + path)

    assert sideways_overflow(page) <= 0
    results = page.locator("#changelist .results")
    assert results.evaluate("el => el.scrollWidth - el.clientWidth") <= 0, f"{path} scrolls"
    for column in columns:
        header = page.get_by_role("columnheader", name=re.compile(column, re.I)).first
        box = header.bounding_box()
        assert box and box["x"] + box["width"] <= DESKTOP["width"], f"{column} is off-screen"


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_refund_confirmation_passes_axe_and_refunds_nothing_on_cancel(page, site, width):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, site)
    open_refund_confirmation(page, site)

    expect(page.locator("[data-figure=refund-total]")).to_be_visible()
    assert sideways_overflow(page) <= 0, f"refund confirmation scrolls sideways at {width}"
    assert_no_serious_axe_violations(page, f"refund confirmation ({width})")
    page.get_by_role("link", name="Cancel, refund nothing").click()
    expect(page).to_have_url(re.compile(r"/admin/pledges/pledge/$"))


def test_the_live_preview_draws_the_body_and_passes_axe(page, site):
    page.set_viewport_size(DESKTOP)
    sign_in(page, site)
    article = Article.objects.get(slug=LEAD_ARTICLE)
    page.goto(f"{site}/admin/articles/article/{article.pk}/change/")

    preview = page.locator("#body-preview")
    expect(preview.locator("p").first).to_be_visible()
    page.locator("#id_body").fill("A **bold** new intro.\n\n[[take-action:" + LEAD_CAMPAIGN + "]]")
    expect(preview).to_contain_text("A bold new intro.")
    expect(preview.locator("p", has_text="new intro").locator("strong")).to_have_text("bold")
    expect(preview.locator(".action-card")).to_be_visible()

    page.locator("#embed-search").fill("reunite")
    page.locator("#embed-search").press("Enter")  # searches; must not save the article
    insert = page.locator(".staff-embed-insert").first
    expect(insert).to_be_visible()
    insert.click()
    expect(page.locator("#id_body")).to_have_value(re.compile(r"\[\[take-action:[\w-]+\]\]\n$"))
    assert Article.objects.get(pk=article.pk).body == article.body  # nothing saved yet
    # The part of the editor this project draws (Django's own select2 pickers are not ours
    # and fail axe's label rule upstream), then the staff preview page "Save and preview" opens.
    blocking = [
        (v["id"], v["impact"])
        for v in _axe.run(page, context="#editor-tools").response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], blocking
    page.get_by_role("button", name="Save and preview").click()
    expect(page).to_have_url(re.compile(rf"/news/preview/{article.pk}/$"))
    expect(page.locator(".article__body").get_by_text("bold", exact=True)).to_be_visible()
    assert_no_serious_axe_violations(page, "staff preview after Save and preview")


def test_admin_screenshots(page, site, request):
    if not request.config.getoption("--screenshots", default=False):
        pytest.skip("screenshots are saved only with --screenshots")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sign_in(page, site)
    campaign = Campaign.objects.get(slug=LEAD_CAMPAIGN)
    shots = {
        "admin-pledge-list": lambda: page.goto(f"{site}/admin/pledges/pledge/"),
        "admin-campaign-change": lambda: page.goto(
            f"{site}/admin/campaigns/campaign/{campaign.pk}/change/"
        ),
        "admin-refund-confirmation": lambda: open_refund_confirmation(page, site),
        "admin-dashboard": lambda: page.goto(f"{site}/admin/dashboard/"),
    }
    for name, open_page in shots.items():
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            open_page()
            height = min(page.evaluate("document.documentElement.scrollHeight"), 2400)
            path = OUTPUT / f"{name}-{label}.png"
            page.screenshot(
                path=path,
                full_page=True,
                clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
                animations="disabled",
                caret="hide",
            )
            assert path.stat().st_size > 5_000, f"{path.name} looks empty"
