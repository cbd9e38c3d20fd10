"""Refund and dispute events for one campaign arriving at once, duplicated, from real threads
against PostgreSQL: the campaign's total and supporter count come out exact, and agree with a
recount from the rows."""

import json
import random
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from demo.factories.pledges import PledgeFactory
from pledges.models import StripeEvent
from pledges.services import pledge_mark_paid, pledge_recount
from tests.pledges.conftest import WEBHOOK_SECRET
from tests.pledges.helpers import checkout_session_for, dispute_for, event, refund_for

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Needs PostgreSQL row locks."),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def test_concurrent_refund_and_dispute_events_give_exact_totals(
    campaign, stripe_webhook_payload_signer
):
    pledges = []
    for _ in range(4):
        pledge = PledgeFactory(campaign=campaign, amount_minor=10_000)
        pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
        pledge.refresh_from_db()
        pledges.append(pledge)
    refunded, failed_refund, lost, won = pledges
    events = [
        # Two partial refunds that succeed: 10,000 - 2,500 - 1,500 = 6,000 stays.
        event("refund.created", refund_for(refunded, amount=2_500, refund_id="re_a")),
        event("refund.created", refund_for(refunded, amount=1_500, refund_id="re_b")),
        # A refund that succeeds and then fails: nothing comes off in the end.
        event("refund.created", refund_for(failed_refund, amount=10_000, refund_id="re_c")),
        event(
            "refund.failed",
            refund_for(failed_refund, amount=10_000, refund_id="re_c", status="failed"),
        ),
        # A chargeback lost: everything comes off, once.
        event("charge.dispute.created", dispute_for(lost, dispute_id="dp_lost")),
        event("charge.dispute.funds_withdrawn", dispute_for(lost, dispute_id="dp_lost")),
        event("charge.dispute.closed", dispute_for(lost, dispute_id="dp_lost", status="lost")),
        # A chargeback won: withdrawn, then reinstated.
        event("charge.dispute.funds_withdrawn", dispute_for(won, dispute_id="dp_won")),
        event(
            "charge.dispute.funds_reinstated",
            dispute_for(won, dispute_id="dp_won", status="won"),
        ),
        event("charge.dispute.closed", dispute_for(won, dispute_id="dp_won", status="won")),
    ]
    deliveries = [json.dumps(e).encode() for e in events] * 3  # every event three times
    random.Random(11).shuffle(deliveries)
    queue = list(deliveries)
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)
    statuses = []

    def worker():
        client = Client()
        try:
            barrier.wait(timeout=10)
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                response = client.post(
                    reverse("pledges:stripe-webhook"),
                    data=body,
                    content_type="application/json",
                    headers={
                        "Stripe-Signature": stripe_webhook_payload_signer(body, WEBHOOK_SECRET)
                    },
                )
                with lock:
                    statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == len(deliveries)
    assert set(statuses) == {200}, statuses
    campaign.refresh_from_db()
    # refunded keeps 6,000; failed_refund 10,000; lost 0; won 10,000.
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (26_000, 3)
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == len(events)
    assert pledge_recount(campaign_ids=[campaign.pk], dry_run=True) == []
