"""A supporter signs a petition with the keyboard alone, confirms by email, and is counted."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from campaigns.models import Campaign, Signature
from tests.browser.support import (
    LEAD_CAMPAIGN,
    assert_no_serious_axe_violations,
    both_widths,
    fill_form_by_keyboard,
    focused,
)

pytestmark = pytest.mark.browser

CONFIRM_PATH = re.compile(r"/take-action/confirm/[^/\s]+/")
SUPPORTER = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "country": "United Kingdom",  # Typed on the focused <select>: Chromium selects by typing.
    "postal_code": "N1 9GU",
}


def signature_count_shown(page) -> int:
    text = page.locator(".campaign__progress .campaign-progress__text:visible").first.inner_text()
    match = re.search(r"([\d,]+)\s+signatures?\s+of\s+[\d,]+", text)
    assert match, f"no signature count in {text!r}"
    return int(match[1].replace(",", ""))


@both_widths
def test_supporter_signs_with_the_keyboard_confirms_from_the_email_and_is_counted(
    page, site, width, run_tasks
):
    campaign_url = f"{site}/take-action/{LEAD_CAMPAIGN}/"
    page.goto(campaign_url)
    before = signature_count_shown(page)
    assert before == Campaign.objects.get(slug=LEAD_CAMPAIGN).signature_count

    visited = fill_form_by_keyboard(
        page, first="first_name", typed=SUPPORTER, ticked={"show_publicly"}
    )

    assert {"first_name", "last_name", "email", "country", "show_publicly"} <= set(visited)
    assert "website" not in visited, "the honeypot field takes keyboard focus"
    expect(page).to_have_url(re.compile(rf"/take-action/{LEAD_CAMPAIGN}/thanks/$"))
    signature = Signature.objects.get(email="ada@example.org")
    assert (signature.country.code, signature.show_publicly) == ("GB", True)
    assert signature.confirmed_at is None
    page.goto(campaign_url)
    assert signature_count_shown(page) == before, "counted before it was confirmed"

    # The task worker sends the email; run here, its emails land in this outbox.
    run_tasks()
    sent = [m for m in mail.outbox if "ada@example.org" in m.to]
    assert len(sent) == 1, f"expected one confirmation email, found {len(sent)}"
    path = CONFIRM_PATH.search(sent[0].body)
    assert path, "the confirmation email has no /take-action/confirm/<token>/ link"
    page.goto(site + path[0])
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(campaign_url)
    assert signature_count_shown(page) == before + 1
    signature.refresh_from_db()
    assert signature.confirmed_at is not None


@both_widths
def test_a_refused_signature_explains_the_error_and_moves_focus_to_it(page, site, width):
    page.goto(f"{site}/take-action/{LEAD_CAMPAIGN}/")
    # "ada@example" has no top-level domain: the server refuses it (the form is novalidate).
    fill_form_by_keyboard(
        page,
        first="first_name",
        typed={**SUPPORTER, "email": "ada@example"},
        ticked={"show_publicly"},
    )

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Email")
    assert_no_serious_axe_violations(page, "sign (form with errors)")
    email = page.locator("#id_email")
    expect(email).to_have_attribute("aria-invalid", "true")
    described_by = (email.get_attribute("aria-describedby") or "").split()
    error_texts = [page.locator(f"#{ref}").inner_text().strip() for ref in described_by]
    summary_text = summary.inner_text()
    assert any(text and text in summary_text for text in error_texts), (
        f"the email error is not linked with aria-describedby ({described_by}: {error_texts})"
    )
    # Nothing typed is lost.
    expect(page.locator("#id_first_name")).to_have_value("Ada")
    expect(page.locator("#id_country")).to_have_value("GB")
    expect(page.locator("#id_show_publicly")).to_be_checked()

    now = focused(page)
    assert now["id"] in {"error-summary", "id_email"}, (
        f"after a refused signature focus is on {now}, not the error summary or the email field"
    )
    if now["id"] == "error-summary":
        # Its link takes the keyboard straight to the field.
        page.keyboard.press("Tab")
        assert focused(page)["tag"] == "a", "the error summary does not link to the field"
        page.keyboard.press("Enter")
        assert focused(page)["id"] == "id_email", "the summary's link does not focus the field"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("ada@example.org")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/take-action/{LEAD_CAMPAIGN}/thanks/$"))
    assert Signature.objects.filter(email="ada@example.org").count() == 1


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_the_desktop_first_screen_holds_the_ask_the_progress_and_the_sign_form(page, site):
    page.goto(f"{site}/take-action/{LEAD_CAMPAIGN}/")

    def top_and_bottom(locator):
        box = locator.bounding_box()
        assert box, "not rendered"
        return box["y"], box["y"] + box["height"]

    for name, locator in {
        "ask": page.locator(".campaign__ask"),
        "progress": page.locator(".campaign-progress__text:visible").first,
        "sign heading": page.get_by_role("heading", name="Sign the petition"),
        "first name": page.locator("#id_first_name"),
        "email": page.locator("#id_email"),
    }.items():
        _, bottom = top_and_bottom(locator)
        assert bottom <= 800, f"{name} ends {bottom:.0f}px down, below the first screen"
    progress = page.locator(".campaign-progress__more:visible").first.inner_text()
    assert re.search(r"[\d,]+ more needed to reach [\d,]+\.", progress), progress
    # The action panel stays in view while the story scrolls.
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(200)
    top, _ = top_and_bottom(page.get_by_role("heading", name="Sign the petition"))
    assert 0 <= top < 800, f"the sign form scrolled away (top at {top:.0f}px)"
