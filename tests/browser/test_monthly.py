"""A supporter gives monthly through the emulator's hosted checkout, then cancels the gift from
the link in their receipt, in Stripe's (emulated) Customer Portal."""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Campaign
from pledges.models import Pledge
from tests.browser.support import LEAD_CAMPAIGN, assert_no_serious_axe_violations

pytestmark = pytest.mark.browser


def test_supporter_gives_monthly_pays_and_cancels_from_the_receipts_link(
    page, site, checkout, mailoutbox, run_tasks
):
    Campaign.objects.filter(slug=LEAD_CAMPAIGN).update(monthly_enabled=True)
    page.goto(f"{site}/pledges/{LEAD_CAMPAIGN}/")
    page.get_by_role("radio", name="Monthly").check()
    page.get_by_role("radio", name="Other amount").check()
    page.get_by_role("textbox", name="Other amount").fill("15")
    page.get_by_label("Your name", exact=True).fill("Ada Lovelace")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_role("button", name=re.compile(r"^Give\b.*\bnow$")).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(checkout.base_url)}/checkout/cs_test_"))
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your gift")
    expect(page.get_by_text("This is a monthly gift")).to_be_visible()
    assert checkout.wait_for_deliveries(timeout=10)
    gift = Pledge.objects.get(email="ada@example.org")
    assert (gift.frequency, gift.subscription_status) == ("monthly", "active")

    run_tasks()  # the task worker sends the queued receipt into this outbox
    (receipt,) = [m for m in mailoutbox if m.to == ["ada@example.org"]]
    manage_url = re.search(r"https?://\S+/pledges/monthly/manage/\?t=\S+", receipt.body).group(0)
    page.goto(manage_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage your monthly gift")
    assert_no_serious_axe_violations(page, "manage monthly gift")
    page.get_by_role("button", name="Continue to Stripe to manage my gift").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(checkout.base_url)}/billing/bps_"))
    expect(page.get_by_text("TEST MODE")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Cancel this .* gift$")).click()
    expect(page.get_by_text("Cancels at the end of the current period.")).to_be_visible()
    assert checkout.wait_for_deliveries(timeout=10)
    gift.refresh_from_db()
    assert gift.cancel_at_period_end

    checkout.advance_month(1)
    assert checkout.wait_for_deliveries(timeout=10)
    gift.refresh_from_db()
    assert gift.subscription_status == "canceled"
    assert Pledge.objects.filter(renewal_of=gift).count() == 0
