"""Fixtures for the pledge tests: an open campaign, pledges, and a signed-webhook poster."""

import json

import pytest
from django.urls import reverse

from demo.factories.campaigns import CampaignFactory, SuggestedAmountFactory
from demo.factories.pledges import PledgeFactory

WEBHOOK_SECRET = "whsec_test_emulator"


@pytest.fixture(autouse=True)
def _stripe_test_settings(settings):
    """Every pledge test runs with test keys; tests that talk to Stripe use `stripe_settings`."""
    settings.STRIPE_SECRET_KEY = "sk_test_not_reachable"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # Nothing listens: no test reaches Stripe.
    settings.STRIPE_MAX_RETRIES = 0
    settings.STRIPE_TIMEOUT = 2
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def campaign(db):
    campaign = CampaignFactory(
        slug="reunite-separated-families",
        title="Reunite All Separated Families",
        currency="USD",
        money_goal_minor=100_000_00,
    )
    for position, amount in enumerate([1000, 2500, 5000]):
        SuggestedAmountFactory(campaign=campaign, amount_minor=amount, position=position)
    return campaign


@pytest.fixture
def pledge(campaign):
    return PledgeFactory(campaign=campaign, amount_minor=2500)


@pytest.fixture
def post_event(client, stripe_webhook_payload_signer):
    """Post a signed event through the whole stack: `post_event(event_dict) -> response`."""

    def post(event_dict: dict, *, header: str | None = None, body: bytes | None = None):
        body = body if body is not None else json.dumps(event_dict).encode()
        if header is None:
            header = stripe_webhook_payload_signer(body, WEBHOOK_SECRET)
        return client.post(
            reverse("pledges:stripe-webhook"),
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": header} if header else {},
        )

    return post
