"""Finance staff in the admin: read-only money, filters, CSV export and refunds by permission."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.models import Pledge
from pledges.services import pledge_mark_paid, pledge_start_checkout

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:pledges_pledge_changelist"


def staff(*perms):
    user = User.objects.create_user("finance", password="x", is_staff=True)
    codenames = ["view_pledge", "change_pledge", *perms]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def paid_pledge(campaign, **fields):
    pledge = PledgeFactory(campaign=campaign, **fields)
    pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
    pledge.refresh_from_db()
    return pledge


def test_the_gift_list_shows_formatted_amounts_stripe_links_and_started_against_collected(
    client, campaign
):
    paid = paid_pledge(campaign, amount_minor=2550)
    PledgeFactory(campaign=campaign, amount_minor=10000)  # pledged, not yet paid
    client.force_login(staff())

    response = client.get(reverse(CHANGELIST), {"campaign__id__exact": campaign.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert "$25.50" in html
    change = client.get(reverse("admin:pledges_pledge_change", args=[paid.pk])).content.decode()
    assert f"https://dashboard.stripe.com/test/payments/{paid.stripe_payment_intent_id}" in change
    assert "Started (every checkout begun" in html
    assert "$125.50" in html  # started: both gifts
    assert "<td>$25.50</td>" in html  # collected: the paid one


def test_nobody_can_add_or_delete_pledges_or_edit_the_money(client, campaign):
    pledge = paid_pledge(campaign, amount_minor=2500)
    user = staff()
    client.force_login(user)
    url = reverse("admin:pledges_pledge_change", args=[pledge.pk])

    assert client.get(reverse("admin:pledges_pledge_add")).status_code == 403
    response = client.post(
        url,
        {"amount_minor": "1", "currency": "EUR", "status": "failed", "review_reason": "checked"},
    )

    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.amount_minor, pledge.currency, pledge.status) == (2500, "USD", "paid")
    assert pledge.review_reason == "checked"
    assert LogEntry.objects.filter(object_id=str(pledge.pk)).exists()


def test_the_pending_for_over_an_hour_filter_lists_only_stuck_checkouts(client, campaign):
    stuck = PledgeFactory(campaign=campaign)
    Pledge.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(hours=2))
    fresh = PledgeFactory(campaign=campaign)
    client.force_login(staff())

    response = client.get(reverse(CHANGELIST), {"stuck": "pending_1h"})

    ids = {str(p.pk) for p in response.context["cl"].result_list}
    assert ids == {str(stuck.pk)}
    assert str(fresh.pk) not in ids


def test_csv_export_needs_the_export_permission(client, campaign):
    pledge = PledgeFactory(campaign=campaign)
    client.force_login(staff())

    response = client.post(
        reverse(CHANGELIST), {"action": "export_csv", "_selected_action": [pledge.pk]}
    )

    assert not getattr(response, "streaming", False)
    assert response.status_code in (200, 302)


def test_csv_export_streams_and_includes_email_only_for_supporters_who_want_updates(
    client, campaign
):
    PledgeFactory(campaign=campaign, email="yes@example.org", wants_updates=True)
    PledgeFactory(campaign=campaign, email="no@example.org", wants_updates=False)
    PledgeFactory(campaign=campaign, name="=HYPERLINK(1)")
    client.force_login(staff("export_pledge"))

    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "export_csv",
            "_selected_action": list(Pledge.objects.values_list("pk", flat=True)),
        },
    )

    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("gift_id,")
    assert "yes@example.org" in body
    assert "no@example.org" not in body
    assert "'=HYPERLINK(1)" in body
    assert len(body.strip().splitlines()) == 4


def test_the_refund_action_asks_stripe_and_records_the_refund_it_answers(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    pledge = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    session = emu.pay(pledge.stripe_checkout_session_id)
    pledge_mark_paid(session=session, send_receipt=False)
    finance = staff("refund_pledge")
    client.force_login(finance)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "request_refund", "post": "yes", "_selected_action": [pledge.pk],
         f"balance-{pledge.pk}": str(pledge.amount_minor)},
        follow=True,
    )  # fmt: skip

    assert "Stripe was asked to refund 1 gift" in response.content.decode()
    refund = pledge.refunds.get()
    assert refund.stripe_refund_id in emu.refunds
    assert (refund.amount_minor, refund.status, refund.requested_by) == (2500, "succeeded", finance)
    pledge.refresh_from_db()
    assert pledge.amount_refunded_minor == 2500
    assert LogEntry.objects.filter(object_id=str(pledge.pk)).exists()


def test_the_refund_action_is_not_offered_without_the_refund_permission(client, campaign):
    pledge = paid_pledge(campaign)
    client.force_login(staff())

    response = client.get(reverse(CHANGELIST))

    assert "request_refund" not in response.content.decode()
    client.post(reverse(CHANGELIST), {"action": "request_refund", "_selected_action": [pledge.pk]})
    pledge.refresh_from_db()
    assert pledge.amount_refunded_minor == 0


def test_csv_export_streams_100000_pledges_reading_them_in_chunks(client, campaign):
    Pledge.objects.bulk_create(
        (
            Pledge(
                campaign=campaign,
                amount_minor=1000 + n,
                currency="USD",
                name=f"Supporter {n}",
                email=f"s{n}@example.org",
                consent_text="ok",
            )
            for n in range(100_000)
        ),
        batch_size=10_000,
    )
    client.force_login(staff("export_pledge"))

    response = client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", "select_across": "1", "index": "0", "_selected_action": ["x"]},
    )

    assert response.streaming
    stream = iter(response.streaming_content)
    assert next(stream).startswith(b"gift_id,")  # The header goes out before rows are read.
    rows = sum(1 for _ in stream)
    assert rows == 100_000
