"""Business rules for pledges: the only code that creates or changes a Pledge.

A pledge counts toward its campaign exactly once, when Stripe confirms payment: `counted_at` is
set under a row lock in the same transaction that calls `campaigns.services`, so duplicate,
concurrent and out-of-order webhook deliveries (and the success page racing the webhook) can
never count it twice. Log lines name pledges by id only, never by name or email.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import (
    campaign_record_payment,
    campaign_record_refund,
    campaign_set_pledge_totals,
)
from core.history import history_scrub
from core.money import format_money
from pledges import stripe_gateway
from pledges.models import Pledge
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
) -> Pledge:
    """Create a pending pledge in the campaign's currency. Counts nothing yet.

    `form_token` makes a re-posted form (double click, retry after an outage) return the pledge
    it created the first time, as long as campaign, amount and email are the same and that
    pledge is not over (failed or expired); the unique constraint on the token, not a lookup
    first, guarantees one pledge per submission. Raises ValidationError (code "closed") when
    the campaign does not take pledges now.
    """
    if not (campaign.pledges_enabled and campaign.is_open()):
        raise ValidationError("This campaign is not taking pledges.", code="closed")
    fields = {
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
    same = (earlier.campaign_id, earlier.amount_minor, earlier.email) == (
        campaign.pk,
        amount_minor,
        email,
    )
    if same and earlier.status not in (Status.FAILED, Status.EXPIRED):
        return earlier
    # The supporter changed the form, or its first pledge is over: a new pledge, new token.
    return Pledge.objects.create(form_token=uuid.uuid4(), **fields)


def _checkout_idempotency_key(pledge: Pledge) -> str:
    return f"pledge-{pledge.id}-checkout"


def pledge_start_checkout(*, pledge: Pledge) -> str:
    """Create (or, on a retry, get back) the pledge's Checkout Session; return its URL.

    The idempotency key comes from the pledge, so a double submit or a retry after a timeout
    gets the same session. On PaymentGatewayError the pledge stays pending with
    `checkout_error` set, and the error is raised for the caller to show.
    """
    thanks_path = reverse("pledges:thanks", kwargs={"pledge_id": pledge.id})
    campaign = pledge.campaign
    try:
        session = stripe_gateway.checkout_session_create(
            idempotency_key=_checkout_idempotency_key(pledge),
            amount_minor=pledge.amount_minor,
            currency=pledge.currency,
            product_name=f"Pledge to {campaign.title}"[:250],
            customer_email=pledge.email,
            client_reference_id=str(pledge.id),
            metadata={"pledge_id": str(pledge.id), "campaign": campaign.slug},
            success_url=f"{settings.SITE_URL}{thanks_path}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{settings.SITE_URL}{campaign.get_absolute_url()}?pledge=cancelled",
        )
    except PaymentGatewayError as error:
        Pledge.objects.filter(pk=pledge.pk).update(
            checkout_error=str(error)[:255], updated_at=timezone.now()
        )
        pledge.checkout_error = str(error)[:255]
        raise
    pledge.stripe_checkout_session_id = session["id"]
    pledge.checkout_error = ""
    pledge.save(update_fields=["stripe_checkout_session_id", "checkout_error", "updated_at"])
    return session["url"]


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
    review). The receipt email is queued for after the commit. Returns the pledge, or None if
    the session names no known pledge.
    """
    if session.get("payment_status") != "paid":
        return None
    with transaction.atomic():
        pledge = _locked_pledge(session)
        if pledge is None or pledge.counted_at is not None:
            return pledge
        if not _session_matches(pledge, session):
            _flag(pledge, f"Paid session {session.get('id')} is not this pledge's session.")
            return pledge
        amount, currency = session.get("amount_total"), (session.get("currency") or "").upper()
        if amount != pledge.amount_minor or currency != pledge.currency.upper():
            _flag(
                pledge,
                f"Stripe reported {amount} {currency}; the pledge is "
                f"{pledge.amount_minor} {pledge.currency}. Not counted.",
            )
            return pledge
        now = timezone.now()
        pledge.paid_at = pledge.paid_at or now
        pledge.counted_at = now
        pledge.stripe_checkout_session_id = session["id"]
        pledge.stripe_payment_intent_id = (
            _object_id(session.get("payment_intent")) or pledge.stripe_payment_intent_id
        )
        pledge.checkout_error = ""
        pledge.status = _status_after_refunds(pledge)
        pledge.save()
        campaign_record_payment(campaign_id=pledge.campaign_id, amount_minor=pledge.amount_minor)
        if pledge.amount_refunded_minor:
            # A refund event overtook the payment event: take it off now the payment counts.
            campaign_record_refund(
                campaign_id=pledge.campaign_id,
                amount_minor=pledge.amount_refunded_minor,
                supporter_lost=pledge.status == Status.REFUNDED,
            )
        if send_receipt:
            pledge_id = pledge.pk
            transaction.on_commit(lambda: pledge_send_receipt(pledge_id=pledge_id))
    logger.info("Pledge %s paid and counted.", pledge.pk)
    return pledge


