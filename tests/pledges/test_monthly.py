"""Monthly giving against the strict emulator: subscription Checkout, a year of renewals on the
test clock, failed renewals, the Customer Portal through the receipt's signed link, refunds and
disputes of renewals, erasure. Events reach the app as signed webhooks through the whole stack.
"""

import json
import re
import time
from io import StringIO
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges import selectors
from pledges.forms import CONSENT_TEXT
from pledges.models import Pledge
from pledges.services import (
    MANAGE_LINK_SALT,
    gift_from_manage_token,
    gift_manage_url,
    pledge_create,
    pledge_recount,
    pledge_request_refund,
    pledge_start_checkout,
    subscription_cancel_for_email,
)
from tests.pledges.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db

AMOUNT = 1500


@pytest.fixture
def monthly_campaign(campaign):
    campaign.monthly_enabled = True
    campaign.save()
    return campaign


@pytest.fixture
def deliver(client, stripe_settings, stripe_webhook_payload_signer):
    """Post the emulator's events emitted since the last call, signed: `deliver(order=...)`."""
    seen = {"count": len(stripe_settings.events)}

    def post(*, order: str = "in_order") -> None:
        events = stripe_settings.events[seen["count"] :]
        seen["count"] = len(stripe_settings.events)
        if order == "reversed":
            events = list(reversed(events))
        elif order == "twice":
            events = events + list(reversed(events))
        for found in events:
            body = json.dumps(found).encode()
            response = client.post(
                reverse("pledges:stripe-webhook"),
                data=body,
                content_type="application/json",
                headers={"Stripe-Signature": stripe_webhook_payload_signer(body, WEBHOOK_SECRET)},
            )
            assert response.status_code == 200, (found["type"], response.content)

    return post


def start_gift(campaign, email="monthly@example.org", amount=AMOUNT):
    gift = pledge_create(
        campaign=campaign,
        amount_minor=amount,
        name="Rosa Monthly",
        email=email,
        consent_text=CONSENT_TEXT,
        frequency="monthly",
    )
    pledge_start_checkout(pledge=gift)
    gift.refresh_from_db()
    return gift


@pytest.fixture
def gift(monthly_campaign, stripe_settings, deliver):
    """A monthly gift paid on the hosted page, its events delivered."""
    gift = start_gift(monthly_campaign)
    stripe_settings.pay(gift.stripe_checkout_session_id)
    deliver()
    gift.refresh_from_db()
    return gift


def totals(campaign):
    campaign.refresh_from_db()
    return campaign.amount_collected_minor, campaign.supporter_count


def counted_payments(campaign):
    return Pledge.objects.filter(campaign=campaign, counted_at__isnull=False).count()


def test_monthly_checkout_is_a_subscription_billed_to_the_supporters_customer(
    monthly_campaign, stripe_settings
):
    gift = start_gift(monthly_campaign)

    session = stripe_settings.sessions[gift.stripe_checkout_session_id]
    assert session["mode"] == "subscription"
    assert session["customer"] == gift.stripe_customer_id
    assert stripe_settings.customers[gift.stripe_customer_id]["email"] == "monthly@example.org"


def test_one_stripe_customer_per_supporter_email(monthly_campaign, stripe_settings):
    first = start_gift(monthly_campaign, email="same@example.org")
    second = start_gift(monthly_campaign, email="same@example.org", amount=2000)
    other = start_gift(monthly_campaign, email="other@example.org")

    assert first.stripe_customer_id == second.stripe_customer_id
    assert other.stripe_customer_id != first.stripe_customer_id
    assert len(stripe_settings.customers) == 2


def test_a_campaign_without_monthly_giving_refuses_a_monthly_gift(campaign):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        pledge_create(
            campaign=campaign,
            amount_minor=AMOUNT,
            name="A",
            email="a@example.org",
            consent_text=CONSENT_TEXT,
            frequency="monthly",
        )
    assert refused.value.code == "monthly_off"


def test_a_year_of_renewals_counts_twelve_payments_and_one_supporter(
    gift, monthly_campaign, stripe_settings, deliver
):
    assert totals(monthly_campaign) == (AMOUNT, 1)

    stripe_settings.advance_month(11)
    deliver()

    assert totals(monthly_campaign) == (12 * AMOUNT, 1)
    assert counted_payments(monthly_campaign) == 12
    assert gift.renewals.filter(counted_at__isnull=False).count() == 11
    # A recount from the rows agrees with the counters the events kept.
    assert pledge_recount(campaign_ids=[monthly_campaign.pk]) == []
    assert selectors.monthly_summary(campaign=monthly_campaign) == {
        "supporters": 1,
        "amount_minor": AMOUNT,
    }


