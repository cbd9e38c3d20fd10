"""PNG screenshots of the key pages at phone and desktop widths, for reviewers.

Run with `make screenshots` (pytest ... --screenshots); skipped otherwise. The files in
docs/screenshots/ are named `<page>-<phone|desktop>.png` and are committed.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.support import DESKTOP, LEAD_ARTICLE, LEAD_CAMPAIGN, PHONE

pytestmark = pytest.mark.browser

OUTPUT = Path(django_settings.BASE_DIR) / "docs" / "screenshots"
MAX_HEIGHT = 2400  # Long pages are cut here: enough to show the layout, small enough to review.
PAGES = {
    "home": "/",
    "article": f"/news/{LEAD_ARTICLE}/",
    "campaign": f"/take-action/{LEAD_CAMPAIGN}/",
    "pledge": f"/pledges/{LEAD_CAMPAIGN}/",
    "sign-thanks": f"/take-action/{LEAD_CAMPAIGN}/thanks/",
    "search": "/search/?q=children",
    "admin-dashboard": "/admin/dashboard/",
}


def save_both_widths(page, name: str) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    saved = []
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.reload()
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        path = OUTPUT / f"{name}-{label}.png"
        page.screenshot(
            path=path,
            full_page=True,
            clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
            animations="disabled",
            caret="hide",
        )
        saved.append(path)
    return saved


@pytest.mark.parametrize("name", PAGES)
def test_screenshot(page, site, name):
    if name.startswith("admin"):
        get_user_model().objects.create_superuser("editor", "editor@example.org", "x-long-pw-12")
        page.goto(f"{site}/admin/login/")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("x-long-pw-12")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/admin/$"))

    response = page.goto(site + PAGES[name])

    assert response.status == 200, f"{name} answered {response.status}"
    assert response.url == site + PAGES[name], f"{name} was redirected to {response.url}"
    for path in save_both_widths(page, name):
        assert path.stat().st_size > 5_000, f"{path.name} looks empty"
