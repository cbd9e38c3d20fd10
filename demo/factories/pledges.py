"""Factories for pledges, shared by the tests and the demo content.

A factory writes a pending pledge row directly; to make one paid (and counted), pass it
through `pledges.services.pledge_mark_paid` with a session from `paid_session_for`.
"""

import time

import factory

from demo.factories.campaigns import CampaignFactory
from pledges.forms import CONSENT_TEXT
from pledges.models import Pledge


class PledgeFactory(factory.django.DjangoModelFactory):
    """A pending pledge of 25.00 in its campaign's currency."""

    class Meta:
        model = Pledge

    campaign = factory.SubFactory(CampaignFactory)
    amount_minor = 2500
    currency = factory.LazyAttribute(lambda o: o.campaign.currency.upper())
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"pledger{n}@example.org")
    consent_text = CONSENT_TEXT
    source = "pledge_form"
    stripe_checkout_session_id = factory.Sequence(lambda n: f"cs_test_factory_{n:06d}")


def checkout_session_for(pledge: Pledge, **overrides) -> dict:
    """A Stripe-shaped, paid Checkout Session dict for `pledge` (tests and demo only)."""
    session = {
        "id": pledge.stripe_checkout_session_id or f"cs_test_{pledge.pk.hex}",
        "object": "checkout.session",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": pledge.amount_minor,
        "currency": pledge.currency.lower(),
        "client_reference_id": str(pledge.pk),
        "metadata": {"pledge_id": str(pledge.pk)},
        "payment_intent": f"pi_test_{pledge.pk.hex[:24]}",
        "customer_details": {"email": pledge.email},
        "livemode": False,
        "mode": "payment",
        "created": int(time.time()),
        "url": None,
    }
    session.update(overrides)
    return session


paid_session_for = checkout_session_for