def test_duplicate_and_out_of_order_invoice_events_count_once(
    monthly_campaign, stripe_settings, deliver
):
    gift = start_gift(monthly_campaign)
    stripe_settings.pay(gift.stripe_checkout_session_id)
    stripe_settings.advance_month(2)
    deliver(order="twice")  # every event newest first after the first delivery, then again

    assert totals(monthly_campaign) == (3 * AMOUNT, 1)
    assert counted_payments(monthly_campaign) == 3


def test_invoices_before_the_checkout_event_still_count_once(
    monthly_campaign, stripe_settings, deliver
):
    gift = start_gift(monthly_campaign)
    stripe_settings.pay(gift.stripe_checkout_session_id)
    stripe_settings.advance_month(1)
    deliver(order="reversed")

    assert totals(monthly_campaign) == (2 * AMOUNT, 1)
    gift.refresh_from_db()
    assert gift.subscription_status == "active"
    assert gift.stripe_subscription_id in stripe_settings.subscriptions


def test_a_failed_renewal_is_marked_and_counts_nothing(
    gift, monthly_campaign, stripe_settings, deliver
):
    stripe_settings.fail_renewals(gift.stripe_subscription_id)
    stripe_settings.advance_month(1)
    deliver(order="twice")

    assert totals(monthly_campaign) == (AMOUNT, 1)
    failed = gift.renewals.get()
    assert (failed.status, failed.counted_at) == (Pledge.Status.FAILED, None)
    gift.refresh_from_db()
    assert gift.subscription_status == "past_due"

    # A new card: the next month is paid and counts.
    stripe_settings.update_card(gift.stripe_customer_id)
    stripe_settings.advance_month(1)
    deliver()
    assert totals(monthly_campaign) == (2 * AMOUNT, 1)
    gift.refresh_from_db()
    assert gift.subscription_status == "active"