def _move_unsettled(session: dict, *, to: str) -> Pledge | None:
    """Move a pending/processing pledge to `to`; never touches a counted (paid) pledge."""
    with transaction.atomic():
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
    pledge_id = (metadata or {}).get("pledge_id")
    queryset = Pledge.objects.select_for_update()
    if pledge_id:
        try:
            return queryset.filter(pk=uuid.UUID(pledge_id)).first()
        except ValueError:
            return None
    if payment_intent:
        return queryset.filter(stripe_payment_intent_id=payment_intent).first()
    return None


def pledge_record_refund(*, charge: dict) -> Pledge | None:
    """Apply a `charge.refunded` Charge: take the newly refunded amount off the campaign.

    The Charge carries the cumulative `amount_refunded`; under the row lock only the increase
    since the last one seen is subtracted, so repeated, concurrent or out-of-order refund events
    are harmless. Fully refunded: status refunded and the campaign loses the supporter.
    Returns the pledge, or None if the charge names no known pledge.
    """
    payment_intent = _object_id(charge.get("payment_intent"))
    with transaction.atomic():
        pledge = _locked_pledge_for_payment(
            metadata=charge.get("metadata"), payment_intent=payment_intent
        )
        if pledge is None:
            logger.info("Refunded charge %s names no known pledge.", charge.get("id"))
            return None
        if payment_intent and pledge.stripe_payment_intent_id not in ("", payment_intent):
            _flag(pledge, f"Refund on payment {payment_intent}, not this pledge's payment.")
            return pledge
        total = int(charge.get("amount_refunded") or 0)
        increase = total - pledge.amount_refunded_minor
        if increase <= 0:
            return pledge
        if total > pledge.amount_minor:
            _flag(pledge, f"Stripe reports {total} refunded, more than the pledge's amount.")
            return pledge
        pledge.amount_refunded_minor = total
        if payment_intent:
            pledge.stripe_payment_intent_id = payment_intent
        if pledge.counted_at is not None:
            pledge.status = _status_after_refunds(pledge)
            campaign_record_refund(
                campaign_id=pledge.campaign_id,
                amount_minor=increase,
                supporter_lost=pledge.status == Status.REFUNDED,
            )
        pledge.save()
    logger.info("Pledge %s refund recorded (%s more).", pledge.pk, increase)
    return pledge


def pledge_flag_dispute(*, dispute: dict) -> Pledge | None:
    """Flag a disputed pledge for staff (a chargeback). Amounts are left to the refund events."""
    with transaction.atomic():
        pledge = _locked_pledge_for_payment(
            metadata=dispute.get("metadata"),
            payment_intent=_object_id(dispute.get("payment_intent")),
        )
        if pledge is None:
            logger.info("Dispute %s names no known pledge.", dispute.get("id"))
            return None
        _flag(
            pledge,
            f"Disputed ({dispute.get('reason') or 'no reason given'}): "
            f"{dispute.get('amount')} {(dispute.get('currency') or pledge.currency).upper()}.",
        )
    return pledge


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
    if session.get("payment_status") == "paid":
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


