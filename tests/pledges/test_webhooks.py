"""The Stripe webhook, through the whole stack with real signed JSON (no emulator needed)."""

import json
import threading
import time

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign
from demo.factories.pledges import PledgeFactory
from pledges.models import Pledge, StripeEvent
from tests.pledges.conftest import WEBHOOK_SECRET
from tests.pledges.helpers import charge_for, checkout_session_for, dispute_for, event, refund_for

pytestmark = pytest.mark.django_db


def paid_event(pledge, **overrides):
    return event("checkout.session.completed", checkout_session_for(pledge, **overrides))


def refresh(*objects):
    for obj in objects:
        obj.refresh_from_db()


# --- Signatures -------------------------------------------------------------------------------


def test_a_validly_signed_payment_event_counts_the_pledge(post_event, pledge, campaign):
    response = post_event(paid_event(pledge))

    assert response.status_code == 200
    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PAID
    assert pledge.counted_at is not None
    assert pledge.stripe_payment_intent_id.startswith("pi_test_")
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)


def test_a_tampered_body_is_refused_and_nothing_is_recorded(
    post_event, pledge, campaign, stripe_webhook_payload_signer
):
    original = json.dumps(paid_event(pledge)).encode()
    header = stripe_webhook_payload_signer(original, WEBHOOK_SECRET)
    tampered = original.replace(b'"amount_total": 2500', b'"amount_total": 9900')
    assert tampered != original

    response = post_event({}, body=tampered, header=header)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PENDING
    assert campaign.amount_collected_minor == 0


def test_a_signature_made_with_another_secret_is_refused(
    post_event, pledge, stripe_webhook_payload_signer
):
    body = json.dumps(paid_event(pledge)).encode()
    header = stripe_webhook_payload_signer(body, "whsec_someone_else")

    response = post_event({}, body=body, header=header)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    refresh(pledge)
    assert pledge.counted_at is None


def test_a_stale_signature_is_refused(post_event, pledge, stripe_webhook_payload_signer):
    body = json.dumps(paid_event(pledge)).encode()
    header = stripe_webhook_payload_signer(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)

    response = post_event({}, body=body, header=header)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_missing_signature_is_refused(client, pledge):
    response = client.post(
        reverse("pledges:stripe-webhook"),
        data=json.dumps(paid_event(pledge)),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_unreadable_but_signed_payload_is_refused(post_event):
    response = post_event({}, body=b"this is not json")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_webhook_takes_only_post(client):
    assert client.get(reverse("pledges:stripe-webhook")).status_code == 405


def test_the_webhook_needs_no_csrf_token_but_a_signature(post_event, pledge):
    # Django's test client skips CSRF checks unless asked; this one enforces them.
    strict = Client(enforce_csrf_checks=True)
    body = json.dumps(paid_event(pledge)).encode()
    from stripe import WebhookSignature

    header = WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)
    response = strict.post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )

    assert response.status_code == 200


# --- Exactly once -----------------------------------------------------------------------------


