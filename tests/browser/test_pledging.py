"""A supporter pledges money through the offline Stripe emulator's hosted checkout page."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign
from core.money import format_money
from pledges.models import Pledge
from tests.browser.support import LEAD_CAMPAIGN, assert_no_serious_axe_violations, both_widths

pytestmark = pytest.mark.browser


def money_raised_shown(page) -> str:
    return page.locator(".pledge-panel .campaign-progress__text strong").first.inner_text().strip()


def start_pledge(page, site, *, amount: str):
    """From the campaign page, follow "Give now" and send the form to Checkout."""
    page.goto(f"{site}/take-action/{LEAD_CAMPAIGN}/")
    page.locator(".pledge-panel").get_by_role("link", name="Give now").click()
    expect(page).to_have_url(re.compile(rf"/pledges/{LEAD_CAMPAIGN}/$"))
    expect(page.get_by_text("test mode", exact=False).first).to_be_visible()
    page.get_by_role("radio", name="Other amount").check()
    page.get_by_role("textbox", name="Other amount").fill(amount)
    page.get_by_label("Your name", exact=True).fill("Grace Hopper")
    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_role("button", name=re.compile(r"^Give .*now$")).click()


@both_widths
def test_supporter_pays_on_checkout_and_the_campaign_total_shows_the_pledge(
    page, site, checkout, width
):
    campaign = Campaign.objects.get(slug=LEAD_CAMPAIGN)
    page.goto(f"{site}/take-action/{LEAD_CAMPAIGN}/")
    assert money_raised_shown(page) == format_money(
        campaign.amount_collected_minor, campaign.currency
    )

    start_pledge(page, site, amount="25")

    expect(page).to_have_url(re.compile(rf"^{re.escape(checkout.base_url)}/checkout/cs_test_"))
    expect(page.get_by_text("TEST MODE")).to_be_visible()
    page.get_by_role("button", name="Pay", exact=True).click()

    expect(page).to_have_url(re.compile(r"/pledges/thanks/[0-9a-f-]{36}/\?session_id=cs_test_"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your gift")
    expect(page.get_by_role("status")).to_contain_text(format_money(2500, campaign.currency))
    assert_no_serious_axe_violations(page, "pledge thank-you")

    page.get_by_role("link", name="Back to the campaign").click()
    expected = format_money(campaign.amount_collected_minor + 2500, campaign.currency)
    assert money_raised_shown(page) == expected
    # The signed webhook reaches the app as well; the pledge still counts once.
    assert checkout.wait_for_deliveries(timeout=10)
    outcomes = [outcome for _, outcome in checkout.deliveries]
    assert outcomes and set(outcomes) == {200}, f"webhook deliveries: {outcomes}"
    page.reload()
    assert money_raised_shown(page) == expected
    pledge = Pledge.objects.get(email="grace@example.org")
    assert (pledge.status, pledge.amount_minor) == (Pledge.Status.PAID, 2500)


@both_widths
def test_a_declined_card_says_so_and_leaves_the_total_unchanged(page, site, checkout, width):
    campaign = Campaign.objects.get(slug=LEAD_CAMPAIGN)
    collected = campaign.amount_collected_minor
    before = format_money(collected, campaign.currency)

    start_pledge(page, site, amount="40")
    page.get_by_role("button", name="Decline").click()

    expect(page.get_by_role("alert")).to_contain_text("declined")
    page.get_by_role("button", name="Cancel").click()

    expect(page).to_have_url(re.compile(rf"/take-action/{LEAD_CAMPAIGN}/\?pledge=cancelled$"))
    expect(page.get_by_role("status").filter(has_text="nothing was charged")).to_be_visible()
    assert money_raised_shown(page) == before
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == collected
    pledge = Pledge.objects.get(email="grace@example.org")
    assert pledge.counted_at is None
    assert pledge.status != Pledge.Status.PAID


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_pledge_form_errors_are_announced_and_linked_to_their_fields(page, site):
    page.goto(f"{site}/pledges/{LEAD_CAMPAIGN}/")
    page.get_by_role("radio", name="Other amount").check()
    page.get_by_role("textbox", name="Other amount").fill("0.001")
    page.get_by_label("Email", exact=True).fill("grace@example")
    page.get_by_role("button", name=re.compile(r"^Give .*now$")).click()

    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_serious_axe_violations(page, "pledge (form with errors)")
    for field_id in ("id_other_amount", "id_name", "id_email"):
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        refs = (field.get_attribute("aria-describedby") or "").split()
        missing = [ref for ref in refs if page.locator(f"#{ref}").count() == 0]
        assert missing == [], f"#{field_id} is described by ids that do not exist: {missing}"
        texts = [page.locator(f"#{ref}").inner_text() for ref in refs]
        error = page.locator(f"#{field_id}").locator("xpath=..").locator("ul, .errorlist")
        assert error.count() >= 1, f"#{field_id} shows no error message"
        assert any(error.first.inner_text().strip() in text for text in texts), (
            f"#{field_id}: its error is not linked with aria-describedby ({refs})"
        )
    assert not Pledge.objects.filter(email__startswith="grace@").exists()


@both_widths
def test_the_default_amount_is_chosen_and_restated_on_the_button(page, site, width):
    campaign = Campaign.objects.get(slug=LEAD_CAMPAIGN)
    default = campaign.suggested_amounts.get(is_default=True).amount_minor
    shown = format_money(default, campaign.currency)
    page.goto(f"{site}/pledges/{LEAD_CAMPAIGN}/")

    expect(page.get_by_role("radio", name=shown, exact=True)).to_be_checked()
    expect(page.get_by_role("button", name=f"Give {shown} now")).to_be_visible()
    # "Other amount" stays out of the way until it is chosen, then takes the typed amount.
    expect(page.get_by_role("textbox", name="Other amount")).to_be_hidden()
    page.get_by_role("radio", name="Other amount").check()
    expect(page.get_by_role("textbox", name="Other amount")).to_be_visible()
    expect(page.get_by_role("button", name="Give now")).to_be_visible()
    first = format_money(campaign.suggested_amounts.first().amount_minor, campaign.currency)
    page.get_by_role("radio", name=first, exact=True).check()
    expect(page.get_by_role("button", name=f"Give {first} now")).to_be_visible()
    expect(page.get_by_text("Who receives your gift")).to_be_visible()


@pytest.mark.browser_context_args(
    viewport={"width": 1280, "height": 800}, java_script_enabled=False
)
def test_other_amount_works_without_javascript(page, site, checkout):
    page.goto(f"{site}/pledges/{LEAD_CAMPAIGN}/")
    page.get_by_role("radio", name="Other amount").check()
    page.get_by_role("textbox", name="Other amount").fill("12")
    page.get_by_label("Your name", exact=True).fill("Grace Hopper")
    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_role("button", name=re.compile(r"^Give .*now$")).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(checkout.base_url)}/checkout/cs_test_"))
    assert Pledge.objects.get(email="grace@example.org").amount_minor == 1200


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 800})
def test_an_empty_other_amount_is_reported_and_nothing_is_created(page, site):
    page.goto(f"{site}/pledges/{LEAD_CAMPAIGN}/")
    page.get_by_role("radio", name="Other amount").check()
    page.get_by_label("Your name", exact=True).fill("Grace Hopper")
    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_role("button", name=re.compile(r"^Give .*now$")).click()

    expect(page.get_by_role("alert")).to_contain_text("Enter an amount")
    assert not Pledge.objects.filter(email="grace@example.org").exists()
