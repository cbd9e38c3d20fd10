"""Business rules for pledges: the only code that creates or changes a Pledge.

A pledge counts toward its campaign exactly once, when Stripe confirms payment: `counted_at` is
set under a row lock in the same transaction that calls `campaigns.services`, so duplicate,
concurrent and out-of-order webhook deliveries (and the success page racing the webhook) can
never count it twice. Log lines name pledges by id only, never by name or email.

The functions a webhook applies join the caller's transaction (`atomic(savepoint=False)`):
nothing between them catches an error and carries on, so a savepoint would only cost two more
round trips per event; an error still rolls back the whole event.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import (
    campaign_adjust_pledge_totals,
    campaign_require,
    campaign_set_pledge_totals,
)
from core.history import history_scrub
from core.mail import email_queue
from core.money import currency, format_money
from pledges import stripe_gateway
from pledges.models import Dispute, Pledge, Refund
from pledges.selectors import monthly_gifts_for_emails
from pledges.stripe_gateway import PaymentGatewayError

logger = logging.getLogger(__name__)

Status = Pledge.Status
UNSETTLED = (Status.PENDING, Status.PROCESSING)
# A PaymentIntent back in one of these after a delayed payment means that payment failed.
FAILED_INTENT_STATUSES = ("requires_payment_method", "canceled")


# --- Creating and starting checkout -------------------------------------------------------


def pledge_create(
    *,
    campaign: Campaign,
    amount_minor: int,
    name: str,
    email: str,
    consent_text: str,
    public_message: str = "",
    is_anonymous: bool = False,
    wants_updates: bool = False,
    source: str = "",
    utm: dict | None = None,
    source_article_id: int | None = None,
    ip_hash: str = "",
    form_token: uuid.UUID | None = None,
    currency: str | None = None,
    frequency: str = Pledge.Frequency.ONCE,
) -> Pledge:
    """Create a pending pledge in the campaign's currency. Counts nothing yet.

    `frequency` "monthly" makes it a monthly gift (a Stripe subscription), which only a
    campaign with `monthly_enabled` takes (ValidationError code "monthly_off").

    `form_token` makes a re-posted form (double click, retry after an outage) return the pledge
    it created the first time, as long as campaign, amount and email are the same and that
    pledge is not over (failed or expired); the unique constraint on the token, not a lookup
    first, guarantees one pledge per submission.

    Refuses what the form refuses, so no command or admin action can create an out-of-range
    pledge. Raises ValidationError with the code:
    - a refusal reason from `Campaign.accepts("pledge")` ("draft", "not_yet_open", "closed",
      "ended", "pledges_off") when the campaign does not take money now;
    - "unsupported_currency" when the campaign's currency is not in `core.money.CURRENCIES`;
    - "wrong_currency" when `currency` is given and is not the campaign's;
    - "too_small" / "too_large" outside `Campaign.pledge_limits()` (never beyond Stripe's).
    """
    _check_pledge(campaign=campaign, amount_minor=amount_minor, currency=currency)
    if frequency not in Pledge.Frequency.values:
        raise ValidationError("Choose once or monthly.", code="invalid_frequency")
    if frequency == Pledge.Frequency.MONTHLY and not campaign.monthly_enabled:
        raise ValidationError("This campaign takes one-off gifts only.", code="monthly_off")
    fields = {
        "frequency": frequency,
        "campaign": campaign,
        "amount_minor": amount_minor,
        "currency": campaign.currency.upper(),
        "name": name,
        "email": email,
        "public_message": public_message,
        "is_anonymous": is_anonymous,
        "wants_updates": wants_updates,
        "consent_text": consent_text,
        "source": source[:100],
        "utm": utm or {},
        "source_article_id": source_article_id,
        "ip_hash": ip_hash,
    }
    if form_token is None:
        return Pledge.objects.create(**fields)
    try:
        with transaction.atomic():
            return Pledge.objects.create(form_token=form_token, **fields)
    except IntegrityError:
        earlier = Pledge.objects.get(form_token=form_token)
    same = (earlier.campaign_id, earlier.amount_minor, earlier.email, earlier.frequency) == (
        campaign.pk,
        amount_minor,
        email,
        frequency,
    )
    if same and earlier.status not in (Status.FAILED, Status.EXPIRED):
        return earlier
    # The supporter changed the form, or its first pledge is over: a new pledge, new token.
    return Pledge.objects.create(form_token=uuid.uuid4(), **fields)


def _check_pledge(*, campaign: Campaign, amount_minor: int, currency: str | None) -> None:
    campaign_require(campaign=campaign, action="pledge")
    try:
        minimum, maximum = campaign.pledge_limits()
    except ValueError:
        raise ValidationError(
            "This campaign's currency cannot be taken.", code="unsupported_currency"
        ) from None
    code = campaign.currency.upper()
    if currency is not None and currency.upper() != code:
        raise ValidationError(f"This campaign takes {code} only.", code="wrong_currency")
    if amount_minor < minimum:
        raise ValidationError(
            f"The smallest gift is {format_money(minimum, code)}.", code="too_small"
        )
    if amount_minor > maximum:
        raise ValidationError(
            f"The largest gift is {format_money(maximum, code)}.", code="too_large"
        )


def _checkout_idempotency_key(pledge: Pledge) -> str:
    return f"pledge-{pledge.id}-checkout-{pledge.checkout_attempt}"


# Answers Stripe does not store under the key: 409 (the same key is still in flight) and 429
# (rate limited before the request ran). A retry with the same key is right after these.
UNSTORED_STATUSES = (409, 429)

# Stripe refusals the supporter can put right in the form: (field, message).
_FIXABLE_CHECKOUT_ERRORS = {
    "amount_too_small": "other_amount",
    "amount_too_large": "other_amount",
    "email_invalid": "email",
}


class CheckoutRefused(PaymentGatewayError):
    """Stripe refused the checkout for a reason the supporter can fix; `field` names the form
    field and `str(error)` says what to change (safe to show)."""

    def __init__(self, message: str, *, field: str, code: str, status: int | None):
        super().__init__(message, code=code, status=status)
        self.field = field


def _refusal(pledge: Pledge, error: PaymentGatewayError) -> CheckoutRefused | None:
    field = _FIXABLE_CHECKOUT_ERRORS.get(error.code)
    if field is None or error.status is None or not 400 <= error.status < 500:
        return None
    if field == "email":
        message = "The payment service cannot use this email address; check it and try again."
    else:
        try:
            limits = currency(pledge.currency)
        except ValueError:
            message = "The payment service cannot take this amount; try another."
        else:
            low = format_money(limits.minimum_minor, limits.code)
            high = format_money(limits.maximum_minor, limits.code)
            message = f"The payment service takes gifts from {low} to {high}."
    return CheckoutRefused(message, field=field, code=error.code, status=error.status)


def _checkout_params(pledge: Pledge) -> dict:
    thanks_path = reverse("pledges:thanks", kwargs={"pledge_id": pledge.id})
    campaign = pledge.campaign
    kind = "Monthly gift" if pledge.frequency == Pledge.Frequency.MONTHLY else "Gift"
    return {
        "monthly_customer": pledge.stripe_customer_id
        if pledge.frequency == Pledge.Frequency.MONTHLY
        else "",
        "amount_minor": pledge.amount_minor,
        "currency": pledge.currency,
        "product_name": f"{kind} to {campaign.title}"[:250],
        "customer_email": pledge.email,
        "client_reference_id": str(pledge.id),
        "metadata": {"pledge_id": str(pledge.id), "campaign": campaign.slug},
        "success_url": f"{settings.SITE_URL}{thanks_path}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.SITE_URL}{campaign.get_absolute_url()}?pledge=cancelled",
        # Shown in Stripe's dashboard and on the supporter's receipt from Stripe.
        "description": settings.STRIPE_PAYMENT_DESCRIPTION.replace("{campaign}", campaign.title),
    }


def pledge_start_checkout(*, pledge: Pledge) -> str:
    """Create (or, on a retry, get back) the pledge's Checkout Session; return its URL.

    The idempotency key names the pledge's current checkout attempt. A retry after a timeout or
    a dropped connection reuses it (Stripe may have made the session, and gives it back); once
    Stripe has answered with an error the attempt is over, because Stripe replays that answer
    under the same key for 24 hours, so the next try is a new attempt with a new key. An
    `idempotency_error` (the pledge's details changed under the old key, a renamed campaign)
    moves on to a new attempt at once. A pledge whose session is still open gets that
    session back.

    Raises CheckoutRefused when Stripe refused something the supporter can fix (an amount
    outside Stripe's limits), or PaymentGatewayError; either way the pledge stays pending with
    `checkout_error` set.
    """
    if pledge.stripe_checkout_session_id:
        session = stripe_gateway.checkout_session_retrieve(pledge.stripe_checkout_session_id)
        if session.get("status") == "open" and session.get("url"):
            return session["url"]
        if session.get("status") == "complete":
            thanks_path = reverse("pledges:thanks", kwargs={"pledge_id": pledge.id})
            return f"{thanks_path}?session_id={session['id']}"
        _next_checkout_attempt(pledge)  # Expired: this pledge needs a new session.
    if pledge.frequency == Pledge.Frequency.MONTHLY and not pledge.stripe_customer_id:
        _gift_attach_customer(pledge)
    for _ in range(2):
        try:
            session = stripe_gateway.checkout_session_create(
                idempotency_key=_checkout_idempotency_key(pledge), **_checkout_params(pledge)
            )
            break
        except PaymentGatewayError as error:
            message = str(error)[:255]
            Pledge.objects.filter(pk=pledge.pk).update(
                checkout_error=message, updated_at=timezone.now()
            )
            pledge.checkout_error = message
            if error.status is None or error.status in UNSTORED_STATUSES:
                raise  # Stripe may hold the request, or stored nothing: the key stays.
            _next_checkout_attempt(pledge)
            if error.code != "idempotency_error":
                refusal = _refusal(pledge, error)
                if refusal is not None:
                    raise refusal from error
                raise
    else:
        raise PaymentGatewayError("The payment service answered with an error.")
    pledge.stripe_checkout_session_id = session["id"]
    pledge.checkout_error = ""
    pledge.save(update_fields=["stripe_checkout_session_id", "checkout_error", "updated_at"])
    return session["url"]


def _next_checkout_attempt(pledge: Pledge) -> None:
    Pledge.objects.filter(pk=pledge.pk).update(
        checkout_attempt=F("checkout_attempt") + 1,
        stripe_checkout_session_id=None,
        updated_at=timezone.now(),
    )
    pledge.refresh_from_db(fields=["checkout_attempt", "stripe_checkout_session_id"])


# --- Applying what Stripe reports ----------------------------------------------------------


def _object_id(value) -> str:
    """An id from a field that may hold an id string or an expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _pledge_id_from_session(session: dict) -> uuid.UUID | None:
    """The pledge a session names, or None if it names none or two different ones."""
    candidates = {
        value
        for value in (
            (session.get("metadata") or {}).get("pledge_id"),
            session.get("client_reference_id"),
        )
        if value
    }
    if len(candidates) != 1:
        return None
    try:
        return uuid.UUID(candidates.pop())
    except ValueError:
        return None


def _locked_pledge(session: dict) -> Pledge | None:
    """The session's pledge, locked for the rest of the transaction; None if unknown."""
    pledge_id = _pledge_id_from_session(session)
    if pledge_id is None:
        logger.info("Checkout session %s names no pledge; ignored.", session.get("id"))
        return None
    pledge = Pledge.objects.select_for_update().filter(pk=pledge_id).first()
    if pledge is None:
        logger.info("Checkout session %s names unknown pledge %s.", session.get("id"), pledge_id)
    return pledge


def _session_matches(pledge: Pledge, session: dict) -> bool:
    stored = pledge.stripe_checkout_session_id
    return not stored or stored == session.get("id")


def _flag(pledge: Pledge, reason: str) -> None:
    pledge.needs_review = True
    pledge.review_reason = reason[:255]
    pledge.save(update_fields=["needs_review", "review_reason", "updated_at"])
    logger.warning("Pledge %s flagged for review: %s", pledge.pk, reason)


def _status_after_refunds(pledge: Pledge) -> str:
    if pledge.amount_refunded_minor >= pledge.amount_minor:
        return Status.REFUNDED
    if pledge.amount_refunded_minor > 0:
        return Status.PARTIALLY_REFUNDED
    return Status.PAID


def pledge_mark_paid(*, session: dict, send_receipt: bool = True) -> Pledge | None:
    """Record a paid Checkout Session: mark its pledge paid and count it, exactly once.

    Idempotent and transactional: the pledge row is locked, an already counted pledge is left
    alone, and the campaign's totals change in the same transaction as `counted_at`. A session
    that is not paid, names another session than the one stored, or whose `amount_total` or
    `currency` differ from the pledge's, counts nothing (the last two flag the pledge for
    review). The receipt email is queued in the same transaction. Returns the pledge, or None if
    the session names no known pledge.
    """
    if session.get("payment_status") != "paid":
        return None
    if session.get("mode") == "subscription":
        # A monthly gift counts through its invoices (`pledge_apply_invoice`), never here.
        return gift_link_subscription(session=session)
    with transaction.atomic(savepoint=False):
        pledge = _locked_pledge(session)
        if pledge is None or pledge.counted_at is not None:
            return pledge
        if not _session_matches(pledge, session):
            _flag(pledge, f"Paid session {session.get('id')} is not this gift's session.")
            return pledge
        amount, currency = session.get("amount_total"), (session.get("currency") or "").upper()
        if amount != pledge.amount_minor or currency != pledge.currency.upper():
            _flag(
                pledge,
                f"Stripe reported {amount} {currency}; the gift is "
                f"{pledge.amount_minor} {pledge.currency}. Not counted.",
            )
            return pledge
        now = timezone.now()
        before = _standing(pledge)
        pledge.paid_at = pledge.paid_at or now
        pledge.counted_at = now
        pledge.stripe_checkout_session_id = session["id"]
        pledge.stripe_payment_intent_id = (
            _object_id(session.get("payment_intent")) or pledge.stripe_payment_intent_id
        )
        pledge.checkout_error = ""
        # A refund or dispute event may have overtaken the payment event: the campaign gets
        # what the pledge keeps after them.
        _settle_counters(pledge, before)
        if send_receipt:
            pledge_send_receipt(pledge_id=pledge.pk)
    logger.info("Pledge %s paid and counted.", pledge.pk)
    return pledge


def _move_unsettled(session: dict, *, to: str) -> Pledge | None:
    """Move a pending/processing pledge to `to`; never touches a counted (paid) pledge."""
    with transaction.atomic(savepoint=False):
        pledge = _locked_pledge(session)
        if pledge is None:
            return None
        if not _session_matches(pledge, session):
            logger.warning(
                "Session %s is not pledge %s's session; ignored.", session.get("id"), pledge.pk
            )
            return pledge
        if pledge.counted_at is not None or pledge.status not in UNSETTLED or pledge.status == to:
            return pledge
        pledge.status = to
        pledge.stripe_checkout_session_id = session["id"]
        payment_intent = _object_id(session.get("payment_intent"))
        if payment_intent:
            pledge.stripe_payment_intent_id = payment_intent
        pledge.save()
    logger.info("Pledge %s is now %s.", pledge.pk, to)
    return pledge


def pledge_mark_processing(*, session: dict) -> Pledge | None:
    """A completed but unpaid session (delayed payment method): pending -> processing."""
    return _move_unsettled(session, to=Status.PROCESSING)


def pledge_mark_failed(*, session: dict) -> Pledge | None:
    """The delayed payment failed: pending/processing -> failed. A paid pledge stays paid."""
    return _move_unsettled(session, to=Status.FAILED)


def pledge_mark_expired(*, session: dict) -> Pledge | None:
    """The session expired unpaid: pending/processing -> expired. A paid pledge stays paid."""
    return _move_unsettled(session, to=Status.EXPIRED)


def _locked_pledge_for_payment(*, metadata: dict | None, payment_intent: str) -> Pledge | None:
    """The pledge a Charge, Refund or Dispute names, locked; matched by metadata or payment."""
    pledge_id = metadata.get("pledge_id") if isinstance(metadata, dict) else None
    queryset = Pledge.objects.select_for_update()
    if pledge_id:
        try:
            return queryset.filter(pk=uuid.UUID(str(pledge_id))).first()
        except ValueError:
            return None
    if payment_intent:
        return queryset.filter(stripe_payment_intent_id=payment_intent).first()
    return None


def _standing(pledge: Pledge) -> tuple[int, int]:
    """(money, supporters) the pledge adds to its campaign's counters as it stands. A renewal
    of a monthly gift adds money only: its supporter was counted by the gift's first payment."""
    if pledge.counted_at is None:
        return 0, 0
    net = pledge.net_minor
    return net, 1 if net > 0 and pledge.renewal_of_id is None else 0


def _status_after_money(pledge: Pledge) -> str:
    if pledge.amount_withdrawn_minor and pledge.net_minor == 0:
        return Status.CHARGED_BACK
    return _status_after_refunds(pledge)


def _settle_counters(pledge: Pledge, before: tuple[int, int]) -> None:
    """Save the pledge's money and move its campaign's counters by what changed, in one go."""
    if pledge.counted_at is not None:
        pledge.status = _status_after_money(pledge)
    pledge.save()
    after = _standing(pledge)
    campaign_adjust_pledge_totals(
        campaign_id=pledge.campaign_id,
        amount_minor=after[0] - before[0],
        supporters=after[1] - before[1],
    )


def _int_amount(value) -> int:
    """A positive integer amount from Stripe JSON; ValueError for anything else (bool too)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 2**62:
        raise ValueError("amount is not a positive integer")
    return value


def _stripe_id(value) -> str:
    """A Stripe object id from JSON (`re_...`, `dp_...`); ValueError for anything else."""
    if not isinstance(value, str) or not 0 < len(value) <= 255 or not value.isprintable():
        raise ValueError("not a Stripe id")
    return value


# Refund statuses only move forward: a late "pending" never undoes "succeeded", and a refund
# that failed or was canceled stays so. "succeeded" can still become "failed" (Stripe sends
# refund.failed days later when the card cannot take the money back).
_REFUND_RANK = {
    Refund.Status.REQUESTED: 0,
    Refund.Status.PENDING: 1,
    Refund.Status.REQUIRES_ACTION: 1,
    Refund.Status.SUCCEEDED: 2,
    Refund.Status.FAILED: 3,
    Refund.Status.CANCELED: 3,
    Refund.Status.ERRORED: 3,
}
REFUND_HOLDS = (
    Refund.Status.REQUESTED,
    Refund.Status.PENDING,
    Refund.Status.REQUIRES_ACTION,
    Refund.Status.SUCCEEDED,
)


def pledge_apply_refund(*, refund: dict) -> Refund | None:
    """Record what Stripe says about one Refund (an API answer or a refund event's object).

    One Refund row per Stripe refund id (a row this app made before asking Stripe is found
    through `metadata.refund_request`). Under the pledge's row lock the pledge's refunded amount
    is rebuilt from its succeeded rows and the campaign moves by the difference, so duplicate,
    concurrent and out-of-order events are harmless and a failed or canceled refund gives the
    money back. Returns the row, or None when the refund names no known pledge. Raises
    ValueError/KeyError/TypeError for a refund object that is not Stripe-shaped.
    """
    stripe_id = _stripe_id(refund["id"])
    amount = _int_amount(refund.get("amount"))
    status = refund.get("status")
    if status not in _REFUND_RANK or status in (Refund.Status.REQUESTED, Refund.Status.ERRORED):
        raise ValueError("unknown refund status")
    metadata = refund.get("metadata") if isinstance(refund.get("metadata"), dict) else {}
    with transaction.atomic(savepoint=False):
        pledge = _locked_pledge_for_payment(
            metadata=metadata, payment_intent=_object_id(refund.get("payment_intent"))
        )
        if pledge is None:
            logger.info("Refund %s names no known pledge.", stripe_id)
            return None
        row = pledge.refunds.filter(stripe_refund_id=stripe_id).first()
        request_id = str(metadata.get("refund_request") or "")
        if row is None and request_id.isdigit():
            row = pledge.refunds.filter(pk=int(request_id), stripe_refund_id__isnull=True).first()
        if row is None:
            row = Refund(pledge=pledge, reason=(refund.get("reason") or "")[:40])
        if row.pk and _REFUND_RANK[status] < _REFUND_RANK[row.status]:
            return row  # An older state of this refund, delivered late.
        if row.status == Refund.Status.ERRORED:
            return row
        before = _standing(pledge)
        row.stripe_refund_id = stripe_id
        row.amount_minor = amount
        row.currency = (refund.get("currency") or pledge.currency).upper()[:3]
        row.status = status
        row.failure_reason = str(refund.get("failure_reason") or "")[:100]
        row.save()
        succeeded = pledge.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(
            total=Sum("amount_minor", default=0)
        )["total"]
        if succeeded > pledge.amount_minor:
            # Only corrupted data gets here: Stripe never refunds more than the charge.
            raise ValueError("refunds exceed the gift's amount")
        pledge.amount_refunded_minor = succeeded
        pledge.amount_withdrawn_minor = min(
            pledge.amount_withdrawn_minor, pledge.amount_minor - succeeded
        )
        _settle_counters(pledge, before)
    logger.info("Pledge %s refund %s is %s.", pledge.pk, stripe_id, status)
    return row


def pledge_record_refund(*, charge: dict) -> list[Refund]:
    """Apply a `charge.refunded` Charge: each refund it carries (older API versions embed
    `refunds.data`); newer versions carry none, and their refund.* events record them."""
    refunds = charge.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(data, list):
        return []
    rows = []
    for refund in data:
        refund = dict(refund)
        refund.setdefault("payment_intent", charge.get("payment_intent"))
        if isinstance(charge.get("metadata"), dict):
            refund["metadata"] = {**charge["metadata"], **(refund.get("metadata") or {})}
        rows.append(pledge_apply_refund(refund=refund))
    return [row for row in rows if row is not None]


def _dispute_withdrawn(dispute: Dispute) -> int:
    """What the dispute holds back now: a lost one all of it, a closed-in-our-favour one
    nothing, an open one its amount once funds were withdrawn and until they are reinstated."""
    if dispute.status == Dispute.Status.LOST:
        return dispute.amount_minor
    if dispute.status in (
        Dispute.Status.WON,
        Dispute.Status.WARNING_CLOSED,
        Dispute.Status.PREVENTED,
    ):
        return 0
    if dispute.funds_withdrawn_at and not dispute.funds_reinstated_at:
        return dispute.amount_minor
    return 0


def _timestamp(value) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def pledge_apply_dispute(*, dispute: dict, event_type: str = "") -> Dispute | None:
    """Record what Stripe says about a dispute; `event_type` is the event that carried it.

    One Dispute row per Stripe dispute id. Funds withdrawn lower the campaign's total and funds
    reinstated raise it, each once: the row keeps when each happened (from the event type or
    the dispute's balance transactions) and the pledge's withdrawn amount is rebuilt from its
    disputes under the pledge's row lock. A closed dispute never reopens. The first report of a
    dispute flags the pledge for staff. Returns the row, or None when it names no pledge.
    """
    stripe_id = _stripe_id(dispute["id"])
    amount = _int_amount(dispute.get("amount"))
    status = dispute.get("status")
    if status not in Dispute.Status.values:
        raise ValueError("unknown dispute status")
    with transaction.atomic(savepoint=False):
        pledge = _locked_pledge_for_payment(
            metadata=dispute.get("metadata"),
            payment_intent=_object_id(dispute.get("payment_intent")),
        )
        if pledge is None:
            logger.info("Dispute %s names no known pledge.", stripe_id)
            return None
        row = pledge.disputes.filter(stripe_dispute_id=stripe_id).first()
        first_report = row is None
        if row is None:
            row = Dispute(pledge=pledge, stripe_dispute_id=stripe_id)
        elif not row.is_open and status in Dispute.OPEN_STATUSES:
            status = row.status  # A late "updated" from before the dispute closed.
        before = _standing(pledge)
        now = timezone.now()
        row.amount_minor = amount
        row.currency = (dispute.get("currency") or pledge.currency).upper()[:3]
        row.status = status
        row.reason = str(dispute.get("reason") or "")[:60]
        evidence = dispute.get("evidence_details")
        if isinstance(evidence, dict) and _timestamp(evidence.get("due_by")):
            row.evidence_due_by = _timestamp(evidence.get("due_by"))
        movements = dispute.get("balance_transactions")
        amounts = [
            item.get("amount")
            for item in (movements if isinstance(movements, list) else [])
            if isinstance(item, dict) and isinstance(item.get("amount"), int)
        ]
        if event_type == "charge.dispute.funds_withdrawn" or any(a < 0 for a in amounts):
            row.funds_withdrawn_at = row.funds_withdrawn_at or now
        if event_type == "charge.dispute.funds_reinstated" or any(a > 0 for a in amounts):
            row.funds_reinstated_at = row.funds_reinstated_at or now
        row.withdrawn_minor = _dispute_withdrawn(row)
        row.save()
        withdrawn = pledge.disputes.aggregate(total=Sum("withdrawn_minor", default=0))["total"]
        pledge.amount_withdrawn_minor = min(
            withdrawn, pledge.amount_minor - pledge.amount_refunded_minor
        )
        if first_report:
            pledge.needs_review = True
            pledge.review_reason = (
                f"Disputed ({row.reason or 'no reason given'}): {row.amount_minor} {row.currency}."
            )[:255]
        _settle_counters(pledge, before)
    logger.info("Pledge %s dispute %s is %s.", pledge.pk, stripe_id, status)
    return row


def pledge_sync(*, pledge: Pledge, session_id: str | None = None) -> Pledge:
    """Ask Stripe for the pledge's session and apply what it says (paid, processing, expired).

    For the success page (before the webhook arrives) and `sync_pledges` (missed webhooks).
    A `session_id` that is not the pledge's stored session, or a session naming another pledge,
    changes nothing. Idempotent. Raises PaymentGatewayError if Stripe cannot be asked.
    """
    stored = pledge.stripe_checkout_session_id
    if session_id and stored and session_id != stored:
        return pledge
    session_id = stored or session_id
    if not session_id:
        return pledge
    session = stripe_gateway.checkout_session_retrieve(session_id)
    if _pledge_id_from_session(session) != pledge.pk:
        logger.warning("Session %s does not belong to pledge %s.", session_id, pledge.pk)
        return pledge
    if session.get("payment_status") == "paid" and session.get("mode") == "subscription":
        gift_link_subscription(session=session)
        invoice_id = _text_id(session.get("invoice"))
        if invoice_id:
            invoice = stripe_gateway.invoice_retrieve(invoice_id)
            pledge_apply_invoice(invoice=invoice, paid=invoice.get("status") == "paid")
    elif session.get("payment_status") == "paid":
        pledge_mark_paid(session=session)
    elif session.get("status") == "expired":
        pledge_mark_expired(session=session)
    elif session.get("status") == "complete":
        # A delayed payment: the session stays "complete, unpaid" even after the payment
        # fails, so ask the PaymentIntent.
        payment_intent = _object_id(session.get("payment_intent"))
        intent = stripe_gateway.payment_intent_retrieve(payment_intent) if payment_intent else {}
        if intent.get("status") in FAILED_INTENT_STATUSES:
            pledge_mark_failed(session=session)
        else:
            pledge_mark_processing(session=session)
    pledge.refresh_from_db()
    return pledge


# --- Staff actions ---------------------------------------------------------------------------


def pledge_refundable_minor(*, pledge: Pledge) -> int:
    """How much of the pledge can still be refunded, in minor units (0 if nothing).

    Refunds asked for and not yet failed hold their amount, so two staff members at once cannot
    refund more than the pledge has left; money a dispute withdrew is not refundable.
    """
    if pledge.counted_at is None or not pledge.stripe_payment_intent_id:
        return 0
    held = pledge.refunds.filter(status__in=REFUND_HOLDS).aggregate(
        total=Sum("amount_minor", default=0)
    )["total"]
    return max(pledge.amount_minor - held - pledge.amount_withdrawn_minor, 0)


def pledge_request_refund(
    *,
    pledge: Pledge,
    amount_minor: int | None = None,
    reason: str = "requested_by_customer",
    requested_by=None,
) -> Refund:
    """Refund all that is left of a paid pledge, or `amount_minor` of it, through Stripe.

    The Refund row is made (status "requested") under the pledge's row lock before Stripe is
    asked, with an idempotency key naming that row, then updated from Stripe's answer: a
    succeeded refund lowers the campaign's total at once; a pending one when Stripe's event
    says it succeeded. Raises ValidationError with code "nothing_to_refund", "disputed",
    "invalid_amount", "over_balance" or "invalid_reason" (nothing asked), or
    PaymentGatewayError when Stripe refused or could not be reached (the row then says
    "errored", or stays "requested" after a timeout, when Stripe may have made the refund).
    """
    if reason not in Refund.Reason.values:
        raise ValidationError("Choose a refund reason Stripe knows.", code="invalid_reason")
    with transaction.atomic():
        locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
        if locked.counted_at is None or not locked.stripe_payment_intent_id:
            raise ValidationError("Only a paid gift can be refunded.", code="nothing_to_refund")
        if locked.disputes.filter(status__in=Dispute.BLOCKS_REFUNDS).exists():
            raise ValidationError(
                "This payment is disputed; Stripe refuses refunds until the dispute closes.",
                code="disputed",
            )
        refundable = pledge_refundable_minor(pledge=locked)
        if refundable == 0:
            raise ValidationError(
                "Nothing is left to refund on this gift.", code="nothing_to_refund"
            )
        amount = refundable if amount_minor is None else amount_minor
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise ValidationError("Enter a refund amount above zero.", code="invalid_amount")
        if amount > refundable:
            raise ValidationError(
                f"At most {format_money(refundable, locked.currency)} is left to refund.",
                code="over_balance",
            )
        row = Refund.objects.create(
            pledge=locked,
            amount_minor=amount,
            currency=locked.currency,
            reason=reason,
            requested_by=requested_by,
        )
    try:
        answer = stripe_gateway.refund_create(
            payment_intent=locked.stripe_payment_intent_id,
            amount=amount,
            reason=reason or None,
            metadata={"pledge_id": str(locked.pk), "refund_request": str(row.pk)},
            idempotency_key=f"pledge-{locked.pk}-refund-{row.pk}",
        )
    except PaymentGatewayError as error:
        if error.status is not None:  # Stripe answered: no refund was made under this key.
            Refund.objects.filter(pk=row.pk, status=Refund.Status.REQUESTED).update(
                status=Refund.Status.ERRORED,
                failure_reason=(error.code or "error")[:100],
                updated_at=timezone.now(),
            )
        raise
    answer.setdefault("metadata", {})
    answer["metadata"] = {**answer["metadata"], "refund_request": str(row.pk)}
    pledge_apply_refund(refund=answer)
    row.refresh_from_db()
    return row


def pledge_erase_for_email(*, email: str) -> list:
    """Anonymise every pledge made with `email` (any case); amounts, status and Stripe ids stay.

    Clears the name, address, public message, IP hash, tracking values and what staff wrote
    in `review_reason` (the review flag itself stays); the pledge becomes anonymous and gets no
    updates. The admin history stops quoting the address or the name. Transactional and
    idempotent; returns the ids of the pledges this call erased. Callers erasing a supporter
    everywhere use `staff.services.supporter_erase`.
    """
    email = (email or "").strip()
    if not email:
        return []
    now = timezone.now()
    with transaction.atomic():
        found = list(
            Pledge.objects.select_for_update()
            .filter(email__iexact=email, erased_at__isnull=True)
            .values_list("pk", "name", "email")
        )
        if not found:
            return []
        ids = [pk for pk, _name, _email in found]
        Pledge.objects.filter(pk__in=ids).update(
            name="",
            email="",
            public_message="",
            is_anonymous=True,
            wants_updates=False,
            ip_hash="",
            source="",
            utm={},
            review_reason="",
            erased_at=now,
            updated_at=now,
        )
        quoted = {email} | {name for _pk, name, _e in found} | {e for _pk, _n, e in found}
        names = {part for _pk, name, _e in found for part in name.split()}
        history_scrub(
            model=Pledge, object_ids=ids, object_repr=ERASED_PLEDGE, quoted=quoted, names=names
        )
    return ids


ERASED_PLEDGE = "Erased gift"


def pledge_recount(*, campaign_ids: list[int] | None = None, dry_run: bool = False) -> list[dict]:
    """Rebuild each campaign's money counters from the pledge, refund and dispute rows.

    Per counted pledge the campaign keeps amount - succeeded refunds - money disputes hold
    back (never below zero); supporters are the counted pledges that keep something, renewals
    of monthly gifts excepted (their first payment counted the supporter). Returns
    one dict per campaign whose counters were (or, with `dry_run`, would be) changed.
    """
    refunded = (
        Refund.objects.filter(pledge=OuterRef("pk"), status=Refund.Status.SUCCEEDED)
        .values("pledge")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    withdrawn = (
        Dispute.objects.filter(pledge=OuterRef("pk"))
        .values("pledge")
        .annotate(total=Sum("withdrawn_minor"))
        .values("total")
    )
    campaigns = Campaign.objects.all()
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=campaign_ids)
    changes = []
    for campaign in campaigns.only("pk", "amount_collected_minor", "supporter_count").iterator():
        nets = (
            Pledge.objects.filter(campaign_id=campaign.pk, counted_at__isnull=False)
            .annotate(
                net=Greatest(
                    F("amount_minor")
                    - Coalesce(Subquery(refunded), 0)
                    - Coalesce(Subquery(withdrawn), 0),
                    0,
                )
            )
            .aggregate(
                collected=Sum("net", default=0),
                supporters=Count("pk", filter=Q(net__gt=0, renewal_of__isnull=True)),
            )
        )
        collected, supporters = nets["collected"], nets["supporters"]
        if (collected, supporters) == (campaign.amount_collected_minor, campaign.supporter_count):
            continue
        changes.append(
            {
                "campaign_id": campaign.pk,
                "amount_collected_minor": (campaign.amount_collected_minor, collected),
                "supporter_count": (campaign.supporter_count, supporters),
            }
        )
        if not dry_run:
            campaign_set_pledge_totals(
                campaign_id=campaign.pk,
                amount_collected_minor=collected,
                supporter_count=supporters,
            )
    return changes


def pledges_to_sync(*, older_than_minutes: int = 0):
    """Unsettled pledges with a Checkout Session, started at least `older_than_minutes` ago."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return Pledge.objects.filter(
        Q(status__in=UNSETTLED),
        stripe_checkout_session_id__isnull=False,
        created_at__lte=cutoff,
    ).order_by("created_at")


ABANDONED_AFTER = timedelta(hours=24)


def pledge_expire_abandoned(*, dry_run: bool = False) -> int:
    """Expire pending pledges that never reached Stripe and were left for a day.

    Only pledges without a Checkout Session qualify (Stripe was down when the supporter tried,
    and they did not try again): nothing can pay them, and a session, once created, expires
    on Stripe's side within 24 hours anyway. A conditional UPDATE, so it is safe to run while
    the supporter retries. Returns how many were (or, with `dry_run`, would be) expired.
    """
    abandoned = Pledge.objects.filter(
        status=Status.PENDING,
        stripe_checkout_session_id__isnull=True,
        created_at__lte=timezone.now() - ABANDONED_AFTER,
    )
    if dry_run:
        return abandoned.count()
    return abandoned.update(status=Status.EXPIRED, updated_at=timezone.now())


# --- Email ---------------------------------------------------------------------------------


CARD_BRANDS = {
    "amex": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


def pledge_receipt_context(*, pledge: Pledge) -> dict:
    """Everything the receipt templates (`pledges/email/receipt.*`) show, for any sender.

    Organisation name, registration, address and tax statement come from settings; the card's
    brand and last four digits from the pledge when Stripe gave them (`card_brand`,
    `card_last4`; shown only when both are set). Runs no queries beyond `pledge.campaign`.
    """
    brand = getattr(pledge, "card_brand", "") or ""
    last4 = getattr(pledge, "card_last4", "") or ""
    # A renewal's receipt carries its gift's manage link.
    gift = pledge.renewal_of if pledge.renewal_of_id else pledge
    return {
        "pledge": pledge,
        # Every monthly receipt carries the signed link that lets this supporter (only) manage
        # the gift in Stripe's Customer Portal.
        "manage_url": gift_manage_url(gift=gift) if gift.is_monthly_gift else "",
        "campaign": pledge.campaign,
        "amount": format_money(pledge.amount_minor, pledge.currency),
        "paid_at": pledge.paid_at or pledge.counted_at,
        "reference": str(pledge.pk),
        "card": (
            f"{CARD_BRANDS.get(brand.lower(), brand.title())} ending in {last4}"
            if brand and last4
            else ""
        ),
        "org_name": settings.ORG_LEGAL_NAME or settings.SITE_NAME,
        "org_registration": settings.ORG_REGISTRATION,
        "org_address": settings.ORG_ADDRESS,
        "tax_statement": settings.ORG_TAX_STATEMENT,
        "reply_to": settings.DEFAULT_FROM_EMAIL,
        "campaign_url": f"{settings.SITE_URL}{pledge.campaign.get_absolute_url()}",
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }


RECEIPT_EMAIL = "pledge_receipt"


def pledge_send_receipt(*, pledge_id) -> None:
    """Queue the receipt email through `core.mail`; the worker sends it, at most once.

    Call it inside the transaction that counts the pledge: the email is stored with the
    payment and survives a worker or mail server being down.
    """
    email_queue(
        kind=RECEIPT_EMAIL,
        object_id=pledge_id,
        build="pledges.services.pledge_receipt_message",
        on_sent="pledges.services.pledge_receipt_sent",
    )


def pledge_receipt_message(*, object_id) -> EmailMultiAlternatives | None:
    """The receipt for the worker to send; None if the pledge is not counted or has one."""
    pledge = (
        Pledge.objects.select_related("campaign", "renewal_of")
        .filter(pk=object_id, counted_at__isnull=False, receipt_sent_at__isnull=True)
        .first()
    )
    if pledge is None or not pledge.email:
        return None
    pledge.card_brand, pledge.card_last4 = _paying_card(pledge)
    context = pledge_receipt_context(pledge=pledge)
    subject = f"Your receipt: {context['amount']} given to {pledge.campaign.title}"[:200]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("pledges/email/receipt.txt", context),
        to=[pledge.email],
    )
    message.attach_alternative(render_to_string("pledges/email/receipt.html", context), "text/html")
    return message


def _paying_card(pledge: Pledge) -> tuple[str, str]:
    """The card's brand and last four digits for the receipt, asked of Stripe by the worker;
    ("", "") when Stripe gives none or cannot be reached (the receipt then names no card
    rather than waiting)."""
    if not pledge.stripe_payment_intent_id:
        return "", ""
    try:
        return stripe_gateway.payment_card(pledge.stripe_payment_intent_id)
    except PaymentGatewayError as error:
        logger.info("No card details for pledge %s's receipt: %s", pledge.pk, error.code)
        return "", ""


def pledge_receipt_sent(*, object_id, sent_at) -> None:
    """The worker's record that the receipt went out."""
    Pledge.objects.filter(pk=object_id, receipt_sent_at__isnull=True).update(
        receipt_sent_at=sent_at
    )


# --- Monthly giving (docs/monthly.md) ------------------------------------------------------
#
# A monthly gift is the Pledge the supporter made on the form (frequency "monthly"). Stripe
# bills it as a subscription; every invoice Stripe reports is applied once: the first pays and
# counts the gift itself (money and one supporter), each renewal becomes a Pledge of its own
# (`renewal_of` the gift) that adds money only. The unique invoice id on Pledge, taken under
# the gift's row lock, makes duplicate, concurrent and out-of-order invoice events count once.

GIFT_LIVE_STATUSES = ("active", "past_due")
MANAGE_LINK_SALT = "pledges.monthly-gift-manage"


def _gift_attach_customer(pledge: Pledge) -> None:
    """Give a monthly gift its Stripe Customer: one per supporter email, reused from an
    earlier gift here or found at Stripe, else created under the checkout attempt's key.

    Raises CheckoutRefused or PaymentGatewayError (the attempt moves on after an answered
    error, as for the Checkout Session itself).
    """
    email = pledge.email.strip()
    customer_id = (
        Pledge.objects.filter(email__iexact=email)
        .exclude(stripe_customer_id="")
        .order_by("-created_at")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    try:
        customer_id = (
            customer_id
            or stripe_gateway.customer_find(email=email)
            or stripe_gateway.customer_create(
                email=email,
                name=pledge.name,
                idempotency_key=f"pledge-{pledge.id}-customer-{pledge.checkout_attempt}",
            )
        )
    except PaymentGatewayError as error:
        if error.status is not None:
            _next_checkout_attempt(pledge)
            raise _refusal(pledge, error) or error from error
        raise
    Pledge.objects.filter(pk=pledge.pk).update(
        stripe_customer_id=customer_id, updated_at=timezone.now()
    )
    pledge.stripe_customer_id = customer_id


def _locked_gift(*, metadata, subscription_id: str) -> Pledge | None:
    """The monthly gift a subscription or invoice names (its metadata, else its subscription
    id), locked for the rest of the transaction; None if it names none."""
    gifts = Pledge.objects.select_for_update().filter(
        frequency=Pledge.Frequency.MONTHLY, renewal_of__isnull=True
    )
    pledge_id = metadata.get("pledge_id") if isinstance(metadata, dict) else None
    if pledge_id:
        try:
            return gifts.filter(pk=uuid.UUID(str(pledge_id))).first()
        except ValueError:
            return None
    if subscription_id:
        return gifts.filter(stripe_subscription_id=subscription_id).first()
    return None


def gift_link_subscription(*, session: dict) -> Pledge | None:
    """A paid subscription-mode Checkout Session: note the gift's Customer and Subscription.
    Counts nothing (the first invoice does). Idempotent; None if it names no pledge."""
    with transaction.atomic(savepoint=False):
        pledge = _locked_pledge(session)
        if pledge is None or not pledge.is_monthly_gift:
            return pledge
        if not _session_matches(pledge, session):
            _flag(pledge, f"Paid session {session.get('id')} is not this gift's session.")
            return pledge
        subscription_id = _text_id(session.get("subscription"))
        if pledge.stripe_subscription_id and subscription_id != pledge.stripe_subscription_id:
            _flag(pledge, f"Session {session.get('id')} names another subscription.")
            return pledge
        pledge.stripe_checkout_session_id = session["id"]
        pledge.stripe_subscription_id = subscription_id or pledge.stripe_subscription_id
        pledge.stripe_customer_id = _text_id(session.get("customer")) or pledge.stripe_customer_id
        pledge.subscription_status = pledge.subscription_status or "active"
        pledge.checkout_error = ""
        pledge.save()
    return pledge


def _text_id(value) -> str:
    """An id from a field holding an id or an expanded object; "" for anything else."""
    found = _object_id(value)
    return found[:255] if isinstance(found, str) else ""


def _invoice_subscription(invoice: dict) -> tuple[dict, str]:
    """(subscription metadata, subscription id) of an invoice, in the pinned API version's
    shape (`parent.subscription_details`) or the older top-level fields."""
    parent = invoice.get("parent") if isinstance(invoice.get("parent"), dict) else {}
    details = parent.get("subscription_details")
    if not isinstance(details, dict):
        details = invoice.get("subscription_details")
        details = dict(details) if isinstance(details, dict) else {}
        details.setdefault("subscription", invoice.get("subscription"))
    return details.get("metadata") or {}, _text_id(details.get("subscription"))


def _invoice_payment_intent(invoice: dict) -> str:
    payments = invoice.get("payments")
    for item in payments.get("data") or [] if isinstance(payments, dict) else []:
        payment = item.get("payment") if isinstance(item, dict) else None
        if isinstance(payment, dict) and _text_id(payment.get("payment_intent")):
            return _text_id(payment["payment_intent"])
    return _text_id(invoice.get("payment_intent"))


def pledge_apply_invoice(*, invoice: dict, paid: bool) -> Pledge | None:
    """Apply an `invoice.paid` (`paid`) or `invoice.payment_failed` invoice of a monthly gift.

    Under the gift's row lock: the subscription's first invoice pays and counts the gift
    (money and one supporter); any other invoice is one renewal row, made once per invoice id
    (a unique constraint), which a paid invoice counts (money only, receipt queued) and a
    failed one marks "failed" (counts nothing; a later `invoice.paid` for the same invoice
    still counts it). Duplicate, concurrent and out-of-order events count once. Returns the
    row the invoice paid or failed, or None when it names no gift. Raises ValueError and
    friends for an invoice that is not Stripe-shaped.
    """
    invoice_id = _stripe_id(invoice["id"])
    amount = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    if amount == 0:
        return None  # A free period (a coupon, a trial): nothing to count or chase.
    amount = _int_amount(amount)
    currency_code = str(invoice.get("currency") or "").upper()[:3]
    metadata, subscription_id = _invoice_subscription(invoice)
    with transaction.atomic(savepoint=False):
        gift = _locked_gift(metadata=metadata, subscription_id=subscription_id)
        if gift is None:
            logger.info("Invoice %s names no monthly gift; ignored.", invoice_id)
            return None
        if subscription_id and not gift.stripe_subscription_id:
            gift.stripe_subscription_id = subscription_id
            gift.save(update_fields=["stripe_subscription_id", "updated_at"])
        if invoice.get("billing_reason") == "subscription_create":
            if gift.stripe_invoice_id not in (None, invoice_id):
                _flag(gift, f"A second first invoice {invoice_id} for this gift.")
                return gift
            row = gift
        else:
            row = _renewal_row(gift, invoice_id=invoice_id, amount=amount, currency=currency_code)
        if row.counted_at is not None:
            return row  # Already paid and counted: a duplicate or a late failure.
        if not paid:
            if row.pk != gift.pk and row.status != Status.FAILED:
                row.status = Status.FAILED
                row.save(update_fields=["status", "updated_at"])
            logger.info("Monthly gift %s: invoice %s failed.", gift.pk, invoice_id)
            return row
        if amount != row.amount_minor or currency_code != row.currency.upper():
            _flag(
                row,
                f"Stripe reported {amount} {currency_code} for invoice {invoice_id}; the gift "
                f"is {row.amount_minor} {row.currency}. Not counted.",
            )
            return row
        before = _standing(row)
        now = timezone.now()
        row.stripe_invoice_id = invoice_id
        row.stripe_payment_intent_id = _invoice_payment_intent(invoice)
        row.paid_at = row.paid_at or now
        row.counted_at = now
        if row.pk == gift.pk:
            row.subscription_status = row.subscription_status or "active"
            row.checkout_error = ""
        _settle_counters(row, before)
        pledge_send_receipt(pledge_id=row.pk)  # queued in this transaction (core.mail)
    logger.info("Monthly gift %s: invoice %s paid and counted.", gift.pk, invoice_id)
    return row


def _renewal_row(gift: Pledge, *, invoice_id: str, amount: int, currency: str) -> Pledge:
    """The renewal Pledge for this invoice, made on first sight (the constraint on the invoice
    id, not a lookup, keeps it to one row)."""
    try:
        with transaction.atomic():
            return Pledge.objects.create(
                campaign_id=gift.campaign_id,
                renewal_of=gift,
                frequency=Pledge.Frequency.MONTHLY,
                stripe_invoice_id=invoice_id,
                amount_minor=amount,
                currency=currency or gift.currency,
                name=gift.name,
                email=gift.email,
                public_message="",
                is_anonymous=gift.is_anonymous,
                wants_updates=gift.wants_updates,
                consent_text=gift.consent_text,
                source="monthly_renewal",
                stripe_customer_id=gift.stripe_customer_id,
                stripe_subscription_id=gift.stripe_subscription_id,
                erased_at=gift.erased_at,
            )
    except IntegrityError:
        return Pledge.objects.select_for_update().get(stripe_invoice_id=invoice_id)


def pledge_apply_subscription(*, subscription: dict, deleted: bool = False) -> Pledge | None:
    """Reflect `customer.subscription.created/updated/deleted` on the monthly gift: Stripe's
    status, a cancellation scheduled for the period's end, the end. A canceled gift never
    comes back (a late "updated" is ignored). Idempotent; None if it names no gift."""
    subscription_id = _stripe_id(subscription["id"])
    status = "canceled" if deleted else subscription.get("status")
    if not isinstance(status, str) or not 0 < len(status) <= 30:
        raise ValueError("unknown subscription status")
    with transaction.atomic(savepoint=False):
        gift = _locked_gift(metadata=subscription.get("metadata"), subscription_id=subscription_id)
        if gift is None:
            logger.info("Subscription %s names no monthly gift; ignored.", subscription_id)
            return None
        if gift.stripe_subscription_id not in (None, subscription_id):
            logger.warning("Subscription %s is not gift %s's.", subscription_id, gift.pk)
            return gift
        if gift.subscription_status == "canceled":
            return gift
        now = timezone.now()
        gift.stripe_subscription_id = subscription_id
        gift.stripe_customer_id = _text_id(subscription.get("customer")) or gift.stripe_customer_id
        gift.subscription_status = status
        gift.cancel_at_period_end = subscription.get("cancel_at_period_end") is True
        if gift.cancel_at_period_end or status == "canceled":
            gift.subscription_canceled_at = (
                _timestamp(subscription.get("canceled_at")) or gift.subscription_canceled_at or now
            )
        else:
            gift.subscription_canceled_at = None  # The supporter changed their mind.
        if status == "canceled":
            gift.subscription_ended_at = _timestamp(subscription.get("ended_at")) or now
        gift.save()
    logger.info("Monthly gift %s subscription is %s.", gift.pk, status)
    return gift


def gift_manage_token(*, gift: Pledge) -> str:
    """A signed token naming this gift and its Stripe Customer; `gift_from_manage_token` reads
    it for `settings.MONTHLY_MANAGE_LINK_MAX_AGE` seconds."""
    return signing.dumps([str(gift.pk), gift.stripe_customer_id], salt=MANAGE_LINK_SALT)


def gift_manage_url(*, gift: Pledge) -> str:
    """The absolute "manage your monthly gift" link for receipts."""
    query = urlencode({"t": gift_manage_token(gift=gift)})
    return f"{settings.SITE_URL}{reverse('pledges:manage')}?{query}"


def gift_from_manage_token(*, token: str) -> Pledge:
    """The monthly gift a manage link names. Raises ValidationError with code "expired" (an
    old link: a newer receipt has a fresh one) or "invalid" (tampered with, not a gift, or a
    gift whose Stripe Customer is no longer the one the link was made for, as after erasure).
    """
    try:
        gift_id, customer_id = signing.loads(
            token, salt=MANAGE_LINK_SALT, max_age=settings.MONTHLY_MANAGE_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError("This link has expired.", code="expired") from None
    except (signing.BadSignature, TypeError, ValueError):
        raise ValidationError("This link is not valid.", code="invalid") from None
    try:
        gift = (
            Pledge.objects.select_related("campaign")
            .filter(pk=uuid.UUID(str(gift_id)), frequency=Pledge.Frequency.MONTHLY)
            .filter(renewal_of__isnull=True)
            .first()
        )
    except ValueError:
        gift = None
    if (
        gift is None
        or gift.erased_at is not None
        or not customer_id
        or gift.stripe_customer_id != customer_id
    ):
        raise ValidationError("This link is not valid.", code="invalid")
    return gift


def gift_portal_url(*, gift: Pledge) -> str:
    """A Stripe Customer Portal session for the gift's Customer (and only theirs); returns its
    URL. Changes made there come back through webhooks. Raises PaymentGatewayError."""
    return_url = f"{settings.SITE_URL}{gift.campaign.get_absolute_url()}"
    return stripe_gateway.billing_portal_session_create(
        customer_id=gift.stripe_customer_id, return_url=return_url
    )


def subscription_cancel_for_email(*, email: str) -> int:
    """For erasure: cancel at Stripe every live monthly gift made with `email`, mark them
    canceled here, and redact (clear email and name of) the supporter's Stripe Customers.

    Call it before the pledges are anonymised (it finds them by email). Idempotent; returns
    how many subscriptions were canceled. Raises PaymentGatewayError when Stripe cannot be
    reached (nothing here is changed for the gifts not yet canceled: run it again).
    """
    email = (email or "").strip()
    if not email:
        return 0
    mine = Pledge.objects.filter(email__iexact=email)
    # The gifts the erasure confirmation page listed: one definition of a gift Stripe bills.
    gifts = list(monthly_gifts_for_emails(emails=[email]))
    now = timezone.now()
    for gift in gifts:
        stripe_gateway.subscription_cancel(subscription_id=gift.stripe_subscription_id)
        Pledge.objects.filter(pk=gift.pk).update(
            subscription_status="canceled",
            cancel_at_period_end=False,
            subscription_canceled_at=Coalesce(F("subscription_canceled_at"), now),
            subscription_ended_at=now,
            updated_at=now,
        )
    customers = set(
        mine.exclude(stripe_customer_id="").values_list("stripe_customer_id", flat=True)
    )
    for customer_id in sorted(customers):
        stripe_gateway.customer_redact(customer_id=customer_id)
    if gifts:
        logger.info("Erasure canceled %s monthly gift(s).", len(gifts))
    return len(gifts)
