"""Refunds a person confirms: a confirmation page before any Stripe call, and partial refunds
from a pledge's own page. Stripe is the offline emulator over real HTTP; its `refunds` store is
what Stripe was asked, so "nothing reached Stripe" is checked where Stripe would see it."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge
from pledges.services import pledge_mark_paid, pledge_request_refund, pledge_start_checkout

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:pledges_pledge_changelist")


def finance_user(*, refund=True):
    user = User.objects.create_user("finance", password="x", is_staff=True)
    codenames = ["view_pledge", "change_pledge"] + (["refund_pledge"] if refund else [])
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def paid_through_stripe(emu, campaign, amount_minor):
    pledge = PledgeFactory(
        campaign=campaign, amount_minor=amount_minor, stripe_checkout_session_id=None
    )
    pledge_start_checkout(pledge=pledge)
    pledge.refresh_from_db()
    pledge_mark_paid(session=emu.pay(pledge.stripe_checkout_session_id), send_receipt=False)
    pledge.refresh_from_db()
    return pledge


def refund_history(pledge):
    return list(
        LogEntry.objects.filter(object_id=str(pledge.pk)).values_list("change_message", flat=True)
    )


def test_the_refund_action_shows_each_pledge_its_balance_and_the_total_and_asks_stripe_nothing(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    first = paid_through_stripe(emu, campaign, 2500)
    second = paid_through_stripe(emu, campaign, 4000)
    # 15.00 of the second pledge was refunded earlier: 25.00 of it is left.
    pledge_request_refund(pledge=second, amount_minor=1500)
    refunds_before = dict(emu.refunds)
    unpaid = PledgeFactory(campaign=campaign, amount_minor=9900)
    client.force_login(finance_user())

    response = client.post(
        CHANGELIST,
        {"action": "request_refund", "_selected_action": [first.pk, second.pk, unpaid.pk]},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirm the refunds" in html
    assert "$25.00 to Reunite All Separated Families — paid" in html
    assert "$15.00" in html  # refunded so far on the second
    assert "nothing to refund (skipped)" in html  # the unpaid one
    assert 'data-figure="refund-total">$50.00<' in html
    assert "Cancel, refund nothing" in html
    assert emu.refunds == refunds_before  # nothing more reached Stripe
    assert refund_history(first) == refund_history(second) == []


def test_confirming_asks_stripe_for_each_balance_and_records_it_in_the_history(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    first = paid_through_stripe(emu, campaign, 2500)
    client.force_login(finance_user())
    page = client.post(CHANGELIST, {"action": "request_refund", "_selected_action": [first.pk]})
    assert emu.refunds == {}

    response = client.post(
        CHANGELIST,
        {
            "action": "request_refund",
            "post": "yes",
            "_selected_action": [first.pk],
            f"balance-{first.pk}": str(page.context["rows"][0]["balance_minor"]),
        },
        follow=True,
    )

    assert "Stripe was asked to refund 1 gift" in response.content.decode()
    assert [r["amount"] for r in emu.refunds.values()] == [2500]
    assert refund_history(first) == [
        "Asked Stripe to refund $25.00 "
        f"(Requested by the supporter; refund {first.refunds.get().pk})."
    ]


def test_a_balance_that_changed_after_the_confirmation_page_is_not_refunded(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    pledge = paid_through_stripe(emu, campaign, 2500)
    client.force_login(finance_user())

    response = client.post(
        CHANGELIST,
        {"action": "request_refund", "post": "yes", "_selected_action": [pledge.pk],
         f"balance-{pledge.pk}": "1000"},
        follow=True,
    )  # fmt: skip

    assert "the balance changed since the confirmation page" in response.content.decode()
    assert emu.refunds == {}


def test_selecting_everything_cannot_refund_more_than_a_hundred_pledges_at_once(client, campaign):
    Pledge.objects.bulk_create(
        Pledge(campaign=campaign, amount_minor=1000, currency="USD", name="A", email="a@b.org",
               consent_text="ok")
        for _ in range(101)
    )  # fmt: skip
    client.force_login(finance_user())

    response = client.post(
        CHANGELIST,
        {"action": "request_refund", "select_across": "1", "index": "0", "_selected_action": ["x"]},
        follow=True,
    )

    assert "Refund at most 100 gifts at a time" in response.content.decode()


def test_the_change_page_offers_a_refund_button_only_to_staff_who_may_refund(client, campaign):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500)
    pledge_mark_paid(
        session={
            "id": pledge.stripe_checkout_session_id, "payment_status": "paid",
            "amount_total": 2500, "currency": "usd", "payment_intent": "pi_test_button",
            "client_reference_id": str(pledge.pk), "metadata": {"pledge_id": str(pledge.pk)},
        },
        send_receipt=False,
    )  # fmt: skip
    change_url = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    refund_url = reverse("admin:pledges_pledge_refund", args=[pledge.pk])

    client.force_login(finance_user(refund=False))
    assert refund_url not in client.get(change_url).content.decode()
    assert client.get(refund_url).status_code == 403
    assert client.post(refund_url, {"amount": "5", "reason": "duplicate"}).status_code == 403

    client.force_login(User.objects.create_user("refunder", is_staff=True))
    User.objects.get(username="refunder").user_permissions.set(
        Permission.objects.filter(codename__in=["view_pledge", "change_pledge", "refund_pledge"])
    )
    page = client.get(change_url).content.decode()
    assert refund_url in page
    assert "$0.00 (refundable balance $25.00)" in page


def test_a_partial_refund_from_the_pledge_page_asks_stripe_for_that_amount_with_the_reason(
    client, campaign, stripe_settings
):
    emu = stripe_settings
    pledge = paid_through_stripe(emu, campaign, 2500)
    client.force_login(finance_user())
    url = reverse("admin:pledges_pledge_refund", args=[pledge.pk])

    page = client.get(url)
    assert 'data-figure="refundable-balance">$25.00<' in page.content.decode()
    assert 'name="amount" value="25.00"' in page.content.decode()
    assert emu.refunds == {}

    response = client.post(url, {"amount": "10.50", "reason": "duplicate"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:pledges_pledge_change", args=[pledge.pk])
    assert [r["amount"] for r in emu.refunds.values()] == [1050]
    assert refund_history(pledge) == [
        f"Asked Stripe to refund $10.50 (Duplicate; refund {pledge.refunds.get().pk})."
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("25.01", "At most $25.00 can be refunded: the rest has been refunded already."),
        ("0", "Enter an amount above zero."),
        ("1.005", "USD amounts take at most 2 decimal places."),
        ("", "Enter the amount to refund."),
    ],
)
def test_a_refund_over_the_balance_or_malformed_is_refused_before_stripe(
    client, campaign, stripe_settings, amount, message
):
    emu = stripe_settings
    pledge = paid_through_stripe(emu, campaign, 2500)
    client.force_login(finance_user())

    response = client.post(
        reverse("admin:pledges_pledge_refund", args=[pledge.pk]),
        {"amount": amount, "reason": "requested_by_customer"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert emu.refunds == {}
    assert refund_history(pledge) == []


def test_the_balance_shown_accounts_for_earlier_refunds(client, campaign, stripe_settings):
    emu = stripe_settings
    pledge = paid_through_stripe(emu, campaign, 2500)
    pledge_request_refund(pledge=pledge, amount_minor=2000)
    client.force_login(finance_user())
    url = reverse("admin:pledges_pledge_refund", args=[pledge.pk])

    refused = client.post(url, {"amount": "5.01", "reason": "requested_by_customer"})
    client.post(url, {"amount": "5", "reason": "requested_by_customer"})

    assert "At most $5.00 can be refunded" in refused.content.decode()
    assert [r["amount"] for r in emu.refunds.values()] == [2000, 500]