def test_the_same_event_delivered_twice_counts_the_pledge_once(post_event, pledge, campaign):
    payment = paid_event(pledge)

    first = post_event(payment)
    second = post_event(payment)

    assert (first.status_code, second.status_code) == (200, 200)
    assert b"already processed" in second.content.lower()
    refresh(campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    assert StripeEvent.objects.count() == 1


def test_a_payment_event_costs_a_fixed_number_of_statements_and_a_duplicate_fewer(
    post_event, pledge
):
    payment = paid_event(pledge)

    with CaptureQueriesContext(connection) as first:
        post_event(payment)
    with CaptureQueriesContext(connection) as again:
        post_event(payment)

    # Insert-or-ignore the event and read it locked; lock and save the pledge; move the
    # campaign's totals; queue the receipt (three); mark the event processed; the
    # transaction's two. A duplicate stops after reading the event.
    assert len(first) == 11, "\n".join(query["sql"] for query in first)
    assert len(again) == 4, "\n".join(query["sql"] for query in again)


def test_completed_and_async_succeeded_for_one_session_count_the_pledge_once(
    post_event, pledge, campaign
):
    session = checkout_session_for(pledge)
    post_event(event("checkout.session.completed", session))
    post_event(event("checkout.session.async_payment_succeeded", session))

    refresh(campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    assert StripeEvent.objects.count() == 2


def test_the_receipt_is_emailed_once_after_payment_is_confirmed(post_event, pledge, run_tasks):
    post_event(
        event("checkout.session.completed", checkout_session_for(pledge, payment_status="unpaid"))
    )
    run_tasks()
    assert mail.outbox == []

    post_event(paid_event(pledge))
    post_event(event("checkout.session.async_payment_succeeded", checkout_session_for(pledge)))
    assert mail.outbox == []  # Queued with the payment; the worker sends it.
    run_tasks()

    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [pledge.email]
    assert "$25" in receipt.body
    assert receipt.alternatives and "text/html" in receipt.alternatives[0][1]
    refresh(pledge)
    assert pledge.receipt_sent_at is not None


def test_a_failed_receipt_send_is_logged_without_the_email_address(
    post_event, pledge, settings, run_tasks, caplog
):
    settings.MAILERS = {"default": {"BACKEND": "tests.pledges.broken_mail.BrokenBackend"}}

    response = post_event(paid_event(pledge))
    run_tasks()

    assert response.status_code == 200
    refresh(pledge)
    assert pledge.status == Pledge.Status.PAID
    assert pledge.receipt_sent_at is None
    assert str(pledge.pk) in caplog.text
    assert pledge.email not in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Needs PostgreSQL row locks.")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_of_one_event_count_the_pledge_once(
    campaign, stripe_webhook_payload_signer
):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500)
    body = json.dumps(paid_event(pledge)).encode()
    header = stripe_webhook_payload_signer(body, WEBHOOK_SECRET)
    barrier = threading.Barrier(2)
    statuses = []

    def deliver():
        try:
            barrier.wait(timeout=5)
            response = Client().post(
                reverse("pledges:stripe-webhook"),
                data=body,
                content_type="application/json",
                headers={"Stripe-Signature": header},
            )
            statuses.append(response.status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert statuses == [200, 200]
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    assert StripeEvent.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Needs PostgreSQL row locks.")
@pytest.mark.django_db(transaction=True)
def test_two_different_payment_events_for_one_pledge_at_once_count_it_once(
    campaign, stripe_webhook_payload_signer
):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500)
    session = checkout_session_for(pledge)
    bodies = [
        json.dumps(event("checkout.session.completed", session)).encode(),
        json.dumps(event("checkout.session.async_payment_succeeded", session)).encode(),
    ]
    barrier = threading.Barrier(2)
    statuses = []

    def deliver(body):
        try:
            barrier.wait(timeout=5)
            response = Client().post(
                reverse("pledges:stripe-webhook"),
                data=body,
                content_type="application/json",
                headers={"Stripe-Signature": stripe_webhook_payload_signer(body, WEBHOOK_SECRET)},
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert statuses == [200, 200]
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)


# --- Delayed payments, failures, expiry, order ------------------------------------------------


def test_an_unpaid_completed_session_marks_the_pledge_processing_and_counts_nothing(
    post_event, pledge, campaign
):
    session = checkout_session_for(pledge, payment_status="unpaid")
    post_event(event("checkout.session.completed", session))

    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PROCESSING
    assert pledge.counted_at is None
    assert campaign.amount_collected_minor == 0


def test_a_delayed_payment_that_succeeds_is_counted(post_event, pledge, campaign):
    post_event(
        event("checkout.session.completed", checkout_session_for(pledge, payment_status="unpaid"))
    )
    post_event(event("checkout.session.async_payment_succeeded", checkout_session_for(pledge)))

    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PAID
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)


def test_a_delayed_payment_that_fails_marks_the_pledge_failed_and_counts_nothing(
    post_event, pledge, campaign
):
    unpaid = checkout_session_for(pledge, payment_status="unpaid")
    post_event(event("checkout.session.completed", unpaid))
    post_event(event("checkout.session.async_payment_failed", unpaid))

    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.FAILED
    assert campaign.amount_collected_minor == 0


def test_an_expired_session_marks_the_pledge_expired(post_event, pledge, campaign):
    expired = checkout_session_for(
        pledge, status="expired", payment_status="unpaid", payment_intent=None
    )
    response = post_event(event("checkout.session.expired", expired))

    assert response.status_code == 200
    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.EXPIRED
    assert campaign.amount_collected_minor == 0


