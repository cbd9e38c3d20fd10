"""Signed events whose fields hold random JSON: the webhook answers 200 or 400, never 500,
and the campaign's counters never go wrong (hypothesis)."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo.factories.pledges import PledgeFactory
from pledges.services import pledge_mark_paid
from tests.pledges.conftest import WEBHOOK_SECRET
from tests.pledges.helpers import checkout_session_for, dispute_for, event, refund_for

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
TYPES = [
    "checkout.session.completed",
    "checkout.session.expired",
    "refund.created",
    "refund.failed",
    "charge.refunded",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.closed",
]


@settings(
    max_examples=160,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    event_type=st.sampled_from(TYPES),
    field=st.sampled_from(
        [
            "id",
            "amount",
            "status",
            "metadata",
            "payment_intent",
            "currency",
            "reason",
            "evidence_details",
            "balance_transactions",
            "refunds",
            "payment_status",
            "amount_total",
            "client_reference_id",
            "amount_refunded",
        ]
    ),
    value=JSON,
    envelope=st.sampled_from([None, "id", "type", "livemode", "api_version", "created", "data"]),
    envelope_value=JSON,
)
def test_random_field_values_never_answer_500(
    campaign, stripe_webhook_payload_signer, event_type, field, value, envelope, envelope_value
):
    pledge = PledgeFactory(campaign=campaign, amount_minor=2500)
    pledge_mark_paid(session=checkout_session_for(pledge), send_receipt=False)
    pledge.refresh_from_db()
    if event_type.startswith("checkout"):
        obj = checkout_session_for(pledge)
    elif event_type.startswith("charge.dispute"):
        obj = dispute_for(pledge, dispute_id=f"dp_{pledge.pk.hex}")
    elif event_type == "charge.refunded":
        obj = {
            "id": "ch_1",
            "payment_intent": pledge.stripe_payment_intent_id,
            "refunds": {"data": [refund_for(pledge, amount=100, refund_id=f"re_{pledge.pk.hex}")]},
        }
    else:
        obj = refund_for(pledge, amount=1000, refund_id=f"re_{pledge.pk.hex}")
    obj[field] = value
    body_dict = event(event_type, obj)
    if envelope is not None:
        body_dict[envelope] = envelope_value
    body = json.dumps(body_dict).encode()

    response = Client().post(
        reverse("pledges:stripe-webhook"),
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_webhook_payload_signer(body, WEBHOOK_SECRET)},
    )

    assert response.status_code in (200, 400)
    campaign.refresh_from_db()
    assert 0 <= campaign.amount_collected_minor
    assert campaign.supporter_count >= 0
