"""The one sender of supporter email (confirmation, resend, receipt): queued, retried, leased.

How an email travels:

1. `email_queue(...)` runs inside the caller's transaction: it stores an `EmailDelivery` row
   and a task for the worker (django-tasks-db keeps tasks in the same database), so the email
   exists exactly when the signature or payment that needs it commits. Nothing is sent on the
   request path, and the caller does the same work whether or not an email will go out.
2. The worker (`manage.py db_worker`) runs `email_deliver`. Under a row lock it decides
   (not needed, throttled, out of tries), then claims a lease of `MAIL_LEASE_SECONDS` and, in
   the same transaction, schedules its own follow-up for after the next backoff delay
   (`MAIL_RETRY_DELAYS`). It then renders and sends the message outside any transaction.
3. Sent: the row says so and `on_sent` records it on the signature or pledge. Failed: the row
   goes back to queued and the follow-up retries it; after the last try it is `failed`, shown
   to staff in the admin with a retry action. Killed mid-send: the follow-up finds the lease
   expired and tries again, so a dead worker delays an email by one lease at most.

Delivery is at least once: a crash between the SMTP server accepting a message and the row
being marked sent sends it again. Log lines name the delivery id, its kind and the error's type,
never an address: SMTP errors quote recipients, so no traceback is ever logged here.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import EmailDelivery

logger = logging.getLogger(__name__)

Status = EmailDelivery.Status
# Deliveries left behind (their task lost with a database outage) are picked up this late.
OVERDUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 20


def max_attempts() -> int:
    """Tries per email: the first plus one after each of MAIL_RETRY_DELAYS."""
    return len(settings.MAIL_RETRY_DELAYS) + 1


def email_queue(
    *,
    kind: str,
    object_id,
    build: str,
    on_sent: str = "",
    throttle: timedelta | None = None,
) -> None:
    """Queue one supporter email; call it inside the transaction that makes the email needed.

    `build` and `on_sent` are dotted paths of module-level functions (see `EmailDelivery`).
    With `throttle`, the worker skips it when an email of the same kind for the same object
    was sent that recently. If one is already on its way (queued or sending), this joins it
    instead of adding a second (one waiting for its next try is tried now; without `throttle`
    it is no longer throttled). The same three statements run whether the email is new or
    joined, so a caller's timing says nothing about which.
    """
    object_id = str(object_id)
    now = timezone.now()
    # Joins the caller's transaction without a savepoint: the insert ignores its conflict
    # rather than raising, so there is nothing to roll back to.
    with transaction.atomic(savepoint=False):
        # `one_active_delivery_per_email` turns a second one into a no-op: no exception path.
        EmailDelivery.objects.bulk_create(
            [
                EmailDelivery(
                    kind=kind,
                    object_id=object_id,
                    build=build,
                    on_sent=on_sent,
                    throttle_seconds=int(throttle.total_seconds()) if throttle else 0,
                    next_attempt_at=now,
                )
            ],
            ignore_conflicts=True,
        )
        EmailDelivery.objects.filter(kind=kind, object_id=object_id, status=Status.QUEUED).update(
            next_attempt_at=now, **({} if throttle else {"throttle_seconds": 0})
        )
        email_deliver.enqueue(kind=kind, object_id=object_id)


def email_retry(*, delivery: EmailDelivery) -> bool:
    """Staff's retry of a failed delivery: queue the same email afresh, with every try again.

    Returns False (and does nothing) if this one is not failed.
    """
    if delivery.status != Status.FAILED:
        return False
    email_queue(
        kind=delivery.kind,
        object_id=delivery.object_id,
        build=delivery.build,
        on_sent=delivery.on_sent,
    )
    return True


@task
def email_deliver(*, kind: str, object_id: str) -> str:
    """The worker's task: one attempt at the email of `kind` for `object_id` on its way.

    Returns what happened, for the task log.

    Never raises: an exception would put its traceback (with the recipient, for SMTP errors)
    into the task table and the worker's log. Its follow-up, scheduled before sending, retries.
    """
    try:
        outcome = _attempt(kind, object_id)
    except Exception as error:  # noqa: BLE001 - logged by type; the follow-up task retries.
        logger.error("Email %s for %s stopped: %s", kind, object_id, type(error).__name__)
        return "error"
    try:
        _sweep_overdue()
    except Exception as error:  # noqa: BLE001 - the sweep is a safety net; never fail the send.
        logger.warning("Email sweep stopped: %s", type(error).__name__)
    return outcome


def _claim(kind: str, object_id: str) -> tuple[EmailDelivery | None, str]:
    """Decide and, when sending, claim the lease and schedule the follow-up (one transaction)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .filter(kind=kind, object_id=object_id, status__in=EmailDelivery.ACTIVE)
            .first()
        )
        if delivery is None:
            return None, "nothing_on_its_way"  # Sent, skipped or failed already.
        if delivery.status == Status.SENDING and delivery.lease_expires_at > now:
            return None, "leased"  # Another attempt is sending; its follow-up covers a crash.
        if delivery.status == Status.QUEUED and delivery.next_attempt_at > now:
            return None, "not_due"  # Waiting out a backoff; its scheduled task will send it.
        if delivery.attempts >= max_attempts():
            # The last try died with its worker (a try that fails marks it failed itself).
            delivery.status = Status.FAILED
            delivery.lease_expires_at = None
            delivery.last_error = delivery.last_error or "WorkerLost"
            delivery.save(update_fields=["status", "lease_expires_at", "last_error", "updated_at"])
            logger.error(
                "Email delivery %s (%s) failed after every try.", delivery.pk, delivery.kind
            )
            return None, Status.FAILED
        if delivery.throttle_seconds and (
            EmailDelivery.objects.filter(
                kind=delivery.kind,
                object_id=delivery.object_id,
                status=Status.SENT,
                sent_at__gte=now - timedelta(seconds=delivery.throttle_seconds),
            ).exists()
        ):
            delivery.status = Status.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return None, "throttled"
        lease = timedelta(seconds=settings.MAIL_LEASE_SECONDS)
        delays = settings.MAIL_RETRY_DELAYS or [settings.MAIL_LEASE_SECONDS]
        delay = timedelta(seconds=delays[min(delivery.attempts, len(delays) - 1)])
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.lease_expires_at = now + lease
        # The follow-up never runs before the lease ends, so it cannot race a live attempt.
        delivery.next_attempt_at = now + max(delay, lease)
        delivery.save()
        if email_deliver.get_backend().supports_defer:
            # (The immediate backend of some tests cannot defer: there, one try is all.)
            email_deliver.using(run_after=delivery.next_attempt_at).enqueue(
                kind=kind, object_id=object_id
            )
    return delivery, "claimed"