def test_an_expiry_arriving_after_payment_leaves_the_pledge_paid(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    expired = checkout_session_for(pledge, status="expired", payment_status="unpaid")
    post_event(event("checkout.session.expired", expired))
    post_event(event("checkout.session.async_payment_failed", expired))

    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PAID
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)


# --- Mismatches and unknowns ------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [{"amount_total": 250}, {"currency": "eur"}],
    ids=["amount", "currency"],
)
def test_a_paid_session_whose_amount_or_currency_differs_is_flagged_and_not_counted(
    post_event, pledge, campaign, overrides
):
    response = post_event(paid_event(pledge, **overrides))

    assert response.status_code == 200
    refresh(pledge, campaign)
    assert pledge.needs_review is True
    assert pledge.review_reason
    assert pledge.counted_at is None
    assert pledge.status == Pledge.Status.PENDING
    assert campaign.amount_collected_minor == 0


def test_a_paid_session_that_is_not_the_pledges_stored_session_is_flagged(
    post_event, pledge, campaign
):
    post_event(paid_event(pledge, id="cs_test_somebody_else"))

    refresh(pledge, campaign)
    assert pledge.needs_review is True
    assert campaign.amount_collected_minor == 0


def test_an_event_for_an_unknown_pledge_is_acknowledged_and_logged_without_personal_data(
    post_event, pledge, campaign, caplog
):
    session = checkout_session_for(pledge)
    pledge_email = pledge.email
    pledge.delete()

    response = post_event(event("checkout.session.completed", session))

    assert response.status_code == 200
    assert "unknown pledge" in caplog.text
    assert pledge_email not in caplog.text
    refresh(campaign)
    assert campaign.amount_collected_minor == 0


def test_an_event_type_the_app_does_not_handle_is_acknowledged(post_event):
    response = post_event(event("customer.created", {"id": "cus_123", "object": "customer"}))

    assert response.status_code == 200


# --- Refunds and disputes ---------------------------------------------------------------------


def test_two_partial_refunds_then_the_rest_lower_the_total_by_each_amount(post_event, campaign):
    pledge = PledgeFactory(campaign=campaign, amount_minor=10000)
    post_event(paid_event(pledge))
    refresh(pledge)

    post_event(event("refund.created", refund_for(pledge, amount=2000, refund_id="re_1")))
    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PARTIALLY_REFUNDED
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (8000, 1)

    post_event(event("refund.created", refund_for(pledge, amount=3000, refund_id="re_2")))
    refresh(pledge, campaign)
    assert pledge.amount_refunded_minor == 5000
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (5000, 1)

    post_event(event("refund.created", refund_for(pledge, amount=5000, refund_id="re_3")))
    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.REFUNDED
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (0, 0)
    assert pledge.refunds.count() == 3