def pledge_request_refund(*, pledge: Pledge, amount_minor: int | None = None) -> dict:
    """Ask Stripe to refund the pledge (all that remains, or `amount_minor`).

    Records nothing: the refund is recorded when Stripe's `charge.refunded` event arrives.
    Raises ValidationError (code "not_refundable" or "invalid_amount") or PaymentGatewayError.
    """
    remaining = pledge.amount_minor - pledge.amount_refunded_minor
    if pledge.counted_at is None or not pledge.stripe_payment_intent_id or remaining <= 0:
        raise ValidationError("Only a paid pledge can be refunded.", code="not_refundable")
    if amount_minor is not None and not 0 < amount_minor <= remaining:
        raise ValidationError(
            f"Refund between 1 and {remaining} minor units.", code="invalid_amount"
        )
    amount = amount_minor or remaining
    return stripe_gateway.refund_create(
        payment_intent=pledge.stripe_payment_intent_id,
        amount=amount,
        # A double click asks once; a later refund (after this one is recorded) gets a new key.
        idempotency_key=f"pledge-{pledge.id}-refund-{pledge.amount_refunded_minor}-{amount}",
    )


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


ERASED_PLEDGE = "Erased pledge"


def pledge_recount(*, campaign_ids: list[int] | None = None, dry_run: bool = False) -> list[dict]:
    """Rebuild each campaign's money counters from the counted pledge rows.

    Collected = sum of (amount - refunded) over counted pledges; supporters = counted pledges
    not fully refunded. Returns one dict per campaign whose counters were (or, with `dry_run`,
    would be) changed.
    """
    campaigns = Campaign.objects.all()
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=campaign_ids)
    changes = []
    for campaign in campaigns.only("pk", "amount_collected_minor", "supporter_count").iterator():
        counted = Pledge.objects.filter(campaign_id=campaign.pk, counted_at__isnull=False)
        totals = counted.aggregate(paid=Sum("amount_minor"), refunded=Sum("amount_refunded_minor"))
        collected = (totals["paid"] or 0) - (totals["refunded"] or 0)
        supporters = counted.filter(amount_refunded_minor__lt=F("amount_minor")).count()
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


def pledge_send_receipt(*, pledge_id) -> bool:
    """Email the receipt for a counted pledge; sets `receipt_sent_at`. Sends at most once.

    Runs after the payment's transaction commits. A failed send is logged (pledge id only) and
    returns False; the pledge is unaffected.
    """
    pledge = (
        Pledge.objects.select_related("campaign")
        .filter(pk=pledge_id, counted_at__isnull=False, receipt_sent_at__isnull=True)
        .first()
    )
    if pledge is None or not pledge.email:
        return False
    context = {
        "pledge": pledge,
        "campaign": pledge.campaign,
        "amount": format_money(pledge.amount_minor, pledge.currency),
        "campaign_url": f"{settings.SITE_URL}{pledge.campaign.get_absolute_url()}",
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = f"Your receipt: {context['amount']} pledged to {pledge.campaign.title}"[:200]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("pledges/email/receipt.txt", context),
        to=[pledge.email],
    )
    message.attach_alternative(render_to_string("pledges/email/receipt.html", context), "text/html")
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - any mail failure is logged; the payment stands.
        # The error's type only: SMTP errors quote the recipient's address.
        logger.error("Receipt email for pledge %s failed: %s", pledge.pk, type(error).__name__)
        return False
    Pledge.objects.filter(pk=pledge.pk, receipt_sent_at__isnull=True).update(
        receipt_sent_at=timezone.now()
    )
    return True
