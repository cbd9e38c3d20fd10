"""`sync_pledges` and `recount_pledges`, through call_command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaigns.services import campaign_set_pledge_totals
from demo.factories.pledges import PledgeFactory, checkout_session_for
from pledges.models import Pledge
from pledges.services import (
    pledge_apply_dispute,
    pledge_apply_refund,
    pledge_mark_paid,
    pledge_start_checkout,
)

pytestmark = pytest.mark.django_db


def started_pledge(campaign, *, minutes_ago=30, amount_minor=2500):
    pledge = PledgeFactory(
        campaign=campaign, amount_minor=amount_minor, stripe_checkout_session_id=None
    )
    pledge_start_checkout(pledge=pledge)
    Pledge.objects.filter(pk=pledge.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    pledge.refresh_from_db()
    return pledge


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_sync_pledges_records_payments_whose_webhooks_never_came(campaign, stripe_settings):
    emu = stripe_settings
    paid = started_pledge(campaign)
    expired = started_pledge(campaign)
    still_open = started_pledge(campaign)
    emu.pay(paid.stripe_checkout_session_id)
    emu.expire(expired.stripe_checkout_session_id)

    output = run("sync_pledges", "--older-than-minutes", "10")

    for pledge in (paid, expired, still_open):
        pledge.refresh_from_db()
    assert paid.status == Pledge.Status.PAID
    assert expired.status == Pledge.Status.EXPIRED
    assert still_open.status == Pledge.Status.PENDING
    assert "Checked 3 gift(s); 2 changed" in output
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 2500

    again = run("sync_pledges", "--older-than-minutes", "10")

    assert "Checked 1 gift(s); 0 changed" in again
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 2500


def test_sync_pledges_leaves_recent_pledges_to_their_webhooks(campaign, stripe_settings):
    emu = stripe_settings
    recent = started_pledge(campaign, minutes_ago=1)
    emu.pay(recent.stripe_checkout_session_id)

    output = run("sync_pledges", "--older-than-minutes", "10", "--skip-events")

    recent.refresh_from_db()
    assert recent.status == Pledge.Status.PENDING
    assert "Checked 0 gift(s)" in output


def test_sync_pledges_dry_run_changes_nothing(campaign, stripe_settings):
    emu = stripe_settings
    pledge = started_pledge(campaign)
    emu.pay(pledge.stripe_checkout_session_id)

    output = run("sync_pledges", "--dry-run")

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PENDING
    assert "complete/paid" in output


def test_sync_pledges_fails_clearly_when_stripe_is_down(campaign, stripe_settings):
    emu = stripe_settings
    started_pledge(campaign)
    emu.fail_next(5, status=500)

    with pytest.raises(CommandError, match="could not be reached"):
        run("sync_pledges")


def _refund(pledge, amount, status="succeeded", refund_id=None):
    pledge_apply_refund(
        refund={
            "id": refund_id or f"re_test_{pledge.pk.hex[:8]}_{amount}_{status}",
            "amount": amount,
            "status": status,
            "payment_intent": pledge.stripe_payment_intent_id,
            "metadata": {"pledge_id": str(pledge.pk)},
        }
    )


def test_recount_pledges_rebuilds_drifted_counters_from_refund_and_dispute_rows(campaign):
    paid = PledgeFactory(campaign=campaign, amount_minor=4000)
    pledge_mark_paid(session=checkout_session_for(paid), send_receipt=False)
    _refund(paid, 1000)
    _refund(paid, 500, status="failed")  # gives nothing back: it never took anything
    refunded = PledgeFactory(campaign=campaign, amount_minor=1500)
    pledge_mark_paid(session=checkout_session_for(refunded), send_receipt=False)
    _refund(refunded, 1500)
    charged_back = PledgeFactory(campaign=campaign, amount_minor=700)
    pledge_mark_paid(session=checkout_session_for(charged_back), send_receipt=False)
    charged_back.refresh_from_db()
    pledge_apply_dispute(
        dispute={
            "id": "dp_test_recount",
            "amount": 700,
            "status": "lost",
            "payment_intent": charged_back.stripe_payment_intent_id,
        }
    )
    PledgeFactory(campaign=campaign, amount_minor=9999)  # pending: never counts
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (3000, 1)
    campaign_set_pledge_totals(campaign_id=campaign.pk, amount_collected_minor=1, supporter_count=7)

    dry = run("recount_pledges", "--dry-run")
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (1, 7)
    assert "1 campaign(s) would change" in dry

    run("recount_pledges")

    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (3000, 1)
    assert "0 campaign(s) changed" in run("recount_pledges")


def test_sync_pledges_marks_a_failed_delayed_payment_failed(campaign, stripe_settings):
    emu = stripe_settings
    pledge = started_pledge(campaign)
    emu.pay_delayed(pledge.stripe_checkout_session_id)
    emu.settle(pledge.stripe_checkout_session_id, succeed=False)

    run("sync_pledges")

    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.FAILED
    campaign.refresh_from_db()
    assert campaign.amount_collected_minor == 0


def test_sync_pledges_expires_pledges_left_a_day_without_a_checkout(campaign, stripe_settings):
    abandoned = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)
    fresh = PledgeFactory(campaign=campaign, stripe_checkout_session_id=None)
    Pledge.objects.filter(pk=abandoned.pk).update(created_at=timezone.now() - timedelta(hours=25))

    dry = run("sync_pledges", "--dry-run")
    abandoned.refresh_from_db()
    assert "1 abandoned without a checkout expired" in dry
    assert abandoned.status == Pledge.Status.PENDING

    out = run("sync_pledges")

    abandoned.refresh_from_db()
    fresh.refresh_from_db()
    assert "1 abandoned without a checkout expired" in out
    assert abandoned.status == Pledge.Status.EXPIRED
    assert fresh.status == Pledge.Status.PENDING
    assert run("sync_pledges").count("0 abandoned") == 1