def test_a_pending_refund_lowers_nothing_until_it_succeeds(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    refresh(pledge)

    post_event(event("refund.created", refund_for(pledge, amount=1000, status="pending")))
    refresh(campaign)
    assert campaign.amount_collected_minor == 2500

    post_event(event("refund.updated", refund_for(pledge, amount=1000, status="succeeded")))
    refresh(pledge, campaign)
    assert (pledge.amount_refunded_minor, campaign.amount_collected_minor) == (1000, 1500)


def test_a_refund_that_fails_after_succeeding_gives_the_money_back(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    refresh(pledge)
    post_event(event("refund.created", refund_for(pledge, amount=2500)))
    refresh(pledge, campaign)
    assert (pledge.status, campaign.amount_collected_minor, campaign.supporter_count) == (
        Pledge.Status.REFUNDED,
        0,
        0,
    )

    post_event(
        event(
            "refund.failed",
            refund_for(
                pledge, amount=2500, status="failed", failure_reason="expired_or_canceled_card"
            ),
        )
    )

    refresh(pledge, campaign)
    assert pledge.status == Pledge.Status.PAID
    assert pledge.amount_refunded_minor == 0
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    refund = pledge.refunds.get()
    assert (refund.status, refund.failure_reason) == ("failed", "expired_or_canceled_card")


def test_a_late_older_refund_state_does_not_undo_a_newer_one(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    refresh(pledge)
    post_event(event("charge.refund.updated", refund_for(pledge, amount=1000, status="canceled")))
    post_event(event("refund.created", refund_for(pledge, amount=1000, status="succeeded")))
    post_event(event("refund.created", refund_for(pledge, amount=1000, status="pending")))

    refresh(pledge, campaign)
    assert pledge.refunds.get().status == "canceled"
    assert (pledge.amount_refunded_minor, campaign.amount_collected_minor) == (0, 2500)


def test_charge_refunded_without_embedded_refunds_changes_nothing_by_itself(
    post_event, pledge, campaign
):
    # Since API version 2022-11-15 the Charge carries no refunds list; refund.* events count.
    post_event(paid_event(pledge))
    refresh(pledge)

    response = post_event(event("charge.refunded", charge_for(pledge, amount_refunded=2500)))

    assert response.status_code == 200
    refresh(campaign)
    assert campaign.amount_collected_minor == 2500


def test_a_refund_arriving_before_the_payment_is_taken_off_when_the_payment_counts(
    post_event, pledge, campaign
):
    refund = refund_for(pledge, amount=1000, metadata={"pledge_id": str(pledge.pk)})
    post_event(event("refund.created", refund))
    refresh(campaign)
    assert campaign.amount_collected_minor == 0

    post_event(paid_event(pledge))

    refresh(pledge, campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (1500, 1)
    assert pledge.status == Pledge.Status.PARTIALLY_REFUNDED


def test_a_dispute_flags_the_pledge_and_keeps_the_total_until_funds_are_withdrawn(
    post_event, pledge, campaign
):
    post_event(paid_event(pledge))
    refresh(pledge)

    response = post_event(event("charge.dispute.created", dispute_for(pledge)))

    assert response.status_code == 200
    refresh(pledge, campaign)
    assert pledge.needs_review is True
    assert "fraudulent" in pledge.review_reason
    assert campaign.amount_collected_minor == 2500
    dispute = pledge.disputes.get()
    assert (dispute.status, dispute.amount_minor) == ("needs_response", 2500)
    assert dispute.evidence_due_by is not None


def test_a_lost_chargeback_comes_off_the_total_once(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    refresh(pledge)
    post_event(event("charge.dispute.created", dispute_for(pledge)))
    withdrawn = event("charge.dispute.funds_withdrawn", dispute_for(pledge))

    post_event(withdrawn)
    post_event(withdrawn)  # a duplicate delivery
    post_event(event("charge.dispute.funds_withdrawn", dispute_for(pledge)))  # a second event
    refresh(campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (0, 0)

    post_event(event("charge.dispute.closed", dispute_for(pledge, status="lost")))

    refresh(pledge, campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (0, 0)
    assert pledge.status == Pledge.Status.CHARGED_BACK
    assert pledge.disputes.get().status == "lost"


def test_a_won_dispute_gives_the_money_back_once(post_event, pledge, campaign):
    post_event(paid_event(pledge))
    refresh(pledge)
    post_event(event("charge.dispute.funds_withdrawn", dispute_for(pledge)))
    reinstated = event("charge.dispute.funds_reinstated", dispute_for(pledge, status="won"))

    post_event(reinstated)
    post_event(event("charge.dispute.funds_reinstated", dispute_for(pledge, status="won")))
    post_event(event("charge.dispute.closed", dispute_for(pledge, status="won")))
    post_event(event("charge.dispute.updated", dispute_for(pledge, status="under_review")))

    refresh(pledge, campaign)
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (2500, 1)
    assert pledge.disputes.get().status == "won"
    assert pledge.status == Pledge.Status.PAID


def test_a_lost_dispute_reported_only_by_its_closing_event_still_comes_off(
    post_event, pledge, campaign
):
    post_event(paid_event(pledge))
    refresh(pledge)

    post_event(event("charge.dispute.closed", dispute_for(pledge, status="lost")))

    refresh(campaign)
    assert campaign.amount_collected_minor == 0


def test_counters_are_only_changed_through_campaign_services(post_event, pledge):
    # The campaign row keeps its other fields: the payment only moved the money counters.
    before = Campaign.objects.values("title", "signature_count").get(pk=pledge.campaign_id)
    post_event(paid_event(pledge))
    after = Campaign.objects.values("title", "signature_count").get(pk=pledge.campaign_id)
    assert before == after
