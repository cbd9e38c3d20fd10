"""Stripe webhook handling: verify the signature, store the event once, apply its effect.

The event row and its effect commit in one transaction. A duplicate delivery (even a
concurrent one: the second INSERT waits for the first to commit, then fails on the primary key)
answers 200 and changes nothing.
"""

import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pledges import services
from pledges.models import StripeEvent

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300


def _checkout_completed(session: dict) -> None:
    if session.get("payment_status") == "paid":
        services.pledge_mark_paid(session=session)
    else:
        services.pledge_mark_processing(session=session)


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": lambda obj: services.pledge_mark_paid(session=obj),
    "checkout.session.async_payment_failed": lambda obj: services.pledge_mark_failed(session=obj),
    "checkout.session.expired": lambda obj: services.pledge_mark_expired(session=obj),
    "charge.refunded": lambda obj: services.pledge_record_refund(charge=obj),
    "charge.dispute.created": lambda obj: services.pledge_flag_dispute(dispute=obj),
}


def process_event(event: dict) -> bool:
    """Store the event and apply it, in one transaction. False if it was already processed."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    id=event["id"],
                    type=event["type"][:100],
                    livemode=bool(event.get("livemode")),
                )
        except IntegrityError:
            return False
        handler = HANDLERS.get(event["type"])
        if handler is not None:
            handler(event["data"]["object"])
    return True


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """POST /pledges/stripe/webhook/: 400 for a bad signature or payload, 200 otherwise."""
    header = request.headers.get("Stripe-Signature")
    if not header or not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponseBadRequest("Missing signature.")
    try:
        event = stripe.Webhook.construct_event(
            request.body,
            header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError:
        logger.warning("Stripe webhook with a bad signature refused.")
        return HttpResponseBadRequest("Bad signature.")
    except ValueError:
        logger.warning("Stripe webhook with an unreadable payload refused.")
        return HttpResponseBadRequest("Unreadable payload.")
    try:
        data = event.to_dict()
        event_id, event_type, obj = data["id"], data["type"], data["data"]["object"]
    except (KeyError, TypeError):
        return HttpResponseBadRequest("Unreadable event.")
    if (
        not isinstance(obj, dict)
        or not isinstance(event_id, str)
        or not isinstance(event_type, str)
    ):
        return HttpResponseBadRequest("Unreadable event.")
    if not process_event(data):
        logger.info("Stripe event %s (%s) already processed.", event_id, event_type)
        return HttpResponse("Already processed.", content_type="text/plain")
    logger.info("Stripe event %s (%s) processed.", event_id, event_type)
    return HttpResponse("OK", content_type="text/plain")
