"""Counts stay exact under real concurrent requests (PostgreSQL; SQLite serialises writers)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from campaigns import services
from campaigns.models import Campaign, Signature
from demo.factories.campaigns import CampaignFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Real concurrent writers need PostgreSQL."
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(count, work):
    """Run `work(i)` in `count` threads released at the same moment; re-raise any failure."""
    barrier = threading.Barrier(count)
    errors = []

    def target(i):
        try:
            barrier.wait(timeout=30)
            work(i)
        except Exception as exc:  # noqa: BLE001 - reported to the test below.
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_fifty_people_signing_and_confirming_at_once_count_exactly_fifty(settings):
    settings.CAMPAIGNS_SIGN_RATE = "1000/m"
    campaign = CampaignFactory(slug="race", signature_goal=100)

    def sign_and_confirm(i):
        response = Client().post(
            f"/take-action/{campaign.slug}/sign/",
            {
                "first_name": f"P{i}",
                "last_name": "L",
                "email": f"p{i}@example.org",
                "country": "US",
            },
        )
        assert response.status_code == 303, response.status_code
        signature = Signature.objects.get(campaign=campaign, email_normalized=f"p{i}@example.org")
        token = services.signature_confirmation_token(signature_id=signature.pk)
        confirmed = Client().post(f"/take-action/confirm/{token}/")
        assert confirmed.status_code == 200

    run_together(50, sign_and_confirm)

    campaign.refresh_from_db()
    assert campaign.signature_count == 50
    assert Signature.objects.confirmed().filter(campaign=campaign).count() == 50
    assert (
        "<strong>50</strong> signatures of 100"
        in Client().get("/take-action/race/").content.decode()
    )


def test_the_same_email_signing_at_once_is_stored_once(settings):
    settings.CAMPAIGNS_SIGN_RATE = "1000/m"
    campaign = CampaignFactory(slug="same-email", requires_confirmation=False)

    def sign(i):
        services.signature_create(
            campaign=campaign, first_name=f"T{i}", last_name="L",
            email="Same@Example.org" if i % 2 else " same@example.org", country="US",
            consent_text="ok",
        )  # fmt: skip

    run_together(20, sign)

    assert Signature.objects.filter(campaign=campaign).count() == 1
    campaign.refresh_from_db()
    assert campaign.signature_count == 1


def test_confirming_one_signature_from_many_threads_counts_it_once():
    campaign = CampaignFactory(slug="double-click")
    signature = services.signature_create(
        campaign=campaign, first_name="A", last_name="B", email="a@example.org", country="US",
        consent_text="ok",
    ).signature  # fmt: skip

    run_together(10, lambda i: services.signature_confirm(signature_id=signature.pk))

    assert Campaign.objects.get(pk=campaign.pk).signature_count == 1
