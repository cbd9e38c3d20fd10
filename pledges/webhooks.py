"""Stripe webhook handling: verify the signature, store every event once, apply its effect.

The event row and its effect commit in one transaction (`processed_at` marks it applied). A
duplicate delivery (even a concurrent one: the second INSERT waits for the first to commit,
then fails on the primary key and reads the committed row) answers 200 and changes nothing.

What the view answers, and why:
- 400: no or bad signature, a timestamp outside the tolerance (past or future), a body that is
  not a Stripe event, an event in the other mode (a test event at a live endpoint or the
  reverse), or a signed event whose object the app cannot read (logged with the event id; the
  row is kept with the error so staff see it). Stripe retries these and then disables the
  endpoint, which is what such a misconfiguration deserves.
- 200: recorded and applied; already processed; a type the app does not handle; an API version
  the app does not read (stored and flagged, applied later by `replay_stripe_events`).
"""

import json
import logging
import math
import time
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pledges import services
from pledges.models import StripeEvent
from pledges.stripe_gateway import API_VERSION, is_live_mode

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300

# The API versions whose event shapes the handlers read. Events are rendered in the webhook
# endpoint's version, not the SDK's: pin the endpoint to the SDK's (docs/stripeapp.md).
SUPPORTED_API_VERSIONS = frozenset({API_VERSION})

# Errors that mean "this signed event does not have the shape the handler reads".
UNREADABLE = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    OverflowError,
    ValidationError,
    DataError,
    IntegrityError,
)


class UnreadableEvent(Exception):
    """The event is signed but the app cannot read it; `str()` names the reason, never data."""


def _checkout_completed(session: dict, event_type: str) -> None:
    if session.get("payment_status") == "paid":
        services.pledge_mark_paid(session=session)
    else:
        services.pledge_mark_processing(session=session)


def _refund(refund: dict, event_type: str) -> None:
    services.pledge_apply_refund(refund=refund)


def _dispute(dispute: dict, event_type: str) -> None:
    services.pledge_apply_dispute(dispute=dispute, event_type=event_type)


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": lambda obj, _: services.pledge_mark_paid(
        session=obj
    ),
    "checkout.session.async_payment_failed": lambda obj, _: services.pledge_mark_failed(
        session=obj
    ),
    "checkout.session.expired": lambda obj, _: services.pledge_mark_expired(session=obj),
    "charge.refunded": lambda obj, _: services.pledge_record_refund(charge=obj),
    "refund.created": _refund,
    "refund.updated": _refund,
    "refund.failed": _refund,
    "charge.refund.updated": _refund,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.funds_withdrawn": _dispute,
    "charge.dispute.funds_reinstated": _dispute,
    "charge.dispute.closed": _dispute,
    # Monthly giving (docs/monthly.md).
    "invoice.paid": lambda obj, _: services.pledge_apply_invoice(invoice=obj, paid=True),
    "invoice.payment_failed": lambda obj, _: services.pledge_apply_invoice(invoice=obj, paid=False),
    "customer.subscription.created": lambda obj, _: services.pledge_apply_subscription(
        subscription=obj
    ),
    "customer.subscription.updated": lambda obj, _: services.pledge_apply_subscription(
        subscription=obj
    ),
    "customer.subscription.deleted": lambda obj, _: services.pledge_apply_subscription(
        subscription=obj, deleted=True
    ),
}

# What a webhook endpoint must send for the app to keep its books (see `stripe_check`).
REQUIRED_EVENTS = tuple(sorted(HANDLERS))


class Outcome:
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    FLAGGED = "flagged"