def _finish(delivery: EmailDelivery, **fields) -> bool:
    """Record this attempt's outcome, unless its lease was lost to a later attempt."""
    return bool(
        EmailDelivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts
        ).update(lease_expires_at=None, updated_at=timezone.now(), **fields)
    )


def _attempt(kind: str, object_id: str) -> str:
    delivery, outcome = _claim(kind, object_id)
    if delivery is None:
        return outcome
    try:
        message = import_string(delivery.build)(object_id=delivery.object_id)
        if message is None:  # Confirmed, erased, sent already: nothing to say any more.
            _finish(delivery, status=Status.SKIPPED)
            return "skipped"
        message.send()
    except Exception as error:  # noqa: BLE001 - any mail failure: type only, then retry.
        last = delivery.attempts >= max_attempts()
        _finish(
            delivery,
            status=Status.FAILED if last else Status.QUEUED,
            last_error=type(error).__name__[:100],
        )
        log = logger.error if last else logger.warning
        log(
            "Email delivery %s (%s) try %s of %s failed: %s.%s",
            delivery.pk,
            delivery.kind,
            delivery.attempts,
            max_attempts(),
            type(error).__name__,
            "" if last else f" Next try after {delivery.next_attempt_at:%H:%M:%S} UTC.",
        )
        return "failed" if last else "retrying"
    sent_at = timezone.now()
    if _finish(delivery, status=Status.SENT, sent_at=sent_at, last_error="") and delivery.on_sent:
        import_string(delivery.on_sent)(object_id=delivery.object_id, sent_at=sent_at)
    logger.info("Email delivery %s (%s) sent.", delivery.pk, delivery.kind)
    return "sent"


def _sweep_overdue() -> None:
    """Re-enqueue deliveries whose task was lost (say, the database failed as it was stored).

    A delivery is active with its next attempt long overdue only when no task is left to run
    it; a duplicate task is harmless, as every attempt decides under the row lock.
    """
    cutoff = timezone.now() - OVERDUE_AFTER
    overdue = EmailDelivery.objects.filter(
        status__in=EmailDelivery.ACTIVE, next_attempt_at__lt=cutoff
    ).values_list("pk", "kind", "object_id")[:SWEEP_BATCH]
    for delivery_id, kind, object_id in overdue:
        EmailDelivery.objects.filter(pk=delivery_id, next_attempt_at__lt=cutoff).update(
            next_attempt_at=timezone.now()
        )
        email_deliver.enqueue(kind=kind, object_id=object_id)