def test_every_monthly_receipt_carries_a_link_to_manage_the_gift(
    monthly_campaign, stripe_settings, deliver, run_tasks, django_capture_on_commit_callbacks
):
    gift = start_gift(monthly_campaign)
    stripe_settings.pay(gift.stripe_checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver()
        stripe_settings.advance_month(1)
        deliver()
    run_tasks()  # the worker sends the queued receipts

    assert [message.to for message in mail.outbox] == [["monthly@example.org"]] * 2
    # The signed token carries the second it was made, so the links are read back, not
    # compared with one made now.
    link = re.escape(gift_manage_url(gift=gift).split("?t=")[0]) + r"\?t=([^\s\"<&]+)"
    for message in mail.outbox:
        for body in (message.body, message.alternatives[0][0]):
            token = re.search(link, body)
            assert token, body
            assert gift_from_manage_token(token=unquote(token.group(1))) == gift


def manage_token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def open_link(client, token):
    return client.get(reverse("pledges:manage"), {"t": token})


def confirm(client, token):
    return client.post(reverse("pledges:manage-portal"), {"token": token})


def test_cancelling_in_the_portal_from_the_receipt_link_stops_the_counting(
    gift, monthly_campaign, stripe_settings, deliver, client
):
    token = manage_token(gift_manage_url(gift=gift))
    page = open_link(client, token)
    assert page.status_code == 200
    assert b"Continue to Stripe to manage my gift" in page.content
    assert stripe_settings.portal_sessions == {}  # opening the link alone changes nothing

    answer = confirm(client, token)
    assert answer.status_code == 303
    (portal,) = stripe_settings.portal_sessions.values()
    assert answer["Location"] == portal["url"]
    assert portal["customer"] == gift.stripe_customer_id

    stripe_settings.portal_action(portal["id"], "cancel", gift.stripe_subscription_id)
    deliver()
    gift.refresh_from_db()
    assert gift.cancel_at_period_end
    assert selectors.monthly_summary(campaign=monthly_campaign)["supporters"] == 0

    stripe_settings.advance_month(3)
    deliver()
    gift.refresh_from_db()
    assert gift.subscription_status == "canceled"
    assert gift.subscription_ended_at is not None
    assert totals(monthly_campaign) == (AMOUNT, 1)
    assert counted_payments(monthly_campaign) == 1


def test_a_manage_link_expires(gift, client, settings, stripe_settings):
    token = manage_token(gift_manage_url(gift=gift))
    settings.MONTHLY_MANAGE_LINK_MAX_AGE = 1
    time.sleep(2.1)

    page = open_link(client, token)
    assert page.status_code == 410
    assert b"This link has expired" in page.content
    answer = confirm(client, token)
    assert answer.status_code == 410
    assert stripe_settings.portal_sessions == {}


def test_a_manage_link_cannot_reach_another_supporters_gift(
    gift, monthly_campaign, client, stripe_settings, deliver
):
    other = start_gift(monthly_campaign, email="someone-else@example.org")
    stripe_settings.pay(other.stripe_checkout_session_id)
    deliver()
    other.refresh_from_db()
    token = manage_token(gift_manage_url(gift=gift))

    # Swapping the gift id inside the link breaks its signature.
    payload, _, rest = token.partition(":")
    forged_payload = signing.b64_encode(
        json.dumps([str(other.pk), gift.stripe_customer_id], separators=(",", ":")).encode()
    ).decode()
    forged = f"{forged_payload}:{rest}"
    assert confirm(client, forged).status_code == 404
    # Even a correctly signed link is refused when the gift's Customer is not the link's.
    mixed = signing.dumps([str(other.pk), gift.stripe_customer_id], salt=MANAGE_LINK_SALT)
    assert confirm(client, mixed).status_code == 404
    assert stripe_settings.portal_sessions == {}

    confirm(client, token)
    (portal,) = stripe_settings.portal_sessions.values()
    assert portal["customer"] == gift.stripe_customer_id != other.stripe_customer_id


def test_the_portal_page_being_down_shows_a_503_page(gift, client, stripe_settings):
    token = manage_token(gift_manage_url(gift=gift))
    stripe_settings.fail_next(1, status=500)

    answer = confirm(client, token)

    assert answer.status_code == 503
    assert answer["Retry-After"]
    assert b"Nothing was changed" in answer.content


def test_a_renewal_payment_is_refunded_and_disputed_like_a_one_off_pledge(
    gift, monthly_campaign, stripe_settings, deliver
):
    stripe_settings.advance_month(2)
    deliver()
    first_renewal, second_renewal = gift.renewals.order_by("created_at")
    assert totals(monthly_campaign) == (3 * AMOUNT, 1)

    pledge_request_refund(pledge=first_renewal, amount_minor=500)
    deliver(order="twice")
    assert totals(monthly_campaign) == (3 * AMOUNT - 500, 1)

    dispute = stripe_settings.dispute(second_renewal.stripe_payment_intent_id)
    stripe_settings.dispute_funds_withdrawn(dispute["id"])
    stripe_settings.dispute_close(dispute["id"], won=False)
    deliver(order="reversed")
    assert totals(monthly_campaign) == (2 * AMOUNT - 500, 1)
    second_renewal.refresh_from_db()
    assert second_renewal.status == Pledge.Status.CHARGED_BACK
    assert pledge_recount(campaign_ids=[monthly_campaign.pk]) == []


def test_erasing_a_supporter_cancels_their_gifts_and_redacts_the_customer(
    gift, monthly_campaign, stripe_settings, deliver
):
    assert list(selectors.monthly_gifts_for_emails(emails=["MONTHLY@example.org"])) == [gift]

    assert subscription_cancel_for_email(email="monthly@example.org") == 1
    assert subscription_cancel_for_email(email="monthly@example.org") == 0  # idempotent

    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "canceled"
    customer = stripe_settings.customers[gift.stripe_customer_id]
    assert (customer["email"], customer["name"]) == ("", None)
    gift.refresh_from_db()
    assert gift.subscription_status == "canceled"
    deliver()  # customer.subscription.deleted changes nothing more
    stripe_settings.advance_month(2)
    deliver()
    assert totals(monthly_campaign) == (AMOUNT, 1)


def erase_from_the_admin(client, gift, **confirm):
    return client.post(
        reverse("admin:pledges_pledge_changelist"),
        {"action": "erase_supporters", "_selected_action": [str(gift.pk)], **confirm},
    )


def test_the_admin_asks_before_erasing_a_monthly_supporter_and_names_the_gift_that_stops(
    admin_client, gift, monthly_campaign, stripe_settings
):
    asked = erase_from_the_admin(admin_client, gift)

    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Monthly gifts that will stop" in page
    assert monthly_campaign.title in page and "$15.00" in page
    assert re.search(r'data-figure="monthly">1<', page)
    assert "Yes, erase and cancel their monthly gifts" in page
    # Asking changed nothing, here or at Stripe.
    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "active"
    gift.refresh_from_db()
    assert gift.erased_at is None and gift.email == "monthly@example.org"


def test_confirming_the_erasure_cancels_the_gift_at_stripe_and_erases_the_supporter(
    admin_client, gift, monthly_campaign, stripe_settings, deliver
):
    response = erase_from_the_admin(admin_client, gift, confirm_erasure="yes")

    assert response.status_code == 302
    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "canceled"
    assert stripe_settings.customers[gift.stripe_customer_id]["email"] == ""
    gift.refresh_from_db()
    assert gift.erased_at is not None and gift.email == ""
    assert gift.subscription_status == "canceled"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Canceled 1 monthly gift(s) at Stripe" in m for m in messages)
    deliver()
    stripe_settings.advance_month(1)
    deliver()
    assert totals(monthly_campaign) == (AMOUNT, 1)  # no renewal after the erasure


def test_when_stripe_cannot_cancel_the_gift_nothing_is_erased(admin_client, gift, stripe_settings):
    stripe_settings.fail_next(1, status=500)

    response = erase_from_the_admin(admin_client, gift, confirm_erasure="yes")

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("nothing was erased" in m for m in messages), messages
    gift.refresh_from_db()
    assert gift.erased_at is None and gift.email == "monthly@example.org"
    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "active"

    erase_from_the_admin(admin_client, gift, confirm_erasure="yes")  # Stripe answers again
    gift.refresh_from_db()
    assert gift.erased_at is not None and gift.subscription_status == "canceled"


def test_the_erase_command_cancels_the_gift_and_its_dry_run_touches_nothing(gift, stripe_settings):
    out = StringIO()
    call_command("erase_supporter", "monthly@example.org", "--dry-run", stdout=out)
    assert "and cancel 1 monthly gift(s)" in out.getvalue()
    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "active"

    call_command("erase_supporter", "monthly@example.org", stdout=out)
    assert "canceling 1 monthly gift(s) at Stripe" in out.getvalue()
    assert stripe_settings.subscriptions[gift.stripe_subscription_id]["status"] == "canceled"
    assert "monthly@example.org" not in out.getvalue()


def test_the_pledge_form_offers_once_or_monthly_only_where_the_campaign_allows(
    client, campaign, stripe_settings, django_capture_on_commit_callbacks
):
    url = reverse("pledges:start", kwargs={"campaign_slug": campaign.slug})
    assert b'name="frequency"' not in client.get(url).content

    campaign.monthly_enabled = True
    with django_capture_on_commit_callbacks(execute=True):  # the save retires cached pages
        campaign.save()
    page = client.get(url)
    assert b'value="monthly"' in page.content and b'value="once"' in page.content

    answer = client.post(
        url,
        {
            "amount_choice": "2500",
            "frequency": "monthly",
            "name": "Ada",
            "email": "ada@example.org",
        },
    )
    assert answer.status_code == 303
    gift = Pledge.objects.get(email="ada@example.org")
    assert gift.frequency == "monthly"
    assert stripe_settings.sessions[gift.stripe_checkout_session_id]["mode"] == "subscription"


def test_the_campaign_page_shows_monthly_supporters_beside_one_off_totals(
    gift, monthly_campaign, client
):
    page = client.get(monthly_campaign.get_absolute_url())

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "<strong>1</strong> monthly supporter giving <strong>$15</strong> a month" in text


def test_finance_sees_live_gifts_failed_renewals_and_cancellations(
    gift, monthly_campaign, stripe_settings, deliver, admin_client
):
    other = start_gift(monthly_campaign, email="second@example.org", amount=4000)
    stripe_settings.pay(other.stripe_checkout_session_id)
    deliver()
    other.refresh_from_db()
    stripe_settings.fail_renewals(other.stripe_subscription_id)
    stripe_settings.advance_month(1)
    stripe_settings.cancel_subscription(other.stripe_subscription_id)
    deliver()

    page = admin_client.get(reverse("admin:pledges_pledge_monthly"))

    assert page.status_code == 200
    (row,) = page.context["rows"]
    assert (row["active"], row["active_amount"]) == (1, "$15")
    assert (row["failed"], row["failed_amount"]) == (1, "$40")
    assert (row["canceled"], row["canceled_amount"]) == (1, "$40")


def test_the_export_says_how_often_each_gift_is_given(gift, monthly_campaign, admin_client):
    PledgeFactory(campaign=monthly_campaign)
    answer = admin_client.post(
        reverse("admin:pledges_pledge_changelist"),
        {
            "action": "export_csv",
            "_selected_action": [str(p.pk) for p in Pledge.objects.all()],
        },
    )
    lines = b"".join(answer.streaming_content).decode().splitlines()
    header = lines[0].split(",")
    column = header.index("frequency")
    assert sorted(line.split(",")[column] for line in lines[1:]) == ["monthly", "once"]