def _created(value) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _storable(value):
    """The payload without NUL characters, which PostgreSQL's jsonb cannot hold."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def read_event(data) -> dict:
    """Check the fields every event needs; raise UnreadableEvent otherwise."""
    if not isinstance(data, dict):
        raise UnreadableEvent("not an object")
    event_id, event_type = data.get("id"), data.get("type")
    if not _valid_id(event_id):
        raise UnreadableEvent("no event id")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 100 or "\x00" in event_type:
        raise UnreadableEvent("no event type")
    inner = data.get("data")
    if not isinstance(inner, dict) or not isinstance(inner.get("object"), dict):
        raise UnreadableEvent("no data.object")
    if not isinstance(data.get("livemode", False), bool):
        raise UnreadableEvent("livemode is not a boolean")
    version = data.get("api_version")
    if version is not None and not isinstance(version, str):
        raise UnreadableEvent("api_version is not a string")
    return data


def _api_version_error(event: dict) -> str:
    version = event.get("api_version") or ""
    if version in SUPPORTED_API_VERSIONS or event["type"] not in HANDLERS:
        return ""
    return f"API version {version or 'missing'} is not one the app reads"[:255]


def _valid_id(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255 and "\x00" not in value


def record_unreadable(data, reason: str) -> None:
    """Keep a signed event the app could not read, with the reason, so staff can see it and
    a fixed redelivery or `replay_stripe_events` can apply it. Events without a usable id
    cannot be kept (the log line is all there is)."""
    if not isinstance(data, dict) or not _valid_id(data.get("id")):
        return
    event_type = data.get("type") if isinstance(data.get("type"), str) else ""
    version = data.get("api_version") if isinstance(data.get("api_version"), str) else ""
    fields = {
        "type": _storable(event_type)[:100],
        "api_version": _storable(version)[:40],
        "livemode": data.get("livemode") is True,
        "payload": _storable(data),
        "created": _created(data.get("created")),
        "error": reason[:255],
    }
    try:
        with transaction.atomic():
            row, created = StripeEvent.objects.select_for_update().get_or_create(
                id=data["id"], defaults=fields
            )
            if not created and row.processed_at is None:
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
    except (DataError, ValueError) as error:
        # Something in it the database cannot hold: the log line is all there is.
        logger.warning("Stripe event %s could not be stored: %s.", data["id"], type(error).__name__)


def process_event(event: dict, *, replay: bool = False) -> str:
    """Store the event and apply it, in one transaction; returns an `Outcome`.

    An event already processed is a DUPLICATE. An event in an API version the app does not
    read is stored with `error` set and not applied (FLAGGED), unless `replay` says staff
    fixed the setup and want it applied. Raises UnreadableEvent (after storing the event with
    the error, effect rolled back) when the handler cannot read the event's object.
    """
    event = read_event(event)
    handler = HANDLERS.get(event["type"])
    fields = {
        "type": event["type"],
        "api_version": (event.get("api_version") or "")[:40],
        "livemode": event.get("livemode", False),
        "payload": _storable(event),
        "created": _created(event.get("created")),
    }
    try:
        with transaction.atomic():
            # Insert-or-ignore, then read the row locked: a copy of this event being applied
            # elsewhere holds the row until it commits, and then reads as processed here. No
            # savepoint and no exception path, so a duplicate costs two statements.
            StripeEvent.objects.bulk_create(
                [StripeEvent(id=event["id"], **fields)], ignore_conflicts=True
            )
            row = StripeEvent.objects.select_for_update().get(pk=event["id"])
            if row.processed_at is not None:
                return Outcome.DUPLICATE
            version_error = "" if replay else _api_version_error(event)
            if version_error:
                row.error = version_error
                row.save(update_fields=["error"])
                return Outcome.FLAGGED
            if handler is not None:
                handler(event["data"]["object"], event["type"])
            row.processed_at = timezone.now()
            row.error = ""
            row.save(update_fields=["processed_at", "error"])
    except UNREADABLE as error:
        reason = f"Unreadable {event['type']}: {type(error).__name__}"
        record_unreadable(event, reason)
        raise UnreadableEvent(reason) from None
    return Outcome.APPLIED


def replay_stored_events(*, events) -> dict[str, int]:
    """Apply stored events that were not applied (flagged API version, unreadable), oldest
    first, each through `process_event(replay=True)`; for the admin action and
    `replay_stripe_events`. Idempotent: an event applied meanwhile is a duplicate. Returns
    counts of applied, duplicate and failed events."""
    counts = {"applied": 0, "duplicate": 0, "failed": 0}
    for stored in events.order_by("received_at").iterator():
        try:
            outcome = process_event(stored.payload, replay=True)
        except UnreadableEvent as error:
            logger.warning("Stored Stripe event %s not applied: %s.", stored.pk, error)
            counts["failed"] += 1
            continue
        counts["applied" if outcome == Outcome.APPLIED else "duplicate"] += 1
    return counts


def stripe_events_catch_up(
    *,
    since: int,
    page_size: int = 100,
    max_tries: int = 6,
    sleep=time.sleep,
) -> dict[str, int]:
    """Page through Stripe's events created at or after `since` (unix time) and apply any the
    webhook missed, through `process_event`, oldest first; events already processed are
    skipped, so it is idempotent and safe beside live webhooks.

    Only the types the app handles are asked for. When Stripe answers 429 (rate limited) the
    same page is asked again after an exponential backoff (0.5 s, 1 s, 2 s ...); after
    `max_tries` the PaymentGatewayError is raised. Returns counts: seen, applied, duplicate,
    flagged, failed.
    """
    from pledges import stripe_gateway
    from pledges.stripe_gateway import PaymentGatewayError

    events, cursor = [], None
    while True:
        for attempt in range(max_tries):
            try:
                page = stripe_gateway.events_list(
                    created_gte=since,
                    types=list(REQUIRED_EVENTS),
                    starting_after=cursor,
                    limit=page_size,
                )
                break
            except PaymentGatewayError as error:
                if error.status != 429 or attempt == max_tries - 1:
                    raise
                sleep(0.5 * 2**attempt)
        data = page.get("data") or []
        events.extend(data)
        if not page.get("has_more") or not data:
            break
        cursor = data[-1]["id"]
    counts = {"seen": len(events), "applied": 0, "duplicate": 0, "flagged": 0, "failed": 0}
    for found in reversed(events):  # Oldest first, as Stripe made them.
        try:
            if found.get("livemode", False) != is_live_mode():
                raise UnreadableEvent("other mode")
            outcome = process_event(found)
        except UnreadableEvent as error:
            logger.warning(
                "Stripe event %s from the event list not applied: %s.", found.get("id"), error
            )
            counts["failed"] += 1
            continue
        counts[
            {Outcome.APPLIED: "applied", Outcome.DUPLICATE: "duplicate"}.get(outcome, "flagged")
        ] += 1
    return counts


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON Stripe sends")


def _finite_float(text: str) -> float:
    # NaN, Infinity and 1e400 are not JSON Stripe sends, and PostgreSQL's jsonb refuses them.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _signature_timestamp(header: str) -> int | None:
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """POST /pledges/stripe/webhook/: see the module docstring for what it answers."""
    header = request.headers.get("Stripe-Signature")
    if not header or not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponseBadRequest("Missing signature.")
    try:
        stripe.WebhookSignature.verify_header(
            request.body.decode("utf-8"),
            header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        logger.warning("Stripe webhook with a bad or stale signature refused.")
        return HttpResponseBadRequest("Bad signature.")
    # The SDK refuses only old timestamps; one from the future is as suspect (a replay signed
    # with a clock far ahead, or a leaked secret).
    signed_at = _signature_timestamp(header)
    if signed_at is None or signed_at > time.time() + SIGNATURE_TOLERANCE_SECONDS:
        logger.warning("Stripe webhook signed in the future refused.")
        return HttpResponseBadRequest("Bad signature.")
    try:
        data = json.loads(request.body, parse_constant=_no_constant, parse_float=_finite_float)
    except ValueError:
        logger.warning("Stripe webhook with an unreadable payload refused.")
        return HttpResponseBadRequest("Unreadable payload.")
    event_id = data.get("id") if isinstance(data, dict) else None
    event_name = event_id if isinstance(event_id, str) else "(no id)"
    try:
        try:
            read_event(data)
        except UnreadableEvent as error:
            record_unreadable(data, f"Unreadable event: {error}")
            raise
        if data.get("livemode", False) != is_live_mode():
            logger.warning(
                "Stripe event %s refused: livemode=%s but the key is in %s mode.",
                event_name[:255],
                data.get("livemode"),
                "live" if is_live_mode() else "test",
            )
            return HttpResponseBadRequest("Event mode does not match the key's mode.")
        outcome = process_event(data)
    except UnreadableEvent as error:
        logger.warning("Stripe event %s refused: %s.", event_name[:255], error)
        return HttpResponseBadRequest("Unreadable event.")
    if outcome == Outcome.DUPLICATE:
        logger.info("Stripe event %s (%s) already processed.", event_id, data["type"])
        return HttpResponse("Already processed.", content_type="text/plain")
    if outcome == Outcome.FLAGGED:
        logger.warning(
            "Stripe event %s (%s) stored, not applied: API version %s.",
            event_id,
            data["type"],
            data.get("api_version"),
        )
        return HttpResponse("Stored; API version not read.", content_type="text/plain")
    logger.info("Stripe event %s (%s) processed.", event_id, data["type"])
    return HttpResponse("OK", content_type="text/plain")
