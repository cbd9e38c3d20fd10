"""A monthly gift's invoice events delivered at once, duplicated and shuffled, from real
threads against PostgreSQL: every paid invoice counts once and the supporter once."""

import json
import random
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from pledges.forms import CONSENT_TEXT
from pledges.models import Pledge
from pledges.services import pledge_create, pledge_recount, pledge_start_checkout
from tests.pledges.conftest import WEBHOOK_SECRET

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Needs PostgreSQL row locks."),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
AMOUNT = 2000


def test_concurrent_duplicate_invoice_events_count_each_payment_once(
    campaign, stripe_settings, stripe_webhook_payload_signer
):
    campaign.monthly_enabled = True
    campaign.save()
    gift = pledge_create(
        campaign=campaign,
        amount_minor=AMOUNT,
        name="Rosa",
        email="rosa@example.org",
        consent_text=CONSENT_TEXT,
        frequency="monthly",
    )
    pledge_start_checkout(pledge=gift)
    gift.refresh_from_db()
    stripe_settings.pay(gift.stripe_checkout_session_id)
    stripe_settings.advance_month(3)
    events = list(stripe_settings.events)
    invoices_paid = [e for e in events if e["type"] == "invoice.paid"]
    assert len(invoices_paid) == 4

    deliveries = []
    for found in events:
        deliveries += [found, found]  # the same event twice (Stripe's duplicate delivery)
    for found in invoices_paid:
        # The same invoice under another event id: only the invoice's uniqueness stops it.
        deliveries.append({**found, "id": f"{found['id']}_again"})
    random.Random(14).shuffle(deliveries)
    bodies = [json.dumps(found).encode() for found in deliveries]

    statuses, lock = [], threading.Lock()
    start = threading.Barrier(THREADS)

    def worker():
        client = Client()
        try:
            start.wait(timeout=30)
            while True:
                with lock:
                    if not bodies:
                        return
                    body = bodies.pop()
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
        thread.join(timeout=120)

    assert len(statuses) == len(deliveries)
    assert set(statuses) == {200}, statuses
    campaign.refresh_from_db()
    assert (campaign.amount_collected_minor, campaign.supporter_count) == (4 * AMOUNT, 1)
    counted = Pledge.objects.filter(campaign=campaign, counted_at__isnull=False)
    assert counted.count() == 4
    assert counted.filter(renewal_of=gift).count() == 3
    assert pledge_recount(campaign_ids=[campaign.pk], dry_run=True) == []
