"""Stripe-shaped objects for the pledge tests (what Stripe's webhooks carry)."""

import time
import uuid

from demo.factories.pledges import checkout_session_for


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }


def charge_for(pledge, *, amount_refunded: int, charge_id: str = "ch_test_1") -> dict:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": pledge.amount_minor,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= pledge.amount_minor,
        "currency": pledge.currency.lower(),
        "payment_intent": pledge.stripe_payment_intent_id,
        "metadata": {"pledge_id": str(pledge.pk)},
    }


def refund_for(
    pledge, *, amount: int, status: str = "succeeded", refund_id: str = "re_test_1", **extra
) -> dict:
    """A Stripe Refund as refund.* events carry it (no pledge metadata: made in the dashboard)."""
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "charge": "ch_test_1",
        "currency": pledge.currency.lower(),
        "payment_intent": pledge.stripe_payment_intent_id,
        "metadata": {},
        "reason": "requested_by_customer",
        "status": status,
        **extra,
    }


def dispute_for(
    pledge, *, status: str = "needs_response", dispute_id: str = "dp_test_1", **extra
) -> dict:
    """A Stripe Dispute; it carries no metadata, only the charge and payment intent."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": pledge.amount_minor,
        "charge": "ch_test_1",
        "currency": pledge.currency.lower(),
        "payment_intent": pledge.stripe_payment_intent_id,
        "reason": "fraudulent",
        "status": status,
        "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False},
        "balance_transactions": [],
        **extra,
    }


__all__ = ["charge_for", "checkout_session_for", "dispute_for", "event", "refund_for"]
